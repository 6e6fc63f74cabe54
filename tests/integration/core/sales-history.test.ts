// searchSales on a real SQLite file: every filter alone and together, paging, refunds, bad
// input; with the history index in place (as migration 9 will create it) and without it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { recordRefund } from '../../../src/core/db/refunds.ts';
import { commitSale } from '../../../src/core/db/sales.ts';
import { SALES_HISTORY_SQL, SalesSearchError, parseReceipt, searchSales, type SalesSearch } from '../../../src/core/sales-history.ts';
import type { TenderMethod } from '../../../src/domain/sale-record.ts';
import { makeSale, SNAPSHOT, TERMINAL, tempDbFile } from '../../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-history-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

interface Made {
  id: string;
  receiptNo: number;
  completedAt: string;
  total: number;
  cashier: string;
  method: TenderMethod;
}

/** 30 sales, one every 20 minutes from 2025-03-01T08:00Z; prices, cashiers and tenders rotate. */
function seed(): Made[] {
  const made: Made[] = [];
  const methods: TenderMethod[] = ['cash', 'alipay', 'wechat'];
  for (let i = 0; i < 30; i++) {
    const completedAt = new Date(Date.parse('2025-03-01T08:00:00.000Z') + i * 20 * 60_000).toISOString();
    const method = methods[i % 3] ?? 'cash';
    const cashier = i % 5 === 0 ? 'bob' : 'alice';
    const record = makeSale({ cashier, completedAt, startedAt: completedAt, lines: [{ sku: 'A', unitPrice: 1000 + i * 100 }], tenders: [{ method }] });
    const { receiptNo } = commitSale(db, { record, snapshot: SNAPSHOT, at: completedAt });
    made.push({ id: record.id, receiptNo, completedAt, total: record.total, cashier, method });
  }
  return made;
}

const newestFirst = (m: readonly Made[]) => [...m].sort((a, b) => (a.completedAt < b.completedAt ? 1 : -1)).map((x) => x.receiptNo);
const receipts = (s: SalesSearch) => searchSales(db, s).rows.map((r) => r.receiptNo);

describe.each([
  ['with the history index', true],
  ['without it', false],
])('searchSales %s', (_name, indexed) => {
  beforeEach(() => {
    if (indexed) db.exec(SALES_HISTORY_SQL);
  });

  it('finds the same sales as a filter written out in the test, for each filter and together', () => {
    const made = seed();
    const check = (s: SalesSearch, keep: (m: Made) => boolean) => expect(receipts({ ...s, limit: 100 })).toEqual(newestFirst(made.filter(keep)));
    check({}, () => true);
    check({ receipt: 'T01-000007' }, (m) => m.receiptNo === 7);
    check({ receipt: '7' }, (m) => m.receiptNo === 7);
    check({ receipt: 'T02-7' }, () => false);
    check({ from: '2025-03-01T10:00:00.000Z', to: '2025-03-01T12:00:00.000Z' }, (m) => m.completedAt >= '2025-03-01T10:00:00.000Z' && m.completedAt < '2025-03-01T12:00:00.000Z');
    check({ amountMin: 2000, amountMax: 2500 }, (m) => m.total >= 2000 && m.total <= 2500);
    check({ amountMin: 3000 }, (m) => m.total >= 3000);
    check({ tender: 'wechat' }, (m) => m.method === 'wechat');
    check({ cashier: 'bob' }, (m) => m.cashier === 'bob');
    check({ cashier: 'bob', tender: 'cash', amountMax: 2500 }, (m) => m.cashier === 'bob' && m.method === 'cash' && m.total <= 2500);
    check({ cashier: 'nobody' }, () => false);
  });

  it('pages newest first with a cursor until every sale was shown once', () => {
    const made = seed();
    const seen: number[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = searchSales(db, { limit: 7, tender: 'alipay', ...(before === undefined ? {} : { before }) });
      seen.push(...r.rows.map((x) => x.receiptNo));
      if (r.next === null) break;
      before = r.next;
    }
    expect(seen).toEqual(newestFirst(made.filter((m) => m.method === 'alipay')));
  });

  it('checks at most tenderScanLimit sales per call, returning a short page that carries on', () => {
    const made = seed();
    const wanted = newestFirst(made.filter((m) => m.method === 'wechat'));
    const seen: number[] = [];
    let before: string | undefined;
    let calls = 0;
    for (; calls < 50; calls++) {
      const r = searchSales(db, { limit: 4, tender: 'wechat', tenderScanLimit: 5, ...(before === undefined ? {} : { before }) });
      expect(r.rows.length).toBeLessThanOrEqual(4);
      seen.push(...r.rows.map((x) => x.receiptNo));
      if (r.next === null) break;
      before = r.next;
    }
    expect(seen).toEqual(wanted);
    expect(calls).toBeGreaterThanOrEqual(Math.floor(30 / 5) - 1);
  });

  it('shows the receipt as printed, the tenders, and what was refunded (failed refunds not counted)', () => {
    const made = seed();
    const first = made[0];
    if (!first) throw new Error('no sales');
    recordRefund(db, {
      refundId: `R1-${TERMINAL}`,
      saleId: first.id,
      terminalId: TERMINAL,
      receiptNo: first.receiptNo,
      currency: 'CNY',
      reason: 'faulty',
      authorizedBy: 'manager',
      operator: 'alice',
      training: false,
      parts: [{ tenderSeq: 1, method: 'cash', amount: 300 }],
      at: first.completedAt,
    });
    const [row] = searchSales(db, { receipt: '1' }).rows;
    expect(row).toEqual({
      saleId: first.id,
      terminalId: 'T01',
      receiptNo: 1,
      receipt: 'T01-000001',
      completedAt: first.completedAt,
      total: first.total,
      rounding: 0,
      currency: 'CNY',
      tenders: [{ method: 'cash', amount: first.total }],
      cashier: 'bob',
      refunded: 300,
      training: false,
    });
  });
});

describe('searchSales input', () => {
  it('names what is wrong and changes nothing', () => {
    const bad: [SalesSearch, string][] = [
      [{ receipt: 'abc' }, 'receipt "abc" is not a receipt number: expected e.g. T01-000123 or 123'],
      [{ receipt: 'T01-0' }, 'is not a receipt number'],
      [{ from: 'yesterday' }, 'from "yesterday" is not a timestamp'],
      [{ from: '2025-03-02T00:00:00Z', to: '2025-03-01T00:00:00Z' }, 'from (2025-03-02T00:00:00.000Z) must be before to (2025-03-01T00:00:00.000Z)'],
      [{ amountMin: -1 }, 'amountMin must be a whole number of minor units ≥ 0, got -1'],
      [{ amountMin: 10, amountMax: 5 }, 'amountMin (10) must not be more than amountMax (5)'],
      [{ tender: 'card' as 'cash' }, 'tender must be one of cash, alipay, wechat, got "card"'],
      [{ cashier: ' ' }, 'cashier must be a name'],
      [{ limit: 0 }, 'limit must be a whole number from 1 to 500, got 0'],
      [{ before: 'not-a-cursor' }, 'is not a page cursor from a previous search'],
    ];
    for (const [search, message] of bad) {
      expect(() => searchSales(db, search)).toThrow(SalesSearchError);
      expect(() => searchSales(db, search)).toThrow(message);
    }
  });

  it('reads receipt numbers as printed or bare, with terminal ids that contain dashes', () => {
    expect(parseReceipt('T01-000123')).toEqual({ terminalId: 'T01', receiptNo: 123 });
    expect(parseReceipt(' 42 ')).toEqual({ terminalId: null, receiptNo: 42 });
    expect(parseReceipt('SHOP-2-000009')).toEqual({ terminalId: 'SHOP-2', receiptNo: 9 });
  });
});
