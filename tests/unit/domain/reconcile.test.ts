import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemKey, parseItemKey, reconcile, ReconcileInputError, type BillRow, type LocalRow, type ReconcileInput } from '../../../src/domain/reconcile.ts';

const DATE = '2025-03-01';
const START = Date.parse('2025-02-28T16:00:00Z');
const END = START + 86_400_000;
const NOON = START + 12 * 3_600_000;

const bill = (over: Partial<BillRow> & Pick<BillRow, 'outTradeNo' | 'amount'>): BillRow => ({
  entry: 'payment',
  outRequestNo: null,
  tradeNo: '2025030122001000000000000001',
  at: NOON,
  terminalId: 'T01',
  line: 6,
  ...over,
});
const local = (over: Partial<LocalRow> & Pick<LocalRow, 'outTradeNo' | 'amount'>): LocalRow => ({
  entry: 'payment',
  outRequestNo: null,
  state: 'paid',
  at: NOON,
  ref: 'S1',
  ...over,
});
const input = (b: BillRow[], l: LocalRow[], extra: Partial<ReconcileInput> = {}): ReconcileInput => ({
  date: DATE,
  provider: 'alipay',
  terminalId: 'T01',
  range: { start: START, end: END },
  bill: b,
  local: l,
  ...extra,
});

describe('reconcile', () => {
  it('gives each status with both amounts, keyed by day, wallet and id', () => {
    const r = reconcile(
      input(
        [
          bill({ outTradeNo: 'A', amount: 100 }),
          bill({ outTradeNo: 'B', amount: 200 }),
          bill({ outTradeNo: 'D', amount: 400 }),
          bill({ entry: 'refund', outTradeNo: 'A', outRequestNo: 'R1', amount: 50 }),
          bill({ entry: 'reversal', outTradeNo: 'D', amount: 400 }),
        ],
        [local({ outTradeNo: 'A', amount: 100 }), local({ outTradeNo: 'C', amount: 300 }), local({ outTradeNo: 'D', amount: 450 }), local({ entry: 'refund', outTradeNo: 'A', outRequestNo: 'R2', amount: 20, state: 'refunded' })],
      ),
    );
    expect(r.items.map((i) => [i.key, i.kind, i.status, i.local, i.billed])).toEqual([
      ['2025-03-01/alipay/pay/A', 'payment', 'matched', 100, 100],
      ['2025-03-01/alipay/pay/B', 'payment', 'missing-locally', null, 200],
      ['2025-03-01/alipay/pay/C', 'payment', 'missing-at-provider', 300, null],
      ['2025-03-01/alipay/pay/D', 'payment', 'amount-mismatch', 450, 400],
      ['2025-03-01/alipay/refund/R1', 'refund', 'missing-locally', null, 50],
      ['2025-03-01/alipay/refund/R2', 'refund', 'missing-at-provider', 20, null],
      ['2025-03-01/alipay/reversal/D', 'refund', 'missing-locally', null, 400],
    ]);
    expect(r.summary).toMatchObject({ billRows: 5, localRows: 4, matched: 1, missingLocally: 3, missingAtProvider: 2, amountMismatch: 1, unresolved: 6 });
    expect(r.summary.totals).toEqual({ bill: { payments: 700, refunds: 450, net: 250 }, local: { payments: 850, refunds: 20, net: 830 }, difference: -580 });
  });

  it("a local row outside the day counts only when the bill lists it (the provider's clock decides the day)", () => {
    const lateLastNight = START - 2_000;
    const r = reconcile(
      input([bill({ outTradeNo: 'EDGE', amount: 100, at: START + 1_000 })], [local({ outTradeNo: 'EDGE', amount: 100, at: lateLastNight }), local({ outTradeNo: 'YESTERDAY', amount: 5, at: lateLastNight }), local({ outTradeNo: 'TOMORROW', amount: 5, at: END })]),
    );
    expect(r.items.map((i) => [i.key, i.status])).toEqual([['2025-03-01/alipay/pay/EDGE', 'matched']]);
  });

  it("leaves out another terminal's bill lines nobody here knows, but keeps one this terminal booked", () => {
    const r = reconcile(input([bill({ outTradeNo: 'T2', amount: 1, terminalId: 'T02' }), bill({ outTradeNo: 'MINE', amount: 2, terminalId: 'T02' }), bill({ outTradeNo: 'ANON', amount: 3, terminalId: null })], [local({ outTradeNo: 'MINE', amount: 2 })]));
    expect(r.items.map((i) => [i.outTradeNo, i.status])).toEqual([
      ['ANON', 'missing-locally'],
      ['MINE', 'matched'],
    ]);
    expect(r.summary.otherTerminalRows).toBe(1);
  });

  it('a row in doubt locally shows its state beside a bill line, and drops out when the bill has none', () => {
    const r = reconcile(input([bill({ outTradeNo: 'M', amount: 9 })], [local({ outTradeNo: 'M', amount: null, state: 'manual' }), local({ outTradeNo: 'F', amount: null, state: 'failed' })]));
    expect(r.items).toEqual([expect.objectContaining({ outTradeNo: 'M', status: 'missing-locally', local: null, billed: 9, localState: 'manual' })]);
  });

  it('attaches recorded resolutions to unmatched items only and counts them out of unresolved', () => {
    const resolution = { reason: 'refunded by hand', by: 'Mia', at: '2025-03-02T01:00:00.000Z', status: 'missing-locally' as const, journalSeq: 7 };
    const resolutions = new Map([
      ['2025-03-01/alipay/pay/B', resolution],
      ['2025-03-01/alipay/pay/A', resolution],
    ]);
    const r = reconcile(input([bill({ outTradeNo: 'A', amount: 1 }), bill({ outTradeNo: 'B', amount: 2 })], [local({ outTradeNo: 'A', amount: 1 })], { resolutions }));
    expect(r.items.map((i) => [i.outTradeNo, i.resolved?.by ?? null])).toEqual([
      ['A', null],
      ['B', 'Mia'],
    ]);
    expect(r.summary.unresolved).toBe(0);
  });

  it('refuses a bill or a terminal listing the same key twice, naming the lines', () => {
    expect(() => reconcile(input([bill({ outTradeNo: 'A', amount: 1, line: 6 }), bill({ outTradeNo: 'A', amount: 1, line: 9 })], []))).toThrow(new ReconcileInputError('the bill lists 2025-03-01/alipay/pay/A twice (lines 6 and 9)'));
    expect(() => reconcile(input([], [local({ outTradeNo: 'A', amount: 1 }), local({ outTradeNo: 'A', amount: 2 })]))).toThrow(ReconcileInputError);
  });

  it('keys round-trip and odd text is not a key', () => {
    const key = itemKey(DATE, 'wechat', { entry: 'refund', outTradeNo: 'T01_X', outRequestNo: 'R_1' });
    expect(key).toBe('2025-03-01/wechat/refund/R_1');
    expect(parseItemKey(key)).toEqual({ date: DATE, provider: 'wechat', entry: 'refund', id: 'R_1' });
    for (const bad of ['', '2025-03-01/paypal/pay/A', '2025-03-01/alipay/pay/', '2025-03-01/alipay/pay/a b', '25-03-01/alipay/pay/A']) expect(parseItemKey(bad)).toBeNull();
  });

  it('property: totals are the sums of each side, and every item is counted in exactly one status', () => {
    const ids = fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F');
    const side = fc.uniqueArray(fc.record({ id: ids, amount: fc.integer({ min: 1, max: 100_000 }), refund: fc.boolean() }), { selector: (x) => `${x.id}${x.refund}` });
    fc.assert(
      fc.property(side, side, (b, l) => {
        const r = reconcile(
          input(
            b.map((x) => bill({ entry: x.refund ? 'refund' : 'payment', outTradeNo: x.id, outRequestNo: x.refund ? `R${x.id}` : null, amount: x.amount })),
            l.map((x) => local({ entry: x.refund ? 'refund' : 'payment', outTradeNo: x.id, outRequestNo: x.refund ? `R${x.id}` : null, amount: x.amount })),
          ),
        );
        const sum = (xs: typeof b, refund: boolean) => xs.filter((x) => x.refund === refund).reduce((s, x) => s + x.amount, 0);
        expect(r.summary.totals.bill).toEqual({ payments: sum(b, false), refunds: sum(b, true), net: sum(b, false) - sum(b, true) });
        expect(r.summary.totals.local).toEqual({ payments: sum(l, false), refunds: sum(l, true), net: sum(l, false) - sum(l, true) });
        const s = r.summary;
        expect(s.matched + s.missingLocally + s.missingAtProvider + s.amountMismatch).toBe(r.items.length);
        expect(s.missingLocally + s.matched + s.amountMismatch).toBe(b.length);
      }),
      { numRuns: 200 },
    );
  });
});
