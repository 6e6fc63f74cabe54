// A fresh, migrated terminal database for every test of the file that calls useTempDb: the
// beforeEach/afterEach pair nearly every store test repeated. Opened through the real
// openDatabase (so migrations run as on a till), in its own temp folder that is deleted after.
import { afterEach, beforeEach } from 'vitest';
import { openDatabase, type Db } from '../../src/core/db/open.ts';
import { tempDbFile } from './sale-fixtures.ts';

export interface TempDb {
  /** The database of the running test. */
  readonly db: Db;
  /** Its file. */
  readonly file: string;
  /** Closes the database and opens the same file again (a restart); the new one is closed after the test. */
  reopen(): Db;
}

/**
 * Call at the top of a test file (or describe block). `onOpen` gets each database as it is
 * opened, for a file that keeps it in its own `db` variable: `useTempDb((d) => (db = d))`.
 */
export function useTempDb(onOpen: (db: Db) => void = () => undefined): TempDb {
  let tmp: ReturnType<typeof tempDbFile> | null = null;
  let db: Db | null = null;
  const open = (): Db => {
    if (tmp === null) throw new Error('useTempDb: the database is only open during a test');
    db = openDatabase(tmp.file);
    onOpen(db);
    return db;
  };
  beforeEach(() => {
    tmp = tempDbFile();
    open();
  });
  afterEach(() => {
    try {
      db?.close();
    } finally {
      db = null;
      tmp?.cleanup();
      tmp = null;
    }
  });
  return {
    get db(): Db {
      if (db === null) throw new Error('useTempDb: the database is only open during a test');
      return db;
    },
    get file(): string {
      if (tmp === null) throw new Error('useTempDb: the database is only open during a test');
      return tmp.file;
    },
    reopen(): Db {
      db?.close();
      return open();
    },
  };
}
