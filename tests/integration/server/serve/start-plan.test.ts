// What `kassa start` decides (Electron or browser mode, and which terminal) and the helpers
// browser mode starts with: the token file and the one-time renderer build. Pure decisions are
// checked with every input that changes them; the file and build helpers on real files and a
// real Vite build in a throw-away package.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../../../src/server/serve/renderer-build.ts';
import { ServeError } from '../../../../src/server/serve/serve-host.ts';
import { planStart, planTerminal, probeElectron } from '../../../../src/server/serve/start-plan.ts';
import type { StartInput } from '../../../../src/server/serve/start-plan.ts';
import { readOrCreateTokenFile } from '../../../../src/server/serve/token-file.ts';

const ROOT = resolve(import.meta.dirname, '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'kassa-start-plan-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('probeElectron', () => {
  it('finds an executable binary, and says why not otherwise', () => {
    const bin = join(dir, 'electron');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o644);
    expect(probeElectron(() => bin)).toEqual({ found: false, reason: `${bin} is missing or not executable` });
    chmodSync(bin, 0o755);
    expect(probeElectron(() => bin)).toEqual({ found: true, path: bin });
    expect(probeElectron(() => dir)).toEqual({ found: false, reason: `${dir} is missing or not executable` });
    expect(probeElectron(() => join(dir, 'nope'))).toMatchObject({ found: false });
    expect(probeElectron(() => {
      throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');
    })).toEqual({ found: false, reason: 'the electron package has no downloaded binary' });
    expect(probeElectron(() => {
      throw Object.assign(new Error("Cannot find module 'electron'"), { code: 'MODULE_NOT_FOUND' });
    })).toEqual({ found: false, reason: 'the electron package is not installed' });
    expect(probeElectron(() => 42)).toEqual({ found: false, reason: 'the electron package gave no binary path' });
  });

  it('on this machine (no Electron download) the real package reports no binary', () => {
    const pathTxt = join(ROOT, 'node_modules', 'electron', 'path.txt');
    if (existsSync(pathTxt)) return; // an installed Electron: nothing to check here
    expect(probeElectron()).toEqual({ found: false, reason: 'the electron package has no downloaded binary' });
  });
});

describe('planTerminal', () => {
  const data = '/srv/kassa';
  it('--training, or no kassa.config.json, runs training in <data dir>/training; a config runs that terminal', () => {
    expect(planTerminal(data, true, () => true)).toMatchObject({ dataDir: '/srv/kassa/training', mode: 'training' });
    expect(planTerminal(data, false, () => false)).toEqual({
      dataDir: '/srv/kassa/training',
      mode: 'training',
      why: 'training terminal in /srv/kassa/training (no kassa.config.json in /srv/kassa)',
    });
    const seen: string[] = [];
    expect(planTerminal(data, false, (p) => (seen.push(p), true))).toEqual({ dataDir: data, mode: 'configured', why: 'configured terminal in /srv/kassa' });
    expect(seen).toEqual(['/srv/kassa/kassa.config.json']);
  });
});

describe('planStart', () => {
  const base: StartInput = {
    electron: { found: true, path: '/opt/electron/electron' },
    browser: false,
    root: '/app',
    exists: () => true,
    dataDir: '/srv/kassa',
    training: false,
    node: '/usr/bin/node',
  };

  it('no binary → browser mode, with the reason', () => {
    expect(planStart({ ...base, electron: { found: false, reason: 'the electron package has no downloaded binary' } })).toEqual({
      kind: 'browser',
      why: 'no Electron binary is installed (the electron package has no downloaded binary)',
    });
  });

  it('--browser wins over an installed Electron', () => {
    expect(planStart({ ...base, browser: true })).toEqual({ kind: 'browser', why: 'browser mode (--browser)' });
  });

  it('a built app runs in the binary with the terminal arguments', () => {
    const seen: string[] = [];
    const plan = planStart({ ...base, training: true, exists: (p) => (seen.push(p), true) });
    expect(plan).toEqual({ kind: 'electron', command: '/opt/electron/electron', args: ['/app', '--data-dir', '/srv/kassa', '--training'], why: 'Electron (/opt/electron/electron)' });
    expect(seen).toEqual(['/app/.vite/build/main.js']);
  });

  it('an unbuilt app goes through electron-forge start, which builds it first', () => {
    expect(planStart({ ...base, exists: () => false })).toMatchObject({
      kind: 'electron',
      command: '/usr/bin/node',
      args: ['/app/node_modules/@electron-forge/cli/dist/electron-forge.js', 'start', '/app', '--', '--data-dir', '/srv/kassa'],
    });
  });

  it('the forge CLI path it uses exists in this checkout', () => {
    const plan = planStart({ ...base, root: ROOT, exists: () => false });
    expect(plan.kind === 'electron' && existsSync(plan.args[0] ?? '')).toBe(true);
  });
});

describe('readOrCreateTokenFile', () => {
  it('makes a token file (0600, folder included) once and reads the same token back', () => {
    const file = join(dir, 'tokens', 'kassa.token');
    const made = readOrCreateTokenFile(file);
    expect(made.created).toBe(true);
    expect(made.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${made.token}\n`);
    expect(readOrCreateTokenFile(file)).toEqual({ token: made.token, created: false });
  });

  it('refuses a file others may read, and one that holds no token, naming the file', () => {
    const open = join(dir, 'open.token');
    writeFileSync(open, 'abcdefghijklmnopqrstuvwxyz012345\n');
    chmodSync(open, 0o644);
    expect(() => readOrCreateTokenFile(open)).toThrow(new ServeError(`${open}: the token file may be read by other users: chmod 600 ${open}`));
    const weak = join(dir, 'weak.token');
    writeFileSync(weak, 'password\n', { mode: 0o600 });
    expect(() => readOrCreateTokenFile(weak)).toThrow(`${weak}: not a Kassa access token`);
  });
});

describe('ensureRendererBuilt', { timeout: 60_000 }, () => {
  /** A throw-away package using this checkout's node_modules (so the real vite runs). */
  function pkg(name: string, config: string | null): string {
    const root = join(dir, name);
    mkdirSync(join(root, 'src'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{"type":"module","private":true}\n');
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'src', 'index.html'), '<!doctype html><title>built</title><script type="module" src="./main.js"></script>\n');
    writeFileSync(join(root, 'src', 'main.js'), 'document.title = "kassa";\n');
    if (config !== null) writeFileSync(join(root, 'vite.renderer.config.ts'), config);
    return root;
  }

  it('builds once into dist/renderer, saying so, and then leaves it alone', async () => {
    const root = pkg('builds', "export default { root: 'src', logLevel: 'warn', build: { outDir: '../dist/renderer', emptyOutDir: true } };\n");
    const progress: string[] = [];
    const out = await ensureRendererBuilt({ root, onProgress: (m) => progress.push(m) });
    expect(out).toBe(join(root, 'dist', 'renderer'));
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<title>built</title>');
    expect(progress[0]).toBe(`building the renderer into ${out} (once; npm run build:renderer does it by hand)…`);
    expect(progress[1]).toMatch(/^built the renderer in \d+\.\d s$/);
    const again: string[] = [];
    expect(await ensureRendererBuilt({ root, onProgress: (m) => again.push(m) })).toBe(out);
    expect(again).toEqual([]);
  });

  it('without a renderer config, or with a build that fails, says to run npm run build:renderer', async () => {
    const none = pkg('no-config', null);
    await expect(ensureRendererBuilt({ root: none })).rejects.toThrow(
      `the renderer is not built (no ${join(none, 'dist', 'renderer', 'index.html')}) and there is no vite.renderer.config.ts to build it with: run \`npm run build:renderer\` in ${none}`,
    );
    const broken = pkg('broken', "export default { root: 'src', build: { outDir: '../dist/renderer', rollupOptions: { input: 'src/missing.html' } } };\n");
    const failed = ensureRendererBuilt({ root: broken });
    await expect(failed).rejects.toThrow(ServeError);
    await expect(failed).rejects.toThrow(/^building the renderer failed \(exit 1\)[\s\S]*missing\.html[\s\S]*run `npm run build:renderer` in .* to see the whole output$/);
  });
});
