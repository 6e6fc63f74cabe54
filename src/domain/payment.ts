// The wallet payment contract (ARCHITECTURE.md §5), as plain data: what the terminal asks a
// wallet gateway (Alipay, WeChat Pay) and the normalized answers it gets back. Each provider
// (src/payments/alipay, src/payments/wechat) maps its protocol onto these outcomes, so the
// payment machine (state-machines/payment.machine.ts) follows one set of rules for every
// wallet. Pure: no I/O.
//
// Decisions:
// - Providers never throw for anything the gateway or the network does: a lost response, a
//   timeout, HTML instead of JSON, a bad signature, 20000 or a SYSTEM_ERROR are all
//   `{ kind: 'unknown' }`, which the machine resolves by asking (query), never by guessing.
//   They throw only for the caller's mistakes (a malformed request), as an Error.
// - `failed` is only for answers that prove nothing was charged (a business refusal such as
//   an invalid code or too little balance); its `message` is for the cashier.
// - Amounts are integer minor units of the sale's currency; providers convert to "88.88" or
//   to fen themselves.

export type WalletId = 'alipay' | 'wechat';

/** Ids made on the terminal (ARCHITECTURE.md §3 rule 4): a new one for every attempt. */
export interface TradeRef {
  readonly wallet: WalletId;
  /** ≤ 32 characters of [A-Za-z0-9_], unique per merchant (fits Alipay's 64 and WeChat's 32). */
  readonly outTradeNo: string;
}

export interface PayRequest extends TradeRef {
  /** The customer's payment code, as scanned. */
  readonly authCode: string;
  readonly amount: number;
  readonly currency: string;
  readonly subject: string;
  readonly storeId: string;
  readonly terminalId: string;
  readonly operatorId: string;
}

export interface PrecreateRequest extends TradeRef {
  readonly amount: number;
  readonly currency: string;
  readonly subject: string;
  readonly storeId: string;
  readonly terminalId: string;
  readonly operatorId: string;
  /** Minutes the QR code stays payable (the gateway closes it after). */
  readonly qrTimeoutMinutes: number;
}

export interface RefundRequest extends TradeRef {
  /** The idempotency key of this refund: the same key never refunds twice. */
  readonly outRequestNo: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string;
  readonly operatorId: string;
}

/** The gateway's own view of a paid trade. */
export interface PaidTrade {
  readonly tradeNo: string;
  /** What the buyer paid, minor units. */
  readonly amount: number;
  readonly buyer: string | null;
  readonly paidAt: string | null;
}

export type Unknown = { readonly kind: 'unknown'; readonly reason: string };
export type Refused = {
  readonly kind: 'failed';
  /** The gateway's code, e.g. 'ACQ.PAYMENT_AUTH_CODE_INVALID', 'AUTHCODEEXPIRE'. */
  readonly code: string;
  /** For the cashier: what happened and what to do. */
  readonly message: string;
  /** The customer can retry with a fresh payment code (a new attempt, new out_trade_no). */
  readonly retryWithNewCode: boolean;
};

export type PayOutcome =
  | ({ readonly kind: 'paid' } & PaidTrade)
  /** Alipay 10003, WeChat USERPAYING: the customer must confirm on the phone; poll query. */
  | { readonly kind: 'waiting'; readonly tradeNo: string | null }
  | Refused
  | Unknown;

export type PrecreateOutcome = { readonly kind: 'created'; readonly qrCode: string } | Refused | Unknown;

export type QueryOutcome =
  | ({ readonly kind: 'paid' } & PaidTrade)
  /** WAIT_BUYER_PAY / USERPAYING. */
  | { readonly kind: 'waiting' }
  /** The gateway has no such trade (Alipay: a QR code nobody scanned yet). */
  | { readonly kind: 'not-found' }
  /** TRADE_CLOSED / REVOKED / CLOSED / PAYERROR: not paid, and never will be. */
  | { readonly kind: 'closed' }
  | Unknown;

export type CancelOutcome =
  /** Done: `refund` means it had been paid and the money went back; `close` means it was unpaid. */
  | { readonly kind: 'cancelled'; readonly action: 'close' | 'refund' | 'none' }
  /** Alipay retry_flag=Y, WeChat recall=Y, or no answer: call cancel again with the same ids. */
  | { readonly kind: 'retry'; readonly reason: string }
  /** The gateway refuses for good (e.g. past the 24 h cancel window): a person must reconcile. */
  | Refused;

export type CloseOutcome =
  | { readonly kind: 'closed' }
  | { readonly kind: 'not-found' }
  /** It was paid meanwhile: query it, and refund it if the sale does not want it. */
  | { readonly kind: 'already-paid' }
  | Refused
  | Unknown;

export type RefundOutcome =
  /** `refundedTotal` is what has been refunded on the trade so far, this refund included. */
  | { readonly kind: 'refunded'; readonly refundedTotal: number; readonly fundChange: boolean }
  | Refused
  | Unknown;

export type RefundQueryOutcome = { readonly kind: 'refunded'; readonly amount: number } | { readonly kind: 'not-refunded' } | Unknown;

/** Trade numbers for out_trade_no / out_request_no: [A-Za-z0-9_], at most 32 characters. */
export const TRADE_NO_PATTERN = /^[A-Za-z0-9_]{1,32}$/;
