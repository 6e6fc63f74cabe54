import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import type { UserConfig } from 'vite';
import type ViteConfigModule from '@electron-forge/plugin-vite/dist/ViteConfig.js';
import config from '../../../forge.config.ts';
import { rendererRoots } from '../../../electron/windows.ts';

const projectDir = join(import.meta.dirname, '..', '..', '..');
// Forge's own resolution of the Vite configs (CommonJS, `exports.default`).
const { default: ViteConfigGenerator } = createRequire(import.meta.url)('@electron-forge/plugin-vite/dist/ViteConfig.js') as typeof ViteConfigModule;
const plugins = (config.plugins ?? []) as unknown as { name: string; config?: unknown; fusesConfig?: unknown; getHooks(): Record<string, unknown> }[];
const plugin = (name: string) => {
  const found = plugins.find((p) => p.name === name);
  if (!found) throw new Error(`no ${name} plugin in forge.config.ts`);
  return found;
};

describe('forge.config.ts', () => {
  it('makes a deb, an rpm, a zip and a Squirrel installer', () => {
    const makers = (config.makers ?? []) as unknown as { name: string; platforms: string[] }[];
    expect(makers.map((m) => m.name).sort()).toEqual(['deb', 'rpm', 'squirrel', 'zip']);
    expect(makers.find((m) => m.name === 'zip')!.platforms.sort()).toEqual(['linux', 'win32']);
    expect(makers.find((m) => m.name === 'squirrel')!.platforms).toEqual(['win32']);
    expect(makers.find((m) => m.name === 'deb')!.platforms).toEqual(['linux']);
  });

  it('sets the fuses the reference lists', () => {
    expect(plugin('fuses').fusesConfig).toEqual({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
  });

  it('packs an asar and unpacks every native .node file from it', async () => {
    expect(config.packagerConfig?.asar).toBe(true);
    const resolve = plugin('auto-unpack-natives').getHooks().resolveForgeConfig as (c: Partial<ResolvedForgeConfig>) => Promise<ResolvedForgeConfig>;
    const resolved = await resolve({ packagerConfig: { ...config.packagerConfig } });
    expect(resolved.packagerConfig.asar).toMatchObject({ unpack: expect.stringContaining('*.node') });
    expect(config.rebuildConfig).toEqual({ onlyModules: ['better-sqlite3'], force: true });
  });

  it('builds main, the core process and the preload with Vite, and the renderer named "pos"', () => {
    const vite = plugin('vite').config as { build: { entry: string; config: string; target: string }[]; renderer: { name: string; config: string }[] };
    expect(vite.build.map((b) => [b.entry, b.target])).toEqual([
      ['electron/main.ts', 'main'],
      ['electron/core-process.ts', 'main'],
      ['electron/preload.ts', 'preload'],
    ]);
    expect(vite.renderer.map((r) => r.name)).toEqual(['pos']);
    for (const file of [...vite.build.flatMap((b) => [b.entry, b.config]), ...vite.renderer.map((r) => r.config)]) {
      expect(existsSync(join(projectDir, file)), file).toBe(true);
    }
  });
});

describe('the Vite builds as Forge resolves them', () => {
  const viteConfig = () => plugin('vite').config as ConstructorParameters<typeof ViteConfigGenerator>[0];
  const generator = () => new ViteConfigGenerator(viteConfig(), projectDir, true);

  it('makes main and the core process ES modules with the natives and node: builtins external', async () => {
    const builds = (await generator().getBuildConfigs()) as UserConfig[];
    const [main, core, preload] = builds;
    for (const [built, entry] of [[main, 'electron/main.ts'], [core, 'electron/core-process.ts']] as const) {
      const lib = built!.build!.lib as { entry: string; formats: string[]; fileName: (f: string, n: string) => string };
      expect(lib.entry).toBe(entry);
      expect(lib.formats).toEqual(['es']);
      const external = built!.build!.rollupOptions!.external as (string | RegExp)[];
      const isExternal = (id: string) => external.some((e) => (typeof e === 'string' ? e === id : e.test(id)));
      for (const id of ['better-sqlite3', 'serialport', '@serialport/bindings-cpp', 'node-hid', 'electron', 'node:sqlite', 'node:fs']) expect(isExternal(id), id).toBe(true);
      for (const id of ['zod', 'xstate', 'ws']) expect(isExternal(id), id).toBe(false);
      expect(String((built!.build!.rollupOptions!.output as { banner: string }).banner)).toContain('createRequire');
    }
    const output = preload!.build!.rollupOptions!.output as { format: string };
    expect(output.format).toBe('cjs');
  });

  it("puts the renderer where main serves app://pos/ from", async () => {
    const [renderer] = (await generator().getRendererConfig()) as UserConfig[];
    const outDir = renderer!.build!.outDir!;
    expect(join(outDir)).toBe(rendererRoots(join(projectDir, '.vite', 'build'), true, join)[0]);
  });
});

describe('the natives in the package', () => {
  const build = mkdtempSync(join(tmpdir(), 'kassa-package-'));
  afterAll(() => rmSync(build, { recursive: true, force: true }));

  it('packageAfterCopy copies the natives with what they require, and they load from the copy', async () => {
    await config.hooks!.packageAfterCopy!(config as ResolvedForgeConfig, build, '40.10.2', 'linux', 'x64');
    const requireFromApp = createRequire(join(build, '.vite', 'build', 'core-process.js'));
    const Database = requireFromApp('better-sqlite3') as new (file: string) => { prepare(sql: string): { get(): unknown }; close(): void };
    const db = new Database(':memory:');
    expect(db.prepare('select 6 * 7 as answer').get()).toEqual({ answer: 42 });
    db.close();
    expect(requireFromApp.resolve('better-sqlite3')).toContain(build);
    const { SerialPort } = requireFromApp('serialport') as { SerialPort: unknown };
    expect(requireFromApp.resolve('serialport')).toContain(build);
    expect(typeof SerialPort).toBe('function');
    // Loading the bindings loads serialport's .node binary (node-gyp-build) from the copy.
    const bindings = requireFromApp('@serialport/bindings-cpp') as { autoDetect(): { list: unknown } };
    expect(typeof bindings.autoDetect().list).toBe('function');
    const hid = requireFromApp('node-hid') as { devices(): unknown[] };
    expect(requireFromApp.resolve('node-hid')).toContain(build);
    expect(typeof hid.devices).toBe('function');
    // Only this platform's prebuilt binaries, and no install-time tools.
    expect(readdirSync(join(build, 'node_modules', 'node-hid', 'prebuilds')).every((d) => d.includes('linux-x64'))).toBe(true);
    expect(existsSync(join(build, 'node_modules', 'prebuild-install'))).toBe(false);
    expect(existsSync(join(build, 'node_modules', 'node-addon-api'))).toBe(false);
    // The sources stay for Forge's rebuild of better-sqlite3 against Electron.
    expect(existsSync(join(build, 'node_modules', 'better-sqlite3', 'binding.gyp'))).toBe(true);
    expect(existsSync(join(build, 'node_modules', 'better-sqlite3', 'deps'))).toBe(true);
  }, 60_000);

  it('packageAfterPrune then drops the sources and keeps the addon', async () => {
    await config.hooks!.packageAfterPrune!(config as ResolvedForgeConfig, build, '40.10.2', 'linux', 'x64');
    const pkg = join(build, 'node_modules', 'better-sqlite3');
    expect(existsSync(join(pkg, 'deps'))).toBe(false);
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    expect(readdirSync(join(pkg, 'build', 'Release'))).toEqual(['better_sqlite3.node']);
  });
});
