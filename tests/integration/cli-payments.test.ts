// `kassa payments` and the wallet side of `kassa train`, as a user runs them (a child process):
// the attempts that need a person are listed by what they need, --all adds the settled ones,
// --json carries every field, the database is only read, and a wallet key that cannot be used
// stops the terminal with one line naming the field and the file.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/core/db/open.ts';
import { recordAttempt, settleAttempt } from '../../src/core/db/payment-attempts.ts';
import { commitSale } from '../../src/core/db/sales.ts';
import { openTrainingSandbox } from '../../src/core/payment-providers.ts';
import { makeSale, SNAPSHOT } from '../support/sale-fixtures.ts';

const KASSA = join(resolve(import.meta.dirname, '../..'), 'src/cli/kassa.js');
const root = mkdtempSync(join(tmpdir(), 'kassa-cli-payments-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function kassa(dir: string, ...args: string[]): Promise<Run> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [KASSA, '--data-dir', dir, ...args], { cwd: root, env: { ...process.env, XDG_DATA_HOME: join(root, 'xdg'), KASSA_DATA_DIR: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}

const SLOW = { timeout: 60_000 };
const terminalDir = join(root, 'terminal');
const AT = '2025-03-01T10:00:00.000Z';

function fileHash(file: string): string {
  const h = createHash('sha256').update(readFileSync(file));
  if (existsSync(`${file}-wal`)) h.update(readFileSync(`${file}-wal`));
  return h.digest('hex');
}

beforeAll(() => {
  mkdirSync(terminalDir, { recursive: true });
  const db = openDatabase(join(terminalDir, 'kassa.db'));
  const attempt = (outTradeNo: string, state: Parameters<typeof settleAttempt>[2] | 'open', detail: string, saleId = `S-${outTradeNo}`, tradeNo?: string) => {
    recordAttempt(db, { outTradeNo, saleId, terminalId: 'T01', wallet: outTradeNo.includes('WX') ? 'wechat' : 'alipay', mode: 'barcode', amount: 1234, currency: 'CNY', authCode: '283456789012345678', at: AT });
    if (state !== 'open') settleAttempt(db, outTradeNo, state, { detail, at: AT, ...(tradeNo ? { tradeNo } : {}) });
  };
  const sale = makeSale({ lines: [{ sku: 'RICE', unitPrice: 1234 }], tenders: [{ method: 'alipay', reference: '2025030122001000000000000001' }] });
  commitSale(db, { record: sale, snapshot: SNAPSHOT, at: AT });
  attempt('T01_PAID', 'paid', 'paid with Alipay', sale.id, '2025030122001000000000000001');
  attempt('T01_OPEN', 'open', '');
  attempt('T01_PENDING', 'cancel-pending', 'cancel to retry: connection reset');
  attempt('T01_WXMANUAL', 'manual', 'the cancel window has passed: reconcile with the bill');
  db.close();
});

describe.concurrent('kassa payments', SLOW, () => {
  it('lists what needs a person, grouped by what it needs, without changing the database', async ({ expect }) => {
    const before = fileHash(join(terminalDir, 'kassa.db'));
    const r = await kassa(terminalDir, 'payments');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('1 manual attempt(s) need manual reconciliation: compare with the wallet bill, then settle by hand:');
    expect(lines[1]).toMatch(/^ {2}T01_WXMANUAL {2}WeChat Pay code …5678 {2}\s*12\.34 {2}2025-03-01T10:00:00\.000Z {2}sale S-T01_WXMANUAL$/);
    expect(lines[2]).toBe('      the cancel window has passed: reconcile with the bill');
    expect(r.stdout).toContain('1 cancel-pending attempt(s) wait for a cancel/close the terminal keeps retrying');
    expect(r.stdout).toContain('cancel to retry: connection reset');
    expect(r.stdout).toContain('1 open attempt(s) are not resolved yet');
    expect(r.stdout).not.toContain('T01_PAID');
    expect(fileHash(join(terminalDir, 'kassa.db'))).toBe(before);
  });

  it('--all adds the settled attempts with their trade and receipt; --json carries every field', async ({ expect }) => {
    const [all, json, attention] = await Promise.all([kassa(terminalDir, 'payments', '--all'), kassa(terminalDir, 'payments', '--all', '--json'), kassa(terminalDir, 'payments', '--json')]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('1 most recent settled attempt(s):');
    expect(all.stdout).toMatch(/ {2}paid {6}T01_PAID {2}Alipay code …5678 .* trade 2025030122001000000000000001 {2}receipt T01-000001\n/);
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((a) => a.state).sort()).toEqual(['cancel-pending', 'manual', 'open', 'paid']);
    expect(rows.find((a) => a.state === 'paid')).toMatchObject({ outTradeNo: 'T01_PAID', amount: 1234, currency: 'CNY', codeHint: '…5678', receipt: 'T01-000001' });
    expect(JSON.stringify(rows)).not.toContain('283456789012345678');
    expect((JSON.parse(attention.stdout) as unknown[]).length).toBe(3);
  });

  it('says so when nothing needs attention, refuses a folder with no terminal and a bad --last', async ({ expect }) => {
    const empty = join(root, 'empty-terminal');
    mkdirSync(empty, { recursive: true });
    openDatabase(join(empty, 'kassa.db')).close();
    const [none, missing, badLast] = await Promise.all([kassa(empty, 'payments', '--all'), kassa(join(root, 'nowhere'), 'payments'), kassa(terminalDir, 'payments', '--all', '--last', '0')]);
    expect(none.stdout).toBe('no wallet payment needs attention\nno settled wallet payments\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^kassa: no terminal data in .*nowhere/);
    expect(existsSync(join(root, 'nowhere'))).toBe(false);
    expect(badLast.code).toBe(2);
    expect(badLast.stderr).toContain('--last must be between 1 and');
  });
});

describe('kassa train with wallets', SLOW, () => {
  it('a configured gateway whose key file is missing stops training with one line naming the field and the file', async () => {
    const dir = join(root, 'bad-key');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'kassa.config.json'),
      JSON.stringify({ payments: { training: 'configured', alipay: { appId: '2021000122671080', privateKeyPath: 'keys/app.pem', alipayPublicKeyPath: 'keys/alipay.pub' } } }),
    );
    const r = await kassa(dir, 'train', '--fresh');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.stderr).toContain(`kassa: ${join(dir, 'kassa.config.json')} is not valid:`);
    expect(r.stderr).toContain(`payments.alipay.privateKeyPath: cannot read the key file "${join(dir, 'keys', 'app.pem')}" (no such file)`);
  });

  it('runs twice in the same training folder: the sandbox keys are made once and its ledger carries on', async () => {
    const dir = join(root, 'train-twice');
    const first = await kassa(dir, 'train');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const appKey = readFileSync(join(dir, 'training', 'sandbox', 'app-private-key.pem'), 'utf8');
    const second = await kassa(dir, 'train');
    expect(readFileSync(join(dir, 'training', 'sandbox', 'app-private-key.pem'), 'utf8')).toBe(appKey);
    expect(second.code).toBe(0);
    const trade = (out: string) => /Alipay paid ¥[\d.]+, trade (\d+)/.exec(out)?.[1];
    expect(trade(first.stdout)).toMatch(/1$/);
    expect(trade(second.stdout)).toMatch(/2$/);
    expect(second.stdout).toMatch(/receipt 2, change ¥0\.00 \(paid cash ¥[\d.]+ \+ Alipay ¥[\d.]+\)/);
    const listed = await kassa(join(dir, 'training'), 'payments', '--all', '--json');
    expect((JSON.parse(listed.stdout) as Array<{ state: string }>).map((a) => a.state)).toEqual(['paid', 'paid']);
  });
});

describe('kassa payments bill', SLOW, () => {
  it("saves the Alipay bill of a day as a zip; refuses a bad date and a terminal without Alipay", async () => {
    const dir = join(root, 'bill-terminal');
    mkdirSync(dir, { recursive: true });
    const sandbox = await openTrainingSandbox(join(dir, 'sandbox'), { ledger: ':memory:' });
    try {
      const buyer = sandbox.server.wallet.createBuyer({ balanceFen: 100_00 });
      const code = sandbox.server.wallet.issueCode(buyer.id, 'alipay').code;
      const alipay = sandbox.providers.get('alipay');
      const paid = await alipay?.pay({ wallet: 'alipay', outTradeNo: 'T01_BILL1', amount: 1234, currency: 'CNY', authCode: code, subject: 'bill test', storeId: 'S1', terminalId: 'T01', operatorId: 'op' });
      expect(paid?.kind).toBe('paid');
      const keys = join(dir, 'sandbox');
      writeFileSync(
        join(dir, 'kassa.config.json'),
        JSON.stringify({ payments: { alipay: { appId: readAppId(keys), privateKeyPath: 'sandbox/app-private-key.pem', alipayPublicKeyPath: 'sandbox/gateway-public-key.pem', gateway: sandbox.gatewayUrl } } }),
      );
      const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
      const out = join(root, 'bill.zip');
      const r = await kassa(dir, 'payments', 'bill', today, '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`saved the Alipay trade bill of ${today}`);
      expect([...readFileSync(out).subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);

      const bad = await kassa(dir, 'payments', 'bill', '25-03-01');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('the date must be yyyy-MM-dd');
      const none = await kassa(dir, 'payments', 'bill', '2999-01-01', '--out', join(root, 'none.zip'));
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/Alipay has no bill for 2999-01-01/);
      expect(existsSync(join(root, 'none.zip'))).toBe(false);
    } finally {
      await sandbox.close();
    }
    const cashOnly = join(root, 'cash-only');
    mkdirSync(cashOnly, { recursive: true });
    const r = await kassa(cashOnly, 'payments', 'bill', '2025-03-01');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('payments.alipay');
  });
});

function readAppId(keyDir: string): string {
  return (JSON.parse(readFileSync(join(keyDir, 'sandbox.json'), 'utf8')) as { alipayAppId: string }).alipayAppId;
}
