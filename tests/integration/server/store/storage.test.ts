// The store server's two storages behind one interface, against PGlite and a real PostgreSQL:
// the same migrations, a newer schema refused, transactions that roll back whole, a PGlite
// data dir that keeps its data across restarts, and clear errors for a database that is
// not there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STORE_MIGRATIONS, STORE_SCHEMA_VERSION, StoreSchemaError, migrate } from '../../../../src/server/store/migrations.ts';
import { StoreStorageError, openPgliteStorage, openStoreStorage, toInt } from '../../../../src/server/store/storage.ts';
import { registerTerminal } from '../../../../src/server/store/terminals.ts';
import { describeStorages, freshId, useStore } from './store-fixtures.ts';

describeStorages('store storage', (kind) => {
  const ctx = useStore(kind);

  it('is migrated to the latest schema, and migrating again changes nothing', async () => {
    const { storage } = ctx.current;
    expect(storage.kind).toBe(kind);
    const rows = await storage.query<{ version: unknown }>('SELECT version FROM store_schema_migrations ORDER BY version');
    expect(rows.map((r) => toInt(r.version, 'version'))).toEqual(STORE_MIGRATIONS.map((m) => m.version));
    expect(STORE_MIGRATIONS.at(-1)?.version).toBe(STORE_SCHEMA_VERSION);
    expect(await migrate(storage)).toEqual([]);
  });

  it('refuses a database whose schema is newer than this code, naming both versions', async () => {
    const { storage } = ctx.current;
    await storage.query("INSERT INTO store_schema_migrations (version, name) VALUES (99, 'from the future')");
    try {
      const err = await migrate(storage).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreSchemaError);
      expect((err as Error).message).toContain('schema version 99');
      expect((err as Error).message).toContain(`(${STORE_SCHEMA_VERSION})`);
    } finally {
      await storage.query('DELETE FROM store_schema_migrations WHERE version = 99');
    }
  });

  it('rolls a transaction back whole when its function throws, and keeps one that returns', async () => {
    const { storage } = ctx.current;
    const storeId = freshId('S');
    const failed = await storage
      .transaction(async (tx) => {
        await tx.query('INSERT INTO stores (store_id) VALUES ($1)', [storeId]);
        await tx.query('INSERT INTO terminals (terminal_id, store_id, token_hash, registered_at, token_set_at) VALUES ($1, $2, $3, now(), now())', ['X', storeId, 'h']);
        throw new Error('power cut (test)');
      })
      .catch((e: unknown) => e);
    expect((failed as Error).message).toBe('power cut (test)');
    expect(await storage.query('SELECT 1 FROM stores WHERE store_id = $1', [storeId])).toEqual([]);
    await storage.transaction((tx) => tx.query('INSERT INTO stores (store_id) VALUES ($1)', [storeId]));
    expect(await storage.query('SELECT store_id FROM stores WHERE store_id = $1', [storeId])).toEqual([{ store_id: storeId }]);
  });
});

describe('opening storage', () => {
  it('keeps a PGlite data dir across a restart, migrating it only once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-store-reopen-'));
    try {
      const first = await openStoreStorage({ dataDir: dir });
      const storeId = freshId('S');
      try {
        await registerTerminal(first, { storeId, terminalId: 'T01' }, new Date('2025-03-01T00:00:00Z'));
      } finally {
        await first.close();
      }
      const again = await openStoreStorage({ dataDir: dir });
      try {
        expect(await again.query('SELECT terminal_id, store_id FROM terminals')).toEqual([{ terminal_id: 'T01', store_id: storeId }]);
        expect(await migrate(again)).toEqual([]);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('upgrades a version-1 database (before terminal reports) in place, keeping its terminals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-store-upgrade-'));
    const storage = await openPgliteStorage(dir);
    try {
      expect(await migrate(storage, STORE_MIGRATIONS.slice(0, 1))).toEqual([1]);
      await registerTerminal(storage, { storeId: 'S01', terminalId: 'T01' }, new Date('2025-03-01T00:00:00Z'));
      expect(await migrate(storage)).toEqual(STORE_MIGRATIONS.slice(1).map((m) => m.version));
      expect(await storage.query('SELECT terminal_id FROM terminals')).toEqual([{ terminal_id: 'T01' }]);
      expect(await storage.query('SELECT terminal_id FROM terminal_reports')).toEqual([]);
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a database it cannot reach without printing its password', async () => {
    const err = await openStoreStorage({ databaseUrl: 'postgres://kassa:s3cret-pw@127.0.0.1:1/store' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreStorageError);
    expect((err as Error).message).toContain('cannot connect to PostgreSQL at postgres://kassa:***@127.0.0.1:1/store');
    expect((err as Error).message).not.toContain('s3cret-pw');
  });

  it('refuses a URL that is not PostgreSQL, and being given nothing', async () => {
    await expect(openStoreStorage({ databaseUrl: 'mysql://x@y/z' })).rejects.toThrow(/must start with postgres:\/\//);
    await expect(openStoreStorage({})).rejects.toThrow(StoreStorageError);
  });
});
