// The end-of-run check of the payment fault tests (issue 4, "Property-based fault test"): after a
// last recovery, the terminal's books and the sandbox gateway's books must agree fen for fen.
//
// What is checked, and why each rule is there:
// 1. The sandbox ledger adds up by itself (Ledger.check) and the terminal's store verifies
//    (verifyStore: journal chain, sales, refunds against their journal entries).
// 2. Nothing is left unresolved: no attempt `open` or `cancel-pending`, no refund part `pending`
//    (everything settled, or listed `manual` for a person).
// 3. Every sandbox trade was made by an attempt of this terminal (same wallet, same amount).
// 4. A paid trade whose money was kept (paid minus refunded > 0) belongs to exactly one completed
//    sale whose wallet tender names its trade number with the same amount, and that attempt is
//    `paid`. Money kept with no sale is allowed only for an attempt listed `manual`.
// 5. A trade that is in a completed sale was paid, and no two tenders name the same trade.
// 6. Refunds agree by out_request_no: every sandbox refund is a terminal refund part with the same
//    amount, `refunded` (or `manual`), or the refund recovery sent (payment_calls) to give back a
//    trade paid with no sale; every wallet part the terminal calls `refunded` is in the sandbox
//    with the same amount; per sold trade, what the terminal refunded equals what the sandbox
//    refunded, and recovery never refunded a sold trade.
// 7. No trade is left WAIT_BUYER_PAY without a closing call (cancel or close) in payment_calls.
// 8. Attempts the terminal calls failed, cancelled or expired kept no money at the gateway.
// 9. In total: wallet tenders of completed sales minus wallet refunds the terminal made equals what
//    the gateway's merchants kept, fen for fen (trades listed `manual` reported apart).
import type { Db } from '../../src/core/db/open.ts';
import { callsFor, listAttempts, type PaymentAttempt } from '../../src/core/db/payment-attempts.ts';
import { getSale } from '../../src/core/db/sales.ts';
import { verifyStore } from '../../src/core/verify.ts';
import type { Ledger, TradeRow } from '../../src/payments/sandbox/ledger.ts';

export interface LedgerFigures {
  readonly trades: number;
  readonly paidTrades: number;
  readonly waitingTrades: number;
  readonly sales: number;
  readonly walletTenders: number;
  /** Fen the terminal's completed sales took by wallet, minus its wallet refunds. */
  readonly posNetFen: number;
  /** Fen the gateway's merchants kept (paid minus refunded), trades of manual attempts excluded. */
  readonly gatewayNetFen: number;
  readonly manualAttempts: number;
  readonly manualRefunds: number;
  readonly refundParts: number;
  readonly attemptsByState: Readonly<Record<string, number>>;
}

export interface LedgerCheck {
  readonly problems: string[];
  readonly figures: LedgerFigures;
}

interface RefundPartRow {
  refund_id: string;
  part_no: number;
  sale_id: string;
  method: string;
  out_trade_no: string | null;
  trade_no: string | null;
  out_request_no: string | null;
  amount: number;
  state: string;
}

interface WalletTender {
  readonly saleId: string;
  readonly seq: number;
  readonly method: string;
  readonly amount: number;
  readonly reference: string | null;
}

const isPaid = (t: TradeRow) => t.paidAt !== null;

/** out_request_nos of the refunds recovery sent for an attempt (a trade paid with no sale, past its cancel period). */
function recoveryRefunds(db: Db, outTradeNo: string): Set<string> {
  const out = new Set<string>();
  for (const c of callsFor(db, outTradeNo)) {
    if (c.call !== 'refund') continue;
    const request = JSON.parse(c.request) as { outRequestNo?: unknown };
    if (typeof request.outRequestNo === 'string') out.add(request.outRequestNo);
  }
  return out;
}

export function checkLedgers(db: Db, ledger: Ledger): LedgerCheck {
  const problems: string[] = [];
  const problem = (p: string) => problems.push(p);

  // 1. Each side on its own.
  for (const p of ledger.check()) problem(`sandbox ledger: ${p}`);
  for (const p of verifyStore(db).problems) problem(`kassa verify: ${p.where}${p.saleId ? ` ${p.saleId}` : ''}: ${p.message}`);

  const attempts = listAttempts(db);
  const attemptByNo = new Map(attempts.map((a) => [a.outTradeNo, a]));
  const attemptsByState: Record<string, number> = {};
  for (const a of attempts) attemptsByState[a.state] = (attemptsByState[a.state] ?? 0) + 1;
  const parts = db.prepare('SELECT refund_id, part_no, sale_id, method, out_trade_no, trade_no, out_request_no, amount, state FROM refunds').all() as RefundPartRow[];
  const saleIds = db.prepare('SELECT id FROM sales').pluck().all() as string[];
  const tenders: WalletTender[] = [];
  for (const id of saleIds) {
    const sale = getSale(db, id);
    if (!sale) {
      problem(`sale ${id} cannot be read back`);
      continue;
    }
    for (const t of sale.tenders) if (t.method !== 'cash') tenders.push({ saleId: sale.id, seq: t.seq, method: t.method, amount: t.amount, reference: t.reference });
  }

  // 2. Nothing left unresolved.
  for (const a of attempts) if (a.state === 'open' || a.state === 'cancel-pending') problem(`attempt ${a.outTradeNo} (${a.wallet} ${a.mode}, ${a.amount} fen) is still ${a.state}: ${a.detail ?? ''}`);
  for (const p of parts) if (p.state === 'pending') problem(`refund part ${p.refund_id}/${p.part_no} (${p.method}, ${p.amount} fen, ${p.out_request_no ?? 'cash'}) is still pending`);

  const trades = ledger.trades();
  const tradeByNo = new Map(trades.map((t) => [`${t.wallet}:${t.tradeNo}`, t]));
  const sandboxRefunds = ledger.refunds();
  const refundedByPos = new Map<string, number>();
  const manualRefundTrades = new Set<string>();
  for (const p of parts) {
    if (p.method === 'cash' || p.out_trade_no === null) continue;
    if (p.state === 'refunded') refundedByPos.set(p.out_trade_no, (refundedByPos.get(p.out_trade_no) ?? 0) + p.amount);
    if (p.state === 'manual') manualRefundTrades.add(p.out_trade_no);
  }

  let gatewayNet = 0;
  const describe = (t: TradeRow, a?: PaymentAttempt) =>
    `${t.wallet} trade ${t.tradeNo} (out_trade_no ${t.outTradeNo}, ${t.kind}, ${t.status}${t.closeReason ? `/${t.closeReason}` : ''}, ${t.totalFen} fen, refunded ${t.refundedFen}; attempt ${a ? `${a.state}: ${a.detail ?? ''}` : 'none'})`;
  for (const t of trades) {
    const a = attemptByNo.get(t.outTradeNo);
    // 3. Made by this terminal.
    if (!a) {
      problem(`${describe(t)} was made by no attempt of this terminal`);
      continue;
    }
    if (a.wallet !== t.wallet || a.amount !== t.totalFen) problem(`${describe(t, a)} does not match its attempt (${a.wallet}, ${a.amount} fen)`);
    const inSales = tenders.filter((w) => w.method === t.wallet && w.reference === t.tradeNo);
    const kept = isPaid(t) ? t.totalFen - t.refundedFen : 0;
    if (a.state !== 'manual') gatewayNet += kept;
    // 5. At most one sale, and only if paid.
    if (inSales.length > 1) problem(`${describe(t, a)} is the payment of ${inSales.length} tenders: ${inSales.map((w) => `${w.saleId}#${w.seq}`).join(', ')}`);
    const tender = inSales[0];
    if (tender) {
      if (!isPaid(t)) problem(`${describe(t, a)} was never paid, but sale ${tender.saleId} took it as a ${tender.amount} fen tender`);
      if (tender.amount !== t.totalFen) problem(`${describe(t, a)}: sale ${tender.saleId} took it as ${tender.amount} fen`);
      if (tender.saleId !== a.saleId) problem(`${describe(t, a)}: its attempt was for sale ${a.saleId}, but sale ${tender.saleId} took it`);
      if (a.state !== 'paid') problem(`${describe(t, a)} is the payment of sale ${tender.saleId}, but its attempt is ${a.state}`);
      const reversals = sandboxRefunds.filter((r) => r.tradeNo === t.tradeNo && r.kind === 'reversal');
      if (reversals.length > 0) problem(`${describe(t, a)} is the payment of sale ${tender.saleId}, but the gateway reversed it`);
    } else if (kept > 0 && a.state !== 'manual') {
      // 4. Money kept with no sale.
      problem(`${describe(t, a)}: ${kept} fen kept by the gateway belong to no completed sale, and the attempt is not listed manual`);
    }
    if (a.state === 'paid' && !tender) problem(`${describe(t, a)}: the attempt is paid but no completed sale took the trade`);
    // 8. A failed, cancelled or expired attempt kept nothing.
    if ((a.state === 'failed' || a.state === 'cancelled' || a.state === 'expired') && kept > 0) problem(`${describe(t, a)}: the attempt is ${a.state} but the gateway kept ${kept} fen`);
    // 6 (per trade). On a sold trade, what the terminal refunded is what the gateway refunded;
    // a trade no sale kept may only have been given back by recovery (cancel, or its refund).
    const refunds = sandboxRefunds.filter((r) => r.tradeNo === t.tradeNo && r.kind === 'refund');
    const gatewayRefunded = refunds.reduce((s, r) => s + r.amountFen, 0);
    const posRefunded = refundedByPos.get(t.outTradeNo) ?? 0;
    if (tender && gatewayRefunded !== posRefunded && !manualRefundTrades.has(t.outTradeNo)) {
      problem(`${describe(t, a)}: the gateway refunded ${gatewayRefunded} fen, the terminal recorded ${posRefunded} fen refunded`);
    }
    if (!tender && posRefunded > 0) problem(`${describe(t, a)} is in no sale, but the terminal recorded ${posRefunded} fen refunded on it`);
    const reversedBy = recoveryRefunds(db, t.outTradeNo);
    for (const r of refunds) {
      if (r.outRequestNo !== null && reversedBy.has(r.outRequestNo) && tender) {
        problem(`${describe(t, a)} is the payment of sale ${tender.saleId}, but recovery refunded it (${r.outRequestNo})`);
      }
    }
    // 7. Nothing waits without a closing call.
    if (t.status === 'WAIT_BUYER_PAY' && !callsFor(db, t.outTradeNo).some((c) => c.call === 'cancel' || c.call === 'close')) {
      problem(`${describe(t, a)} is left WAIT_BUYER_PAY without a cancel or close call`);
    }
  }

  // 5 (other way round). Every wallet tender names a paid trade of its wallet.
  for (const w of tenders) {
    const t = w.reference === null ? undefined : tradeByNo.get(`${w.method}:${w.reference}`);
    if (!t) problem(`sale ${w.saleId} tender ${w.seq} (${w.method} ${w.amount} fen) names trade ${w.reference ?? '(none)'}, which the gateway does not have`);
  }

  // 6. Refunds by out_request_no.
  const partByRequest = new Map(parts.filter((p) => p.out_request_no !== null).map((p) => [p.out_request_no as string, p]));
  const outTradeNoOf = new Map(trades.map((t) => [t.tradeNo, t.outTradeNo]));
  for (const r of sandboxRefunds) {
    if (r.kind !== 'refund') continue;
    const p = r.outRequestNo === null ? undefined : partByRequest.get(r.outRequestNo);
    const byRecovery = r.outRequestNo !== null && recoveryRefunds(db, outTradeNoOf.get(r.tradeNo) ?? '').has(r.outRequestNo);
    if (!p && byRecovery) continue;
    if (!p) problem(`the gateway refunded ${r.amountFen} fen of trade ${r.tradeNo} under out_request_no ${r.outRequestNo ?? '(none)'}, which no refund part of the terminal has`);
    else if (p.amount !== r.amountFen) problem(`refund ${r.outRequestNo ?? ''}: the gateway refunded ${r.amountFen} fen, the terminal's part is ${p.amount} fen`);
    else if (p.state !== 'refunded' && p.state !== 'manual') problem(`refund ${r.outRequestNo ?? ''}: the gateway refunded ${r.amountFen} fen, the terminal's part is ${p.state}`);
  }
  const requests = new Set(sandboxRefunds.filter((r) => r.kind === 'refund').map((r) => r.outRequestNo));
  for (const p of parts) {
    if (p.method === 'cash' || p.state !== 'refunded') continue;
    if (!requests.has(p.out_request_no)) problem(`refund part ${p.refund_id}/${p.part_no} (${p.method} ${p.amount} fen, ${p.out_request_no ?? ''}) is refunded on the terminal but the gateway has no such refund`);
  }

  // 9. In total.
  const walletRefunded = parts.filter((p) => p.method !== 'cash' && p.state === 'refunded').reduce((s, p) => s + p.amount, 0);
  const posNet = tenders.reduce((s, w) => s + w.amount, 0) - walletRefunded;
  const manualAttempts = attempts.filter((a) => a.state === 'manual').length;
  const manualRefunds = parts.filter((p) => p.state === 'manual').length;
  if (posNet !== gatewayNet && manualRefunds === 0) problem(`in total the terminal kept ${posNet} fen by wallet, the gateway says ${gatewayNet} fen`);

  return {
    problems,
    figures: {
      trades: trades.length,
      paidTrades: trades.filter(isPaid).length,
      waitingTrades: trades.filter((t) => t.status === 'WAIT_BUYER_PAY').length,
      sales: saleIds.length,
      walletTenders: tenders.length,
      posNetFen: posNet,
      gatewayNetFen: gatewayNet,
      manualAttempts,
      manualRefunds,
      refundParts: parts.length,
      attemptsByState,
    },
  };
}
