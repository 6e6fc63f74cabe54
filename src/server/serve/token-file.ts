// `kassa serve --token-file <file>`: the access token kept in a file, so the browsers of a shop's
// tablets stay signed in (their cookie holds the token) when the terminal restarts. Without the
// option every start makes a new token.
//
// Decisions (a caller can rely on them):
// - A missing file is created with a new token (generateToken) and mode 0600; its folder is
//   created too. An existing file is read and trimmed, and must hold a token of the form
//   TOKEN_PATTERN, else ServeError naming the file.
// - On POSIX a file that group or others may read is refused (like ssh does with keys): the
//   token opens the cash drawer. The error says `chmod 600 <file>`.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateToken, TOKEN_PATTERN } from './access.ts';
import { ServeError } from './serve-host.ts';

export function readOrCreateTokenFile(file: string): { readonly token: string; readonly created: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const token = generateToken();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return { token, created: true };
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new ServeError(`${file}: the token file may be read by other users: chmod 600 ${file}`);
  }
  const token = text.trim();
  if (!TOKEN_PATTERN.test(token)) throw new ServeError(`${file}: not a Kassa access token (expected one line of 24–256 characters of A–Z, a–z, 0–9, "_" or "-")`);
  return { token, created: false };
}
