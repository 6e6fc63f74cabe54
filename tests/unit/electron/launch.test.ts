import { describe, expect, it } from 'vitest';
import { coreArgs, parseCoreArgs, parseCoreMessage } from '../../../electron/core-protocol.ts';
import { planLaunch } from '../../../electron/launch.ts';
import { squirrelAction } from '../../../electron/squirrel-startup.ts';

const env = { KASSA_DATA_DIR: '/srv/kassa' };

describe('which terminal the app opens', () => {
  it('opens the configured terminal when the data dir has a kassa.config.json', () => {
    const plan = planLaunch({ argv: ['electron', '.'], env, exists: (p) => p === '/srv/kassa/kassa.config.json' });
    expect(plan).toMatchObject({ dataDir: '/srv/kassa', mode: 'configured' });
    expect(plan.why).toMatch(/KASSA_DATA_DIR/);
  });

  it('runs training in a folder of its own when there is no config', () => {
    const plan = planLaunch({ argv: [], env, exists: () => false });
    expect(plan).toMatchObject({ dataDir: '/srv/kassa/training', mode: 'training' });
    expect(plan.why).toMatch(/no kassa.config.json in \/srv\/kassa/);
  });

  it('runs training with --training even when configured', () => {
    expect(planLaunch({ argv: ['kassa', '--training'], env, exists: () => true })).toMatchObject({ dataDir: '/srv/kassa/training', mode: 'training' });
  });

  it('takes --data-dir in both spellings over the environment, and ignores Chromium switches', () => {
    const exists = () => true;
    expect(planLaunch({ argv: ['e', '--no-sandbox', '--data-dir', '/tmp/t1'], env, exists }).dataDir).toBe('/tmp/t1');
    expect(planLaunch({ argv: ['e', '--data-dir=/tmp/t2', '--enable-logging'], env, exists }).dataDir).toBe('/tmp/t2');
  });

  it('says what is wrong with a --data-dir without a folder', () => {
    expect(() => planLaunch({ argv: ['e', '--data-dir'], env, exists: () => true })).toThrow(/--data-dir needs a folder/);
    expect(() => planLaunch({ argv: ['e', '--data-dir', '--training'], env, exists: () => true })).toThrow(/--data-dir needs a folder/);
  });
});

describe("the core process's arguments", () => {
  it('round-trip, whatever Electron puts around them', () => {
    const args = coreArgs({ dataDir: '/srv/kassa dir', mode: 'training' });
    expect(parseCoreArgs(['/opt/kassa/kassa', '--type=utility', ...args])).toEqual({ dataDir: '/srv/kassa dir', mode: 'training' });
  });

  it('name what is missing or wrong', () => {
    expect(() => parseCoreArgs(['--mode=training'])).toThrow(/--data-dir/);
    expect(() => parseCoreArgs(['--data-dir=/x'])).toThrow(/--mode/);
    expect(() => parseCoreArgs(['--data-dir=/x', '--mode=live'])).toThrow(/"live"/);
  });
});

describe('messages from the core', () => {
  it('sorts control messages, api messages and garbage', () => {
    expect(parseCoreMessage({ t: 'ready', terminalId: 'T01', training: false, dataDir: '/d', customerDisplay: 3 })).toMatchObject({ kind: 'control' });
    expect(parseCoreMessage({ t: 'res', id: 1, ok: true, result: 1 })).toMatchObject({ kind: 'api' });
    expect(parseCoreMessage({ t: 'evt', name: 'x', payload: 1 })).toMatchObject({ kind: 'api' });
    expect(parseCoreMessage({ t: 'ready' })).toMatchObject({ kind: 'garbage' });
    expect(parseCoreMessage(null)).toMatchObject({ kind: 'garbage' });
  });
});

describe('Squirrel install events on Windows', () => {
  const exe = 'C:\\Users\\c\\AppData\\Local\\kassa\\app-0.1.0\\kassa.exe';

  it('makes shortcuts on install and update, removes them on uninstall, and quits', () => {
    const install = squirrelAction(['kassa.exe', '--squirrel-install', '0.1.0'], 'win32', exe);
    expect(install).toEqual({ kind: 'update-exe', updateExe: 'C:\\Users\\c\\AppData\\Local\\kassa\\Update.exe', args: ['--createShortcut=kassa.exe'] });
    expect(squirrelAction(['kassa.exe', '--squirrel-updated'], 'win32', exe)).toMatchObject({ kind: 'update-exe' });
    expect(squirrelAction(['kassa.exe', '--squirrel-uninstall'], 'win32', exe)).toMatchObject({ kind: 'update-exe', args: ['--removeShortcut=kassa.exe'] });
    expect(squirrelAction(['kassa.exe', '--squirrel-obsolete'], 'win32', exe)).toEqual({ kind: 'quit' });
  });

  it('runs normally on first run, without flags, and on Linux whatever the flags', () => {
    expect(squirrelAction(['kassa.exe', '--squirrel-firstrun'], 'win32', exe)).toEqual({ kind: 'none' });
    expect(squirrelAction(['kassa.exe'], 'win32', exe)).toEqual({ kind: 'none' });
    expect(squirrelAction(['kassa', '--squirrel-install'], 'linux', '/opt/kassa/kassa')).toEqual({ kind: 'none' });
  });
});
