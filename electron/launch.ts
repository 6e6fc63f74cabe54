// Which terminal the Electron app opens, decided in main before the core starts (the same rule
// as `kassa start`): a data dir with a kassa.config.json is a configured terminal; without one,
// or with `--training`, the app runs in training mode in a folder of its own (`<data dir>/training`),
// so training sales never take real receipt numbers.
//
// Decisions a caller must know:
// - The data dir comes from `--data-dir <dir>` / `--data-dir=<dir>` on Electron's command line,
//   else KASSA_DATA_DIR, else the XDG data dir (src/core/paths.ts).
// - Unknown arguments are ignored: Electron and Chromium put their own switches on argv.
import { join } from 'node:path';
import { dataPaths, resolveDataDir } from '../src/core/paths.ts';
import type { CoreLaunch } from './core-protocol.ts';

export interface LaunchInput {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly exists: (path: string) => boolean;
}

export interface LaunchPlan extends CoreLaunch {
  /** One line for the log: which terminal and why. */
  readonly why: string;
}

function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === name) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`${name} needs a folder`);
      return next;
    }
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}

export function planLaunch(input: LaunchInput): LaunchPlan {
  const source = resolveDataDir(flagValue(input.argv, '--data-dir'), input.env);
  const paths = dataPaths(source.dir);
  const trainingDir = join(source.dir, 'training');
  if (input.argv.includes('--training')) {
    return { dataDir: trainingDir, mode: 'training', why: `training (--training), in ${trainingDir}` };
  }
  if (input.exists(paths.config)) {
    return { dataDir: source.dir, mode: 'configured', why: `configured terminal in ${source.dir} (from ${source.from})` };
  }
  return { dataDir: trainingDir, mode: 'training', why: `training: no kassa.config.json in ${source.dir}, so a training terminal in ${trainingDir}` };
}
