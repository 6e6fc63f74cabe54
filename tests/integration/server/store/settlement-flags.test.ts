// Store settlement flags (issue 7 §5) against PGlite and a real PostgreSQL: terminals report their
// backlog and last receipt in the Kassa-Terminal-Report header; the settlement flags a terminal
// that still holds unsent sales, one whose receipt numbers have a gap, and one not heard from for
// too long, and a terminal that never sends the header still syncs. The last test runs the real
// terminal client (SyncClient over a SQLite terminal database).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../../../src/core/db/open.ts';
import { commitSale } from '../../../../src/core/db/sales.ts';
import { SettlementQueryError, SyncClient } from '../../../../src/core/sync/sync-client.ts';
import { startStoreServer } from '../../../../src/server/store/http-api.ts';
import {
  DEFAULT_SILENT_AFTER_SECONDS,
  SYNC_PATHS,
  TERMINAL_REPORT_HEADER,
  encodeTerminalReport,
  type ErrorResponse,
  type PushItem,
  type PushResponse,
  type SettlementResponse,
} from '../../../../src/shared/sync-protocol.ts';
import { makeSale, SNAPSHOT } from '../../../support/sale-fixtures.ts';
import { ADMIN_TOKEN, adminHeaders, batch, call, describeStorages, freshId, register, sale, saleItem, storedFor, storeWith, useStore, type Till } from './store-fixtures.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-flags-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AT = '2026-03-01T09:00:00.000Z';
const reportHeader = (backlog: number, lastReceiptNo: number | null) => ({ [TERMINAL_REPORT_HEADER]: encodeTerminalReport({ backlog, lastReceiptNo, at: AT }) });

describeStorages('settlement flags', (kind) => {
  const ctx = useStore(kind);

  const push = async (till: Till, items: PushItem[], headers: Record<string, string> = {}) => {
    const r = await call<PushResponse & ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.push, { headers: { ...till.headers, ...headers }, body: batch(items) });
    return r;
  };
  const settle = (storeId: string, query = '') => call<SettlementResponse & ErrorResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.adminSettlement(storeId)}${query}`, { headers: adminHeaders });
  const rowOf = (s: SettlementResponse, terminalId: string) => s.terminals.find((t) => t.terminalId === terminalId);
  const standingOf = (s: SettlementResponse, terminalId: string) => s.standing.find((t) => t.terminalId === terminalId);

  it("flags 'unsent' while a terminal reports a backlog, and drops it when a later report says it went", async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 2);
    const [a, b] = [tills[0]!, tills[1]!];
    expect((await push(a, [saleItem(sale(a.terminalId, 1), 1)], reportHeader(3, 4))).status).toBe(200);
    expect((await push(b, [saleItem(sale(b.terminalId, 1), 1)], reportHeader(0, 1))).status).toBe(200);

    let s = (await settle(storeId)).body;
    expect(rowOf(s, a.terminalId)?.flags).toEqual(['unsent']);
    expect(rowOf(s, b.terminalId)?.flags).toEqual([]);
    expect(standingOf(s, a.terminalId)).toMatchObject({ flags: ['unsent'], report: { backlog: 3, lastReceiptNo: 4, at: AT } });
    expect(standingOf(s, a.terminalId)?.lastSeenAt).not.toBeNull();
    expect(s.silentAfterSeconds).toBe(DEFAULT_SILENT_AFTER_SECONDS);

    // The catalog pull after the push round reports an empty backlog: the latest report wins.
    const pull = await call(ctx.current.server, 'GET', `${SYNC_PATHS.catalog}?since=0`, { headers: { ...a.headers, ...reportHeader(0, 4) } });
    expect(pull.status).toBe(200);
    s = (await settle(storeId)).body;
    expect(rowOf(s, a.terminalId)?.flags).toEqual([]);
    expect(standingOf(s, a.terminalId)).toMatchObject({ flags: [], report: { backlog: 0, lastReceiptNo: 4 } });
  });

  it("flags 'receipt-gap' when receipt numbers are missing in the range; training receipts fill the numbering", async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const t = tills[0]!;
    const at = (m: number) => new Date(Date.UTC(2026, 2, 1, 2, m)).toISOString();
    const sales = [
      sale(t.terminalId, 1, { completedAt: at(1) }),
      sale(t.terminalId, 2, { completedAt: at(2) }),
      sale(t.terminalId, 3, { completedAt: at(3), training: true }),
      // Receipt 4 never arrived (say, dead-lettered on the terminal).
      sale(t.terminalId, 5, { completedAt: at(5) }),
      sale(t.terminalId, 6, { completedAt: at(6) }),
    ];
    expect((await push(t, sales.map((x, i) => saleItem(x, i + 1)), reportHeader(0, 6))).body.applied).toBe(5);

    const all = (await settle(storeId)).body;
    expect(rowOf(all, t.terminalId)).toMatchObject({ saleCount: 4, firstReceiptNo: 1, lastReceiptNo: 6, missingReceipts: 1, flags: ['receipt-gap'] });
    expect(standingOf(all, t.terminalId)?.flags).toEqual(['receipt-gap']);
    // Receipts 1–3 only (the training one included): nothing missing in that range.
    const early = (await settle(storeId, `?to=${encodeURIComponent(at(4))}`)).body;
    expect(rowOf(early, t.terminalId)).toMatchObject({ saleCount: 2, missingReceipts: 0, flags: [] });
    expect(standingOf(early, t.terminalId)?.flags).toEqual([]);
  });

  it("flags 'silent' a terminal not heard from for longer than the threshold (default 2 × the 30 s poll), or never", async () => {
    let clock = new Date(Date.now() + 1000);
    const server = await startStoreServer({ storage: ctx.current.storage, adminToken: ADMIN_TOKEN, now: () => clock });
    try {
      const storeId = freshId('S');
      const heard = await register(server, storeId, freshId('T'));
      const never = await register(server, storeId, freshId('T'));
      const get = async (path: string, headers: Record<string, string>) => {
        const r = await fetch(`${server.url}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
        return { status: r.status, body: (await r.json()) as SettlementResponse & ErrorResponse };
      };
      expect((await get(`${SYNC_PATHS.catalog}?since=0`, { ...heard.headers, ...reportHeader(0, null) })).status).toBe(200);
      const t0 = clock.getTime();

      clock = new Date(t0 + 59_000);
      let s = (await get(SYNC_PATHS.adminSettlement(storeId), adminHeaders)).body;
      expect(standingOf(s, heard.terminalId)?.flags).toEqual([]);
      expect(standingOf(s, never.terminalId)?.flags).toEqual([]);

      clock = new Date(t0 + 61_000);
      s = (await get(SYNC_PATHS.adminSettlement(storeId), adminHeaders)).body;
      expect(standingOf(s, heard.terminalId)).toMatchObject({ flags: ['silent'], lastSeenAt: new Date(t0).toISOString() });
      expect(standingOf(s, never.terminalId)).toMatchObject({ flags: ['silent'], lastSeenAt: null, report: null });
      // A longer threshold, given in the query, forgives them.
      s = (await get(`${SYNC_PATHS.adminSettlement(storeId)}?silentAfterSeconds=3600`, adminHeaders)).body;
      expect(s.silentAfterSeconds).toBe(3600);
      expect(s.standing.map((st) => st.flags)).toEqual([[], []]);

      // Heard from again (its own settlement request counts): no longer silent.
      s = (await get(SYNC_PATHS.settlement, { ...heard.headers, ...reportHeader(0, null) })).body;
      expect(standingOf(s, heard.terminalId)?.flags).toEqual([]);
      expect(standingOf(s, never.terminalId)?.flags).toEqual(['silent']);
    } finally {
      await server.close();
    }
  });

  it('a terminal that sends no report (an older Kassa) still syncs: seen, no report, no unsent flag', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const t = tills[0]!;
    expect((await push(t, [saleItem(sale(t.terminalId, 1), 1)])).body.applied).toBe(1);
    const s = (await settle(storeId)).body;
    expect(rowOf(s, t.terminalId)?.flags).toEqual([]);
    expect(standingOf(s, t.terminalId)).toMatchObject({ report: null, flags: [] });
    expect(standingOf(s, t.terminalId)?.lastSeenAt).not.toBeNull();
  });

  it('refuses a malformed report header or threshold, naming what is wrong, and stores nothing', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const t = tills[0]!;
    const bad = await push(t, [saleItem(sale(t.terminalId, 1), 1)], { [TERMINAL_REPORT_HEADER]: JSON.stringify({ v: 1, backlog: -2, lastReceiptNo: null, at: AT }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('malformed');
    expect(bad.body.error.message).toContain(`${TERMINAL_REPORT_HEADER} header: backlog`);
    const notJson = await push(t, [saleItem(sale(t.terminalId, 1), 1)], { [TERMINAL_REPORT_HEADER]: 'backlog=2' });
    expect(notJson.body.error).toMatchObject({ code: 'malformed', message: `the ${TERMINAL_REPORT_HEADER} header is not JSON` });
    expect(await storedFor(ctx.current.storage, t.terminalId)).toEqual({ items: 0, sales: 0, refunds: 0 });
    expect(standingOf((await settle(storeId)).body, t.terminalId)).toMatchObject({ lastSeenAt: null, report: null });

    for (const q of ['0', '1.5', 'soon']) {
      const r = await settle(storeId, `?silentAfterSeconds=${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.message).toContain('silentAfterSeconds');
    }
  });

  it('the terminal client reports as it pushes and pulls, and reads the store settlement with its flags', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 2);
    const [mine, other] = [tills[0]!, tills[1]!];
    const db = openDatabase(join(dir, `${mine.terminalId}-${kind}.db`));
    try {
      let total = 0;
      for (let i = 1; i <= 5; i++) {
        const at = new Date(Date.UTC(2026, 2, 1, 3, i)).toISOString();
        const record = makeSale({ terminalId: mine.terminalId, completedAt: at });
        commitSale(db, { record, snapshot: SNAPSHOT, at });
        total += record.total + record.rounding;
      }
      const client = new SyncClient({ db, serverUrl: ctx.current.server.url, terminalId: mine.terminalId, token: mine.token, currency: 'CNY', taxClasses: ['standard', 'reduced', 'zero'], timeoutMs: 5_000 });
      // One batch of 2: the report on that push says 3 more wait (the batch itself is not counted).
      expect(await client.pushBatch(2)).toMatchObject({ applied: 2, backlog: 3 });
      let s: SettlementResponse = (await settle(storeId)).body;
      expect(standingOf(s, mine.terminalId)).toMatchObject({ flags: ['unsent'], report: { backlog: 3, lastReceiptNo: 5 } });
      expect(rowOf(s, mine.terminalId)).toMatchObject({ saleCount: 2, flags: ['unsent'] });

      expect(await client.syncOnce(10)).toMatchObject({ applied: 3, backlog: 0 });
      s = await client.settlement();
      expect(s.storeId).toBe(storeId);
      expect(rowOf(s, mine.terminalId)).toMatchObject({ saleCount: 5, salesTotal: total, firstReceiptNo: 1, lastReceiptNo: 5, flags: [] });
      expect(standingOf(s, mine.terminalId)).toMatchObject({ flags: [], report: { backlog: 0, lastReceiptNo: 5 } });
      // The other terminal, registered and never heard from, is silent once the threshold is 1 s.
      await new Promise((r) => setTimeout(r, 1_100));
      s = await client.settlement({ silentAfterSeconds: 1 });
      expect(standingOf(s, other.terminalId)?.flags).toEqual(['silent']);
      expect(standingOf(s, mine.terminalId)?.flags).toEqual([]);

      await expect(client.settlement({ from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' })).rejects.toThrow(SettlementQueryError);
      await expect(client.settlement({ from: 'yesterday' })).rejects.toThrow(/settlement: from: /);
    } finally {
      db.close();
    }
  });
});
