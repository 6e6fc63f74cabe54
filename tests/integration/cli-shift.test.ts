// `kassa shift` as a shop manager runs it: real child processes on throw-away data folders. A
// round trip in setup mode (open with a counted float, simulated cash sales, paid-in, paid-out,
// a cashier change, a blind close 10.00 short), the expected figure worked out in the test from
// the sales in the database; refused commands leave the store exactly as it was; and with users,
// the log-in by --user and the PIN on stdin, with an approver for what a cashier may not do.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runKassa, type CliRun } from '../support/kassa-cli.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'kassa-cli-shift-'));
const SLOW = { timeout: 120_000 };

function kassa(dir: string, args: readonly string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliRun> {
  return runKassa(root, dir, args, options);
}

function query<T>(dir: string, sql: string): T[] {
  const db = new Database(join(dir, 'kassa.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** What a shift command could change. */
function dump(dir: string): string {
  return JSON.stringify([
    query(dir, 'SELECT * FROM shifts ORDER BY id'),
    query(dir, 'SELECT * FROM cash_movements ORDER BY id'),
    query(dir, 'SELECT seq, hash FROM journal ORDER BY seq'),
    query(dir, 'SELECT seq FROM outbox ORDER BY seq'),
  ]);
}

/** A count of `amount` minor units in 100-yuan notes, 1-yuan pieces and 1-fen coins. */
function countOf(amount: number): string {
  const hundreds = Math.floor(amount / 10000);
  const yuan = Math.floor((amount % 10000) / 100);
  const fen = amount % 100;
  return `100=${hundreds},1=${yuan},0.01=${fen}`;
}

/** A terminal with 50 products, English labels and a 1-fen coin to count any amount exactly. */
async function terminal(name: string): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'kassa.config.json'),
    JSON.stringify({ language: 'en', cash: { denominations: { CNY: { notes: ['100', '50', '20', '10', '5', '1'], coins: ['1', '0.5', '0.1', '0.01'] } } } }),
  );
  const csv = join(root, `${name}.csv`);
  expect((await kassa(dir, ['demo-data', '--products', '50', '--out', csv])).code).toBe(0);
  expect((await kassa(dir, ['import', csv])).code).toBe(0);
  return dir;
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('a shift from the command line (setup mode: no users)', SLOW, () => {
  let shop: string;
  beforeAll(async () => {
    shop = await terminal('shop');
  }, 120_000);

  it('open, sell, paid-in, paid-out, cashier change, close 10.00 short', async () => {
    expect((await kassa(shop, ['shift'])).stdout).toBe('no shift is open (kassa shift open --float <amount>)\n');
    expect((await kassa(shop, ['simulate', '--sales', '2', '--seed', '4'])).code).toBe(0); // before the shift

    const open = await kassa(shop, ['shift', 'open', '--count', '100=1,50=1,20=2,10=1', '--by', 'alice']);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toMatch(/^shift \S+-T01 opened by alice with a float of ¥200\.00\n$/);

    const [{ seq: openedSeq }] = query<{ seq: number }>(shop, "SELECT max(seq) AS seq FROM journal WHERE kind = 'shift.opened'") as [{ seq: number }];
    expect((await kassa(shop, ['simulate', '--sales', '5', '--seed', '5'])).code).toBe(0);
    expect((await kassa(shop, ['shift', 'paid-in', '100.00', '--reason', 'change from the bank', '--by', 'alice'])).stdout).toContain('paid-in ¥100.00 (change from the bank) by alice');
    expect((await kassa(shop, ['shift', 'paid-out', '35', '--reason', 'window cleaner', '--by', 'alice'])).stdout).toContain('paid-out ¥35.00 (window cleaner) by alice');
    expect((await kassa(shop, ['shift', 'cashier', '--by', 'bob'])).stdout).toMatch(/is now with bob\n$/);
    const status = await kassa(shop, ['shift', 'status']);
    expect(status.stdout).toMatch(/OPEN, the drawer is with bob\npaid-in: 1, ¥100\.00\npaid-out: 1, ¥35\.00\n$/);
    expect(status.stdout).not.toContain('expected');

    // Worked out here from the sales in the database: the cash tenders after the shift opened.
    const [{ cash }] = query<{ cash: number }>(shop, `SELECT sum(t.amount) AS cash FROM tenders t JOIN sales s ON s.id = t.sale_id WHERE t.method = 'cash' AND s.journal_seq > ${openedSeq}`) as [{ cash: number }];
    const expected = 20000 + cash + 10000 - 3500;
    const close = await kassa(shop, ['shift', '--json', 'close', '--count', countOf(expected - 1000), '--by', 'bob']);
    expect(close.code, close.stderr).toBe(0);
    const result = JSON.parse(close.stdout) as { counted: number; overShort: number; verdict: string; expected: { expected: number; working: { key: string; amount: number; sign: string }[] } };
    expect(result).toMatchObject({ counted: expected - 1000, overShort: -1000, verdict: 'short', expected: { expected } });
    expect(result.expected.working.map((l) => [l.key, l.sign, l.amount])).toEqual([
      ['float', '+', 20000],
      ['cash-sales', '+', cash],
      ['cash-refunds', '-', 0],
      ['paid-in', '+', 10000],
      ['paid-out', '-', 3500],
      ['rounding', '+', 0],
    ]);

    const list = await kassa(shop, ['shift', 'list']);
    expect(list.stdout).toMatch(/closed .* by bob, counted ¥[\d.]+, short ¥10\.00\n$/);
    expect(query<{ kind: string }>(shop, "SELECT kind FROM journal WHERE kind LIKE 'shift.%' OR kind LIKE 'cash.%' ORDER BY seq").map((r) => r.kind)).toEqual([
      'shift.opened',
      'cash.paid-in',
      'cash.paid-out',
      'shift.cashier-changed',
      'shift.closed',
    ]);
    expect(query<{ n: number }>(shop, "SELECT count(*) AS n FROM outbox WHERE type = 'shift'")[0]?.n).toBe(5);
    expect((await kassa(shop, ['verify'])).code).toBe(0);
  });

  it('the text close shows the count, the working and the shortfall', async () => {
    expect((await kassa(shop, ['shift', 'open', '--float', '50.00'])).code).toBe(0);
    const close = await kassa(shop, ['shift', 'close', '--count', '20=2']);
    expect(close.code, close.stderr).toBe(0);
    expect(close.stdout).toMatch(/^shift \S+ closed by cashier\ncounted ¥40\.00:\n {2}20 yuan × 2 = ¥40\.00\nexpected ¥50\.00:\n {2}\+ float +¥50\.00\n/);
    expect(close.stdout).toContain('SHORT ¥10.00 (over/short -¥10.00)\n');
  });

  it('refuses bad input with one line, exit 1, and changes nothing', async () => {
    expect((await kassa(shop, ['shift', 'open', '--float', '100'])).code).toBe(0);
    const before = dump(shop);
    const runs = await Promise.all([
      kassa(shop, ['shift', 'open', '--float', '100']),
      kassa(shop, ['shift', 'close', '--count', '5=-2']),
      kassa(shop, ['shift', 'close', '--count', '0.5=four']),
      kassa(shop, ['shift', 'close', '--count', '3=1']),
      kassa(shop, ['shift', 'paid-out', '100000', '--reason', 'too much']),
      kassa(shop, ['shift', 'paid-in', '5', '--reason', ' ']),
      kassa(shop, ['shift', 'open', '--user', 'nobody', '--float', '1']),
    ]);
    expect(runs.map((r) => [r.code, r.stderr.trim()])).toEqual([
      [1, expect.stringMatching(/^kassa: a shift is already open \(since .*, opened by cashier with a float of ¥100\.00\): close it first$/)],
      [1, 'kassa: the count is not valid: 5 yuan: expected a whole number of notes ≥ 0 (at most 1000000), got "-2"'],
      [1, 'kassa: the count is not valid: 5 jiao: expected a whole number of coins ≥ 0 (at most 1000000), got "four"'],
      [1, 'kassa: the count is not valid: "3" is not a CNY denomination counted here; expected one of 100, 50, 20, 10, 5, 1, 0.5, 0.1, 0.01'],
      [1, 'kassa: paid-out of ¥100000.00 is more than the cash expected in the drawer (¥100.00)'],
      [1, 'kassa: paid-in: a reason is required (at least 2 characters), got ""'],
      [2, 'kassa: this terminal has no users yet (setup mode): nobody logs in; leave out --user/--approver (--by <name> says who)'],
    ]);
    expect(dump(shop)).toBe(before);
  });
});

describe('a shift on a terminal with users', SLOW, () => {
  let shop: string;
  let manager: string;
  let cashier: string;
  beforeAll(async () => {
    shop = await terminal('staffed');
    const add = async (name: string, role: string, pin: string) => {
      const r = await kassa(shop, ['users', '--json', 'add', '--name', name, '--role', role], { env: { KASSA_NEW_PIN: pin } });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { id: string }).id;
    };
    manager = await add('Ann', 'manager', '2468');
    cashier = await add('Cal', 'cashier', '1357');
  }, 120_000);

  it('logs in with --user and the PIN on stdin; a cashier needs an approver to pay out and to close', async () => {
    expect((await kassa(shop, ['shift', 'open', '--float', '100', '--by', 'Cal'])).stderr).toContain('this terminal has users: log in with --user <id>');
    const wrong = await kassa(shop, ['shift', 'open', '--float', '100', '--user', cashier], { stdin: '0000\n' });
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringContaining('kassa: the PIN is not correct')]);

    const open = await kassa(shop, ['shift', 'open', '--float', '100', '--user', cashier], { stdin: '1357\n' });
    expect(open.stdout).toMatch(/opened by Cal with a float of ¥100\.00\n$/);

    const before = dump(shop);
    const alone = await kassa(shop, ['shift', 'paid-out', '10', '--reason', 'stamps', '--user', cashier], { stdin: '1357\n' });
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/^kassa: Cal \(cashier\) may not .*approve with their PIN\n$/);
    expect(query(shop, 'SELECT * FROM cash_movements')).toEqual([]);
    expect(dump(shop)).not.toBe(before); // the log-in and log-out are journalled, nothing else

    const approved = await kassa(shop, ['shift', '--json', 'paid-out', '10', '--reason', 'stamps', '--user', cashier, '--approver', manager], { stdin: '1357\n2468\n' });
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ kind: 'paid-out', amount: 1000, byName: 'Cal', byUser: cashier });
    const [entry] = query<{ payload: string }>(shop, "SELECT payload FROM journal WHERE kind = 'cash.paid-out'");
    expect(JSON.parse(entry?.payload ?? '{}')).toMatchObject({ operator: { name: 'Cal', userId: cashier, role: 'cashier' }, approvedBy: { name: 'Ann', userId: manager } });

    const close = await kassa(shop, ['shift', 'close', '--count', '50=1,10=4', '--user', manager], { stdin: '2468\n' });
    expect(close.code, close.stderr).toBe(0);
    expect(close.stdout).toContain('expected ¥90.00:');
    expect(close.stdout).toContain('the drawer is exact');
  });
});
