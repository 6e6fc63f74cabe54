// The core runtime: opens a terminal's data folder (config, logs, database), and gives the
// hosts (the `kassa` command now, Electron and browser mode later) one object to work with.
import { existsSync, mkdirSync } from 'node:fs';
import { loadConfig, type KassaConfig } from './config.ts';
import { openDatabase, type Db } from './db/open.ts';
import { openLogger, silentLogger, type Logger } from './logger.ts';
import type { DataPaths } from './paths.ts';

export class NoTerminalDataError extends Error {
  override name = 'NoTerminalDataError';
}

/** Opens the database of a terminal that must already exist (for reading commands). */
export function openExistingDatabase(paths: DataPaths, options: { readonly?: boolean } = {}): Db {
  if (!existsSync(paths.database)) {
    throw new NoTerminalDataError(
      `no terminal data in ${paths.dir} (no kassa.db): import a catalog with \`kassa import\`, or point --data-dir / KASSA_DATA_DIR at the terminal's folder`,
    );
  }
  return openDatabase(paths.database, { readonly: options.readonly ?? false });
}

export interface TerminalOptions {
  /** 'file' logs to the data dir's rolling log; 'silent' logs nothing (tests, benchmarks). */
  readonly log?: 'file' | 'silent';
  /** Use this config instead of reading the folder's kassa.config.json (training mode). */
  readonly config?: KassaConfig;
}

export interface Terminal {
  readonly paths: DataPaths;
  readonly config: KassaConfig;
  readonly db: Db;
  readonly logger: Logger;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) a terminal's data folder: config first, so a bad config is refused
 * before anything is created or migrated; then the log and the database.
 */
export async function openTerminal(paths: DataPaths, options: TerminalOptions = {}): Promise<Terminal> {
  const config = options.config ?? loadConfig(paths.config);
  mkdirSync(paths.dir, { recursive: true });
  const log = options.log === 'silent' ? null : await openLogger(paths.logs);
  const logger = log?.logger ?? silentLogger();
  let db: Db;
  try {
    db = openDatabase(paths.database);
  } catch (err) {
    logger.error({ err }, 'cannot open the database');
    await log?.close();
    throw err;
  }
  logger.info({ dataDir: paths.dir, terminalId: config.terminalId }, 'terminal opened');
  let closed = false;
  return {
    paths,
    config,
    db,
    logger,
    async close() {
      if (closed) return;
      closed = true;
      db.close();
      await log?.close();
    },
  };
}
