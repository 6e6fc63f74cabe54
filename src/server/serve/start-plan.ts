// What `kassa start` (what `npm start` runs) starts: the Electron app when an Electron binary is
// installed, else browser mode (`kassa serve`). And which terminal either opens: the same rule
// as the Electron app's own (electron/launch.ts), so both hosts open the same data.
//
// Decisions (a caller can rely on them):
// - "Installed" means `require('electron')` (the npm package's documented way to get the
//   binary's path; in plain Node it is only a string, no Electron API is loaded) gives a path
//   to an executable file. The package is there but has no binary when its download was
//   skipped or failed (as on CI and here): that is reported as the reason, not as an error.
// - With Electron: `.vite/build/main.js` (electron-forge's Vite build) present → the binary
//   runs the package root; absent → `electron-forge start`, which builds it and then starts
//   Electron. Either way the terminal arguments follow: `--data-dir <dir>` and `--training`,
//   which electron/launch.ts reads.
// - Which terminal: `--training` → training in `<data dir>/training`; else a kassa.config.json
//   in the data dir → that configured terminal; else training in `<data dir>/training`, so a
//   fresh install never takes real receipt numbers.
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { dataPaths } from '../../core/paths.ts';
import type { TerminalMode } from '../../core/terminal-app.ts';

export type ElectronProbe = { readonly found: true; readonly path: string } | { readonly found: false; readonly reason: string };

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Looks for the Electron binary the `electron` npm package points at (see the header). */
export function probeElectron(
  load: () => unknown = () => createRequire(import.meta.url)('electron'),
  executable: (path: string) => boolean = isExecutableFile,
): ElectronProbe {
  let path: unknown;
  try {
    path = load();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') return { found: false, reason: 'the electron package is not installed' };
    return { found: false, reason: 'the electron package has no downloaded binary' };
  }
  if (typeof path !== 'string' || path === '') return { found: false, reason: 'the electron package gave no binary path' };
  if (!executable(path)) return { found: false, reason: `${path} is missing or not executable` };
  return { found: true, path };
}

export interface TerminalPlan {
  readonly dataDir: string;
  readonly mode: TerminalMode;
  /** One line for the person starting it: which terminal and why. */
  readonly why: string;
}

export function planTerminal(dataDir: string, training: boolean, exists: (path: string) => boolean): TerminalPlan {
  const trainingDir = join(dataDir, 'training');
  if (training) return { dataDir: trainingDir, mode: 'training', why: `training terminal (--training) in ${trainingDir}` };
  if (exists(dataPaths(dataDir).config)) return { dataDir, mode: 'configured', why: `configured terminal in ${dataDir}` };
  return { dataDir: trainingDir, mode: 'training', why: `training terminal in ${trainingDir} (no kassa.config.json in ${dataDir})` };
}

export type StartPlan =
  | { readonly kind: 'electron'; readonly command: string; readonly args: readonly string[]; readonly why: string }
  | { readonly kind: 'browser'; readonly why: string };

export interface StartInput {
  readonly electron: ElectronProbe;
  /** --browser: browser mode even with Electron installed. */
  readonly browser: boolean;
  readonly root: string;
  readonly exists: (path: string) => boolean;
  /** The data dir as the user gave it or resolved it (handed to Electron). */
  readonly dataDir: string;
  readonly training: boolean;
  /** The Node running this (for electron-forge). */
  readonly node: string;
}

export function planStart(input: StartInput): StartPlan {
  if (input.browser) return { kind: 'browser', why: 'browser mode (--browser)' };
  if (!input.electron.found) return { kind: 'browser', why: `no Electron binary is installed (${input.electron.reason})` };
  const appArgs = ['--data-dir', input.dataDir, ...(input.training ? ['--training'] : [])];
  if (input.exists(join(input.root, '.vite', 'build', 'main.js'))) {
    return { kind: 'electron', command: input.electron.path, args: [input.root, ...appArgs], why: `Electron (${input.electron.path})` };
  }
  const forge = join(input.root, 'node_modules', '@electron-forge', 'cli', 'dist', 'electron-forge.js');
  return {
    kind: 'electron',
    command: input.node,
    args: [forge, 'start', input.root, '--', ...appArgs],
    why: `Electron through electron-forge start (.vite/build is not built yet)`,
  };
}
