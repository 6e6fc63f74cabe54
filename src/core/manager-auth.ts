// Manager authorization in the core (ARCHITECTURE.md §3 rule 7): a refund, over the API or the
// command line, must carry the manager token, and the core checks it, whatever a UI hides.
// The roles issue brings per-person PINs; until then one terminal-wide manager token is kept.
//
// Decisions a caller must know:
// - Only a hash is stored, in the settings table under MANAGER_TOKEN_SETTING: scrypt (node:crypto,
//   N=16384 r=8 p=1, 32-byte key, 16-byte random salt) with its parameters, so they can be raised
//   later without breaking stored tokens. Compared with timingSafeEqual. Hand-written on
//   node:crypto because that is all it takes; a password library would add a native dependency
//   for the same two calls.
// - Each token set gets a short random id (no secret in it). Refunds record "manager token <id>"
//   as who authorized them, so after the token is changed the records still say which one was
//   used; the token itself is never stored, logged or journalled.
// - No token set means no refund can be authorized (ManagerAuthError says how to set one).
// - Tokens are at least MIN_MANAGER_TOKEN_LENGTH characters, surrounding spaces removed.
// - Whoever can write the data folder can set a new token (`kassa manager-token set`): the token
//   guards the cashier's API and screens, not the shell of the machine.
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Db } from './db/open.ts';
import { getSetting, setSetting } from './db/settings.ts';

export const MANAGER_TOKEN_SETTING = 'manager.token';
export const MIN_MANAGER_TOKEN_LENGTH = 6;
const MAX_MANAGER_TOKEN_LENGTH = 256;

const PARAMS = { N: 16_384, r: 8, p: 1, keylen: 32 } as const;

/** Refused authorization: no token set, or the token given does not match. */
export class ManagerAuthError extends Error {
  override name = 'ManagerAuthError';
}

const storedSchema = z.strictObject({
  scheme: z.literal('scrypt'),
  id: z.string().regex(/^[a-f0-9]{8}$/),
  salt: z.string().min(1),
  hash: z.string().min(1),
  N: z.number().int().min(1024),
  r: z.number().int().min(1),
  p: z.number().int().min(1),
  keylen: z.number().int().min(16).max(64),
  setAt: z.string(),
});

type StoredToken = z.output<typeof storedSchema>;

/** What a manager token authorizes a refund with: the token's id, never the token. */
export interface ManagerAuthorization {
  readonly tokenId: string;
  /** For records: "manager token <id>". */
  readonly authorizedBy: string;
}

function normalize(token: unknown, what: string): string {
  if (typeof token !== 'string') throw new ManagerAuthError(`${what} is missing`);
  const t = token.trim();
  if (t.length < MIN_MANAGER_TOKEN_LENGTH) throw new ManagerAuthError(`${what} must be at least ${MIN_MANAGER_TOKEN_LENGTH} characters (got ${t.length})`);
  if (t.length > MAX_MANAGER_TOKEN_LENGTH) throw new ManagerAuthError(`${what} must be at most ${MAX_MANAGER_TOKEN_LENGTH} characters`);
  return t;
}

/** Stores a new manager token (hashed), replacing any earlier one; returns its id. */
export function setManagerToken(db: Db, token: string, now: () => Date = () => new Date()): { tokenId: string } {
  const t = normalize(token, 'the new manager token');
  const salt = randomBytes(16);
  const hash = scryptSync(t, salt, PARAMS.keylen, { N: PARAMS.N, r: PARAMS.r, p: PARAMS.p });
  const stored: StoredToken = {
    scheme: 'scrypt',
    id: randomBytes(4).toString('hex'),
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
    ...PARAMS,
    setAt: now().toISOString(),
  };
  setSetting(db, MANAGER_TOKEN_SETTING, stored);
  return { tokenId: stored.id };
}

/** Whether a manager token is set, and its id (for `kassa manager-token`). */
export function managerTokenInfo(db: Db): { set: false } | { set: true; tokenId: string; setAt: string } {
  const stored = getSetting(db, MANAGER_TOKEN_SETTING, storedSchema);
  return stored === undefined ? { set: false } : { set: true, tokenId: stored.id, setAt: stored.setAt };
}

function derive(token: string, stored: StoredToken): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(token, Buffer.from(stored.salt, 'base64'), stored.keylen, { N: stored.N, r: stored.r, p: stored.p, maxmem: 256 * stored.N * stored.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/**
 * Checks a manager token; resolves with who authorized, or rejects with ManagerAuthError: no
 * token set yet, none given, or a wrong one. Reads nothing but the setting and writes nothing.
 */
export async function authorizeManager(db: Db, token: string | undefined): Promise<ManagerAuthorization> {
  const stored = getSetting(db, MANAGER_TOKEN_SETTING, storedSchema);
  if (stored === undefined) {
    throw new ManagerAuthError('no manager token is set on this terminal, so nothing can be authorized: set one with `kassa manager-token set`');
  }
  if (token === undefined || token.trim() === '') throw new ManagerAuthError('a manager must authorize this: give the manager token');
  const expected = Buffer.from(stored.hash, 'base64');
  const given = await derive(token.trim(), stored);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ManagerAuthError('the manager token is not correct: nothing was done');
  return { tokenId: stored.id, authorizedBy: `manager token ${stored.id}` };
}
