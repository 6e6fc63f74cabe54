// A request the store server refuses as a whole, before or instead of writing anything: the
// protocol's error code (src/shared/sync-protocol.ts ERROR_CODES, which fixes the HTTP status in
// ./http-api.ts), a message for the person who must act, and the item at fault when there is one.
import type { SyncErrorCode } from '../../shared/sync-protocol.ts';

/** A request the server refuses as a whole: an HTTP status, a protocol code and a message. */
export class StoreRefusal extends Error {
  override name = 'StoreRefusal';
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly details: { readonly itemIndex?: number; readonly idempotencyKey?: string; readonly supportedSchemaVersion?: number } = {},
  ) {
    super(message);
  }
}
