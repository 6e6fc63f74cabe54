// Terminals of the store server and their tokens (issue 6 §3: a per-terminal token).
//
// Decisions a caller must know:
// - A token is 32 random bytes (base64url) behind a "kst_" prefix, shown once at registration;
//   the database keeps only its sha256. A plain hash is enough for a 256-bit random secret
//   (nothing to brute-force, unlike a password), and it costs microseconds on every push.
//   Comparison is constant-time.
// - Terminal ids are unique across the server: (terminal id, idempotency key) is the
//   exactly-once key. Registering an id that belongs to another store is a conflict; re-
//   registering one of this store's needs `rotate`, which replaces the token (the old one
//   stops working at once).
// - authenticate says which of the three ways a request failed (missing, unknown terminal, bad
//   token): the terminal shows it to a manager who has to fix it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RegisterTerminalRequest, RegisterTerminalResponse } from '../../shared/sync-protocol.ts';
import { StoreRefusal } from './refusal.ts';
import type { StoreStorage } from './storage.ts';
import { toIso } from './storage.ts';

export const TERMINAL_TOKEN_PREFIX = 'kst_';

export function generateTerminalToken(): string {
  return `${TERMINAL_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `token` hashes to `storedHash`, in time independent of where they differ. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const given = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

export async function registerTerminal(storage: StoreStorage, request: RegisterTerminalRequest, now: Date): Promise<RegisterTerminalResponse> {
  const token = generateTerminalToken();
  const tokenHash = hashToken(token);
  return storage.transaction(async (tx) => {
    await tx.query('INSERT INTO stores (store_id) VALUES ($1) ON CONFLICT (store_id) DO NOTHING', [request.storeId]);
    const [existing] = await tx.query<{ store_id: string; registered_at: unknown }>(
      'SELECT store_id, registered_at FROM terminals WHERE terminal_id = $1 FOR UPDATE',
      [request.terminalId],
    );
    if (existing !== undefined) {
      if (existing.store_id !== request.storeId) {
        throw new StoreRefusal('conflict', `terminal ${request.terminalId} is registered to store ${existing.store_id}, not ${request.storeId}; terminal ids are unique across the server`);
      }
      if (request.rotate !== true) {
        throw new StoreRefusal('conflict', `terminal ${request.terminalId} is already registered to store ${request.storeId}; register it again with rotate (kassa store-server register --rotate) to give it a new token`);
      }
      await tx.query('UPDATE terminals SET token_hash = $2, token_set_at = $3 WHERE terminal_id = $1', [request.terminalId, tokenHash, now]);
      return { storeId: request.storeId, terminalId: request.terminalId, token, registeredAt: toIso(existing.registered_at, 'registered_at'), rotated: true };
    }
    await tx.query('INSERT INTO terminals (terminal_id, store_id, token_hash, registered_at, token_set_at) VALUES ($1, $2, $3, $4, $4)', [
      request.terminalId,
      request.storeId,
      tokenHash,
      now,
    ]);
    return { storeId: request.storeId, terminalId: request.terminalId, token, registeredAt: now.toISOString(), rotated: false };
  });
}

export interface AuthenticatedTerminal {
  readonly terminalId: string;
  readonly storeId: string;
}

/** The terminal these credentials belong to, or a StoreRefusal saying why not. */
export async function authenticateTerminal(storage: StoreStorage, terminalId: string | undefined, token: string | undefined): Promise<AuthenticatedTerminal> {
  if (terminalId === undefined || terminalId === '' || token === undefined || token === '') {
    throw new StoreRefusal('missing-credentials', 'a terminal request needs "Authorization: Bearer <token>" and "Kassa-Terminal: <terminal id>" headers');
  }
  const [row] = await storage.query<{ store_id: string; token_hash: string }>('SELECT store_id, token_hash FROM terminals WHERE terminal_id = $1', [terminalId]);
  if (row === undefined) throw new StoreRefusal('unknown-terminal', `no terminal "${terminalId}" is registered on this store server`);
  if (!tokenMatches(token, row.token_hash)) throw new StoreRefusal('bad-token', `the token is not terminal ${terminalId}'s (was it re-registered with a new token?)`);
  return { terminalId, storeId: row.store_id };
}

/** The terminal ids registered to a store, sorted by code unit (not by the database's collation). */
export async function terminalsOfStore(storage: StoreStorage, storeId: string): Promise<string[]> {
  const rows = await storage.query<{ terminal_id: string }>('SELECT terminal_id FROM terminals WHERE store_id = $1', [storeId]);
  return rows.map((r) => r.terminal_id).sort();
}

export async function storeExists(storage: StoreStorage, storeId: string): Promise<boolean> {
  const rows = await storage.query('SELECT 1 FROM stores WHERE store_id = $1', [storeId]);
  return rows.length > 0;
}
