// The year summary reads closed days from their Zs and adds up the rest live; either way it
// must equal the sales and refunds of each local day counted straight from SQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { YearSummaryError, yearSummary } from '../../../../src/core/reports/year-summary.ts';
import { makeZ, type ReportContext } from '../../../../src/core/reports/z-reports.ts';
import { fixedOffsetClock } from '../../../../src/domain/reports/day-report.ts';
import { TERMINAL, tempDbFile } from '../../../support/sale-fixtures.ts';
import { sellRandomDay } from './random-day.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-year-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const ctx = (): ReportContext => ({ db, terminalId: TERMINAL, currency: 'CNY', syncs: false, now: () => new Date('2025-12-31T00:00:00.000Z'), clock: fixedOffsetClock(480) });
const BY = { by: 'mia', userId: null, approvedBy: null };

function expectedDays(year: string) {
  const sales = db
    .prepare(
      `SELECT date(completed_at, '+480 minutes') AS date, count(*) AS count, sum(total + rounding) AS amount, sum(tax_total) AS tax
       FROM sales WHERE training = 0 GROUP BY 1 ORDER BY 1`,
    )
    .all() as { date: string; count: number; amount: number; tax: number }[];
  const returns = new Map(
    (db.prepare(`SELECT date(settled_at, '+480 minutes') AS date, sum(amount) AS amount FROM refunds WHERE state = 'refunded' GROUP BY 1`).all() as { date: string; amount: number }[]).map((r) => [r.date, r.amount]),
  );
  return sales.filter((d) => d.date.startsWith(year)).map((d) => ({ ...d, returns: returns.get(d.date) ?? 0 }));
}

describe('year summary', () => {
  it('adds closed days from their Zs and the open day live, equal to SQL per day and month', () => {
    sellRandomDay(db, 40, 1, '2024-12-31');
    makeZ(ctx(), { authorization: BY });
    sellRandomDay(db, 60, 2, '2025-01-31');
    sellRandomDay(db, 50, 3, '2025-02-01'); // one Z over two days
    makeZ(ctx(), { authorization: BY });
    sellRandomDay(db, 30, 4, '2025-03-02'); // not closed yet
    const y = yearSummary(ctx(), 2025);
    expect(y.source).toMatchObject({ zReports: 2, lastZ: 2 });
    expect(y.source.liveToSeq).toBeGreaterThan(y.source.liveFromSeq);
    const want = expectedDays('2025');
    expect(y.days).toEqual(want);
    const byMonth = Array.from({ length: 12 }, (_, i) => want.filter((d) => Number(d.date.slice(5, 7)) === i + 1).reduce((s, d) => s + d.count, 0));
    expect(y.months.map((m) => m.count)).toEqual(byMonth);
    expect(byMonth.slice(0, 3).every((n) => n > 0)).toBe(true);
    expect(y.total.amount).toBe(want.reduce((s, d) => s + d.amount, 0));
    expect(yearSummary(ctx(), 2024).days).toEqual(expectedDays('2024'));
  });

  it('gives the same figures whether the days were closed or not', () => {
    sellRandomDay(db, 30, 5, '2025-05-01');
    sellRandomDay(db, 30, 6, '2025-05-02');
    const live = yearSummary(ctx(), 2025);
    makeZ(ctx(), { authorization: BY });
    const closed = yearSummary(ctx(), 2025);
    expect(closed.source.zReports).toBe(1);
    expect(closed.source.liveToSeq).toBe(closed.source.liveFromSeq);
    expect(closed.days).toEqual(live.days);
    expect(closed.months).toEqual(live.months);
  });

  it('refuses a year that is not one', () => {
    expect(() => yearSummary(ctx(), 25)).toThrow(YearSummaryError);
    expect(() => yearSummary(ctx(), 25)).toThrow(/expected a year such as 2025, got 25/);
  });
});
