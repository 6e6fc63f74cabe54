// Where the store server keeps its data: PostgreSQL through `pg` when given a database URL,
// embedded PGlite (@electric-sql/pglite, PostgreSQL compiled to WASM) in a data dir otherwise
// (ARCHITECTURE.md §6). Both speak the same SQL, so everything above this file — migrations,
// the push, catalog and settlement queries — is written once against `StoreStorage`.
//
// Decisions a caller must know:
// - openStoreStorage opens and migrates (./migrations.ts); a database whose schema is newer
//   than this code is refused with StoreSchemaError and closed.
// - Parameters are positional ($1…). Pass JSON as a string and cast it in SQL ($1::jsonb):
//   `pg` would turn a JS array into a PostgreSQL array.
// - Results differ by driver for int8/numeric (pg: string, PGlite: number) and are read
//   through `toInt`, which refuses anything that is not a safe integer.
// - transaction() runs fn on one connection between BEGIN and COMMIT; if fn throws (or the
//   connection drops) everything it wrote is rolled back and the error is rethrown.
// - PGlite is single-connection and single-process: one server per data dir. Its queries and
//   transactions are serialized by PGlite itself. A pg pool holds up to `poolSize` connections.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate } from './migrations.ts';

export interface SqlRunner {
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs one or more statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface StoreStorage extends SqlRunner {
  readonly kind: 'pg' | 'pglite';
  /** For logs and messages: the data dir, or the URL without its password. */
  readonly where: string;
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A problem with the store server's storage that the operator can fix. */
export class StoreStorageError extends Error {
  override name = 'StoreStorageError';
}

/** A safe integer from an int/int8/numeric column (pg gives strings, PGlite numbers). */
export function toInt(value: unknown, what: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`${what}: expected a safe integer from the database, got ${String(value)}`);
  return n;
}

/** An ISO timestamp from a timestamptz column. */
export function toIso(value: unknown, what: string): string {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw new Error(`${what}: expected a timestamp from the database, got ${String(value)}`);
}

/** The URL as safe to print: no password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable database URL)';
  }
}

export async function openPgliteStorage(dataDir: string): Promise<StoreStorage> {
  mkdirSync(dataDir, { recursive: true });
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (err) {
    throw new StoreStorageError(`cannot open the PGlite database in ${dataDir}: ${(err as Error).message}`);
  }
  const runner = (q: Pick<PGlite, 'query' | 'exec'>): SqlRunner => ({
    async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await q.query<T>(sql, params as unknown[])).rows;
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    where: dataDir,
    ...runner(db),
    transaction: (fn) => db.transaction((tx) => fn(runner(tx))),
    close: () => db.close(),
  };
}

export async function openPgStorage(databaseUrl: string, poolSize = 10): Promise<StoreStorage> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server is reported here; the pool drops it and the next query reconnects.
  pool.on('error', () => undefined);
  const where = redactUrl(databaseUrl);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreStorageError(`cannot connect to PostgreSQL at ${where}: ${(err as Error).message}`);
  }
  const runner = (q: pg.Pool | pg.PoolClient): SqlRunner => ({
    async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await q.query(sql, params as unknown[])).rows as T[];
    },
    async exec(sql: string): Promise<void> {
      await q.query(sql);
    },
  });
  return {
    kind: 'pg',
    where,
    ...runner(pool),
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(runner(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        // A failed ROLLBACK means the connection is gone (which rolls back too): drop it.
        await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

export interface OpenStoreStorageOptions {
  /** postgres://…: use PostgreSQL. */
  readonly databaseUrl?: string;
  /** Otherwise: PGlite in this folder (made if missing). */
  readonly dataDir?: string;
}

/** Opens the storage the options name and brings its schema up to date. */
export async function openStoreStorage(options: OpenStoreStorageOptions): Promise<StoreStorage> {
  let storage: StoreStorage;
  if (options.databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) throw new StoreStorageError(`--database-url must start with postgres:// or postgresql://, got "${redactUrl(options.databaseUrl)}"`);
    storage = await openPgStorage(options.databaseUrl);
  } else if (options.dataDir !== undefined) {
    storage = await openPgliteStorage(options.dataDir);
  } else {
    throw new StoreStorageError('the store server needs a database URL or a data dir');
  }
  try {
    await migrate(storage);
  } catch (err) {
    await storage.close().catch(() => undefined);
    throw err;
  }
  return storage;
}
