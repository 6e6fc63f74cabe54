// The operator's side of the admin API (`kassa store-server register`, `… settlement`): one
// request to a running store server, its answer checked against the protocol schema.
//
// Decisions a caller must know:
// - A refusal becomes StoreServerError carrying the server's code and message; a server that
//   cannot be reached, or answers something that is not this protocol, too (naming the URL).
// - Every request is bounded by `timeoutMs` (default 30 s).
import type { z } from 'zod';
import { errorResponse } from '../../shared/sync-protocol.ts';
import { StoreServerError } from './admin-token.ts';

export interface AdminRequest<T> {
  readonly baseUrl: string;
  readonly adminToken: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly answer: z.ZodType<T>;
  readonly timeoutMs?: number;
}

export async function adminRequest<T>(request: AdminRequest<T>): Promise<T> {
  let url: URL;
  try {
    url = new URL(request.path, request.baseUrl);
  } catch {
    throw new StoreServerError(`--url ${request.baseUrl}: not a URL (expected e.g. http://127.0.0.1:8780)`);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: request.method,
      headers: { authorization: `Bearer ${request.adminToken}`, 'content-type': 'application/json' },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new StoreServerError(`cannot reach the store server at ${url.origin} (${cause}): is it running? (kassa store-server)`, { cause: err });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StoreServerError(`${url.origin} answered ${res.status} with something that is not JSON: is it a Kassa store server?`);
  }
  if (!res.ok) {
    const refusal = errorResponse.safeParse(json);
    if (refusal.success) throw new StoreServerError(`the store server refused (${refusal.data.error.code}): ${refusal.data.error.message}`);
    throw new StoreServerError(`${url.origin} answered ${res.status}: is it a Kassa store server?`);
  }
  const parsed = request.answer.safeParse(json);
  if (!parsed.success) throw new StoreServerError(`${url.origin} answered ${request.method} ${request.path} with a body this Kassa does not understand: is the store server a different version?`);
  return parsed.data;
}
