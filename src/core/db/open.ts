// Opens the terminal's SQLite database with the settings that make a commit durable:
// WAL so readers never block the writer, synchronous=FULL so a committed sale survives a
// power cut (NORMAL can lose the last commits on an OS crash), foreign keys on, and a busy
// timeout so a second process (the `kassa` command beside the app) waits instead of failing.
import Database from 'better-sqlite3';
import { checkSchemaVersion, migrate } from './migrations.ts';

export type Db = Database.Database;

export interface OpenOptions {
  readonly readonly?: boolean;
  /** Skip migrations (used by tools that must not change a file, e.g. a version check). */
  readonly migrate?: boolean;
}

export const PRAGMAS = {
  journal_mode: 'WAL',
  synchronous: 'FULL',
  foreign_keys: 'ON',
  busy_timeout: 5000,
} as const;

export function applyPragmas(db: Db): void {
  if (!db.readonly) db.pragma(`journal_mode = ${PRAGMAS.journal_mode}`);
  db.pragma(`synchronous = ${PRAGMAS.synchronous}`);
  db.pragma(`foreign_keys = ${PRAGMAS.foreign_keys}`);
  db.pragma(`busy_timeout = ${PRAGMAS.busy_timeout}`);
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  try {
    // Check before any pragma that could write (journal_mode) touches a newer file.
    checkSchemaVersion(db, file);
    applyPragmas(db);
    if (options.migrate !== false && !options.readonly) migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
