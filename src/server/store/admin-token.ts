// The store server's admin token, kept in a file next to its data (`<data dir>/store-server/
// admin-token` unless told otherwise): whoever can read it can register terminals and read the
// store's settlement, so it is made once, mode 0600, and `kassa store-server register` on the
// same machine finds it without being told.
//
// Decisions a caller must know:
// - A missing file is created (and its folder) with a new token: 32 random bytes, base64url,
//   behind "ksa_". An existing one is read and trimmed and must look like a token.
// - On POSIX a file that group or others may read is refused, as ssh does with keys; the
//   error says `chmod 600 <file>`.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A problem running the store server that its operator can fix. */
export class StoreServerError extends Error {
  override name = 'StoreServerError';
}

export const ADMIN_TOKEN_PATTERN = /^[A-Za-z0-9_-]{24,256}$/;

export function generateAdminToken(): string {
  return `ksa_${randomBytes(32).toString('base64url')}`;
}

function checkMode(file: string): void {
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new StoreServerError(`${file}: the admin token file may be read by other users: chmod 600 ${file}`);
  }
}

/** Reads the admin token; StoreServerError naming the file when it is missing or not a token. */
export function readAdminToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new StoreServerError(`no admin token at ${file}: start the store server once with the same --data-dir (it makes one), or name the file with --admin-token-file`);
  }
  checkMode(file);
  const token = text.trim();
  if (!ADMIN_TOKEN_PATTERN.test(token)) throw new StoreServerError(`${file}: not an admin token (expected one line of 24–256 characters of A–Z, a–z, 0–9, "_" or "-")`);
  return token;
}

export function readOrCreateAdminToken(file: string): { readonly token: string; readonly created: boolean } {
  try {
    return { token: readAdminToken(file), created: false };
  } catch (err) {
    if (!(err instanceof StoreServerError) || !err.message.startsWith('no admin token')) throw err;
  }
  const token = generateAdminToken();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { token, created: true };
}
