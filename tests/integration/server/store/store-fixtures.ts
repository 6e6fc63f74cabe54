// Shared set-up for the store server's tests: the same tests run against embedded PGlite and a
// throw-away real PostgreSQL (tests/support/postgres.ts), one storage and one HTTP server per
// describe block. Tests share them and stay apart by using their own store and terminal ids.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startStoreServer } from '../../../../src/server/store/http-api.ts';
import type { StoreServer } from '../../../../src/server/store/http-api.ts';
import { openStoreStorage } from '../../../../src/server/store/storage.ts';
import type { StoreStorage } from '../../../../src/server/store/storage.ts';
import {
  SYNC_PATHS,
  SYNC_SCHEMA_VERSION,
  terminalHeaders,
  type PushItem,
  type PushResponse,
  type RegisterTerminalResponse,
} from '../../../../src/shared/sync-protocol.ts';
import type { CliRun } from '../../../support/kassa-cli.ts';
import { runKassaMain } from '../../../support/kassa-main.ts';
import { makeSale, newSaleId, type SaleSpec } from '../../../support/sale-fixtures.ts';
import { POSTGRES_MISSING, startTestPostgres, type TestPostgres } from '../../../support/postgres.ts';
import type { SaleRecord } from '../../../../src/domain/sale-record.ts';

export type StorageKind = 'pglite' | 'pg';

/** For describe.each: both storages, with why one cannot run here (null: it can). */
export const STORAGES: ReadonlyArray<{ readonly kind: StorageKind; readonly skip: string | null }> = [
  { kind: 'pglite', skip: null },
  { kind: 'pg', skip: POSTGRES_MISSING },
];

/**
 * One suite per storage. A storage this machine lacks (PostgreSQL not installed) is skipped with
 * skipIf, and the reason is in the suite's name; its hooks never run.
 */
export function describeStorages(title: string, body: (kind: StorageKind) => void): void {
  for (const { kind, skip } of STORAGES) {
    describe.skipIf(skip !== null)(`${title} on ${kind}${skip === null ? '' : ` (skipped: ${skip})`}`, () => body(kind));
  }
}

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';

export interface StoreContext {
  readonly storage: StoreStorage;
  readonly server: StoreServer;
  /** The database URL (pg) or data dir (pglite). */
  readonly where: string;
}

/**
 * Opens a fresh storage of this kind (PGlite in a temp dir, or a new PostgreSQL server) and a
 * server over it, for the describe block that calls this.
 */
export function useStore(kind: StorageKind): { readonly current: StoreContext } {
  const ref: { current: StoreContext } = { current: undefined as unknown as StoreContext };
  let dir: string | null = null;
  let pg: TestPostgres | null = null;
  beforeAll(async () => {
    let where: string;
    let storage: StoreStorage;
    if (kind === 'pg') {
      pg = await startTestPostgres();
      where = await pg.createDatabase('kassa_store');
      storage = await openStoreStorage({ databaseUrl: where });
    } else {
      dir = mkdtempSync(join(tmpdir(), 'kassa-store-'));
      where = dir;
      storage = await openStoreStorage({ dataDir: dir });
    }
    const server = await startStoreServer({ storage, adminToken: ADMIN_TOKEN });
    ref.current = { storage, server, where };
  });
  afterAll(async () => {
    try {
      await ref.current?.server.close();
      await ref.current?.storage.close();
    } finally {
      await pg?.stop();
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    }
  });
  return ref;
}

let ids = 0;
/** A fresh id for this test file (ids are ≤ 16 characters). */
export function freshId(prefix: string): string {
  ids += 1;
  return `${prefix}${process.pid % 10_000}-${ids}`;
}

export interface Answer<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export async function call<T = unknown>(server: StoreServer, method: 'GET' | 'POST', path: string, options: { headers?: Record<string, string>; body?: unknown; raw?: string } = {}): Promise<Answer<T>> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...options.headers } };
  if (options.raw !== undefined) init.body = options.raw;
  else if (options.body !== undefined) init.body = JSON.stringify(options.body);
  const res = await fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

export interface Till {
  readonly storeId: string;
  readonly terminalId: string;
  readonly token: string;
  readonly headers: Record<string, string>;
}

export async function register(server: StoreServer, storeId: string, terminalId: string): Promise<Till> {
  const r = await call<RegisterTerminalResponse>(server, 'POST', SYNC_PATHS.adminTerminals, { headers: adminHeaders, body: { storeId, terminalId } });
  if (r.status !== 200) throw new Error(`register ${terminalId}: ${r.status} ${JSON.stringify(r.body)}`);
  return { storeId, terminalId, token: r.body.token, headers: terminalHeaders(terminalId, r.body.token) };
}

/** A store with `n` registered terminals. */
export async function storeWith(server: StoreServer, n: number): Promise<{ storeId: string; tills: Till[] }> {
  const storeId = freshId('S');
  const tills: Till[] = [];
  for (let i = 0; i < n; i++) tills.push(await register(server, storeId, freshId('T')));
  return { storeId, tills };
}

/**
 * For a test file that drives `kassa store-server …` admin sub-commands: a temp folder (removed
 * after the file's tests) holding the admin token file, and `<name>-N.csv` files written into it
 * under `header`. Call it at the top of the file.
 */
export function cliSandbox(name: string, header: string): { readonly dir: string; readonly tokenFile: string; csvFile(rows: readonly string[]): string } {
  const dir = mkdtempSync(join(tmpdir(), `kassa-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(tokenFile, `${ADMIN_TOKEN}\n`, { mode: 0o600 });
  let files = 0;
  return {
    dir,
    tokenFile,
    csvFile(rows) {
      files += 1;
      const file = join(dir, `${name}-${files}.csv`);
      writeFileSync(file, [header, ...rows].join('\n') + '\n');
      return file;
    },
  };
}

/** `kassa store-server …args` in this process against the describe block's server, with this admin token file. */
export function storeServerCli(ctx: { readonly current: StoreContext }, tokenFile: string): (...args: string[]) => Promise<CliRun> {
  return (...args) => runKassaMain(['store-server', ...args, '--url', ctx.current.server.url, '--admin-token-file', tokenFile]);
}

/** Pushes `sales` from `till` in one batch (seq = receipt number + position), expecting 200. */
export async function pushSales(server: StoreServer, till: Till, sales: readonly SentSale[]): Promise<PushResponse> {
  const r = await call<PushResponse>(server, 'POST', SYNC_PATHS.push, { headers: till.headers, body: batch(sales.map((s, i) => saleItem(s, s.receiptNo + i))) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

export type SentSale = SaleRecord;

/** A sale of this terminal with the given receipt number (a SaleRecord as committed). */
export function sale(terminalId: string, receiptNo: number, spec: SaleSpec = {}): SentSale {
  return { ...makeSale({ terminalId, id: newSaleId(terminalId), ...spec }), receiptNo };
}

export function saleItem(s: SentSale, seq: number): PushItem {
  return { idempotencyKey: s.id, seq, type: 'sale', schemaVersion: SYNC_SCHEMA_VERSION, createdAt: s.completedAt, payload: s as unknown as Record<string, unknown> };
}

/** A 'sale.refunded' item: one part of a refund that went back through `method`. */
export function refundedItem(
  terminalId: string,
  seq: number,
  part: { refundId: string; partNo?: number; saleId: string; method: 'cash' | 'alipay' | 'wechat'; amount: number; at?: string; training?: boolean },
): PushItem {
  const partNo = part.partNo ?? 1;
  return {
    idempotencyKey: `refund:${part.refundId}:${partNo}:refunded`,
    seq,
    type: 'refund',
    schemaVersion: SYNC_SCHEMA_VERSION,
    createdAt: part.at ?? '2025-03-01T12:00:00.000Z',
    payload: {
      kind: 'sale.refunded',
      at: part.at ?? '2025-03-01T12:00:00.000Z',
      training: part.training ?? false,
      journalSeq: seq,
      entry: {
        refundId: part.refundId,
        partNo,
        saleId: part.saleId,
        receiptNo: 1,
        tenderSeq: 1,
        method: part.method,
        outTradeNo: null,
        outRequestNo: null,
        amount: part.amount,
        currency: 'CNY',
        state: 'refunded',
        detail: null,
      },
    },
  };
}

export function batch(items: readonly PushItem[], batchId = freshId('B')): { batchId: string; items: PushItem[] } {
  return { batchId, items: [...items] };
}

/** Rows stored for a terminal: sync items, sales, refund parts. */
export async function storedFor(storage: StoreStorage, terminalId: string): Promise<{ items: number; sales: number; refunds: number }> {
  const count = async (table: string): Promise<number> => {
    const [row] = await storage.query<{ n: unknown }>(`SELECT count(*)::int AS n FROM ${table} WHERE terminal_id = $1`, [terminalId]);
    return Number(row?.n);
  };
  return { items: await count('sync_items'), sales: await count('sales'), refunds: await count('refunds') };
}

/** Σ (total + rounding) of non-training sales. */
export function owed(sales: readonly SentSale[]): number {
  return sales.filter((s) => !s.training).reduce((sum, s) => sum + s.total + s.rounding, 0);
}
