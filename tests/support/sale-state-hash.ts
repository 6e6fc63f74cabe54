// A short fingerprint of the checkout's sale state (state, sale id, cart, tenders), used by the
// crash test to compare what a killed process last saved with what its successor restored.
import { createHash } from 'node:crypto';

export interface SaleStateLike {
  readonly value: unknown;
  readonly context: { readonly saleId: string | null; readonly cart: unknown; readonly tenders: unknown; readonly parked: unknown };
}

export function saleStateHash(s: SaleStateLike): string {
  const json = JSON.stringify([s.value, s.context.saleId, s.context.cart, s.context.tenders, s.context.parked]);
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}
