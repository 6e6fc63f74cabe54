// `kassa sales search` as a manager runs it (issue 7 §9): real child processes on a data folder
// with sales over two days, in the terminal's time zone (TZ=Asia/Shanghai for the child).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenderMethod } from '../../src/domain/sale-record.ts';
import { runKassa, type CliRun } from '../support/kassa-cli.ts';
import { makeSale, seedDbFile } from '../support/sale-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'kassa-cli-sales-search-'));
const shop = join(root, 'shop');
const SLOW = { timeout: 120_000 };

const kassa = (args: readonly string[]) => runKassa(root, shop, args, { env: { TZ: 'Asia/Shanghai' }, timeoutMs: 100_000 });

// Receipt n: completed at 2025-03-01T12:00Z + n × 3 h (Shanghai: 20:00 on 1 March, then 23:00,
// 02:00 on 2 March, …); price 10.00 × n; bob sells the even ones; cash, alipay, wechat in turn.
const SALES = Array.from({ length: 8 }, (_, i) => {
  const n = i + 1;
  const methods: TenderMethod[] = ['cash', 'alipay', 'wechat'];
  return {
    n,
    completedAt: new Date(Date.parse('2025-03-01T12:00:00.000Z') + n * 3 * 3600_000).toISOString(),
    price: 1000 * n,
    cashier: n % 2 === 0 ? 'bob' : 'alice',
    method: methods[i % 3] ?? 'cash',
  };
});

beforeAll(() => {
  seedDbFile(join(shop, 'kassa.db'), (seed) => {
    for (const s of SALES) seed.sell(makeSale({ cashier: s.cashier, completedAt: s.completedAt, startedAt: s.completedAt, lines: [{ sku: 'A', unitPrice: s.price }], tenders: [{ method: s.method }] }), s.completedAt);
  });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const receiptsOf = (r: CliRun) => (JSON.parse(r.stdout) as { rows: { receiptNo: number }[] }).rows.map((x) => x.receiptNo);
const expected = (keep: (s: (typeof SALES)[number]) => boolean) => SALES.filter(keep).map((s) => s.n).reverse();
const shanghaiDay = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);

describe('kassa sales search', SLOW, () => {
  it('filters by local day, amount, tender, cashier and receipt, newest first', async () => {
    const runs = await Promise.all([
      kassa(['sales', 'search', '--json', '--from', '2025-03-02', '--to', '2025-03-02']),
      kassa(['sales', 'search', '--json', '--amount', '20.00..40.00']),
      kassa(['sales', 'search', '--json', '--tender', 'wechat', '--cashier', 'bob']),
      kassa(['sales', 'search', '--receipt', 'T01-000005']),
    ]);
    const [day, amount, tender, receipt] = runs;
    for (const r of runs) expect(r.code).toBe(0);
    if (!day || !amount || !tender || !receipt) throw new Error('missing run');
    expect(receiptsOf(day)).toEqual(expected((s) => shanghaiDay(s.completedAt) === '2025-03-02'));
    expect(receiptsOf(day).length).toBeGreaterThan(2);
    expect(receiptsOf(amount)).toEqual([4, 3, 2]);
    expect(receiptsOf(tender)).toEqual(expected((s) => s.method === 'wechat' && s.cashier === 'bob'));
    expect(receipt.stdout).toMatch(/^receipt +completed/);
    expect(receipt.stdout).toMatch(/\nT01-000005 +2025-03-02T03:00:00\.000Z +50\.00 +alipay +alice\n$/);
  });

  it('pages with the cursor it prints, and `kassa sales` still lists', async () => {
    const first = await kassa(['sales', 'search', '--limit', '3']);
    expect(first.code).toBe(0);
    const cursor = /--before (\S+)/.exec(first.stdout)?.[1];
    expect(cursor).toBeDefined();
    const [second, list] = await Promise.all([kassa(['sales', 'search', '--limit', '3', '--json', '--before', cursor ?? '']), kassa(['sales', '--last', '2'])]);
    expect(receiptsOf(second)).toEqual([5, 4, 3]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/T01-000008.*\n.*T01-000007/);
  });

  it('names bad input in one line and exits non-zero', async () => {
    const [date, amount, tender, receipt] = await Promise.all([
      kassa(['sales', 'search', '--from', '2025-02-30']),
      kassa(['sales', 'search', '--amount', '1.234']),
      kassa(['sales', 'search', '--tender', 'card']),
      kassa(['sales', 'search', '--receipt', 'abc']),
    ]);
    expect(date.stderr).toBe('kassa: --from "2025-02-30" is not a date: expected yyyy-mm-dd\n');
    expect(amount.stderr).toContain('--amount "1.234": ');
    expect(tender.stderr).toBe('kassa: --tender must be one of cash, alipay, wechat, got "card"\n');
    expect(receipt.stderr).toBe('kassa: receipt "abc" is not a receipt number: expected e.g. T01-000123 or 123\n');
    expect([date.code, amount.code, tender.code, receipt.code]).toEqual([2, 2, 2, 1]);
  });
});
