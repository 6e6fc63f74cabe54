// `kassa report` as a manager runs it: real child processes on a throw-away data folder with
// sales committed through the store. X reads without storing; Z closes the day once (asked twice
// it is refused with nothing stored); the day's Z comes back as text, JSON, CSV and PDF; the
// year summary adds up.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/core/db/open.ts';
import { commitSale } from '../../src/core/db/sales.ts';
import { makeSale, SNAPSHOT } from '../support/sale-fixtures.ts';

const KASSA = join(resolve(import.meta.dirname, '../..'), 'src/cli/kassa.js');
const root = mkdtempSync(join(tmpdir(), 'kassa-cli-report-'));
const dir = join(root, 'shop');
const SLOW = { timeout: 120_000 };

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function kassa(args: readonly string[], stdin = ''): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: join(root, 'xdg'), TZ: 'Asia/Shanghai' };
  delete env.KASSA_DATA_DIR;
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [KASSA, '--data-dir', dir, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.end(stdin);
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}

const count = (sql: string) => {
  const db = new Database(join(dir, 'kassa.db'), { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
};

beforeAll(() => {
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(join(dir, 'kassa.db'));
  try {
    // 12 sales of 10.00 on 2025-03-02 between 09:00 and 20:00 China time, 4 by 王芳.
    for (let i = 0; i < 12; i++) {
      const at = new Date(Date.UTC(2025, 2, 2, 1 + i, 5)).toISOString();
      commitSale(db, { record: makeSale({ cashier: i % 3 === 0 ? '王芳' : 'alice', completedAt: at, lines: [{ sku: 'A', unitPrice: 1000 }], tenders: [{ method: i % 2 === 0 ? 'cash' : 'alipay' }] }), snapshot: SNAPSHOT, at });
    }
  } finally {
    db.close();
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('kassa report', SLOW, () => {
  it('x shows the figures and stores nothing; z closes the day once; the day comes back in every format', async () => {
    const journal = count('SELECT max(seq) FROM journal');
    const x = await kassa(['report', 'x', '--lang', 'en', '--width', '42']);
    expect(x.stderr).toBe('');
    expect(x.code).toBe(0);
    expect(x.stdout).toMatch(/^Paid +120\.00$/m);
    expect(x.stdout).toContain('X REPORT');
    expect(count('SELECT max(seq) FROM journal')).toBe(journal);

    const z = await kassa(['report', 'z', '--format', 'json']);
    expect(z.code).toBe(0);
    expect(z.stderr).toMatch(/^Z 1 closed the day 2025-03-02: 12 sale\(s\), ¥120\.00 paid/);
    const report = JSON.parse(z.stdout) as { zNo: number; sales: { count: number; paid: number }; cashiers: { cashier: string; sales: number }[] };
    expect(report.zNo).toBe(1);
    expect(report.sales).toMatchObject({ count: 12, paid: 12000 });
    expect(report.cashiers).toContainEqual(expect.objectContaining({ cashier: '王芳', sales: 4 }));

    const twice = await kassa(['report', 'z']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^kassa: Z 1 already closed the day at \d\d:\d\d \(2025-03-02\): nothing since, so no new Z was made\n$/);
    expect(count('SELECT count(*) FROM z_reports')).toBe(1);

    const text = await kassa(['report', 'z', '--date', '2025-03-02', '--lang', 'zh-CN']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Z 报表 日结 #1');
    expect(text.stdout).toMatch(/^实收 +120\.00$/m);

    const csvFile = join(root, 'z.csv');
    expect((await kassa(['report', 'z', '--date', '2025-03-02', '--format', 'csv', '--out', csvFile, '--lang', 'en'])).code).toBe(0);
    const rows = parse(readFileSync(csvFile, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.section === 'sales' && r.item === 'Paid')?.value).toBe('120.00');

    const pdfFile = join(root, 'z.pdf');
    expect((await kassa(['report', 'z', '--z', '1', '--format', 'pdf', '--out', pdfFile])).code).toBe(0);
    const pdf = await PDFDocument.load(readFileSync(pdfFile));
    expect(pdf.getTitle()).toBe('Z report #1 T01 2025-03-02');

    const year = await kassa(['report', 'year', '2025', '--json']);
    expect(year.code).toBe(0);
    expect(JSON.parse(year.stdout)).toMatchObject({ total: { count: 12, amount: 12000 }, source: { zReports: 1 } });
  });

  it('refuses bad input with a message that names it', async () => {
    const bad = await kassa(['report', 'x', '--date', '2025-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--date: expected a date as yyyy-mm-dd, got "2025-02-30"');
    const pdf = await kassa(['report', 'x', '--format', 'pdf']);
    expect(pdf.code).toBe(2);
    expect(pdf.stderr).toContain('--format pdf needs --out <file>');
    const none = await kassa(['report', 'z', '--date', '2024-01-01']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no Z report for 2024-01-01');
  });
});
