// The `kassa` command as a user runs it: a real child process (`node src/cli/kassa.js`) against
// throw-away data folders. Checks what a shop manager or an integrator sees: exit codes, the
// lines printed, and that refused operations leave the terminal's files exactly as they were.
//
// Every spawn costs ~0.5 s (tsx compiles the sources), so read-only checks share one prepared
// terminal, mutating checks work on copies of it, and independent spawns run concurrently.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';
import { SCHEMA_VERSION } from '../../src/core/db/migrations.ts';
import { DEMO_CSV_HEADER } from '../../src/core/demo-data.ts';
import { encodeEmbedded } from '../../src/domain/barcodes/embedded-barcode.ts';
import { DEFAULT_SCAN_RULES } from '../../src/domain/barcodes/scan-rules.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const KASSA = join(ROOT, 'src/cli/kassa.js');

/** Everything this file creates lives under here. */
const sandbox = mkdtempSync(join(tmpdir(), 'kassa-cli-'));
/** Where the default data folder would be if a test forgot --data-dir: never the real home. */
const xdgHome = join(sandbox, 'xdg');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function kassa(args: readonly string[], options: { env?: Record<string, string> } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: xdgHome, ...options.env };
  if (options.env?.KASSA_DATA_DIR === undefined) delete env.KASSA_DATA_DIR;
  return new Promise((resolveRun, reject) => {
    // Run from the sandbox, not the repository: the command must not depend on its cwd.
    const child = spawn(process.execPath, [KASSA, ...args], { cwd: sandbox, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** Spawns compete for the CPU with the rest of the suite (and each other): allow for it. */
const SLOW = { timeout: 60_000 };

/** kassa with --data-dir. */
const at = (dir: string, ...args: string[]): Promise<Run> => kassa(['--data-dir', dir, ...args]);

function newDir(name: string): string {
  const dir = join(sandbox, name);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

function fileHash(file: string): string {
  const h = createHash('sha256').update(readFileSync(file));
  if (existsSync(`${file}-wal`)) h.update(readFileSync(`${file}-wal`));
  return h.digest('hex');
}

function query<T>(dir: string, sql: string): T[] {
  const db = new Database(join(dir, 'kassa.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const count = (dir: string, table: string): number => query<{ n: number }>(dir, `SELECT count(*) AS n FROM ${table}`)[0]?.n ?? -1;

/** Everything a catalog import or a sale could touch, as one comparable string. */
function dumpStore(dir: string): string {
  return JSON.stringify([
    query(dir, 'SELECT * FROM products ORDER BY sku'),
    query(dir, 'SELECT * FROM barcodes ORDER BY code'),
    query(dir, 'SELECT id, receipt_no, total FROM sales ORDER BY receipt_no'),
    query(dir, 'SELECT seq, hash FROM journal ORDER BY seq'),
  ]);
}

const line = (text: string, prefix: string): string | undefined => text.split('\n').find((l) => l.startsWith(prefix));

const WEIGHT_LAYOUT = DEFAULT_SCAN_RULES.embedded.find((l) => l.prefix === '25');
const WEIGHT_LABEL = WEIGHT_LAYOUT ? encodeEmbedded(WEIGHT_LAYOUT, '10001', 455) : null;

afterAll(() => {
  rmSync(sandbox, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

/** What each command's --help must mention. */
const COMMAND_HELP: Readonly<Record<string, readonly string[]>> = {
  import: ['<file.csv>', '--skip-invalid', '--encoding', '--no-progress', 'sku', 'barcodes', 'GBK'],
  'demo-data': ['--products', '--out', '--seed'],
  'explain-code': ['<data>', '--json'],
  simulate: ['--sales', '--seed', '--max-lines', '--no-verify', '--json', 'kassa import'],
  sales: ['--last', '--json', 'search'],
  journal: ['export', 'verify-file', '--out', '--from-seq', '--format jsonl|csv'],
  verify: ['--json'],
  train: ['--fresh'],
  receipts: ['--json', 'reprint'],
  payments: ['--all', '--last', '--json', 'manual', 'cancel-pending'],
  reconcile: ['--date', '--wallet', '--bill', '--json', 'query', 'resolve', 'missing-locally', 'missing-at-provider', 'amount-mismatch'],
  refund: ['<receipt-no>', '--amount', '--reason', '--manager-token', 'KASSA_MANAGER_TOKEN', '--training', 'wallet first', 'kassa manager-token set'],
  refunds: ['--pending', '--last', '--training', '--json', 'retry'],
  'manager-token': ['--training', 'set', '--token', 'stdin'],
  devices: ['--json', '--wait', 'test-print', 'open-drawer', 'kassa.config.json'],
  sim: ['--dir', '--port', '--write-config', '--printer-profile', '--display'],
  sandbox: ['--port', '--data', '--keys'],
  serve: ['--port', '--host', '--training', '--token-file', '--renderer-dir', '/customer', '/manager', 'npm run build:renderer', 'access token'],
  start: ['--training', '--browser', '--port', '--host', '--token-file', '--renderer-dir', 'Electron', 'kassa serve'],
  sync: ['status', 'now', 'settlement', 'backlog', 'dead letters'],
  report: ['--training', 'x', 'z', 'year', 'closes the day', '--date'],
  shift: ['--training', '--json', 'status', 'open', 'paid-in', 'paid-out', 'cashier', 'close', 'list', '--user', '--approver', '--by', '--count', 'setup mode'],
  users: ['--training', '--json', 'add', 'set-pin', 'set-role', 'disable', 'enable', 'unlock', '--pin-stdin', 'KASSA_NEW_PIN', 'setup mode'],
  'store-server': ['--port', '--host', '--database-url', '--admin-token-file', 'KASSA_DATABASE_URL', 'PGlite', 'register', 'settlement', 'TLS'],
};

describe.concurrent('--help', SLOW, () => {
  it('the program lists --data-dir and every command, and exits 0', async ({ expect }) => {
    const r = await kassa(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: kassa');
    expect(r.stdout).toContain('--data-dir');
    for (const name of Object.keys(COMMAND_HELP)) expect(r.stdout).toMatch(new RegExp(`^\\s+${name} `, 'm'));
  });

  it('every command of the program has its help checked here', ({ expect }) => {
    const names = buildProgram()
      .commands.map((c) => c.name())
      .sort();
    expect(names).toEqual(Object.keys(COMMAND_HELP).sort());
  });

  for (const [name, mentions] of Object.entries(COMMAND_HELP)) {
    it(`kassa ${name} --help exits 0 and mentions its options`, async ({ expect }) => {
      const r = await kassa([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: kassa ${name}`);
      for (const m of mentions) expect(r.stdout).toContain(m);
      // Every option the command defines, so a new one cannot go undocumented.
      const command = buildProgram().commands.find((c) => c.name() === name);
      for (const option of command?.options ?? []) expect(r.stdout).toContain(option.long ?? option.flags);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('a terminal with a 200-product catalog and 20 simulated sales', SLOW, () => {
  const shop = join(sandbox, 'shop');
  const twin = join(sandbox, 'twin');
  const csv = join(sandbox, 'demo.csv');
  let demo: Run;
  let imported: Run;
  let twinImported: Run;
  let simulated: Run;
  let twinSimulated: Run;

  beforeAll(async () => {
    demo = await at(shop, 'demo-data', '--products', '200', '--out', csv);
    [imported, twinImported] = await Promise.all([at(shop, 'import', csv), at(twin, 'import', csv)]);
    [simulated, twinSimulated] = await Promise.all([
      at(shop, 'simulate', '--sales', '20', '--seed', '7'),
      at(twin, 'simulate', '--sales', '20', '--seed', '7'),
    ]);
  });

  it('demo-data --out writes a header and 200 rows and says so on stderr', () => {
    expect(demo.code).toBe(0);
    expect(demo.stdout).toBe('');
    expect(demo.stderr).toContain('wrote 200 products');
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe(DEMO_CSV_HEADER);
    expect(rows).toHaveLength(201);
  });

  it('import exits 0 and the summary says 200 new', () => {
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/Imported demo\.csv \(utf8, 200 rows\) in [\d.]+ s: 200 new, 0 updated, 0 unchanged\./);
    expect(count(shop, 'products')).toBe(200);
  });

  it('simulate --sales 20 --seed 7 completes 20 sales and verifies', () => {
    expect(simulated.stderr).not.toContain('unexpected error');
    expect(simulated.code).toBe(0);
    expect(simulated.stdout).toContain('sales: 20 completed');
    expect(simulated.stdout).toContain('(seed 7)');
    expect(simulated.stdout).toContain('receipts: 1 to 20');
    expect(simulated.stdout).toMatch(/^verify: ok$/m);
    expect(count(shop, 'sales')).toBe(20);
  });

  it('the same seed on an identical fresh terminal sells exactly the same', () => {
    expect(twinImported.code).toBe(0);
    expect(twinSimulated.code).toBe(0);
    const revenue = line(simulated.stdout, 'revenue:');
    expect(revenue).toMatch(/^revenue: \d+\.\d\d CNY/);
    expect(line(twinSimulated.stdout, 'revenue:')).toBe(revenue);
    expect(line(twinSimulated.stdout, 'lines:')).toBe(line(simulated.stdout, 'lines:'));
    const sold = 'SELECT receipt_no, total, rounding, change_given FROM sales ORDER BY receipt_no';
    expect(query(twin, sold)).toEqual(query(shop, sold));
  });

  describe.concurrent('reading it', () => {
    it('sales --last 5 --json gives 5 sales, newest first', async ({ expect }) => {
      const r = await at(shop, 'sales', '--last', '5', '--json');
      expect(r.code).toBe(0);
      const rows = JSON.parse(r.stdout) as { receiptNo: number; completedAt: string; total: string; totalMinor: number; terminalId: string }[];
      expect(rows.map((x) => x.receiptNo)).toEqual([20, 19, 18, 17, 16]);
      const times = rows.map((x) => x.completedAt);
      expect([...times].sort().reverse()).toEqual(times);
      const stored = query<{ total: number }>(shop, 'SELECT total FROM sales WHERE receipt_no = 20')[0]?.total;
      expect(rows[0]?.totalMinor).toBe(stored);
      expect(rows[0]?.total).toBe(((stored ?? 0) / 100).toFixed(2));
    });

    it('verify exits 0 with "ok:" and the counts', async ({ expect }) => {
      const r = await at(shop, 'verify');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^ok: \d+ journal rows chained, 20 sales add up, receipts gapless \(20\)$/m);
    });

    it('KASSA_DATA_DIR is used when --data-dir is not given', async ({ expect }) => {
      const r = await kassa(['sales', '--last', '2'], { env: { KASSA_DATA_DIR: shop } });
      expect(r.code).toBe(0);
      const receipts = r.stdout.match(/T01-\d{6}/g);
      expect(receipts).toEqual(['T01-000020', 'T01-000019']);
    });

    it('--data-dir may also come after the command name', async ({ expect }) => {
      const r = await kassa(['sales', '--last', '1', '--json', '--data-dir', shop]);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { receiptNo: number }[]).map((x) => x.receiptNo)).toEqual([20]);
    });

    it('--data-dir wins over KASSA_DATA_DIR', async ({ expect }) => {
      const elsewhere = join(sandbox, 'not-a-terminal');
      const r = await kassa(['--data-dir', elsewhere, 'sales'], { env: { KASSA_DATA_DIR: shop } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`no terminal data in ${elsewhere}`);
    });
  });

  describe.concurrent('changing a copy of it', () => {
    const BAD_CSV = [
      'sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes',
      'NEW-1,新苹果,New Apple,3.50,each,standard,Fruit,1,6901234567892',
      'NEW-2,新香蕉,New Banana,12.345,each,standard,Fruit,1,',
      'NEW-1,重复,Duplicate,1.00,each,standard,Fruit,1,',
      'NEW-3,坏码,Bad Code,2.00,each,standard,Fruit,1,6901234567890',
      'NEW-4,好的,Good,2.00,each,standard,Fruit,1,',
      '',
    ].join('\n');

    function copyOfShop(name: string): string {
      const dir = newDir(name);
      cpSync(shop, dir, { recursive: true });
      return dir;
    }

    it('an import with errors exits 1, names each bad line, and changes nothing', async ({ expect }) => {
      const dir = copyOfShop('bad-import');
      const file = join(sandbox, 'bad-import.csv');
      writeFileSync(file, BAD_CSV);
      const before = dumpStore(dir);
      const bytes = fileHash(join(dir, 'kassa.db'));
      const salesBefore = await at(dir, 'sales', '--json');

      const r = await at(dir, 'import', file);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/line 3: price "12\.345" has 3 decimals/);
      expect(r.stderr).toMatch(/line 4: duplicate sku "NEW-1" \(first on line 2\)/);
      expect(r.stderr).toMatch(/line 5: barcode "6901234567890": bad check digit: expected 2, got 0/);
      expect(r.stderr).toContain('Nothing was imported: 3 errors');
      expect(r.stderr).toContain('--skip-invalid');

      expect(dumpStore(dir)).toBe(before);
      expect(count(dir, 'products')).toBe(200);
      expect(fileHash(join(dir, 'kassa.db'))).toBe(bytes);
      const salesAfter = await at(dir, 'sales', '--json');
      expect(salesAfter.stdout).toBe(salesBefore.stdout);
    });

    it('--skip-invalid imports the valid rows and lists the others', async ({ expect }) => {
      const dir = copyOfShop('skip-invalid');
      const file = join(sandbox, 'skip-invalid.csv');
      writeFileSync(file, BAD_CSV);
      const r = await at(dir, 'import', '--skip-invalid', file);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('2 new');
      expect(r.stdout).toContain('3 invalid rows skipped');
      expect(r.stdout).toMatch(/line 3: /);
      const skus = query<{ sku: string }>(dir, "SELECT sku FROM products WHERE sku LIKE 'NEW-%' ORDER BY sku").map((x) => x.sku);
      expect(skus).toEqual(['NEW-1', 'NEW-4']);
      expect(count(dir, 'products')).toBe(202);
      // NEW-1 is the row on line 2 (with its barcode), not the duplicate on line 4.
      expect(query(dir, "SELECT name_en FROM products WHERE sku = 'NEW-1'")).toEqual([{ name_en: 'New Apple' }]);
    });

    it('verify finds a tampered sale, names receipt 3 and exits 1; --json says ok: false', async ({ expect }) => {
      const dir = copyOfShop('tampered');
      const db = new Database(join(dir, 'kassa.db'));
      db.prepare('UPDATE sales SET total = total + 1 WHERE receipt_no = 3').run();
      db.close();
      const [text, json] = await Promise.all([at(dir, 'verify'), at(dir, 'verify', '--json')]);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^FAILED: \d+ problem\(s\)/);
      expect(text.stdout).toContain('receipt 3');
      expect(text.stdout).not.toMatch(/receipt (?!3\b)\d+ \(/); // only receipt 3 is blamed
      expect(text.stderr).toContain('first bad row');
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as { ok: boolean; problems: { receiptNo?: number }[] };
      expect(report.ok).toBe(false);
      expect(report.problems.length).toBeGreaterThan(0);
      expect(report.problems.every((p) => p.receiptNo === 3)).toBe(true);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe.concurrent('other commands on their own folders', SLOW, () => {
  it('demo-data to standard output is a header and N rows, nothing else', async ({ expect }) => {
    const r = await at(newDir('stdout-demo'), 'demo-data', '--products', '7');
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe(DEMO_CSV_HEADER);
    expect(rows.slice(1).map((row) => row.split(',')[0])).toEqual(['P0000000', 'P0000001', 'P0000002', 'P0000003', 'P0000004', 'P0000005', 'P0000006']);
    expect(r.stderr).toBe('');
  });

  it('imports a GBK-encoded catalog, detecting the encoding', async ({ expect }) => {
    const dir = newDir('gbk');
    const file = join(sandbox, 'gbk.csv');
    const text = [
      'sku,name_zh,name_en,price,unit,barcodes',
      'TEA,铁观音茶叶 250g,Tieguanyin Tea 250g,88.00,each,6901234567892',
      'DUMPLING,猪肉白菜水饺,Pork Dumplings,19.90,each,',
      '',
    ].join('\r\n');
    writeFileSync(file, iconv.encode(text, 'gbk'));
    const r = await at(dir, 'import', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(gb18030, 2 rows\).*2 new/);
    expect(query(dir, 'SELECT sku, name_zh, price FROM products ORDER BY sku')).toEqual([
      { sku: 'DUMPLING', name_zh: '猪肉白菜水饺', price: 1990 },
      { sku: 'TEA', name_zh: '铁观音茶叶 250g', price: 8800 },
    ]);
  });

  it('explain-code --json: an EAN-13 is a product with its GTIN-14', async ({ expect }) => {
    const r = await kassa(['explain-code', '6901234567892', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'product', gtin: '06901234567892', checkDigit: { valid: true } });
  });

  it('explain-code: a bad check digit exits 3 and names the expected digit', async ({ expect }) => {
    const r = await kassa(['explain-code', '6901234567890']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('kind: unknown');
    expect(r.stdout).toContain('expected 2, got 0');
  });

  it('explain-code: an Alipay payment code is recognised as one', async ({ expect }) => {
    const r = await kassa(['explain-code', '283456789012345678', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'payment-code', wallet: 'alipay', code: '283456789012345678' });
  });

  it('explain-code: a scale label shows PLU and weight', async ({ expect }) => {
    expect(WEIGHT_LABEL).toBe('2510001004559');
    const r = await kassa(['explain-code', WEIGHT_LABEL ?? '']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kind: weighted product');
    expect(r.stdout).toContain('catalog key: 10001');
    expect(r.stdout).toContain('weight: 0.455 kg');
  });

  it('simulate on an empty catalog exits 1 and says to import a catalog', async ({ expect }) => {
    const r = await at(newDir('empty'), 'simulate', '--sales', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kassa: .*catalog is empty.*kassa import/m);
    expect(r.stderr).not.toContain('    at '); // a message, not a stack trace
  });

  it('a database from a newer Kassa (user_version 99) is refused by every command and left untouched', async ({ expect }) => {
    const dir = newDir('newer');
    mkdirSync(dir);
    const file = join(dir, 'kassa.db');
    const db = new Database(file);
    db.exec('CREATE TABLE future (x INTEGER)');
    db.pragma('user_version = 99');
    db.close();
    const bytes = fileHash(file);
    const csv = join(sandbox, 'newer.csv');
    writeFileSync(csv, 'sku,name_en,price\nA,Apple,1.00\n');
    const runs = await Promise.all([
      at(dir, 'sales'),
      at(dir, 'verify'),
      at(dir, 'import', csv),
      at(dir, 'simulate', '--sales', '1'),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('schema version 99');
      expect(r.stderr).toContain(`versions up to ${SCHEMA_VERSION}`);
    }
    expect(fileHash(file)).toBe(bytes);
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    after.close();
  });

  it('a kassa.config.json with a bad cash rounding step is refused naming cashRounding.step', async ({ expect }) => {
    const dir = newDir('bad-config');
    mkdirSync(dir);
    writeFileSync(join(dir, 'kassa.config.json'), JSON.stringify({ cashRounding: { step: '0.105' } }));
    const csv = join(sandbox, 'bad-config.csv');
    writeFileSync(csv, 'sku,name_en,price\nA,Apple,1.00\n');
    const runs = await Promise.all([at(dir, 'simulate', '--sales', '1'), at(dir, 'import', csv), at(dir, 'explain-code', '6901234567892')]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('cashRounding.step');
      expect(r.stderr).toContain('"0.105" has 3 decimals');
    }
    // Refused before anything was created.
    expect(existsSync(join(dir, 'kassa.db'))).toBe(false);
  });

  it('sales and verify on a folder without terminal data exit 1 with "no terminal data"', async ({ expect }) => {
    const dir = newDir('missing');
    const runs = await Promise.all([at(dir, 'sales'), at(dir, 'verify')]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`no terminal data in ${dir}`);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('usage mistakes exit 2: an unknown option, an unknown command, a missing required option', async ({ expect }) => {
    const [option, command, required] = await Promise.all([
      kassa(['sales', '--bogus']),
      kassa(['frobnicate']),
      kassa(['simulate']),
    ]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--bogus'");
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'frobnicate'");
    expect(required.code).toBe(2);
    expect(required.stderr).toContain('--sales');
  });

  it('bad option values exit 2 and name the option; a missing CSV creates no data folder', async ({ expect }) => {
    const dir = newDir('usage-values');
    const [last, encoding, missing] = await Promise.all([
      at(dir, 'sales', '--last', 'abc'),
      at(dir, 'import', 'x.csv', '--encoding', 'latin1'),
      at(dir, 'import', join(sandbox, 'no-such-catalog.csv')),
    ]);
    expect(last.code).toBe(2);
    expect(last.stderr).toContain('--last must be a whole number, got "abc"');
    expect(encoding.code).toBe(2);
    expect(encoding.stderr).toContain('--encoding must be one of auto, utf8, gbk, got "latin1"');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect(existsSync(dir)).toBe(false);
  });

  it('train --fresh runs a training sale, verifies it, and cleans up after itself', async ({ expect }) => {
    const dir = newDir('train-base');
    const r = await at(dir, 'train', '--fresh');
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kassa verify: ok \(1 training sales/);
    // Part cash, the rest with Alipay through the training sandbox, whose wallet plays the customer.
    expect(r.stdout).toMatch(/wallets: Alipay and WeChat Pay go to the training sandbox at http:\/\/127\.0\.0\.1:\d+\/gateway\.do/);
    expect(r.stdout).toMatch(/5\. Payment: ¥[\d.]+ in cash, the rest with Alipay:/);
    expect(r.stdout).toMatch(/the customer shows an Alipay payment code \(…\d{4}, sandbox wallet/);
    expect(r.stdout).toMatch(/Alipay paid ¥[\d.]+, trade \d+/);
    expect(r.stdout).toMatch(/\| 支付宝 +[\d.]+/);
    expect(r.stdout).toMatch(/receipt 1, change ¥0\.00 \(paid cash ¥[\d.]+ \+ Alipay ¥[\d.]+\)/);
    const training = /data in ([^)]+)\)/.exec(r.stdout)?.[1];
    expect(training).toBeDefined();
    expect(existsSync(training ?? dir)).toBe(false);
    // The terminal's own folder is not touched by a fresh training run.
    expect(existsSync(dir)).toBe(false);
  });
});
