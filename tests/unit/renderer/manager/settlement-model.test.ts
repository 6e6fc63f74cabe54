import { describe, expect, it } from 'vitest';
import type { StoreSettlementView } from '../../../../src/shared/api.ts';
import { flaggedCount, isKnownFlag, methodFigures, orderTerminals, type SettlementTerminal } from '../../../../src/renderer/manager/settlement-model.ts';

const terminal = (terminalId: string, flags: string[] = []): SettlementTerminal => ({
  terminalId,
  currency: 'CNY',
  saleCount: 1,
  salesTotal: 1000,
  refundTotal: 0,
  net: 1000,
  byMethod: [
    { method: 'cash', taken: 600, refunded: 0 },
    { method: 'alipay', taken: 400, refunded: 100 },
  ],
  flags,
});

describe('store settlement', () => {
  const view: StoreSettlementView = {
    storeId: 'S1',
    generatedAt: '2026-11-26T10:00:00Z',
    terminals: [terminal('T01'), terminal('T02', ['silent']), terminal('T03'), terminal('T04', ['unsent', 'receipt-gap'])],
    store: [],
  };

  it('lists the flagged terminals first, each group in the server order', () => {
    expect(orderTerminals(view.terminals).map((t) => t.terminalId)).toEqual(['T02', 'T04', 'T01', 'T03']);
    expect(flaggedCount(view)).toBe(2);
  });

  it('counts an unknown flag from a newer server as a problem too', () => {
    expect(isKnownFlag('clock-skew')).toBe(false);
    expect(orderTerminals([terminal('T01'), terminal('T09', ['clock-skew'])]).map((t) => t.terminalId)).toEqual(['T09', 'T01']);
  });

  it('reads a tender column as 0 when the terminal took none of it', () => {
    expect(methodFigures(view.terminals[0]!, 'alipay')).toEqual({ taken: 400, refunded: 100 });
    expect(methodFigures(view.terminals[0]!, 'wechat')).toEqual({ taken: 0, refunded: 0 });
  });
});
