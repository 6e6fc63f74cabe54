// Wraps a wallet provider so every call is written to the store before it is made and its
// outcome after (issue 4 §4): the request without the payment code (only its last four digits)
// and the normalized outcome. A call still without an outcome after a crash is how start-up
// recovery knows a request may have reached the gateway.
import type { TradeRef } from '../domain/payment.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import type { Db } from './db/open.ts';
import { codeHint, recordCall, recordCallOutcome } from './db/payment-attempts.ts';

function withoutSecrets(request: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...request };
  if ('authCode' in copy) copy.authCode = codeHint(String(copy.authCode));
  return copy;
}

export function recordingProvider(db: Db, provider: PaymentProvider, now: () => Date = () => new Date()): PaymentProvider {
  async function recorded<R extends TradeRef, O>(call: string, request: R, run: () => Promise<O>): Promise<O> {
    const seq = recordCall(db, request.outTradeNo, call, withoutSecrets(request), now().toISOString());
    let outcome: O;
    try {
      outcome = await run();
    } catch (err) {
      // A provider throws only for a caller's mistake; record it so the trail is complete.
      recordCallOutcome(db, request.outTradeNo, seq, { kind: 'error', message: err instanceof Error ? err.message : String(err) }, now().toISOString());
      throw err;
    }
    recordCallOutcome(db, request.outTradeNo, seq, outcome, now().toISOString());
    return outcome;
  }
  const wrapped: PaymentProvider = {
    wallet: provider.wallet,
    pay: (r, signal) => recorded('pay', r, () => provider.pay(r, signal)),
    query: (r, signal) => recorded('query', r, () => provider.query(r, signal)),
    cancel: (r, signal) => recorded('cancel', r, () => provider.cancel(r, signal)),
    refund: (r, signal) => recorded('refund', r, () => provider.refund(r, signal)),
    refundQuery: (r, signal) => recorded('refund-query', r, () => provider.refundQuery(r, signal)),
  };
  const { precreate, close } = provider;
  return {
    ...wrapped,
    ...(precreate ? { precreate: (r, signal) => recorded('precreate', r, () => precreate.call(provider, r, signal)) } : {}),
    ...(close ? { close: (r, signal) => recorded('close', r, () => close.call(provider, r, signal)) } : {}),
  } satisfies PaymentProvider;
}
