// Exactly once, as a property: whatever mix of sales, pushes that fail before the server, and
// pushes whose answer is lost after the server applied them, once the link is good again and the
// backlog drains, the server holds every sale exactly once and the terminal has every message
// marked sent. The server here is a fake fetch that keeps keys as the real one does
// (tests/integration/sync covers the real server); it makes a run take milliseconds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../src/core/db/open.ts';
import { commitSale } from '../../../../src/core/db/sales.ts';
import { SyncClient } from '../../../../src/core/sync/sync-client.ts';
import { syncReport } from '../../../../src/core/sync/sync-state.ts';
import type { PushRequest } from '../../../../src/shared/sync-protocol.ts';
import { makeSale, SNAPSHOT, tempDbFile } from '../../../support/sale-fixtures.ts';

const AT = '2026-01-01T00:00:00.000Z';
type Fate = 'ok' | 'down' | 'lost';
type Op = { readonly sell: number } | { readonly push: number; readonly fate: Fate };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ sell: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ push: fc.integer({ min: 1, max: 8 }), fate: fc.constantFrom<Fate>('ok', 'down', 'lost') }),
);

function fakeServer() {
  const stored = new Map<string, number>();
  let fate: Fate = 'ok';
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    if (fate === 'down') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    if (String(input).includes('/v1/sync/catalog')) {
      return new Response(JSON.stringify({ storeId: 'S1', since: 0, changes: [], latestVersion: 0, more: false }), { status: 200 });
    }
    const request = JSON.parse(String(init?.body)) as PushRequest;
    const results = request.items.map((item) => {
      const seen = stored.has(item.idempotencyKey);
      stored.set(item.idempotencyKey, (stored.get(item.idempotencyKey) ?? 0) + (seen ? 0 : 1));
      return { idempotencyKey: item.idempotencyKey, status: seen ? ('duplicate' as const) : ('applied' as const) };
    });
    if (fate === 'lost') throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
    const applied = results.filter((r) => r.status === 'applied').length;
    const body = { batchId: request.batchId, results, applied, duplicates: results.length - applied, rejected: 0, serverTime: AT };
    return new Response(JSON.stringify(body), { status: 200 });
  }) as typeof fetch;
  return { stored, fetchFn, setFate: (f: Fate) => (fate = f) };
}

describe('exactly once through failures and lost answers', () => {
  it('holds for any sequence of sales and pushes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const tmp = tempDbFile();
        const db = openDatabase(tmp.file);
        try {
          const server = fakeServer();
          const client = new SyncClient({ db, serverUrl: 'http://store.test', terminalId: 'T01', token: 't'.repeat(40), currency: 'CNY', taxClasses: ['standard'], fetch: server.fetchFn });
          const sold: string[] = [];
          for (const o of ops) {
            if ('sell' in o) {
              for (let i = 0; i < o.sell; i++) {
                const record = makeSale({});
                commitSale(db, { record, snapshot: SNAPSHOT, at: AT });
                sold.push(record.id);
              }
            } else {
              server.setFate(o.fate);
              await client.pushBatch(o.push).catch(() => undefined);
            }
          }
          server.setFate('ok');
          const result = await client.syncOnce(5);
          expect(result.backlog).toBe(0);
          expect([...server.stored.keys()].sort()).toEqual([...sold].sort());
          expect([...server.stored.values()].every((n) => n === 1)).toBe(true);
          expect(db.prepare("SELECT count(*) FROM outbox WHERE status <> 'sent'").pluck().get()).toBe(0);
          expect(syncReport(db).backlog).toBe(0);
        } finally {
          db.close();
          tmp.cleanup();
        }
      }),
      { numRuns: 40 },
    );
  });
});
