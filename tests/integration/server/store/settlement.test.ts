// Store-level settlement across terminals, against PGlite and a real PostgreSQL: what each
// terminal and the whole store took, per method and currency, net of refunds, with training
// kept out and a time range that cuts exactly.
import { expect, it } from 'vitest';
import { SYNC_PATHS, type ErrorResponse, type PushItem, type PushResponse, type SettlementResponse } from '../../../../src/shared/sync-protocol.ts';
import { describeStorages, adminHeaders, batch, call, freshId, refundedItem, sale, saleItem, storeWith, useStore, type SentSale, type Till } from './store-fixtures.ts';

describeStorages('settlement', (kind) => {
  const ctx = useStore(kind);
  const push = async (till: Till, items: PushItem[]) => {
    const r = await call<PushResponse>(ctx.current.server, 'POST', SYNC_PATHS.push, { headers: till.headers, body: batch(items) });
    expect(r.body.rejected, JSON.stringify(r.body.results)).toBe(0);
  };
  const adminSettle = (storeId: string, query = '') =>
    call<SettlementResponse & ErrorResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.adminSettlement(storeId)}${query}`, { headers: adminHeaders });

  /** A cash sale of `total` minor units due after rounding `rounding`. */
  function roundedCashSale(till: Till, receiptNo: number, at: string): SentSale {
    const base = sale(till.terminalId, receiptNo, { completedAt: at });
    return { ...base, rounding: -(base.total % 10), tenders: [{ seq: 1, method: 'cash', amount: base.total - (base.total % 10), received: 10_000, reference: null }] };
  }

  it('sums each terminal and the store per method, net of refunds, training counted apart', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 2);
    const [a, b] = [tills[0]!, tills[1]!];
    const at = (m: number) => new Date(Date.UTC(2025, 2, 1, 2, m)).toISOString();
    const aSales = [
      sale(a.terminalId, 1, { completedAt: at(1) }),
      sale(a.terminalId, 2, { completedAt: at(2), tenders: [{ method: 'cash', amount: 1000 }, { method: 'alipay' }] }),
      roundedCashSale(a, 3, at(3)),
      sale(a.terminalId, 4, { completedAt: at(4), training: true, tenders: [{ method: 'wechat' }] }),
    ];
    const bSales = [sale(b.terminalId, 1, { completedAt: at(5), tenders: [{ method: 'wechat' }] }), sale(b.terminalId, 2, { completedAt: at(6) })];
    await push(a, aSales.map((s, i) => saleItem(s, i + 1)));
    await push(b, bSales.map((s, i) => saleItem(s, i + 1)));
    // Terminal b refunds 5.00 of a's split sale back to alipay, and 1.00 in cash of its own sale
    // in a second part of the same refund; a training refund does not count.
    const refundId = freshId('R');
    await push(b, [
      refundedItem(b.terminalId, 3, { refundId, partNo: 1, saleId: aSales[1]!.id, method: 'alipay', amount: 500, at: at(30) }),
      refundedItem(b.terminalId, 4, { refundId, partNo: 2, saleId: bSales[1]!.id, method: 'cash', amount: 100, at: at(30) }),
      refundedItem(b.terminalId, 5, { refundId: freshId('R'), saleId: aSales[3]!.id, method: 'wechat', amount: 50, at: at(31), training: true }),
    ]);

    const r = await adminSettle(storeId);
    expect(r.status).toBe(200);
    const s = r.body;
    const due = (x: SentSale) => x.total + x.rounding;
    const aLive = aSales.slice(0, 3);
    expect(s.terminals).toEqual([
      {
        terminalId: a.terminalId,
        currency: 'CNY',
        saleCount: 3,
        salesTotal: aLive.reduce((n, x) => n + due(x), 0),
        taxTotal: aLive.reduce((n, x) => n + x.taxTotal, 0),
        refundCount: 0,
        refundTotal: 0,
        net: aLive.reduce((n, x) => n + due(x), 0),
        byMethod: [
          { method: 'cash', taken: due(aSales[0]!) + 1000 + due(aSales[2]!), refunded: 0 },
          { method: 'alipay', taken: aSales[1]!.total - 1000, refunded: 0 },
          { method: 'wechat', taken: 0, refunded: 0 },
        ],
        trainingSaleCount: 1,
        firstReceiptNo: 1,
        lastReceiptNo: 3,
        lastSaleAt: at(3),
        // Receipt 4 is a training sale: it fills the numbering, so no gap.
        missingReceipts: 0,
        flags: [],
      },
      {
        terminalId: b.terminalId,
        currency: 'CNY',
        saleCount: 2,
        salesTotal: due(bSales[0]!) + due(bSales[1]!),
        taxTotal: bSales[0]!.taxTotal + bSales[1]!.taxTotal,
        refundCount: 1,
        refundTotal: 600,
        net: due(bSales[0]!) + due(bSales[1]!) - 600,
        byMethod: [
          { method: 'cash', taken: due(bSales[1]!), refunded: 100 },
          { method: 'alipay', taken: 0, refunded: 500 },
          { method: 'wechat', taken: due(bSales[0]!), refunded: 0 },
        ],
        trainingSaleCount: 0,
        firstReceiptNo: 1,
        lastReceiptNo: 2,
        lastSaleAt: at(6),
        missingReceipts: 0,
        flags: [],
      },
    ].sort((x, y) => (x.terminalId < y.terminalId ? -1 : 1)));
    const [t1, t2] = [s.terminals[0]!, s.terminals[1]!];
    expect(s.store).toEqual([
      {
        currency: 'CNY',
        saleCount: 5,
        salesTotal: t1.salesTotal + t2.salesTotal,
        taxTotal: t1.taxTotal + t2.taxTotal,
        refundCount: 1,
        refundTotal: 600,
        net: t1.net + t2.net,
        byMethod: t1.byMethod.map((m, i) => ({ method: m.method, taken: m.taken + t2.byMethod[i]!.taken, refunded: m.refunded + t2.byMethod[i]!.refunded })),
        trainingSaleCount: 1,
        terminalCount: 2,
      },
    ]);
    // Cash rounding: the store owes what was collected, not the unrounded total.
    expect(aSales[2]!.rounding).toBeLessThan(0);
  });

  it('cuts by time: a sale at `from` counts, one at `to` does not; refunds by when they settled', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const t = tills[0]!;
    const day = (h: number, m = 0) => new Date(Date.UTC(2025, 2, 1, h, m)).toISOString();
    const sales = [sale(t.terminalId, 1, { completedAt: day(0) }), sale(t.terminalId, 2, { completedAt: day(12) }), sale(t.terminalId, 3, { completedAt: day(16) })];
    await push(t, [
      ...sales.map((s, i) => saleItem(s, i + 1)),
      refundedItem(t.terminalId, 4, { refundId: freshId('R'), saleId: sales[0]!.id, method: 'cash', amount: 200, at: day(13) }),
    ]);
    // 08:00+08:00 is 00:00Z: offsets are honoured.
    const r = await adminSettle(storeId, `?from=${encodeURIComponent('2025-03-01T08:00:00+08:00')}&to=${encodeURIComponent(day(16))}`);
    expect(r.status).toBe(200);
    expect(r.body.from).toBe('2025-03-01T08:00:00+08:00');
    expect(r.body.store[0]).toMatchObject({ saleCount: 2, salesTotal: sales[0]!.total + sales[1]!.total, refundTotal: 200 });
    const afternoon = await adminSettle(storeId, `?from=${encodeURIComponent(day(14))}`);
    expect(afternoon.body.store[0]).toMatchObject({ saleCount: 1, salesTotal: sales[2]!.total, refundTotal: 0 });
    const night = await adminSettle(storeId, `?from=${encodeURIComponent(day(20))}`);
    expect(night.body.terminals).toEqual([]);
    expect(night.body.store).toEqual([]);
    expect(night.body.registeredTerminals).toEqual([t.terminalId]);
  });

  it('keeps currencies apart', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const t = tills[0]!;
    const cny = sale(t.terminalId, 1);
    const usd = { ...sale(t.terminalId, 2), currency: 'USD' };
    await push(t, [saleItem(cny, 1), saleItem(usd, 2)]);
    const s = (await adminSettle(storeId)).body;
    expect(s.store.map((x) => [x.currency, x.saleCount, x.salesTotal])).toEqual([
      ['CNY', 1, cny.total],
      ['USD', 1, usd.total],
    ]);
    expect(s.terminals).toHaveLength(2);
  });

  it("answers a terminal with its own store's settlement, and refuses bad queries and unknown stores", async () => {
    const [one, other] = [await storeWith(ctx.current.server, 1), await storeWith(ctx.current.server, 1)];
    await push(one.tills[0]!, [saleItem(sale(one.tills[0]!.terminalId, 1), 1)]);
    const own = await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.settlement, { headers: one.tills[0]!.headers });
    expect(own.status).toBe(200);
    expect(own.body.storeId).toBe(one.storeId);
    expect(own.body.store[0]?.saleCount).toBe(1);
    const theirs = await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.settlement, { headers: other.tills[0]!.headers });
    expect(theirs.body.storeId).toBe(other.storeId);
    expect(theirs.body.store).toEqual([]);

    const backwards = await adminSettle(one.storeId, '?from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z');
    expect([backwards.status, backwards.body.error.code]).toEqual([400, 'malformed']);
    expect(backwards.body.error.message).toContain('from must be before to');
    const notATime = await adminSettle(one.storeId, '?from=yesterday');
    expect(notATime.status).toBe(400);
    expect(notATime.body.error.message).toContain('from');
    const unknown = await adminSettle('NO-SUCH-STORE');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not-found']);
    const noToken = await call<ErrorResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminSettlement(one.storeId));
    expect([noToken.status, noToken.body.error.code]).toEqual([401, 'missing-credentials']);
  });
});
