// The manager screen's store settlement (src/core/sync/store-settlement.ts): a local day as a
// settlement range (time zones and DST included) and the server's answer cut to the API view,
// flagged terminals with nothing sold included.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettlementQueryError } from '../../../../src/core/sync/sync-client.ts';
import { localDayRange, storeSettlementView } from '../../../../src/core/sync/store-settlement.ts';
import type { SettlementResponse } from '../../../../src/shared/sync-protocol.ts';

let tz: string | undefined;
beforeEach(() => {
  tz = process.env.TZ;
});
afterEach(() => {
  if (tz === undefined) delete process.env.TZ;
  else process.env.TZ = tz;
});

describe('localDayRange', () => {
  it("is the terminal's local calendar day, as UTC instants", () => {
    process.env.TZ = 'Asia/Shanghai';
    expect(localDayRange('2026-03-01')).toEqual({ from: '2026-02-28T16:00:00.000Z', to: '2026-03-01T16:00:00.000Z' });
    process.env.TZ = 'UTC';
    expect(localDayRange('2026-12-31')).toEqual({ from: '2026-12-31T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
  });

  it('is 23 hours on the day clocks go forward', () => {
    process.env.TZ = 'Europe/Berlin';
    const { from, to } = localDayRange('2026-03-29');
    expect(Date.parse(to) - Date.parse(from)).toBe(23 * 3_600_000);
  });

  it('refuses what is not a calendar date, naming it', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '26-01-01', 'today', '1969-12-31']) {
      expect(() => localDayRange(bad), bad).toThrow(SettlementQueryError);
    }
    expect(() => localDayRange('2026-02-30')).toThrow('settlement: date: expected a calendar date as yyyy-mm-dd (1970 or later), got "2026-02-30"');
  });
});

describe('storeSettlementView', () => {
  const methods = (cash: number) => [
    { method: 'cash' as const, taken: cash, refunded: 0 },
    { method: 'alipay' as const, taken: 0, refunded: 0 },
    { method: 'wechat' as const, taken: 0, refunded: 0 },
  ];
  const answer: SettlementResponse = {
    storeId: 'S01',
    from: null,
    to: null,
    generatedAt: '2026-03-01T12:00:00.000Z',
    registeredTerminals: ['T01', 'T02', 'T03'],
    terminals: [
      {
        terminalId: 'T01', currency: 'CNY', saleCount: 2, salesTotal: 500, taxTotal: 50, refundCount: 0, refundTotal: 0, net: 500, byMethod: methods(500),
        trainingSaleCount: 0, firstReceiptNo: 1, lastReceiptNo: 3, lastSaleAt: '2026-03-01T11:00:00.000Z', missingReceipts: 1, flags: ['receipt-gap'],
      },
    ],
    store: [{ currency: 'CNY', saleCount: 2, salesTotal: 500, taxTotal: 50, refundCount: 0, refundTotal: 0, net: 500, byMethod: methods(500), trainingSaleCount: 0, terminalCount: 1 }],
    standing: [
      { terminalId: 'T01', lastSeenAt: '2026-03-01T11:59:00.000Z', report: null, flags: ['receipt-gap'] },
      { terminalId: 'T02', lastSeenAt: null, report: null, flags: ['silent'] },
      { terminalId: 'T03', lastSeenAt: '2026-03-01T11:59:30.000Z', report: { backlog: 0, lastReceiptNo: null, at: '2026-03-01T11:59:30.000Z', receivedAt: '2026-03-01T11:59:30.000Z' }, flags: [] },
    ],
    silentAfterSeconds: 60,
    doubleRedemptions: [],
    overdrawnMembers: [],
  };

  it('keeps the rows and their flags, and adds a zero row for a flagged terminal with nothing sold', () => {
    const view = storeSettlementView(answer, 'CNY');
    expect(view.terminals.map((t) => [t.terminalId, t.saleCount, t.net, t.flags])).toEqual([
      ['T01', 2, 500, ['receipt-gap']],
      ['T02', 0, 0, ['silent']],
    ]);
    expect(view.store).toEqual([{ currency: 'CNY', saleCount: 2, salesTotal: 500, refundTotal: 0, net: 500, terminalCount: 1 }]);
    expect(view.terminals[1]?.byMethod).toEqual(methods(0));
  });

  it('uses the terminal\'s currency for those rows when nothing was sold anywhere', () => {
    const view = storeSettlementView({ ...answer, terminals: [], store: [] }, 'EUR');
    expect(view.terminals.map((t) => [t.terminalId, t.currency, t.flags])).toEqual([
      ['T01', 'EUR', ['receipt-gap']],
      ['T02', 'EUR', ['silent']],
    ]);
  });
});
