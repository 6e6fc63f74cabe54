// The contract every wallet provider implements (ARCHITECTURE.md §5). The request and outcome
// types are in src/domain/payment.ts so the pure payment machine can use them too.
import type {
  CancelOutcome,
  CloseOutcome,
  PayOutcome,
  PayRequest,
  PrecreateOutcome,
  PrecreateRequest,
  QueryOutcome,
  RefundOutcome,
  RefundQueryOutcome,
  RefundRequest,
  TradeRef,
  WalletId,
} from '../domain/payment.ts';

export interface PaymentProvider {
  readonly wallet: WalletId;
  /** Barcode pay: the customer shows a payment code. */
  pay(request: PayRequest, signal?: AbortSignal): Promise<PayOutcome>;
  /** QR pay: a code for the customer to scan (not every wallet has it). */
  precreate?(request: PrecreateRequest, signal?: AbortSignal): Promise<PrecreateOutcome>;
  query(trade: TradeRef, signal?: AbortSignal): Promise<QueryOutcome>;
  /** Reverses a barcode payment whose result is unknown (refunds it if it was paid). */
  cancel(trade: TradeRef, signal?: AbortSignal): Promise<CancelOutcome>;
  /** Closes an unpaid QR trade; never refunds. */
  close?(trade: TradeRef, signal?: AbortSignal): Promise<CloseOutcome>;
  refund(request: RefundRequest, signal?: AbortSignal): Promise<RefundOutcome>;
  refundQuery(trade: TradeRef & { readonly outRequestNo: string }, signal?: AbortSignal): Promise<RefundQueryOutcome>;
}
