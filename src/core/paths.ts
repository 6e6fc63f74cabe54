// Where a terminal keeps its data: `--data-dir`, else KASSA_DATA_DIR, else the XDG data dir
// ($XDG_DATA_HOME/kassa, or ~/.local/share/kassa). One folder holds everything a terminal
// owns, so backing it up or moving it is one copy.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface DataDirSource {
  readonly dir: string;
  readonly from: '--data-dir' | 'KASSA_DATA_DIR' | 'XDG_DATA_HOME' | 'home';
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): DataDirSource {
  if (flag && flag.trim() !== '') return { dir: resolve(flag), from: '--data-dir' };
  const fromEnv = env.KASSA_DATA_DIR;
  if (fromEnv && fromEnv.trim() !== '') return { dir: resolve(fromEnv), from: 'KASSA_DATA_DIR' };
  const xdg = env.XDG_DATA_HOME;
  if (xdg && xdg.trim() !== '') return { dir: join(resolve(xdg), 'kassa'), from: 'XDG_DATA_HOME' };
  return { dir: join(homedir(), '.local', 'share', 'kassa'), from: 'home' };
}

export interface DataPaths {
  readonly dir: string;
  readonly database: string;
  readonly config: string;
  readonly logs: string;
}

export function dataPaths(dir: string): DataPaths {
  return {
    dir,
    database: join(dir, 'kassa.db'),
    config: join(dir, 'kassa.config.json'),
    logs: join(dir, 'logs'),
  };
}
