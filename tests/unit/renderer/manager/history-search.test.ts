import { describe, expect, it } from 'vitest';
import { posRequests } from '../../../../src/shared/api.ts';
import { buildSearchParams, EMPTY_SEARCH, nextPageParams, PAGE_SIZE, readRefundAmount, refundable } from '../../../../src/renderer/manager/history-search.ts';

const form = (over: Partial<typeof EMPTY_SEARCH>) => ({ ...EMPTY_SEARCH, ...over });

describe('sales history search params', () => {
  it('sends only the page size for an empty form (the latest sales)', () => {
    expect(buildSearchParams(EMPTY_SEARCH, 'CNY')).toEqual({ ok: true, value: { limit: PAGE_SIZE } });
  });

  it('sends every filled field, trimmed, with amounts in minor units', () => {
    const built = buildSearchParams(
      form({ receipt: ' T01-000123 ', from: '2026-11-01', to: '2026-11-26', amountMin: '0', amountMax: '88.8', tender: 'alipay', cashier: ' Wang ' }),
      'CNY',
    );
    expect(built).toEqual({
      ok: true,
      value: { limit: PAGE_SIZE, receipt: 'T01-000123', from: '2026-11-01', to: '2026-11-26', amountMin: 0, amountMax: 8880, tender: 'alipay', cashier: 'Wang' },
    });
    // What the form builds is what the core's schema accepts.
    if (built.ok) expect(posRequests['sales.search'].params.safeParse(built.value).success).toBe(true);
  });

  it('reads amounts in the currency of the terminal (JPY has no minor digits)', () => {
    expect(buildSearchParams(form({ amountMin: '500' }), 'JPY')).toMatchObject({ ok: true, value: { amountMin: 500 } });
  });

  it.each([
    [{ amountMin: 'abc' }, 'mgr.history.badAmount', { field: 'min', text: 'abc' }],
    [{ amountMax: '-5' }, 'mgr.history.badAmount', { field: 'max', text: '-5' }],
    [{ amountMin: '20', amountMax: '10' }, 'mgr.history.amountsReversed', undefined],
    [{ from: '2026-11-26', to: '2026-11-01' }, 'mgr.history.datesReversed', { from: '2026-11-26', to: '2026-11-01' }],
    [{ from: '2026-02-30' }, 'mgr.history.badDate', { text: '2026-02-30' }],
    [{ to: '26/11/2026' }, 'mgr.history.badDate', { text: '26/11/2026' }],
    [{ receipt: 'x'.repeat(33) }, 'mgr.history.badReceipt', { text: 'x'.repeat(33) }],
    [{ cashier: 'y'.repeat(41) }, 'mgr.history.badCashier', undefined],
  ])('names the mistake in %j', (over, error, params) => {
    const built = buildSearchParams(form(over), 'CNY');
    expect(built.ok).toBe(false);
    if (!built.ok) {
      expect(built.error).toBe(error);
      expect(built.params).toEqual(params);
    }
  });

  it('asks for the next page with the same filters and the cursor as `before`', () => {
    const built = buildSearchParams(form({ tender: 'cash' }), 'CNY');
    if (!built.ok) throw new Error('expected params');
    expect(nextPageParams(built.value, 'c:2026-11-26T10:00:00Z:01J')).toEqual({ limit: PAGE_SIZE, tender: 'cash', before: 'c:2026-11-26T10:00:00Z:01J' });
    expect(built.value).not.toHaveProperty('before');
  });
});

describe('refund amount', () => {
  it('is what is left when nothing is typed (a whole refund, no amount sent)', () => {
    expect(readRefundAmount('  ', 'CNY', 5000)).toEqual({ ok: true, value: undefined });
  });

  it('takes a part up to what is left', () => {
    expect(readRefundAmount('12.5', 'CNY', 5000)).toEqual({ ok: true, value: 1250 });
    expect(readRefundAmount('50', 'CNY', 5000)).toEqual({ ok: true, value: 5000 });
  });

  it.each([
    ['50.01', 5000, 'mgr.refund.tooMuch'],
    ['0', 5000, 'mgr.refund.badAmount'],
    ['ten', 5000, 'mgr.refund.badAmount'],
    ['', 0, 'mgr.refund.nothingLeft'],
  ])('refuses %j with %i left', (text, left, error) => {
    expect(readRefundAmount(text, 'CNY', left)).toMatchObject({ ok: false, error });
  });

  it('knows what is still refundable', () => {
    expect(refundable({ total: 8800, refunded: 3000 })).toBe(5800);
    expect(refundable({ total: 8800, refunded: 9000 })).toBe(0);
  });
});
