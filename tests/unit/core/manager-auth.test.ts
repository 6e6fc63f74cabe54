// The manager token: stored only as a scrypt hash, checked in the core, refused clearly when
// none is set, none is given, or it is wrong.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { getSetting } from '../../../src/core/db/settings.ts';
import { authorizeManager, MANAGER_TOKEN_SETTING, ManagerAuthError, managerTokenInfo, setManagerToken } from '../../../src/core/manager-auth.ts';
import { tempDbFile } from '../../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-manager-auth-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

describe('manager token', () => {
  it('refuses everything while no token is set, saying how to set one', async () => {
    expect(managerTokenInfo(db)).toEqual({ set: false });
    await expect(authorizeManager(db, 'whatever-123')).rejects.toThrow(ManagerAuthError);
    await expect(authorizeManager(db, 'whatever-123')).rejects.toThrow('no manager token is set on this terminal, so nothing can be authorized: set one with `kassa manager-token set`');
  });

  it('stores only a salted scrypt hash and authorizes the right token by its id', async () => {
    const { tokenId } = setManagerToken(db, '  s3cret-token ', () => new Date('2025-03-01T10:00:00.000Z'));
    const stored = JSON.stringify(getSetting(db, MANAGER_TOKEN_SETTING));
    expect(stored).not.toContain('s3cret');
    expect(stored).toContain('"scheme":"scrypt"');
    expect(managerTokenInfo(db)).toEqual({ set: true, tokenId, setAt: '2025-03-01T10:00:00.000Z' });
    await expect(authorizeManager(db, 's3cret-token')).resolves.toEqual({ tokenId, authorizedBy: `manager token ${tokenId}` });
    // Surrounding spaces are not part of a token, on either side.
    await expect(authorizeManager(db, ' s3cret-token\n')).resolves.toMatchObject({ tokenId });
  });

  it('refuses a wrong or missing token', async () => {
    setManagerToken(db, 's3cret-token');
    await expect(authorizeManager(db, 's3cret-tokeN')).rejects.toThrow('the manager token is not correct: nothing was done');
    await expect(authorizeManager(db, undefined)).rejects.toThrow('a manager must authorize this: give the manager token');
    await expect(authorizeManager(db, '   ')).rejects.toThrow('a manager must authorize this');
  });

  it('a new token replaces the old one, with a new id', async () => {
    const first = setManagerToken(db, 'first-token');
    const second = setManagerToken(db, 'second-token');
    expect(second.tokenId).not.toBe(first.tokenId);
    await expect(authorizeManager(db, 'first-token')).rejects.toThrow(ManagerAuthError);
    await expect(authorizeManager(db, 'second-token')).resolves.toMatchObject({ tokenId: second.tokenId });
  });

  it('refuses a token shorter than 6 characters and stores nothing', () => {
    expect(() => setManagerToken(db, ' 12345 ')).toThrow('the new manager token must be at least 6 characters (got 5)');
    expect(() => setManagerToken(db, 'x'.repeat(257))).toThrow('at most 256 characters');
    expect(managerTokenInfo(db)).toEqual({ set: false });
  });

  it('the same token set twice hashes differently (random salt)', () => {
    setManagerToken(db, 'same-token');
    const a = getSetting(db, MANAGER_TOKEN_SETTING) as { hash: string; salt: string };
    setManagerToken(db, 'same-token');
    const b = getSetting(db, MANAGER_TOKEN_SETTING) as { hash: string; salt: string };
    expect(b.salt).not.toBe(a.salt);
    expect(b.hash).not.toBe(a.hash);
  });
});
