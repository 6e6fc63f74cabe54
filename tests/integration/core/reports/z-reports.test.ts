// Z reports on a real SQLite file: a Z equals the sum of its sales computed independently (SQL
// over the sale_lines / tenders views and the refunds table), over a few hundred random sales
// with voids, discounts, split tenders, refunds of every outcome and cancelled sales; and
// every refusal (asked twice, shift open, unsent without approval) stores nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendJournal, appendJournalJson } from '../../../../src/core/db/journal.ts';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { loadConfig } from '../../../../src/core/config.ts';
import { ShiftService } from '../../../../src/core/shifts/shift-service.ts';
import {
  ZReportError,
  antifraudPort,
  getZ,
  lastZ,
  makeZ,
  shiftsPort,
  xReport,
  zReportsOfDay,
  type ReportContext,
  type ShiftCashInRange,
  type ShiftsPort,
} from '../../../../src/core/reports/z-reports.ts';
import { fixedOffsetClock } from '../../../../src/domain/reports/day-report.ts';
import { TERMINAL, makeSale, tempDbFile } from '../../../support/sale-fixtures.ts';
import { sellRandomDay as sell } from './random-day.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-z-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const CLOCK = fixedOffsetClock(480); // China
const BY = { by: 'mia', userId: null, approvedBy: null };
const sellRandomDay = (n: number, seed: number, day?: string) => sell(db, n, seed, day);
const nowMs = Date.parse('2025-03-01T23:30:00.000Z');

function ctx(extra: Partial<ReportContext> = {}): ReportContext {
  return { db, terminalId: TERMINAL, currency: 'CNY', syncs: false, now: () => new Date(nowMs), clock: CLOCK, ...extra };
}

/** The same figures straight from SQL, without the report code. */
function independent(fromSeq: number, toSeq: number) {
  const live = 's.training = 0 AND s.journal_seq > ? AND s.journal_seq <= ?';
  const one = (sql: string) => db.prepare(sql).get(fromSeq, toSeq) as Record<string, number>;
  const all = (sql: string) => db.prepare(sql).all(fromSeq, toSeq) as Record<string, number | string>[];
  const sales = one(`SELECT count(*) AS count, total(s.total) AS total, total(s.rounding) AS rounding, total(s.tax_total) AS tax, total(s.subtotal) AS net, total(s.change_given) AS change FROM sales s WHERE ${live}`);
  const gross = one(`SELECT total(l.gross) AS gross FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE l.voided = 0 AND ${live}`);
  const voids = one(`SELECT count(*) AS lines, total(l.gross) AS amount FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE l.voided = 1 AND ${live}`);
  const taxByRate = all(
    `SELECT l.tax_rate_bps AS rateBps, total(l.amount) AS base, total(l.tax) AS tax FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE l.voided = 0 AND ${live} GROUP BY l.tax_rate_bps ORDER BY 1`,
  );
  const tenders = all(`SELECT t.method AS method, count(*) AS count, total(t.amount) AS amount FROM tenders t JOIN sales s ON s.id = t.sale_id WHERE ${live} GROUP BY t.method ORDER BY 1`);
  const refunded = all(`SELECT method, total(amount) AS amount FROM refunds WHERE state = 'refunded' AND settled_seq > ? AND settled_seq <= ? GROUP BY method ORDER BY 1`);
  const manual = one(`SELECT total(amount) AS amount FROM refunds WHERE state = 'manual' AND settled_seq > ? AND settled_seq <= ?`);
  const cashiers = all(`SELECT s.cashier AS cashier, count(*) AS sales, total(s.total + s.rounding) AS amount FROM sales s WHERE ${live} GROUP BY s.cashier ORDER BY 1`);
  const hourly = all(`SELECT CAST(strftime('%H', s.completed_at, '+480 minutes') AS INTEGER) AS hour, count(*) AS count, total(s.total + s.rounding) AS amount FROM sales s WHERE ${live} GROUP BY 1 ORDER BY 1`);
  const cancelled = one(`SELECT count(*) AS n FROM journal WHERE kind = 'sale.cancelled' AND seq > ? AND seq <= ?`);
  const noSales = one(`SELECT count(*) AS n FROM journal WHERE kind = 'drawer.opened' AND seq > ? AND seq <= ?`);
  return { sales, gross, voids, taxByRate, tenders, refunded, manual, cashiers, hourly, cancelled, noSales };
}

describe('Z report', () => {
  it('equals the sum of its sales, computed independently, over 400 random sales', () => {
    sellRandomDay(400, 7);
    const z = makeZ(ctx(), { authorization: BY });
    const r = z.report;
    const want = independent(z.fromSeq, z.toSeq);
    expect(z.zNo).toBe(1);
    expect(r.sales.count).toBe(want.sales.count);
    expect(r.sales.count).toBeGreaterThan(350);
    expect(r.sales.total).toBe(want.sales.total);
    expect(r.sales.rounding).toBe(want.sales.rounding);
    expect(r.sales.paid).toBe((want.sales.total ?? 0) + (want.sales.rounding ?? 0));
    expect(r.sales.tax).toBe(want.sales.tax);
    expect(r.sales.net).toBe(want.sales.net);
    expect(r.sales.change).toBe(want.sales.change);
    expect(r.sales.gross).toBe(want.gross.gross);
    expect(r.sales.gross - r.sales.discounts).toBe(r.sales.net);
    expect(r.voids).toMatchObject({ lines: want.voids.lines, amount: want.voids.amount, salesCancelled: want.cancelled.n });
    expect(r.taxByRate.map((t) => ({ rateBps: t.rateBps, base: t.base, tax: t.tax }))).toEqual(want.taxByRate);
    expect(r.tenders.map((t) => ({ method: t.method, count: t.count, amount: t.amount })).sort((a, b) => a.method.localeCompare(b.method))).toEqual(want.tenders);
    expect(r.tenders.reduce((s, t) => s + t.amount, 0)).toBe(r.sales.paid);
    const refunded = Object.fromEntries(want.refunded.map((x) => [x.method, x.amount]));
    for (const t of r.tenders) expect(t.refunded).toBe(refunded[t.method] ?? 0);
    expect(r.returns.amount).toBe(want.refunded.reduce((s, x) => s + Number(x.amount), 0));
    expect(r.returns.manual).toBe(want.manual.amount);
    expect(r.wallets.map((w) => w.provider)).toEqual(r.tenders.filter((t) => t.method !== 'cash').map((t) => t.method));
    expect(r.cashiers.map((c) => ({ cashier: c.cashier, sales: c.sales, amount: c.amount }))).toEqual(want.cashiers);
    expect(r.cashiers.reduce((s, c) => s + c.noSales, 0)).toBe(want.noSales.n);
    expect(r.hourly.filter((h) => h.count > 0).map((h) => ({ hour: h.hour, count: h.count, amount: h.amount }))).toEqual(want.hourly);
    expect(r.days).toEqual([{ date: '2025-03-02', count: r.sales.count, amount: r.sales.paid, tax: r.sales.tax, returns: r.returns.amount }]);
    expect(r.sales.training).toBe(db.prepare('SELECT count(*) FROM sales WHERE training = 1').pluck().get());
  });

  it('is journalled with the report as payload and queued for the store in the same transaction', () => {
    sellRandomDay(20, 3);
    const z = makeZ(ctx(), { authorization: BY });
    const row = db.prepare('SELECT kind, ref, payload FROM journal WHERE seq = ?').get(z.journalSeq) as { kind: string; ref: string; payload: string };
    expect(row.kind).toBe('report.z');
    expect(JSON.parse(row.payload)).toEqual(z.report);
    expect(z.toSeq).toBe(z.journalSeq);
    const out = db.prepare("SELECT type, payload FROM outbox WHERE idempotency_key = 'report.z:T01:1'").get() as { type: string; payload: string };
    expect(out.type).toBe('shift');
    expect(JSON.parse(out.payload)).toMatchObject({ kind: 'report.z', zNo: 1, sales: z.report.sales.count, paid: z.report.sales.paid, journalSeq: z.journalSeq });
    expect(getZ(db, TERMINAL, 1).report).toEqual(z.report);
    expect(zReportsOfDay(db, TERMINAL, '2025-03-02').map((s) => s.zNo)).toEqual([1]);
  });

  it('refuses a Z asked for twice with a clear message and stores nothing', () => {
    sellRandomDay(10, 4);
    makeZ(ctx(), { authorization: BY });
    const journalBefore = db.prepare('SELECT max(seq) FROM journal').pluck().get();
    // A log-in in between is not something a Z counts.
    db.transaction(() => appendJournal(db, { terminalId: TERMINAL, kind: 'user.login', ref: null, payload: { name: 'mia' }, at: new Date(nowMs).toISOString() })).immediate();
    const err = (() => {
      try {
        makeZ(ctx(), { authorization: BY });
      } catch (e) {
        return e as ZReportError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ZReportError);
    expect(err?.code).toBe('nothing-new');
    expect(err?.message).toMatch(/^Z 1 already closed the day at \d\d:\d\d \(2025-03-02\): nothing since/);
    expect(db.prepare('SELECT count(*) FROM z_reports').pluck().get()).toBe(1);
    expect(db.prepare('SELECT max(seq) FROM journal').pluck().get()).toBe((journalBefore as number) + 1);
  });

  it('numbers Zs in sequence and tiles the journal: the second covers only what came after the first', () => {
    sellRandomDay(30, 5, '2025-03-02');
    const z1 = makeZ(ctx(), { authorization: BY });
    sellRandomDay(25, 6, '2025-03-03');
    const z2 = makeZ(ctx(), { authorization: BY });
    expect(z2.zNo).toBe(2);
    expect(z2.fromSeq).toBe(z1.toSeq);
    const want = independent(z2.fromSeq, z2.toSeq);
    expect(z2.report.sales.count).toBe(want.sales.count);
    expect(z2.report.sales.paid).toBe((want.sales.total ?? 0) + (want.sales.rounding ?? 0));
    expect(z2.businessDay).toBe('2025-03-03');
    expect(lastZ(db, TERMINAL)?.zNo).toBe(2);
  });

  it('is immutable: the table refuses updates and a changed journal payload is caught', () => {
    sellRandomDay(5, 8);
    makeZ(ctx(), { authorization: BY });
    expect(() => db.prepare("UPDATE z_reports SET created_by = 'eve'").run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM z_reports').run()).toThrow(/immutable/);
    db.prepare("UPDATE journal SET payload = replace(payload, '\"kind\":\"Z\"', '\"kind\":\"X\"') WHERE kind = 'report.z'").run();
    expect(() => getZ(db, TERMINAL, 1)).toThrow(/does not match its journal row/);
  });

  it('refuses while a shift is open, and reports the cash of the shifts it closes', () => {
    sellRandomDay(10, 9);
    const closed: ShiftCashInRange = {
      shiftId: 'S1',
      openedAt: '2025-03-02T00:00:00.000Z',
      openedBy: 'alice',
      closedAt: '2025-03-02T14:00:00.000Z',
      closedBy: 'alice',
      float: 20000,
      expected: 50000,
      counted: 49000,
      overShort: -1000,
      working: [{ label: 'float', amount: 20000, sign: 1 }],
      openedSeq: 0,
      closedSeq: 5,
    };
    let open: ReturnType<ShiftsPort['openShift']> = { id: 'S2', openedAt: '2025-03-02T01:00:00.000Z', openedBy: 'bob' };
    const shifts: ShiftsPort = { openShift: () => open, closedIn: () => [closed], openCash: () => null };
    expect(() => makeZ(ctx({ shifts }), { authorization: BY })).toThrow(/close the shift first: shift S2 opened by bob/);
    expect(db.prepare('SELECT count(*) FROM z_reports').pluck().get()).toBe(0);
    open = null;
    const z = makeZ(ctx({ shifts }), { authorization: BY });
    expect(z.report.cash.shifts).toEqual([{ ...closed, openedSeq: undefined, closedSeq: undefined }].map(({ openedSeq: _a, closedSeq: _b, ...c }) => c));
    // Cash at seqs after the shift's close (seq 5) is outside every shift.
    const cashAfter = db
      .prepare("SELECT total(t.amount) FROM tenders t JOIN sales s ON s.id = t.sale_id WHERE t.method = 'cash' AND s.training = 0 AND s.journal_seq > 5")
      .pluck()
      .get() as number;
    expect(z.report.cash.outsideShifts?.cashSales).toBe(cashAfter);
  });

  it('with sync on and unsent items: refused without approval, journalled override with one', () => {
    sellRandomDay(10, 10);
    const unsent = db.prepare("SELECT count(*) FROM outbox WHERE status = 'pending'").pluck().get() as number;
    expect(() => makeZ(ctx({ syncs: true }), { authorization: BY })).toThrow(new RegExp(`${unsent} item\\(s\\) have not reached the store server`));
    expect(db.prepare('SELECT count(*) FROM z_reports').pluck().get()).toBe(0);
    const wrong = { by: 'mia', userId: 'u1', approvedBy: { userId: 'u2', name: 'Max', permission: 'refund', journalSeq: 3 } };
    expect(() => makeZ(ctx({ syncs: true }), { authorization: BY, closeWithUnsent: wrong })).toThrow(/not for "day.close-with-unsent"/);
    const approval = { by: 'mia', userId: 'u1', approvedBy: { userId: 'u2', name: 'Max', permission: 'day.close-with-unsent', journalSeq: 3 } };
    const z = makeZ(ctx({ syncs: true }), { authorization: BY, closeWithUnsent: approval });
    const override = db.prepare("SELECT payload FROM journal WHERE kind = 'day.close-override'").pluck().get() as string;
    expect(JSON.parse(override)).toMatchObject({ unsent, approvedBy: 'Max', zNo: 1 });
    expect(z.report.override).toEqual({ unsent, approvedBy: 'Max' });
  });
});

describe('X report', () => {
  it('since the last Z shows what a Z would, and stores nothing', () => {
    sellRandomDay(40, 11);
    const x = xReport(ctx(), { sinceLastZ: true }, 'mia');
    const before = db.prepare('SELECT max(seq) FROM journal').pluck().get();
    expect(x.kind).toBe('X');
    expect(db.prepare('SELECT max(seq) FROM journal').pluck().get()).toBe(before);
    const z = makeZ(ctx(), { authorization: BY });
    expect({ ...x, kind: 'Z', zNo: 1, range: z.report.range, createdBy: 'mia' }).toEqual(z.report);
  });

  it('of a calendar day counts only that local day', () => {
    sellRandomDay(15, 12, '2025-03-02');
    sellRandomDay(15, 13, '2025-03-03');
    const x = xReport(ctx(), { date: '2025-03-03' }, 'mia');
    const want = db.prepare("SELECT count(*) FROM sales WHERE training = 0 AND date(completed_at, '+480 minutes') = '2025-03-03'").pluck().get();
    expect(x.sales.count).toBe(want);
    expect(x.days.map((d) => d.date)).toEqual(['2025-03-03']);
    expect(() => xReport(ctx(), { date: '2025-02-30' }, 'mia')).toThrow(/yyyy-mm-dd/);
  });
});

describe('Z report with the real shift service and antifraud source', () => {
  it('refuses while the shift is open, then reports its count, over/short and flags', () => {
    const config = { ...loadConfig(`${tmp.dir}/no-such-config.json`), terminalId: TERMINAL };
    const service = new ShiftService({ db, config, terminalId: TERMINAL, now: () => new Date('2025-03-02T00:30:00.000Z') });
    const who = { userId: null, name: 'alice', role: 'manager' as const };
    service.open({ float: '200.00' }, who);
    sellRandomDay(30, 21);
    const thresholds = { voids: 0, refunds: null, noSales: null, priceOverrides: null, manualEntries: null };
    const c = ctx({ shifts: shiftsPort(service), antifraud: antifraudPort(thresholds, service) });
    const x = xReport(c, { sinceLastZ: true }, 'mia');
    expect(x.cash.shifts).toHaveLength(1);
    expect(x.cash.shifts[0]?.counted).toBeNull();
    expect(() => makeZ(c, { authorization: BY })).toThrow(/close the shift first/);
    const expected = x.cash.shifts[0]?.expected ?? 0;
    // Count about 10.00 short: 100-yuan notes and 1-jiao coins (no fen coins in the drawer).
    const short = Math.floor((expected - 1000) / 10) * 10;
    const closed = service.close({ counts: { '100': Math.floor(short / 10000), '0.1': (short % 10000) / 10 } }, who);
    expect(closed.overShort).toBe(short - expected);
    const z = makeZ(c, { authorization: BY });
    expect(z.report.cash.shifts).toEqual([expect.objectContaining({ shiftId: closed.shift.id, float: 20000, expected, counted: short, overShort: short - expected, openedBy: 'alice' })]);
    expect(z.report.cash.shifts[0]?.working.length).toBeGreaterThan(1);
    expect(z.report.cash.outsideShifts).toEqual({ cashSales: 0, cashRefunds: 0 });
    // voids over a threshold of 0 are flagged for whoever voided, in that shift.
    expect(z.report.flags.length).toBeGreaterThan(0);
    expect(z.report.flags.every((f) => f.signal === 'voids' && f.shiftId === closed.shift.id)).toBe(true);
  });
});

describe('reading records', () => {
  it('reads a record not in canonical form the slow way and counts garbage as unreadable, among canonical ones', () => {
    sellRandomDay(5, 30);
    const before = xReport(ctx(), { sinceLastZ: true }, 'mia');
    const odd = makeSale({ cashier: 'zoë', completedAt: '2025-03-02T02:00:00.000Z', lines: [{ sku: 'Q', unitPrice: 777 }] });
    db.transaction(() => {
      appendJournalJson(db, { terminalId: TERMINAL, kind: 'sale.completed', ref: odd.id, payloadJson: JSON.stringify({ ...odd, receiptNo: 99 }, null, 1), at: odd.completedAt });
      appendJournalJson(db, { terminalId: TERMINAL, kind: 'sale.completed', ref: 'junk', payloadJson: '{"lines":', at: odd.completedAt });
    }).immediate();
    sellRandomDay(5, 31);
    const after = xReport(ctx(), { sinceLastZ: true }, 'mia');
    const added = db.prepare("SELECT count(*) FROM sales WHERE training = 0 AND journal_seq > ?").pluck().get((before.range.toSeq)) as number;
    expect(after.sales.count).toBe(before.sales.count + added + 1);
    expect(after.unreadable).toBe(1);
    expect(after.cashiers.find((c) => c.cashier === 'zoë')).toMatchObject({ sales: 1, amount: 777 });
  });
});
