// PINs of the terminal's users (issue 7 §1): the rules a new PIN must meet, and scrypt hashing.
// Same approach as manager-auth.ts (node:crypto scrypt, parameters stored with the hash so they
// can be raised later, timingSafeEqual), hand-written for the same reason: two node:crypto calls;
// a password library would add a native dependency for nothing more.
//
// Decisions a caller must know:
// - PINs are digits only; the length rule (staff.pinLength) applies when a PIN is set, not when
//   one is checked, so a stricter rule later does not lock anyone out.
// - N = 2^14, r = 8, p = 1: ~30–60 ms per check on a till's CPU. A 4-digit PIN is weak whatever
//   the hash; what protects it at the counter is the lockout (staff-service.ts), the hash only
//   keeps the PIN out of a copied database file for a while.
// - Verification is async (libuv's thread pool), so a PIN check never blocks the event loop
//   that runs the checkout and the devices.
// - The stored form is JSON text: {scheme, salt, hash, N, r, p, keylen}; never the PIN.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const PARAMS = { N: 16_384, r: 8, p: 1, keylen: 32 } as const;

const storedSchema = z.strictObject({
  scheme: z.literal('scrypt'),
  salt: z.string().min(1),
  hash: z.string().min(1),
  N: z.number().int().min(1024),
  r: z.number().int().min(1),
  p: z.number().int().min(1),
  keylen: z.number().int().min(16).max(64),
});

type StoredPin = z.output<typeof storedSchema>;

export interface PinRules {
  readonly min: number;
  readonly max: number;
}

/** What is wrong with a new PIN, or null when it is acceptable. */
export function pinProblem(pin: unknown, rules: PinRules): string | null {
  if (typeof pin !== 'string' || pin === '') return `a PIN is ${rules.min} to ${rules.max} digits; none was given`;
  if (!/^\d+$/.test(pin)) return `a PIN is digits only (0–9); the one given has ${pin.replace(/\d/g, '').length} other character(s)`;
  if (pin.length < rules.min || pin.length > rules.max) return `a PIN is ${rules.min} to ${rules.max} digits; the one given has ${pin.length}`;
  return null;
}

function derive(pin: string, salt: Buffer, p: { N: number; r: number; p: number; keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, p.keylen, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The stored form (JSON text) of a PIN already checked with pinProblem. */
export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(pin, salt, PARAMS);
  const stored: StoredPin = { scheme: 'scrypt', salt: salt.toString('base64'), hash: hash.toString('base64'), ...PARAMS };
  return JSON.stringify(stored);
}

/** Whether `pin` matches the stored form. False, never a throw, for a PIN of any shape; throws only for an unreadable stored form. */
export async function verifyPin(pin: unknown, storedText: string): Promise<boolean> {
  const stored = storedSchema.parse(JSON.parse(storedText));
  const expected = Buffer.from(stored.hash, 'base64');
  // A PIN of the wrong type or size is still run through scrypt, so a wrong guess costs the same time.
  const text = typeof pin === 'string' && pin.length <= 64 ? pin : '';
  const given = await derive(text, Buffer.from(stored.salt, 'base64'), stored);
  return text !== '' && given.length === expected.length && timingSafeEqual(given, expected);
}
