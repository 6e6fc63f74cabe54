// The CSV catalog import on real SQLite files: encodings, every kind of bad input (the database
// must be byte-for-byte unchanged afterwards), --skip-invalid, re-imports, search after import,
// and a round trip through the demo catalog generator.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/cli/commands/import.ts';
import { importCatalog, type ImportOptions, type ImportResult } from '../../src/core/catalog-import.ts';
import { catalogRepository } from '../../src/core/db/catalog.ts';
import { verifyJournal } from '../../src/core/db/journal.ts';
import { openDatabase, type Db } from '../../src/core/db/open.ts';
import {
  DEMO_CSV_HEADER,
  demoBarcodeFor,
  demoBarcodesFor,
  demoIsWeighed,
  demoSkuFor,
  writeDemoCatalog,
} from '../../src/core/demo-data.ts';
import { normalizeBarcode } from '../../src/domain/barcodes/normalize.ts';
import { DEFAULT_TAX_CLASSES } from '../../src/domain/tax-class.ts';

let dir: string;
let dbFile: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-import-'));
  dbFile = join(dir, 'kassa.db');
  db = openDatabase(dbFile);
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const OPTIONS: ImportOptions = { currency: 'CNY', taxClasses: DEFAULT_TAX_CLASSES };
const HEADER = 'sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes';

function csvFile(content: string | Buffer, name = 'catalog.csv'): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function importText(content: string | Buffer, options: Partial<ImportOptions> = {}): Promise<ImportResult> {
  return importCatalog(db, csvFile(content), { ...OPTIONS, ...options });
}

const key = (code: string): string => {
  const n = normalizeBarcode(code);
  if (!n.ok) throw new Error(n.reason);
  return n.key;
};

/** A logical dump of everything the import may touch. */
function dump(): string {
  const rows = (sql: string): unknown[] => db.prepare(sql).all();
  return JSON.stringify([
    rows('SELECT rowid, * FROM products ORDER BY sku'),
    rows('SELECT * FROM barcodes ORDER BY code'),
    rows("SELECT rowid FROM products_fts WHERE products_fts MATCH 'a* OR b* OR c* OR 苹' ORDER BY rowid"),
    rows('SELECT count(*) FROM products_fts'),
  ]);
}

const fileHash = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Imports into a seeded database and checks that neither its content nor its file changed. */
async function expectUnchanged(content: string | Buffer, options: Partial<ImportOptions> = {}): Promise<ImportResult> {
  const file = csvFile(content, 'bad.csv');
  const before = dump();
  db.close();
  const bytesBefore = fileHash(dbFile);
  db = openDatabase(dbFile);
  const result = await importCatalog(db, file, { ...OPTIONS, ...options });
  expect(result.committed).toBe(false);
  expect(result.imported + result.updated + result.unchanged).toBe(0);
  expect(dump()).toBe(before);
  db.close();
  expect(fileHash(dbFile)).toBe(bytesBefore);
  db = openDatabase(dbFile);
  return result;
}

const SEED = [
  HEADER,
  'A-100,有机苹果,Organic Apple,12.99,each,reduced,Fruit,1,6901234567892',
  'A-200,香蕉,Banana,6.50,kg,reduced,Fruit,1,20001|20002',
  'M-1,牛奶,Milk 1L,8.00,each,standard,Dairy,1,012345678905',
].join('\n');

async function seed(): Promise<void> {
  const r = await importText(SEED);
  expect(r.committed).toBe(true);
}

describe('happy path', () => {
  it('imports UTF-8 with normalized barcodes and defaults', async () => {
    const r = await importText(
      [
        'SKU, Price ,Name_EN,name_zh,barcodes,unit,active,tax_class,department',
        'A-1,12.5,Organic Apple,有机苹果,6901234567892|012345678905,,,,',
        'A-2,0.99,,香蕉,12345;00123,KG,no,zero,Fruit',
        'A-3,1,"Cola, 330ml ""classic""",,,each,TRUE,standard,Drinks',
        ',,,,,,,,',
        '',
      ].join('\r\n'),
    );
    expect(r).toMatchObject({ committed: true, imported: 3, updated: 0, skipped: 0, rows: 3, errorCount: 0, encoding: 'utf8' });
    const repo = catalogRepository(db);
    expect(repo.findBySku('A-1')).toEqual({
      sku: 'A-1',
      nameZh: '有机苹果',
      nameEn: 'Organic Apple',
      price: { amount: 1250, currency: 'CNY' },
      taxClass: 'standard',
      unit: 'each',
      department: '',
      active: true,
      barcodes: ['00012345678905', '06901234567892'],
    });
    expect(repo.findByBarcode('00123')?.sku).toBe('A-2');
    expect(repo.findBySku('A-2')).toMatchObject({ unit: 'kg', active: false, taxClass: 'zero', nameEn: '' });
    expect(repo.findBySku('A-3')?.nameEn).toBe('Cola, 330ml "classic"');
  });

  it('strips a UTF-8 BOM', async () => {
    const r = await importText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SEED)]));
    expect(r).toMatchObject({ committed: true, imported: 3, encoding: 'utf8' });
    expect(catalogRepository(db).findBySku('A-100')?.nameZh).toBe('有机苹果');
  });

  it('detects GBK and reads it as GB18030', async () => {
    const r = await importText(iconv.encode(SEED, 'gbk'));
    expect(r).toMatchObject({ committed: true, imported: 3, encoding: 'gb18030' });
    expect(catalogRepository(db).findBySku('A-200')?.nameZh).toBe('香蕉');
    expect(catalogRepository(db).searchProducts('苹果').map((p) => p.sku)).toEqual(['A-100']);
  });

  it('detects GBK when the first Chinese character comes after many ASCII rows', async () => {
    // Over 1 MiB of ASCII first, so rows are written before the first GBK byte forces a re-read.
    const ascii = Array.from({ length: 60_000 }, (_, i) => `S-${i},,Item ${i},1.00,,,,,`);
    const r = await importText(iconv.encode([HEADER, ...ascii, 'Z-1,绿茶,,2.00,,,,,'].join('\n'), 'gbk'));
    expect(r).toMatchObject({ committed: true, imported: 60_001, encoding: 'gb18030' });
    expect(catalogRepository(db).findBySku('Z-1')?.nameZh).toBe('绿茶');
  });

  it('honours a forced encoding', async () => {
    const r = await importText(iconv.encode(SEED, 'gbk'), { encoding: 'gbk' });
    expect(r).toMatchObject({ committed: true, encoding: 'gb18030' });
  });

  it('reports progress, at most every ~100 ms and once at the end', async () => {
    const seen: { bytesRead: number; totalBytes: number; rows: number }[] = [];
    const content = [HEADER, ...Array.from({ length: 5000 }, (_, i) => `S-${i},,Item ${i},1.00,,,,,`)].join('\n');
    await importText(content, { onProgress: (p) => seen.push(p) });
    const last = seen.at(-1);
    expect(last).toMatchObject({ bytesRead: Buffer.byteLength(content), totalBytes: Buffer.byteLength(content), rows: 5000 });
    expect(seen.length).toBeLessThan(20);
  });
});

describe('bad input imports nothing', () => {
  beforeEach(seed);

  const row = (r: string): string => `${HEADER}\nOK-1,好,Good,1.00,,,,,\n${r}\n`;

  it.each([
    ['A-9,苹果,Apple,12.345,,,,,', 'line 3: price "12.345" has 3 decimals; CNY allows at most 2'],
    ['A-9,苹果,Apple,abc,,,,,', 'line 3: price "abc" is not a decimal amount'],
    ['A-9,苹果,Apple,-1.00,,,,,', 'line 3: price "-1.00" is negative'],
    ['A-9,苹果,Apple,,,,,,', 'line 3: price is empty'],
    ['A-9,,,1.00,,,,,', 'line 3: name_zh and name_en are both empty'],
    [',苹果,Apple,1.00,,,,,', 'line 3: sku is empty'],
    [`${'X'.repeat(65)},苹果,Apple,1.00,,,,,`, 'line 3: sku is 65 characters; at most 64 allowed'],
    ['A-9,苹果,Apple,1.00,box,,,,', 'line 3: unit "box" is not "each" or "kg"'],
    ['A-9,苹果,Apple,1.00,,vat,,,', 'line 3: tax_class "vat" is not one of the configured tax classes'],
    ['A-9,苹果,Apple,1.00,,,,maybe,', 'line 3: active "maybe" is not one of 1, 0, true, false, yes, no'],
    ['A-9,苹果,Apple,1.00,,,,,6901234567893', 'line 3: barcode "6901234567893": bad check digit: expected 2, got 3'],
    ['A-9,苹果,Apple,1.00,,,,,6901234567892', 'line 3: barcode "6901234567892" belongs to sku "A-100" in the catalog'],
    ['OK-1,好,Good,2.00,,,,,', 'line 3: duplicate sku "OK-1" (first on line 2)'],
    ['A-9,苹果,"Apple\nPie",1.00,,,,,', 'line 3: name_en contains a line break or control character'],
    ['A-9,苹果,Apple,1.00', 'line 3: expected 9 fields as in the header, found 4'],
    ['A-9,苹果,Ap"ple,1.00,,,,,', 'line 3: malformed CSV'],
  ])('%s', async (bad, message) => {
    const r = await expectUnchanged(row(bad));
    expect(r.errorCount).toBe(1);
    expect(`line ${r.errors[0]?.line}: ${r.errors[0]?.message}`).toContain(message);
    expect(r.skipped).toBe(2);
  });

  it('reports duplicate SKUs and barcodes with the first line', async () => {
    const r = await expectUnchanged(
      [HEADER, 'A-100,苹果,Apple,1.00,,,,,4006381333931', 'B-1,,Pie,1.00,,,,,x', 'A-100,苹果,Apple,1.00,,,,,', 'C-1,,Cake,1.00,,,,,04006381333931'].join('\n'),
    );
    expect(r.errors).toEqual([
      { line: 4, message: 'duplicate sku "A-100" (first on line 2)' },
      { line: 5, message: 'barcode "04006381333931" is also on line 2 (sku "A-100")' },
    ]);
  });

  it('names the line where a multi-line record starts', async () => {
    const r = await expectUnchanged([HEADER, 'A-1,,"Two\nlines",1.00,,,,,', 'A-2,,Ok,1.00,,,,,', 'A-3,,"x\ny",1.0.0,,,,,'].join('\n'));
    expect(r.errors.map((e) => e.line)).toEqual([2, 5]); // A-1 spans lines 2–3, A-2 is line 4, A-3 starts on 5
  });

  it('lists every error of the file in one run, capped at 100', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `B-${i},,Bad,1.001,,,,,`);
    const r = await expectUnchanged([HEADER, 'G-1,,Good,1,,,,,', ...rows].join('\n'));
    expect(r.errorCount).toBe(150);
    expect(r.errors).toHaveLength(100);
    expect(r.errors[0]?.line).toBe(3);
  });

  it('rolls back when the only error is on the last of many rows', async () => {
    const fixed = Array.from({ length: 20_000 }, (_, i) => `N-${i},新,New ${i},${i}.00,,,,,${key12(`69${String(i).padStart(10, '0')}`)}`);
    const r = await expectUnchanged([HEADER, ...fixed, 'Z-9,,Bad,1.234,,,,,'].join('\n'));
    expect(r.errors).toEqual([{ line: 20_002, message: 'price "1.234" has 3 decimals; CNY allows at most 2' }]);
  });

  it('treats a line of blanks as a blank line', async () => {
    const r = await importText(`${HEADER}\n   \nA-7,,Ok,1.00,,,,,\n`);
    expect(r).toMatchObject({ committed: true, imported: 1, rows: 1, errorCount: 0 });
  });

  it('refuses a connection already inside a transaction', async () => {
    db.exec('BEGIN');
    await expect(importText(SEED)).rejects.toThrow(/not inside a transaction/);
    db.exec('ROLLBACK');
  });

  it('refuses an unterminated quote even with skipInvalid', async () => {
    const r = await expectUnchanged([HEADER, 'A-1,,Ok,1.00,,,,,', 'A-2,,"broken,1.00,,,,,', 'A-3,,Ok,1.00,,,,,'].join('\n'), {
      skipInvalid: true,
    });
    expect(r.errors).toEqual([{ line: 3, message: expect.stringContaining('unterminated quoted field') }]);
  });

  it.each([
    ['sku,name_en\nA,Apple\n', 'line 1: header: missing column "price"'],
    ['sku,price\nA,1\n', 'line 1: header: missing column "name_zh" or "name_en"'],
    ['sku,name_en,price,barcode\nA,Apple,1,123\n', 'line 1: header: unknown column "barcode"'],
    ['sku,name_en,price,PRICE\nA,Apple,1,1\n', 'line 1: header: column "price" appears twice'],
    ['sku,na"me,price\nA,B,1\n', 'line 1: header: malformed CSV'],
    ['', 'line 1: the file is empty: expected a header row'],
    ['\n\n', 'line 1: the file is empty: expected a header row'],
  ])('refuses a bad header: %j', async (content, message) => {
    const r = await expectUnchanged(content, { skipInvalid: true });
    expect(`line ${r.errors[0]?.line}: ${r.errors[0]?.message}`).toContain(message);
  });

  it('refuses a file that is neither UTF-8 nor GB18030', async () => {
    const bad = Buffer.concat([Buffer.from(`${HEADER}\nA-1,,Ok,1.00,,,,,\nA-2,`), Buffer.from([0xff, 0xff]), Buffer.from(',x,1.00,,,,,\n')]);
    const r = await expectUnchanged(bad, { skipInvalid: true });
    expect(r.errors).toEqual([{ line: 3, message: 'the file is neither valid UTF-8 nor GB18030/GBK here' }]);
  });

  it('refuses GBK when UTF-8 is forced, naming the line', async () => {
    const r = await expectUnchanged(iconv.encode(`${HEADER}\nA-1,,Ok,1.00,,,,,\nA-2,苹果,x,1.00,,,,,\n`, 'gbk'), { encoding: 'utf8' });
    expect(r.errors).toEqual([{ line: 3, message: 'the file is not valid UTF-8 here (try --encoding gbk)' }]);
  });

  it('does not re-read damaged UTF-8 as GBK once Chinese UTF-8 was seen', async () => {
    const bad = Buffer.concat([Buffer.from(`${HEADER}\nA-1,苹果,Ok,1.00,,,,,\nA-2,`), Buffer.from([0xe8, 0x41]), Buffer.from(',x,1.00,,,,,\n')]);
    const r = await expectUnchanged(bad);
    expect(r.errors).toEqual([{ line: 3, message: 'the file is not valid UTF-8 here' }]);
  });

  it('refuses UTF-16', async () => {
    const r = await expectUnchanged(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SEED, 'utf16le')]));
    expect(r.errors[0]?.message).toContain('UTF-16');
  });
});

/** Adds the GS1 check digit to a 12-digit body. */
function key12(body: string): string {
  let sum = 0;
  for (let i = body.length - 1, w = 3; i >= 0; i -= 1, w = 4 - w) sum += Number(body[i]) * w;
  return body + String((10 - (sum % 10)) % 10);
}

describe('skipInvalid', () => {
  beforeEach(seed);

  it('imports the valid rows and reports the others', async () => {
    const r = await importText(
      [HEADER, 'N-1,新,New,1.00,,,,,', 'N-2,新,Bad,1.001,,,,,', 'N-3,新,New 3,3.00,,,,,', 'N-1,新,Dup,1.00,,,,,'].join('\n'),
      { skipInvalid: true },
    );
    expect(r).toMatchObject({ committed: true, imported: 2, skipped: 2, errorCount: 2 });
    expect(r.errors.map((e) => e.line)).toEqual([3, 5]);
    const repo = catalogRepository(db);
    expect(repo.findBySku('N-1')?.nameEn).toBe('New');
    expect(repo.findBySku('N-2')).toBeNull();
    expect(repo.countProducts()).toBe(5);
  });

  it('does not take a barcode from a SKU whose own row is invalid (settled at the end)', async () => {
    // B-1 takes A-100's barcode; fine only if A-100's row gives it up, but that row is invalid.
    const r = await importText([HEADER, 'B-1,,Thief,1.00,,,,,6901234567892', 'A-100,,Apple,9.999,,,,,'].join('\n'), {
      skipInvalid: true,
    });
    expect(r.committed).toBe(true);
    expect(r.errors).toEqual([
      { line: 2, message: 'barcode "6901234567892" belongs to sku "A-100", whose row on line 3 is invalid' },
      { line: 3, message: 'price "9.999" has 3 decimals; CNY allows at most 2' },
    ]);
    expect(r).toMatchObject({ imported: 0, updated: 0, skipped: 2 });
    const repo = catalogRepository(db);
    expect(repo.findBySku('B-1')).toBeNull();
    expect(repo.findByBarcode(key('6901234567892'))?.sku).toBe('A-100');
  });
});

describe('re-import', () => {
  beforeEach(seed);

  it('updates prices and barcodes and leaves identical rows alone', async () => {
    const r = await importText(
      [
        HEADER,
        'A-100,有机苹果,Organic Apple,13.50,each,reduced,Fruit,1,6901234567892|4006381333931',
        'A-200,香蕉,Banana,6.50,kg,reduced,Fruit,1,20001|20002',
        'M-1,牛奶,Milk 1L,8.00,each,standard,Dairy,1,',
      ].join('\n'),
    );
    expect(r).toMatchObject({ committed: true, imported: 0, updated: 2, unchanged: 1 });
    const repo = catalogRepository(db);
    expect(repo.findBySku('A-100')?.price.amount).toBe(1350);
    expect(repo.findByBarcode(key('4006381333931'))?.sku).toBe('A-100');
    expect(repo.findByBarcode(key('012345678905'))).toBeNull();
    expect(repo.findBySku('M-1')?.barcodes).toEqual([]);
  });

  it('moves a barcode between SKUs when the old owner is re-listed later without it', async () => {
    const r = await importText(
      [HEADER, 'M-2,酸奶,Yogurt,5.00,,,,,012345678905', 'M-1,牛奶,Milk 1L,8.00,each,standard,Dairy,1,'].join('\n'),
    );
    expect(r).toMatchObject({ committed: true, imported: 1, errorCount: 0 });
    expect(r.updated + r.unchanged).toBe(1); // M-1 already lost the barcode to M-2 when its row came
    expect(catalogRepository(db).findByBarcode(key('012345678905'))?.sku).toBe('M-2');
  });

  it('renames are searchable under the new name only', async () => {
    await importText([HEADER, 'M-1,豆浆,Soy Milk,8.00,each,standard,Dairy,1,012345678905'].join('\n'));
    const repo = catalogRepository(db);
    expect(repo.searchProducts('牛奶')).toEqual([]);
    expect(repo.searchProducts('豆').map((p) => p.sku)).toEqual(['M-1']);
    expect(repo.searchProducts('soy').map((p) => p.sku)).toEqual(['M-1']);
  });
});

describe('search after import', () => {
  beforeEach(seed);

  it('finds Chinese by one or two characters and English by prefix', () => {
    const repo = catalogRepository(db);
    expect(repo.searchProducts('苹').map((p) => p.sku)).toEqual(['A-100']);
    expect(repo.searchProducts('香蕉').map((p) => p.sku)).toEqual(['A-200']);
    expect(repo.searchProducts('ban').map((p) => p.sku)).toEqual(['A-200']);
    expect(repo.searchProducts('m').map((p) => p.sku)).toEqual(['M-1']);
    expect(repo.searchProducts('a-1').map((p) => p.sku)).toEqual(['A-100']);
  });
});

describe('demo catalog', () => {
  it('round-trips through the import', async () => {
    const file = join(dir, 'demo.csv');
    const progress: number[] = [];
    const written = await writeDemoCatalog(file, { products: 2000, seed: 42, onProgress: (n) => progress.push(n) });
    expect(progress.at(-1)).toBe(2000);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(DEMO_CSV_HEADER);
    const r = await importCatalog(db, file, OPTIONS);
    expect(r).toMatchObject({ committed: true, imported: 2000, errorCount: 0 });
    expect(written.bytes).toBe(readFileSync(file).length);
    const repo = catalogRepository(db);
    expect(repo.countProducts()).toBe(2000);
    let weighed = 0;
    for (let i = 0; i < 2000; i += 1) {
      for (const code of demoBarcodesFor(i)) expect(repo.findByBarcode(key(code))?.sku).toBe(demoSkuFor(i));
      const p = repo.findByBarcode(key(demoBarcodeFor(i)));
      expect(p?.unit).toBe(demoIsWeighed(i) ? 'kg' : 'each');
      expect(p?.price.amount).toBeGreaterThanOrEqual(50);
      expect(p?.price.amount).toBeLessThanOrEqual(99_999);
      if (p?.unit === 'kg') weighed += 1;
    }
    expect(weighed / 2000).toBeGreaterThan(0.025);
    expect(weighed / 2000).toBeLessThan(0.035);
  });

  it('is deterministic, and SKUs and barcodes do not depend on the seed', async () => {
    const text = async (seed: number): Promise<string> => {
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      });
      await writeDemoCatalog(sink, { products: 300, seed });
      return Buffer.concat(chunks.map((c) => Buffer.from(c))).toString('utf8');
    };
    const a = await text(1);
    expect(await text(1)).toBe(a);
    const b = await text(2);
    expect(b).not.toBe(a);
    const skuAndCodes = (t: string): string[] => t.split('\n').map((l) => `${l.split(',')[0]}:${l.split(',').at(-1)}`);
    expect(skuAndCodes(b)).toEqual(skuAndCodes(a));
  });
});

describe('runImport', () => {
  it('prints a summary, or the errors and exit code 1', async () => {
    db.close();
    const out: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk.toString());
        cb();
      },
    });
    const common = { dbFile, currency: 'CNY', taxClasses: DEFAULT_TAX_CLASSES, terminalId: 'T01', progress: false, stdout: sink, stderr: sink };
    expect(await runImport({ ...common, csvFile: csvFile(SEED) })).toBe(0);
    expect(out.join('')).toContain('3 new, 0 updated, 0 unchanged');
    out.length = 0;
    expect(await runImport({ ...common, csvFile: csvFile(`${HEADER}\nX,,Bad,1.001,,,,,\n`, 'bad.csv') })).toBe(1);
    expect(out.join('')).toContain('line 2: price "1.001" has 3 decimals; CNY allows at most 2');
    expect(out.join('')).toContain('Nothing was imported');
    db = openDatabase(dbFile);
    expect(catalogRepository(db).countProducts()).toBe(3);
    // The committed import is journalled; the refused one is not.
    const journalled = db.prepare("SELECT payload FROM journal WHERE kind = 'catalog.imported'").pluck().all() as string[];
    expect(journalled).toHaveLength(1);
    expect(JSON.parse(journalled[0] ?? '{}')).toMatchObject({ rows: 3, imported: 3, updated: 0, skipped: 0 });
    expect(verifyJournal(db)).toMatchObject({ ok: true, rows: 1 });
  });
});
