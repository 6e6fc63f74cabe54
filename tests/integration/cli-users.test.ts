// `kassa users` and `kassa refund --approver` as a shop manager runs them: real child processes on
// throw-away data folders. Users are added with PINs on stdin or in $KASSA_NEW_PIN, listed,
// changed, locked out by wrong PINs typed for a refund approval, unlocked; bad input exits 1 with
// a message naming it and changes nothing; a refund goes through on a manager's PIN.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runKassa, type CliRun } from '../support/kassa-cli.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/core/db/open.ts';
import { commitSale } from '../../src/core/db/sales.ts';
import { makeSale, SNAPSHOT } from '../support/sale-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'kassa-cli-users-'));
const SLOW = { timeout: 120_000 };

function kassa(dir: string, args: readonly string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliRun> {
  return runKassa(root, dir, args, options);
}

/** What a users command could change, as one comparable string. */
function dump(dir: string): string {
  const db = new Database(join(dir, 'kassa.db'), { readonly: true });
  try {
    return JSON.stringify([db.prepare('SELECT * FROM users ORDER BY id').all(), db.prepare('SELECT seq, hash FROM journal ORDER BY seq').all()]);
  } finally {
    db.close();
  }
}

function query<T>(dir: string, sql: string): T[] {
  const db = new Database(join(dir, 'kassa.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** Commits a cash sale of ¥31.96 straight into the folder's database; returns its receipt number. */
function sellCash(dir: string): number {
  const db = openDatabase(join(dir, 'kassa.db'));
  try {
    return commitSale(db, { record: makeSale({ tenders: [{ method: 'cash' }] }), snapshot: SNAPSHOT, at: new Date().toISOString() }).receiptNo;
  } finally {
    db.close();
  }
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('kassa users', SLOW, () => {
  const shop = join(root, 'shop');
  let li = '';
  let wang = '';

  beforeAll(async () => {
    const empty = await kassa(shop, ['users']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('no users yet (setup mode: no log-in; add a manager with `kassa users add --role manager`)\n');
  }, 60_000);

  it('adds a manager first (PIN on stdin), then a cashier (PIN in $KASSA_NEW_PIN), and lists them', async () => {
    const cashierFirst = await kassa(shop, ['users', 'add', '--name', 'Wang', '--role', 'cashier'], { env: { KASSA_NEW_PIN: '1357' } });
    expect(cashierFirst.code).toBe(1);
    expect(cashierFirst.stderr).toContain('kassa: the first user must be able to manage users (a manager)');

    const added = await kassa(shop, ['users', 'add', '--name', 'Li', '--role', 'manager', '--pin-stdin'], { stdin: '2468\n' });
    expect(added.code, added.stderr).toBe(0);
    const m = /^added: ([0-9A-Z]{26}) {2}Li +manager +active\n$/.exec(added.stdout);
    expect(m, added.stdout).not.toBeNull();
    li = m?.[1] ?? '';

    const json = await kassa(shop, ['users', '--json', 'add', '--name', 'Wang', '--role', 'cashier'], { env: { KASSA_NEW_PIN: '1357' } });
    expect(json.code, json.stderr).toBe(0);
    const w = JSON.parse(json.stdout) as { id: string; name: string; role: string; active: boolean; locked: boolean };
    expect(w).toMatchObject({ name: 'Wang', role: 'cashier', active: true, locked: false, lockedUntil: null });
    wang = w.id;

    const list = await kassa(shop, ['users', '--json']);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((u) => u.name)).toEqual(['Li', 'Wang']);
    const text = await kassa(shop, ['users']);
    expect(text.stdout).toBe(`${li}  Li                manager     active\n${wang}  Wang              cashier     active\n`);
    const journal = query<{ kind: string; payload: string }>(shop, "SELECT kind, payload FROM journal WHERE kind = 'user.added'");
    expect(journal).toHaveLength(2);
    expect(journal.some((r) => r.payload.includes('2468') || r.payload.includes('1357'))).toBe(false);
  });

  it('bad role, non-digit PIN, unknown id, the last manager, no PIN: refused with a message naming it, nothing changed', async () => {
    const before = dump(shop);
    const runs = await Promise.all([
      kassa(shop, ['users', 'add', '--name', 'Chen', '--role', 'boss'], { env: { KASSA_NEW_PIN: '1111' } }),
      kassa(shop, ['users', 'add', '--name', 'Chen', '--role', 'cashier', '--pin-stdin'], { stdin: '12ab\n' }),
      kassa(shop, ['users', 'set-role', 'NOSUCHUSER', 'cashier']),
      kassa(shop, ['users', 'set-role', wang, 'owner']),
      kassa(shop, ['users', 'disable', li]),
      kassa(shop, ['users', 'unlock', wang]),
      kassa(shop, ['users', 'set-pin', wang, '--pin-stdin'], { stdin: '12\n' }),
      kassa(shop, ['users', 'add', '--name', 'Chen', '--role', 'cashier']),
    ]);
    expect(runs.map((r) => [r.code, r.stderr.trim()])).toEqual([
      [1, 'kassa: "boss" is not a role: expected one of cashier, supervisor, manager'],
      [1, 'kassa: a PIN is digits only (0–9); the one given has 2 other character(s)'],
      [1, 'kassa: there is no user "NOSUCHUSER" on this terminal (kassa users lists them)'],
      [1, 'kassa: "owner" is not a role: expected one of cashier, supervisor, manager'],
      [1, 'kassa: Li is the last active user who can manage users: add or enable another manager first, or nobody could manage users or unlock anyone'],
      [1, 'kassa: Wang is not locked: nothing changed'],
      [1, 'kassa: a PIN is 4 to 8 digits; the one given has 2'],
      [2, 'kassa: no PIN given: write it on stdin with --pin-stdin, or set $KASSA_NEW_PIN'],
    ]);
    expect(dump(shop)).toBe(before);
  });

  it('set-role, disable, enable, set-pin', async () => {
    const role = await kassa(shop, ['users', 'set-role', wang, 'supervisor']);
    expect(role.code, role.stderr).toBe(0);
    expect(role.stdout).toMatch(/^role changed: \S+ {2}Wang +supervisor +active\n$/);
    expect((await kassa(shop, ['users', 'disable', wang])).stdout).toMatch(/^disabled: .*Wang +supervisor +disabled\n$/);
    expect((await kassa(shop, ['users', 'enable', wang])).stdout).toMatch(/^enabled: .*Wang +supervisor +active\n$/);
    expect((await kassa(shop, ['users', 'set-pin', wang], { env: { KASSA_NEW_PIN: '97531' } })).code).toBe(0);
    const changes = query<{ payload: string }>(shop, "SELECT payload FROM journal WHERE kind = 'user.changed' ORDER BY seq").map((r) => (JSON.parse(r.payload) as { change: string; by: string }));
    expect(changes.map((c) => c.change)).toEqual(['role', 'disabled', 'enabled', 'pin']);
    expect(changes.every((c) => c.by === 'command line')).toBe(true);
  });

  it('refund --approver: wrong PINs lock the approver, unlock clears it, a manager\'s PIN refunds, a supervisor\'s is not enough', async () => {
    const receipt = String(sellCash(shop));
    for (let i = 1; i <= 4; i++) {
      const r = await kassa(shop, ['refund', receipt, '--approver', wang], { stdin: '0000\n' });
      expect([r.code, r.stderr.trim()]).toEqual([1, `kassa: the PIN is not correct (${5 - i} ${5 - i === 1 ? 'try' : 'tries'} left before Wang is locked for 15 minutes)`]);
    }
    const locked = await kassa(shop, ['refund', receipt, '--approver', wang], { stdin: '0000\n' });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/^kassa: Wang is locked after 5 wrong PINs until \d\d:\d\d; a manager can unlock\n$/);
    expect((await kassa(shop, ['refund', receipt, '--approver', wang], { stdin: '97531\n' })).stderr).toMatch(/^kassa: Wang is locked until /);
    expect((await kassa(shop, ['users'])).stdout).toMatch(new RegExp(`${wang} {2}Wang +supervisor +LOCKED until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\n`));
    expect(query<{ kind: string }>(shop, "SELECT kind FROM journal WHERE kind IN ('user.login-failed', 'user.locked')").map((r) => r.kind)).toEqual([
      'user.login-failed',
      'user.login-failed',
      'user.login-failed',
      'user.login-failed',
      'user.login-failed',
      'user.locked',
      'user.login-failed',
    ]);

    const unlocked = await kassa(shop, ['users', 'unlock', wang]);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toMatch(/^unlocked: .*Wang +supervisor +active\n$/);

    const supervisor = await kassa(shop, ['refund', receipt, '--approver', wang], { stdin: '97531\n' });
    expect([supervisor.code, supervisor.stderr.trim()]).toEqual([1, 'kassa: Wang (supervisor) may not refund a sale, so cannot approve it: ask someone who may']);
    expect(query(shop, 'SELECT * FROM refunds')).toEqual([]);

    const both = await kassa(shop, ['refund', receipt, '--approver', li, '--manager-token', 'whatever'], { stdin: '2468\n' });
    expect([both.code, both.stderr.trim()]).toEqual([2, 'kassa: give either --manager-token or --approver, not both']);

    const ok = await kassa(shop, ['refund', receipt, '--approver', li, '--amount', '1.00'], { stdin: '2468\n' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('¥1.00 in cash: refunded');
    const [row] = query<{ authorized_by: string; operator: string }>(shop, 'SELECT authorized_by, operator FROM refunds');
    expect(row?.operator).toBe('Li');
    expect(row?.authorized_by).toMatch(new RegExp(`^Li \\(user ${li}, approval #\\d+\\)$`));
    expect(query(shop, "SELECT 1 FROM journal WHERE kind = 'approval.granted'")).toHaveLength(1);
  });
});

describe('refund --approver on a terminal without users', SLOW, () => {
  it('is refused with a message saying how to add one; nothing changes', async () => {
    const dir = join(root, 'nousers');
    mkdirSync(dir);
    const receipt = String(sellCash(dir));
    const r = await kassa(dir, ['refund', receipt, '--approver', 'SOMEONE'], { stdin: '1234\n' });
    expect([r.code, r.stderr.trim()]).toEqual([
      1,
      'kassa: this terminal has no users yet, so nobody can approve with a PIN: add a manager with `kassa users add`, or use the manager token',
    ]);
    expect(query(dir, 'SELECT * FROM refunds')).toEqual([]);
  });
});
