// The store's settlement as the terminal's manager screen shows it (issue 7 §5): asked of the
// store server by the terminal's sync client (SyncClient.settlement), for one local day, and cut
// down to the API's StoreSettlementView (src/shared/api.ts).
//
// Decisions a caller must know:
// - A day is the terminal's local calendar day (the process time zone, like the Z report):
//   [local midnight, next local midnight), sent as UTC instants, so a day with a DST change is
//   23 or 25 hours long.
// - The view keeps the flags the server gave, per terminal row; a registered terminal that is
//   flagged but has nothing in the range gets a row of zeros in the store's currency, so the
//   screen never hides a terminal that still holds sales.
import type { StoreSettlementView } from '../../shared/api.ts';
import type { SettlementQuery, SettlementResponse } from '../../shared/sync-protocol.ts';
import { SettlementQueryError } from './sync-client.ts';

/** [local midnight of `date`, the next local midnight) as a settlement query. */
export function localDayRange(date: string): Required<Pick<SettlementQuery, 'from' | 'to'>> {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const [y, mo, d] = m === null ? [NaN, NaN, NaN] : [Number(m[1]), Number(m[2]), Number(m[3])];
  const start = new Date(y, mo - 1, d);
  if (m === null || start.getFullYear() !== y || start.getMonth() !== mo - 1 || start.getDate() !== d || y < 1970) {
    throw new SettlementQueryError(`settlement: date: expected a calendar date as yyyy-mm-dd (1970 or later), got "${date}"`);
  }
  const end = new Date(y, mo - 1, d + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

/**
 * The screen's view of a settlement answer. `fallbackCurrency` (the terminal's) is the currency
 * of the zero rows of flagged terminals when nothing at all was sold in the range.
 */
export function storeSettlementView(s: SettlementResponse, fallbackCurrency: string): StoreSettlementView {
  const terminals: StoreSettlementView['terminals'][number][] = s.terminals.map((t) => ({
    terminalId: t.terminalId,
    currency: t.currency,
    saleCount: t.saleCount,
    salesTotal: t.salesTotal,
    refundTotal: t.refundTotal,
    net: t.net,
    byMethod: t.byMethod.map((m) => ({ method: m.method, taken: m.taken, refunded: m.refunded })),
    flags: [...t.flags],
  }));
  const currency = s.store[0]?.currency ?? fallbackCurrency;
  for (const st of s.standing) {
    if (st.flags.length === 0 || s.terminals.some((t) => t.terminalId === st.terminalId)) continue;
    terminals.push({
      terminalId: st.terminalId,
      currency,
      saleCount: 0,
      salesTotal: 0,
      refundTotal: 0,
      net: 0,
      byMethod: (['cash', 'alipay', 'wechat'] as const).map((method) => ({ method, taken: 0, refunded: 0 })),
      flags: [...st.flags],
    });
  }
  terminals.sort((a, b) => (a.terminalId === b.terminalId ? (a.currency < b.currency ? -1 : 1) : a.terminalId < b.terminalId ? -1 : 1));
  return {
    storeId: s.storeId,
    generatedAt: s.generatedAt,
    terminals,
    store: s.store.map((t) => ({ currency: t.currency, saleCount: t.saleCount, salesTotal: t.salesTotal, refundTotal: t.refundTotal, net: t.net, terminalCount: t.terminalCount })),
  };
}
