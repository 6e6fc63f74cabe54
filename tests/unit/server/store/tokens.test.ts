// Terminal tokens (kept only as a hash) and the operator's admin token file.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_PATTERN, readAdminToken, readOrCreateAdminToken, StoreServerError } from '../../../../src/server/store/admin-token.ts';
import { generateTerminalToken, hashToken, TERMINAL_TOKEN_PREFIX, tokenMatches } from '../../../../src/server/store/terminals.ts';

const dir = mkdtempSync(join(tmpdir(), 'kassa-store-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('terminal tokens', () => {
  it('are long, random, and match only their own hash', () => {
    const tokens = Array.from({ length: 50 }, generateTerminalToken);
    expect(new Set(tokens).size).toBe(50);
    for (const t of tokens) expect(t).toMatch(new RegExp(`^${TERMINAL_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`));
    const [a, b] = [tokens[0]!, tokens[1]!];
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(a)).not.toContain(a.slice(4, 20));
    expect(tokenMatches(a, hashToken(a))).toBe(true);
    expect(tokenMatches(b, hashToken(a))).toBe(false);
    expect(tokenMatches(`${a} `, hashToken(a))).toBe(false);
    expect(tokenMatches(a, 'not-a-hash')).toBe(false);
  });
});

describe('the admin token file', () => {
  it('is made once with mode 0600 and read back unchanged', () => {
    const file = join(dir, 'made', 'admin-token');
    const made = readOrCreateAdminToken(file);
    expect(made.created).toBe(true);
    expect(made.token).toMatch(ADMIN_TOKEN_PATTERN);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${made.token}\n`);
    expect(readOrCreateAdminToken(file)).toEqual({ token: made.token, created: false });
    expect(readAdminToken(file)).toBe(made.token);
  });

  it('is refused when others may read it, or when it holds no token, naming the file and the fix', () => {
    const open = join(dir, 'open-token');
    writeFileSync(open, 'ksa_abcdefghijklmnopqrstuvwxyz012345\n');
    chmodSync(open, 0o644);
    expect(() => readAdminToken(open)).toThrow(new StoreServerError(`${open}: the admin token file may be read by other users: chmod 600 ${open}`));
    const junk = join(dir, 'junk-token');
    writeFileSync(junk, 'hello world\n', { mode: 0o600 });
    expect(() => readOrCreateAdminToken(junk)).toThrow(/not an admin token/);
    expect(readFileSync(junk, 'utf8')).toBe('hello world\n');
  });

  it('says how to get one when it is missing', () => {
    expect(() => readAdminToken(join(dir, 'nowhere', 'admin-token'))).toThrow(/no admin token at .*start the store server once/);
  });
});
