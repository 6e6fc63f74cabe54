// Store-level settlement across terminals (ARCHITECTURE.md §6): what every terminal of a
// store took and gave back, per currency, from the sales and refunds the terminals pushed.
//
// Decisions a caller must know:
// - Sales count by completedAt, refunds by the time their part settled, in [from, to).
// - salesTotal is Σ (total + rounding), what the customers owed; byMethod sums the tenders
//   as recorded. A sale whose tenders do not add up to its total is counted as it is: the
//   terminal's `kassa verify` reports it, the settlement shows the money actually recorded.
// - Training sales and refunds are counted apart (trainingSaleCount) and summed nowhere.
// - The store rows are the sums of the terminal rows, so the two always agree.
// - FLAGS (issue 7 §5): 'unsent' and 'silent' come from the terminals' latest reports and when
//   the server last heard from them (./terminal-reports.ts), judged now, whatever the range;
//   'receipt-gap' from the range: max − min + 1 ≠ distinct receipt numbers of the terminal's
//   sales in it, training included (training sales take numbers from the same sequence).
//   `standing` lists every registered terminal, so one with nothing in the range still shows
//   its flags.
// - Coupons and points (issue 8): `doubleRedemptions` lists single-use coupons sold more than
//   once with a sale in the range (./coupons.ts); `overdrawnMembers` the members whose points
//   balance is below zero now, whatever the range (./members.ts). Read in the same snapshot.
import {
  DEFAULT_SILENT_AFTER_SECONDS,
  SETTLEMENT_FLAGS,
  type MethodTotals,
  type SettlementFlag,
  type SettlementQuery,
  type SettlementResponse,
  type SettlementTotals,
  type SyncTenderMethod,
  type TerminalSettlement,
  type TerminalStanding,
} from '../../shared/sync-protocol.ts';
import type { StoreStorage } from './storage.ts';
import { toInt, toIso } from './storage.ts';
import { standingFlags, terminalStates } from './terminal-reports.ts';
import { doubleRedemptions } from './coupons.ts';
import { overdrawnMembers } from './members.ts';

const METHODS: readonly SyncTenderMethod[] = ['cash', 'alipay', 'wechat'];

interface Acc {
  terminalId: string;
  currency: string;
  saleCount: number;
  salesTotal: number;
  taxTotal: number;
  refundIds: number;
  refundTotal: number;
  trainingSaleCount: number;
  firstReceiptNo: number | null;
  lastReceiptNo: number | null;
  lastSaleAt: string | null;
  missingReceipts: number;
  taken: Map<string, number>;
  refunded: Map<string, number>;
}

function add(a: number, b: number, what: string): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new Error(`settlement: ${what} exceeds the safe integer range`);
  return sum;
}

function byMethod(taken: ReadonlyMap<string, number>, refunded: ReadonlyMap<string, number>): MethodTotals[] {
  return METHODS.map((method) => ({ method, taken: taken.get(method) ?? 0, refunded: refunded.get(method) ?? 0 }));
}

export async function settlement(storage: StoreStorage, storeId: string, query: SettlementQuery, now: Date): Promise<SettlementResponse> {
  const from = query.from ?? null;
  const to = query.to ?? null;
  const range = (column: string): string => `($2::timestamptz IS NULL OR ${column} >= $2::timestamptz) AND ($3::timestamptz IS NULL OR ${column} < $3::timestamptz)`;
  const params = [storeId, from, to];
  // One snapshot for all the reads, so a batch committed in between cannot show in one sum
  // and not in another.
  const { sales, tenders, refunds, refundIds, states, doubled, overdrawn } = await storage.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const rows = (sql: string): Promise<Record<string, unknown>[]> => tx.query<Record<string, unknown>>(sql, params);
    return {
      sales: await rows(
        `SELECT terminal_id, currency,
                count(*) FILTER (WHERE NOT training) AS sale_count,
                coalesce(sum(total + rounding) FILTER (WHERE NOT training), 0)::bigint AS sales_total,
                coalesce(sum(tax_total) FILTER (WHERE NOT training), 0)::bigint AS tax_total,
                count(*) FILTER (WHERE training) AS training_count,
                min(receipt_no) FILTER (WHERE NOT training) AS first_receipt,
                max(receipt_no) FILTER (WHERE NOT training) AS last_receipt,
                max(completed_at) FILTER (WHERE NOT training) AS last_sale_at,
                max(receipt_no) - min(receipt_no) + 1 - count(DISTINCT receipt_no) AS missing_receipts
         FROM sales WHERE store_id = $1 AND ${range('completed_at')}
         GROUP BY terminal_id, currency`,
      ),
      tenders: await rows(
        `SELECT s.terminal_id, s.currency, t.method, sum(t.amount)::bigint AS amount
         FROM sale_tenders t JOIN sales s ON s.sale_id = t.sale_id
         WHERE s.store_id = $1 AND NOT s.training AND ${range('s.completed_at')}
         GROUP BY s.terminal_id, s.currency, t.method`,
      ),
      refunds: await rows(
        `SELECT terminal_id, currency, method, sum(amount)::bigint AS amount
         FROM refunds WHERE store_id = $1 AND NOT training AND ${range('refunded_at')}
         GROUP BY terminal_id, currency, method`,
      ),
      refundIds: await rows(
        `SELECT terminal_id, currency, count(DISTINCT refund_id) AS refunds
         FROM refunds WHERE store_id = $1 AND NOT training AND ${range('refunded_at')}
         GROUP BY terminal_id, currency`,
      ),
      states: await terminalStates(tx, storeId),
      doubled: await doubleRedemptions(tx, storeId, from, to),
      overdrawn: await overdrawnMembers(tx, storeId),
    };
  });

  const accs = new Map<string, Acc>();
  const accOf = (row: Record<string, unknown>): Acc => {
    const terminalId = String(row.terminal_id);
    const currency = String(row.currency);
    const k = `${terminalId}\u0000${currency}`;
    let acc = accs.get(k);
    if (acc === undefined) {
      acc = { terminalId, currency, saleCount: 0, salesTotal: 0, taxTotal: 0, refundIds: 0, refundTotal: 0, trainingSaleCount: 0, firstReceiptNo: null, lastReceiptNo: null, lastSaleAt: null, missingReceipts: 0, taken: new Map(), refunded: new Map() };
      accs.set(k, acc);
    }
    return acc;
  };
  for (const r of sales) {
    const acc = accOf(r);
    acc.saleCount = toInt(r.sale_count, 'sale_count');
    acc.salesTotal = toInt(r.sales_total, 'sales_total');
    acc.taxTotal = toInt(r.tax_total, 'tax_total');
    acc.trainingSaleCount = toInt(r.training_count, 'training_count');
    acc.firstReceiptNo = r.first_receipt === null ? null : toInt(r.first_receipt, 'first_receipt');
    acc.lastReceiptNo = r.last_receipt === null ? null : toInt(r.last_receipt, 'last_receipt');
    acc.lastSaleAt = r.last_sale_at === null ? null : toIso(r.last_sale_at, 'last_sale_at');
    acc.missingReceipts = Math.max(0, toInt(r.missing_receipts, 'missing_receipts'));
  }
  for (const r of tenders) accOf(r).taken.set(String(r.method), toInt(r.amount, 'tender amount'));
  for (const r of refunds) {
    const acc = accOf(r);
    const amount = toInt(r.amount, 'refund amount');
    acc.refunded.set(String(r.method), amount);
    acc.refundTotal = add(acc.refundTotal, amount, 'refundTotal');
  }
  for (const r of refundIds) accOf(r).refundIds = toInt(r.refunds, 'refunds');

  const silentAfterSeconds = query.silentAfterSeconds ?? DEFAULT_SILENT_AFTER_SECONDS;
  const ownFlags = new Map(states.map((st) => [st.terminalId, standingFlags(st, now, silentAfterSeconds * 1000)]));
  const ordered = (flags: Iterable<SettlementFlag>): SettlementFlag[] => {
    const set = new Set(flags);
    return SETTLEMENT_FLAGS.filter((f) => set.has(f));
  };

  const terminals: TerminalSettlement[] = [...accs.values()]
    .sort((a, b) => (a.terminalId === b.terminalId ? (a.currency < b.currency ? -1 : 1) : a.terminalId < b.terminalId ? -1 : 1))
    .map((a) => ({
      terminalId: a.terminalId,
      currency: a.currency,
      saleCount: a.saleCount,
      salesTotal: a.salesTotal,
      taxTotal: a.taxTotal,
      refundCount: a.refundIds,
      refundTotal: a.refundTotal,
      net: a.salesTotal - a.refundTotal,
      byMethod: byMethod(a.taken, a.refunded),
      trainingSaleCount: a.trainingSaleCount,
      firstReceiptNo: a.firstReceiptNo,
      lastReceiptNo: a.lastReceiptNo,
      lastSaleAt: a.lastSaleAt,
      missingReceipts: a.missingReceipts,
      flags: ordered([...(ownFlags.get(a.terminalId) ?? []), ...(a.missingReceipts > 0 ? (['receipt-gap'] as const) : [])]),
    }));

  const standing: TerminalStanding[] = states.map((st) => ({
    terminalId: st.terminalId,
    lastSeenAt: st.lastSeenAt,
    report: st.report,
    flags: ordered([...(ownFlags.get(st.terminalId) ?? []), ...(terminals.some((t) => t.terminalId === st.terminalId && t.missingReceipts > 0) ? (['receipt-gap'] as const) : [])]),
  }));

  const store = new Map<string, SettlementTotals & { terminalCount: number }>();
  for (const t of terminals) {
    const s = store.get(t.currency) ?? {
      currency: t.currency,
      saleCount: 0,
      salesTotal: 0,
      taxTotal: 0,
      refundCount: 0,
      refundTotal: 0,
      net: 0,
      byMethod: byMethod(new Map(), new Map()),
      trainingSaleCount: 0,
      terminalCount: 0,
    };
    store.set(t.currency, {
      currency: t.currency,
      saleCount: s.saleCount + t.saleCount,
      salesTotal: add(s.salesTotal, t.salesTotal, 'salesTotal'),
      taxTotal: add(s.taxTotal, t.taxTotal, 'taxTotal'),
      refundCount: s.refundCount + t.refundCount,
      refundTotal: add(s.refundTotal, t.refundTotal, 'refundTotal'),
      net: add(s.net, t.net, 'net'),
      byMethod: s.byMethod.map((m, i) => ({
        method: m.method,
        taken: add(m.taken, t.byMethod[i]?.taken ?? 0, `${m.method} taken`),
        refunded: add(m.refunded, t.byMethod[i]?.refunded ?? 0, `${m.method} refunded`),
      })),
      trainingSaleCount: s.trainingSaleCount + t.trainingSaleCount,
      terminalCount: s.terminalCount + 1,
    });
  }

  return {
    storeId,
    from,
    to,
    generatedAt: now.toISOString(),
    registeredTerminals: states.map((st) => st.terminalId),
    terminals,
    store: [...store.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)),
    standing,
    silentAfterSeconds,
    doubleRedemptions: doubled,
    overdrawnMembers: overdrawn,
  };
}
