// Pushing outbox batches to the store server over HTTP, against PGlite and a real PostgreSQL:
// every sale is stored exactly once whatever the network does (lost answers, bodies cut off,
// a transaction failing half-way), each item gets its own answer, and refused batches leave
// nothing behind.
import { request } from 'node:http';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { MAX_BODY_BYTES, SYNC_PATHS, SYNC_SCHEMA_VERSION, terminalHeaders, type ErrorResponse, type PushResponse, type SettlementResponse } from '../../../../src/shared/sync-protocol.ts';
import { until } from '../../../support/until.ts';
import {
  describeStorages, adminHeaders,
  batch,
  call,
  freshId,
  owed,
  refundedItem,
  register,
  sale,
  saleItem,
  storeWith,
  storedFor,
  useStore,
} from './store-fixtures.ts';

describeStorages('pushing batches to a store server', (kind) => {
  const ctx = useStore(kind);
  const push = (headers: Record<string, string>, body: unknown) => call<PushResponse & ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.push, { headers, body });
  const settle = async (storeId: string) => {
    const r = await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminSettlement(storeId), { headers: adminHeaders });
    expect(r.status).toBe(200);
    return r.body;
  };

  it('applies a batch once; the same batch re-sent after its answer was lost is all duplicates and nothing is doubled', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const till = tills[0]!;
    const sales = Array.from({ length: 25 }, (_, i) => sale(till.terminalId, i + 1, { tenders: [{ method: i % 2 === 0 ? 'cash' : 'alipay' }] }));
    const body = JSON.stringify(batch(sales.map((s, i) => saleItem(s, i + 1))));

    // The terminal sends the batch; the connection drops as the answer arrives, unread.
    const before = ctx.current.server.stats().batches;
    const url = new URL(SYNC_PATHS.push, ctx.current.server.url);
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'POST', headers: { ...till.headers, 'content-length': String(Buffer.byteLength(body)) } });
      req.on('error', () => resolve());
      req.on('response', () => {
        req.destroy();
        resolve();
      });
      req.end(body);
    });
    await until(() => ctx.current.server.stats().batches === before + 1, 'the server to count the batch whose answer was lost');
    expect(await storedFor(ctx.current.storage, till.terminalId)).toEqual({ items: 25, sales: 25, refunds: 0 });

    // It re-sends the same batch: every item is a duplicate and nothing changes.
    const again = await call<PushResponse>(ctx.current.server, 'POST', SYNC_PATHS.push, { headers: till.headers, raw: body });
    expect(again.status).toBe(200);
    expect(again.body.results.map((r) => r.status)).toEqual(Array(25).fill('duplicate'));
    expect([again.body.applied, again.body.duplicates, again.body.rejected]).toEqual([0, 25, 0]);
    expect(await storedFor(ctx.current.storage, till.terminalId)).toEqual({ items: 25, sales: 25, refunds: 0 });

    const s = await settle(storeId);
    expect(s.store[0]?.saleCount).toBe(25);
    expect(s.store[0]?.salesTotal).toBe(owed(sales));
    expect(s.terminals[0]?.firstReceiptNo).toBe(1);
    expect(s.terminals[0]?.lastReceiptNo).toBe(25);
  });

  it('answers a mixed batch item by item, in order, and stores only what it applied', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 2);
    const [a, b] = [tills[0]!, tills[1]!];
    const good1 = sale(a.terminalId, 1);
    const good2 = sale(a.terminalId, 2, { tenders: [{ method: 'wechat' }] });
    const earlier = sale(a.terminalId, 3);
    await push(a.headers, batch([saleItem(earlier, 3)]));
    const noTotal = { ...saleItem(sale(a.terminalId, 4), 4) };
    delete (noTotal.payload as Record<string, unknown>).total;
    const othersSale = sale(b.terminalId, 1);
    const conflicting = { ...saleItem(earlier, 3), payload: { ...earlier, cashier: 'mallory' } };
    const items = [
      saleItem(good1, 1),
      noTotal,
      { ...saleItem(good2, 5), type: 'coupon' },
      saleItem(othersSale, 6),
      saleItem(earlier, 3),
      conflicting,
      saleItem(good2, 7),
      saleItem(good1, 1),
    ];
    const r = await push(a.headers, batch(items));
    expect(r.status).toBe(200);
    expect(r.body.results.map((x) => x.idempotencyKey)).toEqual(items.map((i) => i.idempotencyKey));
    expect(r.body.results.map((x) => (x.status === 'rejected' ? x.reason : x.status))).toEqual([
      'applied',
      'invalid-payload',
      'unknown-type',
      'terminal-mismatch',
      'duplicate',
      'key-conflict',
      'applied',
      'duplicate',
    ]);
    const messages = r.body.results.map((x) => (x.status === 'rejected' ? x.message : ''));
    expect(messages[1]).toContain('items[1].payload.total');
    expect(messages[2]).toContain('"coupon"');
    expect(messages[3]).toContain(`terminal ${b.terminalId}'s`);
    expect([r.body.applied, r.body.duplicates, r.body.rejected]).toEqual([2, 2, 4]);

    expect(await storedFor(ctx.current.storage, a.terminalId)).toEqual({ items: 3, sales: 3, refunds: 0 });
    const [stored] = await ctx.current.storage.query<{ cashier: string }>("SELECT payload->>'cashier' AS cashier FROM sync_items WHERE idempotency_key = $1", [earlier.id]);
    expect(stored?.cashier).toBe('alice');
    const s = await settle(storeId);
    expect(s.store[0]?.salesTotal).toBe(owed([good1, good2, earlier]));
    expect(s.store[0]?.byMethod.find((m) => m.method === 'wechat')?.taken).toBe(good2.total);
  });

  it('refuses malformed batches with a reason naming the fault, and stores nothing from them', async () => {
    const { tills } = await storeWith(ctx.current.server, 1);
    const till = tills[0]!;
    const good = saleItem(sale(till.terminalId, 1), 1);
    const cases: Array<[string, unknown, string]> = [
      ['not JSON', '{"batchId": "b1", "items": [', 'not JSON'],
      ['no items', { batchId: 'b1', items: [] }, 'at least one item'],
      ['a bad createdAt', { batchId: 'b1', items: [good, { ...good, idempotencyKey: 'k2', createdAt: 'yesterday' }] }, 'items[1].createdAt'],
      ['an unknown envelope field', { batchId: 'b1', items: [{ ...good, priority: 1 }] }, 'items[0]'],
      ['an array', [good], '(body)'],
    ];
    for (const [what, body, mention] of cases) {
      const r = typeof body === 'string' ? await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.push, { headers: till.headers, raw: body }) : await push(till.headers, body);
      expect(r.status, what).toBe(400);
      expect(r.body.error.code, what).toBe('malformed');
      expect(r.body.error.message, what).toContain(mention);
    }
    expect(await storedFor(ctx.current.storage, till.terminalId)).toEqual({ items: 0, sales: 0, refunds: 0 });
  });

  it('refuses unknown terminals, bad tokens and missing credentials, and stores nothing', async () => {
    const { tills } = await storeWith(ctx.current.server, 2);
    const [a, b] = [tills[0]!, tills[1]!];
    const body = batch([saleItem(sale(a.terminalId, 1), 1)]);
    const unknown = await push(terminalHeaders('NOPE-1', a.token), body);
    expect([unknown.status, unknown.body.error.code]).toEqual([401, 'unknown-terminal']);
    expect(unknown.body.error.message).toContain('NOPE-1');
    const wrong = await push(terminalHeaders(a.terminalId, b.token), body);
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'bad-token']);
    const none = await push({ 'content-type': 'application/json' }, body);
    expect([none.status, none.body.error.code]).toEqual([401, 'missing-credentials']);
    expect(await storedFor(ctx.current.storage, a.terminalId)).toEqual({ items: 0, sales: 0, refunds: 0 });
  });

  it('refuses a batch holding an item of a newer schema whole, naming the item', async () => {
    const { tills } = await storeWith(ctx.current.server, 1);
    const till = tills[0]!;
    const items = Array.from({ length: 5 }, (_, i) => saleItem(sale(till.terminalId, i + 1), i + 1));
    const newer = { ...items[2]!, schemaVersion: SYNC_SCHEMA_VERSION + 1, payload: { shape: 'of the future' }, extra: true };
    const r = await push(till.headers, batch([items[0]!, items[1]!, newer, items[3]!, items[4]!]));
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'newer-schema', itemIndex: 2, idempotencyKey: newer.idempotencyKey, supportedSchemaVersion: SYNC_SCHEMA_VERSION });
    expect(r.body.error.message).toContain('upgrade the store server');
    expect(await storedFor(ctx.current.storage, till.terminalId)).toEqual({ items: 0, sales: 0, refunds: 0 });
  });

  it('never applies a body cut off in the middle; the whole batch applies when sent again', async () => {
    const { tills } = await storeWith(ctx.current.server, 1);
    const till = tills[0]!;
    const items = Array.from({ length: 40 }, (_, i) => saleItem(sale(till.terminalId, i + 1), i + 1));
    const body = Buffer.from(JSON.stringify(batch(items)));
    const aborted = ctx.current.server.stats().aborted;
    const url = new URL(SYNC_PATHS.push, ctx.current.server.url);
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'POST', headers: { ...till.headers, 'content-length': String(body.length) } });
      req.on('error', () => resolve());
      req.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => req.destroy(), 20));
      req.on('close', () => resolve());
    });
    await until(() => ctx.current.server.stats().aborted === aborted + 1, 'the server to notice the body was cut off');
    expect(await storedFor(ctx.current.storage, till.terminalId)).toEqual({ items: 0, sales: 0, refunds: 0 });

    const r = await push(till.headers, JSON.parse(body.toString()));
    expect(r.body.applied).toBe(40);
    expect(await storedFor(ctx.current.storage, till.terminalId)).toEqual({ items: 40, sales: 40, refunds: 0 });
  });

  it('rolls a batch back whole when its transaction fails half-way, and answers 503 so it is sent again', async () => {
    const { tills } = await storeWith(ctx.current.server, 1);
    const till = tills[0]!;
    const sales = Array.from({ length: 10 }, (_, i) => sale(till.terminalId, i + 1));
    const poisoned = sales[6]!.id;
    // A real failure inside the transaction, after the batch's items are written: the database
    // refuses the 7th sale's row.
    await ctx.current.storage.exec(`
      CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.sale_id = '${poisoned}' THEN RAISE EXCEPTION 'disk full (test)'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_poisoned BEFORE INSERT ON sales FOR EACH ROW EXECUTE FUNCTION refuse_poisoned();
    `);
    try {
      const r = await push(till.headers, batch(sales.map((s, i) => saleItem(s, i + 1))));
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('unavailable');
      expect(r.body.error.message).toContain('nothing of this request was kept');
      expect(await storedFor(ctx.current.storage, till.terminalId)).toEqual({ items: 0, sales: 0, refunds: 0 });
    } finally {
      await ctx.current.storage.exec('DROP TRIGGER refuse_poisoned ON sales; DROP FUNCTION refuse_poisoned();');
    }
    const again = await push(till.headers, batch(sales.map((s, i) => saleItem(s, i + 1))));
    expect(again.body.applied).toBe(10);
    expect(await storedFor(ctx.current.storage, till.terminalId)).toEqual({ items: 10, sales: 10, refunds: 0 });
  });

  it('adds up batches from three terminals arriving out of order, a refund before the sale it refunds included', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 3);
    const perTill = tills.map((t) =>
      Array.from({ length: 12 }, (_, i) =>
        sale(t.terminalId, i + 1, {
          completedAt: new Date(Date.UTC(2025, 2, 1, 9, i)).toISOString(),
          tenders: [{ method: (['cash', 'alipay', 'wechat'] as const)[i % 3]! }],
        }),
      ),
    );
    // Terminal 0 refunds (in cash) part of a sale terminal 1 made, and its refund arrives first.
    const refunded = perTill[1]![0]!;
    const refund = refundedItem(tills[0]!.terminalId, 100, { refundId: freshId('R'), saleId: refunded.id, method: 'cash', amount: 150 });
    const batches = tills.flatMap((t, ti) => [0, 4, 8].map((from) => ({ till: t, items: perTill[ti]!.slice(from, from + 4).map((s, k) => saleItem(s, from + k + 1)) })));
    const order = [7, 2, 0, 8, 4, 1, 6, 3, 5]; // a fixed shuffle: terminals interleaved, each terminal's own batches out of order too
    expect((await push(tills[0]!.headers, batch([refund]))).body.applied).toBe(1);
    for (const i of order) {
      const { till, items } = batches[i]!;
      const r = await push(till.headers, batch(items));
      expect(r.body.applied, `batch ${i}`).toBe(4);
    }
    const s = await settle(storeId);
    const all = perTill.flat();
    expect(s.registeredTerminals).toEqual(tills.map((t) => t.terminalId).sort());
    expect(s.store).toHaveLength(1);
    expect(s.store[0]).toMatchObject({ currency: 'CNY', saleCount: 36, salesTotal: owed(all), refundCount: 1, refundTotal: 150, net: owed(all) - 150, terminalCount: 3 });
    for (const [ti, t] of tills.entries()) {
      const row = s.terminals.find((x) => x.terminalId === t.terminalId);
      expect(row).toMatchObject({ saleCount: 12, salesTotal: owed(perTill[ti]!), firstReceiptNo: 1, lastReceiptNo: 12, lastSaleAt: '2025-03-01T09:11:00.000Z' });
    }
    const cash = s.store[0]!.byMethod.find((m) => m.method === 'cash');
    expect(cash).toEqual({ method: 'cash', taken: owed(all.filter((x) => x.tenders[0]!.method === 'cash')), refunded: 150 });
  });

  it('keeps a sale id and a refund part unique across terminals and keys', async () => {
    const { tills } = await storeWith(ctx.current.server, 2);
    const [a, b] = [tills[0]!, tills[1]!];
    const original = sale(a.terminalId, 1);
    expect((await push(a.headers, batch([saleItem(original, 1)]))).body.applied).toBe(1);
    // Same sale id, another key: not stored twice.
    const copy = { ...saleItem(original, 2), idempotencyKey: `${original.id}-again` };
    const r = await push(a.headers, batch([copy]));
    expect(r.body.results[0]).toMatchObject({ status: 'rejected', reason: 'id-conflict' });
    const refundId = freshId('R');
    const part = refundedItem(a.terminalId, 3, { refundId, saleId: original.id, method: 'cash', amount: 100 });
    expect((await push(a.headers, batch([part]))).body.applied).toBe(1);
    const fromB = await push(b.headers, batch([refundedItem(b.terminalId, 1, { refundId, saleId: original.id, method: 'cash', amount: 100 })]));
    expect(fromB.body.results[0]).toMatchObject({ status: 'rejected', reason: 'id-conflict' });
    expect(await storedFor(ctx.current.storage, a.terminalId)).toEqual({ items: 2, sales: 1, refunds: 1 });
    expect(await storedFor(ctx.current.storage, b.terminalId)).toEqual({ items: 0, sales: 0, refunds: 0 });
  });

  it('stores a batch sent twice at once exactly once', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const till = tills[0]!;
    const sales = Array.from({ length: 50 }, (_, i) => sale(till.terminalId, i + 1));
    const body = batch(sales.map((s, i) => saleItem(s, i + 1)));
    const [r1, r2] = await Promise.all([push(till.headers, body), push(till.headers, body)]);
    expect(r1.body.applied + r2.body.applied).toBe(50);
    expect(r1.body.duplicates + r2.body.duplicates).toBe(50);
    expect((await settle(storeId)).store[0]?.salesTotal).toBe(owed(sales));
  });

  it('stores every sale exactly once whatever order, overlap and repetition its batches arrive in (property)', async () => {
    const send = fc.record({ till: fc.nat(2), from: fc.nat(19), length: fc.integer({ min: 1, max: 8 }), copies: fc.integer({ min: 1, max: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(send, { minLength: 1, maxLength: 10 }), async (sends) => {
        const { storeId, tills } = await storeWith(ctx.current.server, 3);
        const sales = tills.map((t) => Array.from({ length: 20 }, (_, i) => sale(t.terminalId, i + 1, { tenders: [{ method: i % 2 ? 'cash' : 'wechat' }] })));
        const stored = tills.map(() => new Set<number>());
        for (const { till, from, length, copies } of sends) {
          const slice = sales[till]!.slice(from, from + length);
          const body = batch(slice.map((x) => saleItem(x, x.receiptNo)));
          // The same batch sent `copies` times at once (a retry racing a slow first attempt).
          const answers = await Promise.all(Array.from({ length: copies }, () => push(tills[till]!.headers, body)));
          slice.forEach((x, j) => {
            const applied = answers.filter((a) => a.body.results[j]?.status === 'applied').length;
            expect(applied, `${x.id}`).toBe(stored[till]!.has(x.receiptNo) ? 0 : 1);
            expect(answers.every((a) => a.body.results[j]?.status !== 'rejected')).toBe(true);
            stored[till]!.add(x.receiptNo);
          });
        }
        const s = await settle(storeId);
        for (const [t, till] of tills.entries()) {
          const expected = sales[t]!.filter((x) => stored[t]!.has(x.receiptNo));
          const row = s.terminals.find((r) => r.terminalId === till.terminalId);
          expect(row?.saleCount ?? 0).toBe(expected.length);
          expect(row?.salesTotal ?? 0).toBe(owed(expected));
        }
      }),
      { numRuns: 12 },
    );
  });

  it('says what it is at /v1/health, and answers unknown paths, wrong methods and oversized bodies with a reason', async () => {
    const health = await call(ctx.current.server, 'GET', SYNC_PATHS.health);
    expect(health).toEqual({ status: 200, body: { ok: true, service: 'kassa-store-server', apiVersion: 1, schemaVersion: SYNC_SCHEMA_VERSION, storage: kind } });
    const nowhere = await call<ErrorResponse>(ctx.current.server, 'GET', '/v1/sync/pull');
    expect([nowhere.status, nowhere.body.error.code]).toEqual([404, 'not-found']);
    const res = await fetch(`${ctx.current.server.url}${SYNC_PATHS.push}`, { method: 'GET' });
    expect([res.status, res.headers.get('allow'), ((await res.json()) as ErrorResponse).error.code]).toEqual([405, 'POST', 'method-not-allowed']);
    const { tills } = await storeWith(ctx.current.server, 1);
    const tooLarge = await new Promise<{ status: number; body: ErrorResponse }>((resolve, reject) => {
      const req = request(new URL(SYNC_PATHS.push, ctx.current.server.url), { method: 'POST', headers: { ...tills[0]!.headers, 'content-length': String(MAX_BODY_BYTES + 1) } });
      req.on('error', reject);
      req.on('response', (r) => {
        let text = '';
        r.setEncoding('utf8').on('data', (c: string) => (text += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: JSON.parse(text) as ErrorResponse }));
      });
      req.write('{"batchId":');
    });
    expect([tooLarge.status, tooLarge.body.error.code]).toEqual([413, 'too-large']);
    expect(tooLarge.body.error.message).toContain('send smaller batches');
  });

  it('gives a re-registered terminal a new token and refuses the old one; a taken id is a conflict', async () => {
    const storeId = freshId('S');
    const till = await register(ctx.current.server, storeId, freshId('T'));
    const again = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminTerminals, { headers: adminHeaders, body: { storeId, terminalId: till.terminalId } });
    expect([again.status, again.body.error.code]).toEqual([409, 'conflict']);
    const elsewhere = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminTerminals, { headers: adminHeaders, body: { storeId: freshId('S'), terminalId: till.terminalId } });
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([409, 'conflict']);
    expect(elsewhere.body.error.message).toContain(`registered to store ${storeId}`);
    const rotated = await call<{ token: string; rotated: boolean }>(ctx.current.server, 'POST', SYNC_PATHS.adminTerminals, {
      headers: adminHeaders,
      body: { storeId, terminalId: till.terminalId, rotate: true },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.rotated).toBe(true);
    const body = batch([saleItem(sale(till.terminalId, 1), 1)]);
    expect((await push(till.headers, body)).body.error.code).toBe('bad-token');
    expect((await push(terminalHeaders(till.terminalId, rotated.body.token), body)).body.applied).toBe(1);
    const [row] = await ctx.current.storage.query<{ token_hash: string }>('SELECT token_hash FROM terminals WHERE terminal_id = $1', [till.terminalId]);
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.token_hash).not.toContain(rotated.body.token);
  });
});
