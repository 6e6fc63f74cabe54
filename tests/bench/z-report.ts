// z_report_20k_ms and year_summary_5m_ms (issue 7 §4): how long the Z report of a busy day
// takes, and the year summary over a year of 5,000,000 sales.
//
// Decisions a reader must know:
// - z_report_20k_ms: 20,000 sales of one day (1–8 lines each, mean 4.5, CJK names, 5 % voided
//   lines, 10 % line discounts, tenders 60 % cash, 25 % Alipay, 15 % WeChat, every 5th sale
//   split) are committed with commitSale itself inside one outer transaction (so the rows are
//   exactly what the checkout writes, without 20,000 fsyncs first), plus 100 refunds. Then,
//   ROUNDS times, a copy of that database file is opened and makeZ runs on it as the terminal
//   runs it (with its shift service and antifraud counts) — reading and adding up the day,
//   writing the Z row, its journal row and outbox item in one transaction (synchronous=FULL) —
//   and the figure is the median.
// - year_summary_5m_ms: a year (365 local days) of 5,000,000 sales, 364 days closed by a real
//   makeZ each and the last day (13,699 sales) still open, so yearSummary reads 364 Zs and adds
//   up one day live (year-summary.ts says why that is the design). Median of ROUNDS runs on a
//   freshly opened connection.
//   The database is built fast — each day's journal rows through appendJournalJson (the real
//   hash chain) and sales rows in one transaction per day, records cloned from a pool of 1,000
//   generated ones, synchronous=OFF while building; the per-sale outbox message is left out
//   (sales.outbox_seq = 0: nothing reads it here) — and CACHED under
//   os.tmpdir()/kassa-bench-year-<key>, key = the sales count and a hash of BUILD_VERSION and
//   every migration's SQL, so a schema change rebuilds it. Building 5M took ~6 minutes and
//   16 GB of disk (records of 1–8 lines, as in the Z bench). `KASSA_BENCH_YEAR_SALES=500000`
//   for a quick look, `KASSA_BENCH_YEAR_REBUILD=1` to force a rebuild.
//
//   npx tsx tests/bench/z-report.ts     prints both results as JSON
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appendJournalJson } from '../../src/core/db/journal.ts';
import { MIGRATIONS } from '../../src/core/db/migrations.ts';
import { openDatabase, type Db } from '../../src/core/db/open.ts';
import { recordRefund } from '../../src/core/db/refunds.ts';
import { commitSale, saleRecordJson } from '../../src/core/db/sales.ts';
import { yearSummary } from '../../src/core/reports/year-summary.ts';
import { antifraudPort, makeZ, shiftsPort, type ReportContext } from '../../src/core/reports/z-reports.ts';
import { parseConfig } from '../../src/core/config.ts';
import { ShiftService } from '../../src/core/shifts/shift-service.ts';
import { systemClock } from '../../src/domain/reports/day-report.ts';
import type { TenderMethod } from '../../src/domain/sale-record.ts';
import { seededRandom } from '../../src/shared/seeded-random.ts';
import { makeSale, SNAPSHOT, type LineSpec, type TenderSpec, type UncommittedSale } from '../support/sale-fixtures.ts';
import { percentile } from './percentile.ts';

const TERMINAL = 'T01';
const ROUNDS = 5;
const DAY_SALES = 20_000;
const YEAR_SALES = Number(process.env.KASSA_BENCH_YEAR_SALES ?? 5_000_000);
const BUILD_VERSION = 'year-v1';
const BY = { by: 'bench', userId: null, approvedBy: null };

export interface ReportBenchResult {
  readonly value: number;
  readonly note: string;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

const NAMES = ['可口可乐 330ml', '农夫山泉 550ml', '康师傅红烧牛肉面', 'Apple Gala 1kg', '伊利纯牛奶 250ml', 'Bread loaf', '青岛啤酒 500ml', '乐事薯片 原味'];
const METHODS: readonly TenderMethod[] = ['cash', 'cash', 'cash', 'cash', 'cash', 'cash', 'alipay', 'alipay', 'alipay', 'wechat'];

/** A pool of varied records to clone from (making each of 5M from scratch costs more than storing it). */
function recordPool(size: number, seed: number): UncommittedSale[] {
  const rnd = seededRandom(seed);
  const pool: UncommittedSale[] = [];
  for (let i = 0; i < size; i++) {
    const n = 1 + Math.floor(rnd() * 8);
    const lines: LineSpec[] = Array.from({ length: n }, (_, k) => ({
      sku: `69${String(1000000000 + Math.floor(rnd() * 99999)).padStart(11, '0')}`,
      name: NAMES[(i + k) % NAMES.length],
      unitPrice: 100 + Math.floor(rnd() * 4900),
      quantityMilli: 1000 * (1 + Math.floor(rnd() * 3)),
      ...(rnd() < 0.1 ? { lineDiscount: 50 } : {}),
      ...(rnd() < 0.05 && k > 0 ? { voided: true } : {}),
    }));
    const method = METHODS[Math.floor(rnd() * METHODS.length)] ?? 'cash';
    const tenders: TenderSpec[] = i % 5 === 0 ? [{ method: 'alipay', amount: 100, reference: `TRADE${i}` }, { method }] : [{ method, ...(method === 'cash' ? {} : { reference: `TRADE${i}` }) }];
    pool.push(makeSale({ terminalId: TERMINAL, cashier: ['alice', 'bob', '王芳', 'li'][i % 4], lines, tenders }));
  }
  return pool;
}

/** Local time of `day` (0 = Jan 1 of `year`) spread over 08:00–22:00, for sale i of n. */
function localAt(year: number, day: number, i: number, n: number): string {
  const start = new Date(year, 0, 1 + day, 8).getTime();
  return new Date(start + Math.floor((i * 14 * 3600_000) / n)).toISOString();
}

/** As the PosApi and `kassa report` build it: the shift service and antifraud with the default thresholds. */
function context(db: Db, now: () => Date): ReportContext {
  const config = parseConfig({});
  const shifts = new ShiftService({ db, config, terminalId: TERMINAL, now });
  return {
    db,
    terminalId: TERMINAL,
    currency: 'CNY',
    syncs: false,
    now,
    clock: systemClock(),
    shifts: shiftsPort(shifts),
    antifraud: antifraudPort(config.antifraud.thresholds, shifts),
  };
}

/** Median ms of makeZ over a day of 20,000 sales, each round on a fresh copy of the database. */
export async function measureZReport20k(): Promise<ReportBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kassa-bench-z-'));
  try {
    const file = join(dir, 'day.db');
    const db = openDatabase(file);
    const pool = recordPool(1000, 7);
    const built = process.hrtime.bigint();
    const sold: { id: string; receiptNo: number; record: UncommittedSale }[] = [];
    db.transaction(() => {
      for (let i = 0; i < DAY_SALES; i++) {
        const at = localAt(2026, 120, i, DAY_SALES);
        const base = pool[i % pool.length] as UncommittedSale;
        const record = { ...base, id: `${String(i).padStart(8, '0')}BENCHDAY-${TERMINAL}`, startedAt: at, completedAt: at };
        const { receiptNo } = commitSale(db, { record, snapshot: SNAPSHOT, at });
        if (i % 200 === 0) sold.push({ id: record.id, receiptNo, record });
      }
      for (const [k, s] of sold.entries()) {
        const t = s.record.tenders[s.record.tenders.length - 1];
        if (!t || t.amount < 2) continue;
        const wallet = t.method !== 'cash';
        recordRefund(db, {
          refundId: `R${k}`,
          saleId: s.id,
          terminalId: TERMINAL,
          receiptNo: s.receiptNo,
          currency: 'CNY',
          reason: 'bench',
          authorizedBy: 'mia',
          operator: 'alice',
          training: false,
          parts: [{ tenderSeq: t.seq, method: t.method, amount: Math.floor(t.amount / 2), ...(wallet ? { outTradeNo: `O${k}`, outRequestNo: `Q${k}` } : {}) }],
          at: s.record.completedAt,
        });
      }
    }).immediate();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    log(`z_report_20k: ${DAY_SALES.toLocaleString('en-US')} sales committed in ${(ms(built) / 1000).toFixed(1)} s`);

    const samples: number[] = [];
    const cpu: number[] = [];
    let sales = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const copy = join(dir, `round-${r}.db`);
      copyFileSync(file, copy);
      const rdb = openDatabase(copy);
      try {
        const t = process.hrtime.bigint();
        const c = process.cpuUsage();
        const z = makeZ(context(rdb, () => new Date(Date.parse(localAt(2026, 120, DAY_SALES, DAY_SALES)))), { authorization: BY });
        samples.push(ms(t));
        const used = process.cpuUsage(c);
        cpu.push((used.user + used.system) / 1000);
        sales = z.report.sales.count;
        if (z.report.sales.count !== DAY_SALES) throw new Error(`the Z counted ${z.report.sales.count} sales, expected ${DAY_SALES}`);
      } finally {
        rdb.close();
        rmSync(copy, { force: true });
      }
    }
    const value = percentile(samples, 50);
    return {
      value,
      note: `median of ${ROUNDS} makeZ (each on a fresh copy) over ${sales.toLocaleString('en-US')} sales of 1–8 lines (mean 4.5) and 100 refunds: read and add up the day, store Z + journal + outbox in one transaction (min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)} ms; median CPU ${percentile(cpu, 50).toFixed(0)} ms)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function yearKey(): string {
  const h = createHash('sha256').update(BUILD_VERSION);
  for (const m of MIGRATIONS) h.update(`${m.version}\u0000${m.sql}`);
  return `${YEAR_SALES}-${h.digest('hex').slice(0, 12)}`;
}

/** Builds (or reuses) the cached year database; returns its file. */
function yearDatabase(): string {
  const dir = join(tmpdir(), `kassa-bench-year-${yearKey()}`);
  const file = join(dir, 'kassa.db');
  const done = join(dir, 'complete');
  if (existsSync(done) && process.env.KASSA_BENCH_YEAR_REBUILD !== '1') {
    log(`year_summary: reusing the cached year database ${file}`);
    return file;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = process.hrtime.bigint();
  const db = openDatabase(file);
  try {
    db.pragma('synchronous = OFF');
    const pool = recordPool(1000, 11);
    const insertSale = db.prepare(
      `INSERT INTO sales (id, terminal_id, receipt_no, journal_seq, outbox_seq, completed_at, currency, subtotal, tax_total, total, rounding, tendered, change_given, cashier, training)
       VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    );
    const year = 2025;
    const days = 365;
    let receiptNo = 0;
    let zTime = 0;
    for (let d = 0; d < days; d++) {
      const n = Math.floor(((d + 1) * YEAR_SALES) / days) - Math.floor((d * YEAR_SALES) / days);
      db.transaction(() => {
        for (let i = 0; i < n; i++) {
          receiptNo += 1;
          const at = localAt(year, d, i, n);
          const base = pool[receiptNo % pool.length] as UncommittedSale;
          const record = { ...base, id: `${String(receiptNo).padStart(10, '0')}YEAR-${TERMINAL}`, startedAt: at, completedAt: at };
          const entry = appendJournalJson(db, { terminalId: TERMINAL, kind: 'sale.completed', ref: record.id, payloadJson: saleRecordJson(record, receiptNo), at });
          insertSale.run(record.id, TERMINAL, receiptNo, entry.seq, at, 'CNY', record.subtotal, record.taxTotal, record.total, record.rounding, record.tendered, record.change, record.cashier);
        }
      }).immediate();
      if (d < days - 1) {
        const t = process.hrtime.bigint();
        makeZ(context(db, () => new Date(new Date(year, 0, 1 + d, 23, 30).getTime())), { authorization: BY });
        zTime += ms(t);
      }
      if (d % 30 === 29) log(`year_summary: built day ${d + 1}/${days} (${receiptNo.toLocaleString('en-US')} sales, ${(ms(started) / 1000).toFixed(0)} s)`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    log(`year_summary: built ${receiptNo.toLocaleString('en-US')} sales and ${days - 1} Zs in ${(ms(started) / 1000).toFixed(0)} s (Zs ${(zTime / 1000).toFixed(0)} s) at ${file}`);
  } finally {
    db.close();
  }
  writeFileSync(done, new Date().toISOString());
  return file;
}

/** Median ms of yearSummary over a year of YEAR_SALES sales (364 days closed by Z, the last open). */
export async function measureYearSummary5m(): Promise<ReportBenchResult> {
  const file = yearDatabase();
  const samples: number[] = [];
  let summary: ReturnType<typeof yearSummary> | null = null;
  for (let r = 0; r < ROUNDS; r++) {
    const db = openDatabase(file, { readonly: true });
    try {
      const t = process.hrtime.bigint();
      summary = yearSummary(context(db, () => new Date()), 2025);
      samples.push(ms(t));
    } finally {
      db.close();
    }
  }
  if (!summary || summary.total.count !== YEAR_SALES) throw new Error(`the year summary counted ${summary?.total.count ?? 0} sales, expected ${YEAR_SALES}`);
  const live = summary.days.at(-1)?.count ?? 0;
  return {
    value: percentile(samples, 50),
    note:
      `median of ${ROUNDS} yearSummary(2025) on a fresh connection over ${YEAR_SALES.toLocaleString('en-US')} sales: ${summary.source.zReports} closed days read from their Zs, ` +
      `the open last day (${live.toLocaleString('en-US')} sales) added up live (first run ${samples[0]?.toFixed(0)} ms; database cached under ${tmpdir()})`,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out: Record<string, ReportBenchResult> = {};
  out.z_report_20k_ms = await measureZReport20k();
  out.year_summary_5m_ms = await measureYearSummary5m();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
