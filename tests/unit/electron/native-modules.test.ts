import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isNativeImport, prebuildMatches, runtimeClosure, shouldCopy, stripNativeBuildLeftovers, type PackageManifest } from '../../../electron/native-modules.ts';

const projectDir = join(import.meta.dirname, '..', '..', '..');

describe('which imports stay out of the bundle', () => {
  it('keeps the natives and their subpaths external, and bundles everything else', () => {
    for (const id of ['better-sqlite3', 'serialport', 'node-hid', '@serialport/bindings-cpp', '@serialport/parser-readline', 'better-sqlite3/lib/database.js']) expect(isNativeImport(id), id).toBe(true);
    for (const id of ['zod', 'xstate', 'better-sqlite3-helper', 'serialport-extra', './serialport.ts', 'node-hidden']) expect(isNativeImport(id), id).toBe(false);
  });
});

describe('the natives\' runtime closure', () => {
  it('holds what the natives require at run time, nested versions where npm put them, and no install-time tools', () => {
    const closure = runtimeClosure(projectDir, ['better-sqlite3', 'serialport', 'node-hid']);
    const paths = closure.map((p) => p.path.split('\\').join('/'));
    for (const p of ['node_modules/better-sqlite3', 'node_modules/bindings', 'node_modules/file-uri-to-path', 'node_modules/serialport', 'node_modules/@serialport/bindings-cpp', 'node_modules/@serialport/stream', 'node_modules/node-gyp-build', 'node_modules/node-hid', 'node_modules/pkg-prebuilds']) {
      expect(paths, p).toContain(p);
    }
    const names = new Set(closure.map((p) => p.name));
    for (const n of ['prebuild-install', 'node-addon-api', 'node-gyp']) expect(names.has(n), n).toBe(false);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('resolves a nested version before the hoisted one, as Node does', () => {
    const tree: Record<string, PackageManifest> = {
      '/p/node_modules/a': { name: 'a', dependencies: { b: '2' } },
      '/p/node_modules/a/node_modules/b': { name: 'b' },
      '/p/node_modules/b': { name: 'b' },
    };
    const closure = runtimeClosure('/p', ['a'], (dir) => tree[dir] ?? null);
    expect(closure.map((p) => p.path)).toEqual(['node_modules/a', 'node_modules/a/node_modules/b']);
  });

  it('names a missing dependency and who needs it; skips a missing optional one', () => {
    const tree: Record<string, PackageManifest> = {
      '/p/node_modules/a': { name: 'a', dependencies: { gone: '1' }, optionalDependencies: { maybe: '1' } },
    };
    expect(() => runtimeClosure('/p', ['a'], (dir) => tree[dir] ?? null)).toThrow(/gone \(needed by a\) is not installed/);
    const tree2: Record<string, PackageManifest> = { '/p/node_modules/a': { name: 'a', optionalDependencies: { maybe: '1' } } };
    expect(runtimeClosure('/p', ['a'], (dir) => tree2[dir] ?? null)).toHaveLength(1);
  });

  it('never looks above the project folder', () => {
    const tree: Record<string, PackageManifest> = { '/p/node_modules/a': { name: 'a', dependencies: { outside: '1' } }, '/node_modules/outside': { name: 'outside' } };
    expect(() => runtimeClosure('/p', ['a'], (dir) => tree[dir] ?? null)).toThrow(/outside/);
  });
});

describe('what is copied of each package', () => {
  it('keeps the prebuilt binaries of the target platform only', () => {
    expect(prebuildMatches('HID-linux-x64', 'linux', 'x64')).toBe(true);
    expect(prebuildMatches('HID_hidraw-linux-x64', 'linux', 'x64')).toBe(true);
    expect(prebuildMatches('HID-linux-x64-musl', 'linux', 'x64')).toBe(true);
    expect(prebuildMatches('HID-linux-arm64', 'linux', 'x64')).toBe(false);
    expect(prebuildMatches('HID-win32-x64', 'linux', 'x64')).toBe(false);
    expect(prebuildMatches('darwin-x64+arm64', 'darwin', 'arm64')).toBe(true);
    expect(prebuildMatches('win32-x64', 'win32', 'x64')).toBe(true);
    expect(prebuildMatches('something-else', 'linux', 'x64')).toBe(true);
  });

  it("keeps better-sqlite3's sources for Forge's rebuild but not its object files", () => {
    const copy = (p: string) => shouldCopy('better-sqlite3', p, 'linux', 'x64');
    for (const p of ['lib/index.js', 'package.json', 'binding.gyp', 'deps/sqlite3/sqlite3.c', 'src/better_sqlite3.cpp', 'build', 'build/Release', 'build/Release/better_sqlite3.node']) expect(copy(p), p).toBe(true);
    for (const p of ['build/Release/obj.target', 'build/Release/obj', 'build/Release/test_extension.node', 'build/Release/sqlite3.a', 'build/deps', 'build/Makefile', 'node_modules/x']) expect(copy(p), p).toBe(false);
    expect(shouldCopy('node-hid', 'prebuilds/HID-win32-x64/node-napi-v4.node', 'linux', 'x64')).toBe(false);
    expect(shouldCopy('node-hid', 'prebuilds/HID-linux-x64/node-napi-v4.node', 'linux', 'x64')).toBe(true);
  });
});

describe('after the rebuild', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("removes better-sqlite3's sources and object files, keeping the addon and the JavaScript", () => {
    const build = mkdtempSync(join(tmpdir(), 'kassa-strip-'));
    dirs.push(build);
    const pkg = join(build, 'node_modules', 'better-sqlite3');
    for (const dir of ['lib', 'deps/sqlite3', 'src', 'build/Release/obj.target', 'build/deps']) mkdirSync(join(pkg, dir), { recursive: true });
    for (const file of ['lib/index.js', 'package.json', 'deps/sqlite3/sqlite3.c', 'src/a.cpp', 'build/Release/better_sqlite3.node', 'build/Release/test_extension.node', 'build/Makefile']) writeFileSync(join(pkg, file), 'x');
    const removed = stripNativeBuildLeftovers(build);
    expect(removed.length).toBeGreaterThan(0);
    expect(readdirSync(pkg).sort()).toEqual(['build', 'lib', 'package.json']);
    expect(readdirSync(join(pkg, 'build'))).toEqual(['Release']);
    expect(readdirSync(join(pkg, 'build', 'Release'))).toEqual(['better_sqlite3.node']);
    expect(stripNativeBuildLeftovers(join(build, 'nothing-here'))).toEqual([]);
  });
});
