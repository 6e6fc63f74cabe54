// The terminal's side of a wallet reconciliation: its payment attempts (payment_attempts and
// their call log) and wallet refund parts (refunds) around one day, as rows for
// src/domain/reconcile.ts.
//
// Decisions a caller must know:
// - Read window: records created from a day before the day's start to a day after its end;
//   the domain keeps those the bill lists and, of the rest, those whose time is in the day.
// - A payment's time is when the terminal learnt it was paid (the first logged call whose
//   outcome was `paid`), else the attempt's last update; the provider's clock decides in the
//   bill, so a payment a few seconds from midnight may sit on the other day locally: such a
//   row is matched by its key whatever its time, and only an UNmatched row uses its own time.
// - Money the terminal books: an attempt `paid` whose sale was committed (a paid attempt with
//   no sale is money taken for nothing in the books: state "paid, no sale", amount null, so
//   its bill line shows as missing locally), and an attempt reversed after being paid (a
//   cancel call answered `action: refund`, or WeChat's `action: none` for an attempt a call had
//   seen paid: WeChat's reverse does not say what it undid), which also gives a reversal row
//   (the money went back). A WeChat reverse of an attempt never seen paid books nothing: if
//   WeChat had taken the money, its payment and reversal lines show as missing locally. Attempts in doubt (open, cancel-pending, manual) come with amount null and their
//   state; failed/expired/cancelled-unpaid ones likewise (the bill should not have them).
// - Refund parts: `refunded` is booked (time: when it settled); pending/manual/failed have
//   amount null. Training parts are left out (training has its own folder and sandbox).
import type { LocalRow, ReconcileWallet } from '../../domain/reconcile.ts';
import type { Db } from '../db/open.ts';

const DAY_MS = 86_400_000;

interface AttemptRow {
  out_trade_no: string;
  sale_id: string;
  amount: number;
  state: string;
  created_at: string;
  updated_at: string;
  paid_at: string | null;
  reversed_at: string | null;
  has_sale: number;
}

interface RefundRow {
  refund_id: string;
  out_trade_no: string;
  out_request_no: string;
  amount: number;
  state: string;
  created_at: string;
  settled_at: string | null;
}

function ms(iso: string | null, fallback: number): number {
  if (iso === null) return fallback;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? fallback : t;
}

/** The terminal's payments and refunds with `wallet` around the day [start, end). */
export function localRecords(db: Db, wallet: ReconcileWallet, range: { readonly start: number; readonly end: number }): LocalRow[] {
  const from = new Date(range.start - DAY_MS).toISOString();
  const to = new Date(range.end + DAY_MS).toISOString();
  const attempts = db
    .prepare<[string, string, string], AttemptRow>(
      `SELECT a.out_trade_no, a.sale_id, a.amount, a.state, a.created_at, a.updated_at,
         (SELECT min(c.finished_at) FROM payment_calls c WHERE c.out_trade_no = a.out_trade_no AND c.response LIKE '%"kind":"paid"%') AS paid_at,
         (SELECT min(c.finished_at) FROM payment_calls c WHERE c.out_trade_no = a.out_trade_no AND c.call = 'cancel'
            AND c.response LIKE '%"kind":"cancelled"%' AND (c.response LIKE '%"action":"refund"%' OR (c.response LIKE '%"action":"none"%'
            AND EXISTS (SELECT 1 FROM payment_calls p WHERE p.out_trade_no = a.out_trade_no AND p.response LIKE '%"kind":"paid"%')))) AS reversed_at
         , EXISTS (SELECT 1 FROM sales s WHERE s.id = a.sale_id) AS has_sale
       FROM payment_attempts a WHERE a.wallet = ? AND a.created_at >= ? AND a.created_at < ? ORDER BY a.created_at, a.out_trade_no`,
    )
    .all(wallet, from, to);
  const rows: LocalRow[] = [];
  for (const a of attempts) {
    const reversed = a.reversed_at !== null;
    const unsold = a.state === 'paid' && !reversed && a.has_sale === 0;
    const booked = (a.state === 'paid' && !unsold) || reversed;
    const paidAt = ms(a.paid_at, ms(a.state === 'paid' ? a.updated_at : a.created_at, 0));
    rows.push({ entry: 'payment', outTradeNo: a.out_trade_no, outRequestNo: null, amount: booked ? a.amount : null, state: unsold ? 'paid, no sale' : a.state, at: paidAt, ref: a.sale_id });
    if (reversed) rows.push({ entry: 'reversal', outTradeNo: a.out_trade_no, outRequestNo: null, amount: a.amount, state: `${a.state} (reversed)`, at: ms(a.reversed_at, paidAt), ref: a.sale_id });
  }
  const refunds = db
    .prepare<[string, string, string], RefundRow>(
      `SELECT refund_id, out_trade_no, out_request_no, amount, state, created_at, settled_at FROM refunds
       WHERE method = ? AND training = 0 AND created_at >= ? AND created_at < ? ORDER BY created_at, out_request_no`,
    )
    .all(wallet, from, to);
  for (const r of refunds) {
    const created = ms(r.created_at, 0);
    rows.push({
      entry: 'refund',
      outTradeNo: r.out_trade_no,
      outRequestNo: r.out_request_no,
      amount: r.state === 'refunded' ? r.amount : null,
      state: r.state,
      at: r.state === 'refunded' ? ms(r.settled_at, created) : created,
      ref: r.refund_id,
    });
  }
  return rows;
}
