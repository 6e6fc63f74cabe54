// Windows installs (maker-squirrel) run the app once with `--squirrel-install`, `-updated`,
// `-uninstall` or `-obsolete` and expect it to make or remove its shortcuts and quit at once.
// Hand-written because the package that does this (electron-squirrel-startup) is not installed
// and the job is one command for Squirrel's Update.exe.
//
// Decisions a caller must know:
// - Only on win32; anywhere else the flags mean nothing and are ignored.
// - `--squirrel-firstrun` is the app's real first start after installing: it runs normally.
import { win32 } from 'node:path';

export type SquirrelAction =
  | { readonly kind: 'none' }
  /** Run Update.exe with `args`, then quit. */
  | { readonly kind: 'update-exe'; readonly updateExe: string; readonly args: readonly string[] }
  /** Quit at once (an old version being replaced). */
  | { readonly kind: 'quit' };

export function squirrelAction(argv: readonly string[], platform: NodeJS.Platform, execPath: string): SquirrelAction {
  if (platform !== 'win32') return { kind: 'none' };
  const flag = argv[1];
  // Windows paths whatever the host, so the rule is the same when tested on Linux.
  const updateExe = win32.resolve(execPath, '..', '..', 'Update.exe');
  const exe = win32.basename(execPath);
  switch (flag) {
    case '--squirrel-install':
    case '--squirrel-updated':
      return { kind: 'update-exe', updateExe, args: [`--createShortcut=${exe}`] };
    case '--squirrel-uninstall':
      return { kind: 'update-exe', updateExe, args: [`--removeShortcut=${exe}`] };
    case '--squirrel-obsolete':
      return { kind: 'quit' };
    default:
      return { kind: 'none' };
  }
}
