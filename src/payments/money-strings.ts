// Amounts as the wallet gateways write them: Alipay's yuan strings ("88.88") and WeChat Pay's
// integer fen ("8888"), to and from Kassa's integer minor units (ARCHITECTURE.md §3 rule 1).
// Both directions are exact: built on src/domain/money.ts (parseMoney/formatMoney work on the
// decimal string, never on a float), plus the gateways' own limits.
//
// Decisions:
// - Outgoing amounts are the caller's responsibility: a non-integer, zero, negative or
//   over-the-limit amount, or a currency the wallet does not take, throws a RangeError naming
//   the field (src/domain/payment.ts: providers throw only for the caller's mistakes).
// - Incoming amounts come from a gateway and are never trusted: a malformed one gives null
//   (the provider turns that into `unknown`), never an exception and never a guess.
// - Both wallets settle in-store payments in CNY only (face-to-face pay and micropay); another
//   currency is refused rather than sent as if it were yuan.
import { formatMoney, parseMoney } from '../domain/money.ts';

/** The only currency Alipay face-to-face and WeChat Pay micropay take here. */
export const WALLET_CURRENCY = 'CNY';

/** Alipay: total_amount and refund_amount are in [0.01, 100000000] yuan. */
export const ALIPAY_MAX_FEN = 10_000_000_000;

/** Checks an outgoing amount in minor units; `what` names it in the error ("pay amount"). */
export function checkOutgoingAmount(amount: number, currency: string, maxFen: number, what: string): number {
  if (currency !== WALLET_CURRENCY) {
    throw new RangeError(`${what}: currency "${currency}" is not taken by this wallet (only ${WALLET_CURRENCY})`);
  }
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new RangeError(`${what} ${String(amount)} must be a whole number of fen above 0`);
  }
  if (amount > maxFen) {
    throw new RangeError(`${what} ${amount} fen is over the wallet's limit of ${maxFen} fen`);
  }
  return amount;
}

/** Minor units → Alipay's "88.88" (exact, two decimals always). */
export function toYuanString(amount: number, currency: string, what: string): string {
  checkOutgoingAmount(amount, currency, ALIPAY_MAX_FEN, what);
  return formatMoney({ amount, currency });
}

/**
 * Alipay's "88.88" (or "88.8", "88") → minor units; null when it is not a plain non-negative
 * decimal with at most two decimals (e.g. "1e3", "-1.00", "88.888", "", a number, undefined).
 */
export function fromYuanString(text: unknown): number | null {
  // At most 11 whole digits: every such amount is below MAX_MINOR_UNITS, so parseMoney cannot throw.
  if (typeof text !== 'string' || !/^\d{1,11}(?:\.\d{1,2})?$/.test(text)) return null;
  return parseMoney(text, WALLET_CURRENCY).amount;
}

/** WeChat's integer fen as text → minor units; null unless plain digits without a sign. */
export function fromFenString(text: unknown): number | null {
  if (typeof text !== 'string' || !/^(?:0|[1-9]\d{0,14})$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}
