// `kassa reconcile` as a manager runs it (a child process) against a terminal folder whose
// kassa.config.json points both wallets at a sandbox gateway started here: the report, the exit
// codes, --json, query and resolve by key, and one-line refusals for bad input.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/core/db/open.ts';
import { recordAttempt, settleAttempt } from '../../src/core/db/payment-attempts.ts';
import { commitSale } from '../../src/core/db/sales.ts';
import { newOutTradeNo } from '../../src/core/payment-service.ts';
import type { WalletId } from '../../src/domain/payment.ts';
import { createAlipayProvider } from '../../src/payments/alipay/alipay-provider.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import { startSandbox, type SandboxServer } from '../../src/payments/sandbox/server.ts';
import { createWechatProvider } from '../../src/payments/wechat/wechat-provider.ts';
import { runKassa } from '../support/kassa-cli.ts';
import { makeSale, SNAPSHOT } from '../support/sale-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'kassa-cli-reconcile-'));
const dir = join(root, 'terminal');
const APP_ID = '2021000122670001';
const WX_APPID = 'wx2421b1c4370ec43b';
const WX_MCH = '1900000109';
const WX_KEY = 'Sandbox0Key1For2Kassa3WeChat4567';
const DATE = '2025-03-01';
const clock = Date.parse('2025-03-01T02:00:00Z');
const SLOW = { timeout: 60_000 };

const kassa = (...args: string[]) => runKassa(root, dir, args, { timeoutMs: 45_000 });

let sb: SandboxServer;
let paidAtWechatOnly = '';
let ghost = '';
let matched = '';

beforeAll(async () => {
  const gateway = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  mkdirSync(join(dir, 'keys'), { recursive: true });
  writeFileSync(join(dir, 'keys', 'app.key'), app.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  writeFileSync(join(dir, 'keys', 'alipay.pub'), gateway.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'keys', 'api.key'), `${WX_KEY}\n`);
  sb = await startSandbox({
    port: 0,
    clock: () => clock,
    gatewayPrivateKey: gateway.privateKey,
    alipayApps: [{ appId: APP_ID, publicKey: app.publicKey }],
    wechatMerchants: [{ appid: WX_APPID, mchId: WX_MCH, apiKey: WX_KEY }],
  });
  const payments = {
    alipay: { appId: APP_ID, privateKeyPath: 'keys/app.key', alipayPublicKeyPath: 'keys/alipay.pub', gateway: sb.gatewayUrl, timeoutMs: 5_000 },
    wechat: { appId: WX_APPID, mchId: WX_MCH, apiKeyPath: 'keys/api.key', gateway: sb.url, timeoutMs: 5_000 },
  };
  writeFileSync(join(dir, 'kassa.config.json'), JSON.stringify({ terminalId: 'T01', cashier: 'Lena', payments }));
  const providers = new Map<WalletId, PaymentProvider>([
    ['alipay', createAlipayProvider(payments.alipay, { baseDir: dir })],
    ['wechat', createWechatProvider(payments.wechat, { baseDir: dir })],
  ]);
  const db = openDatabase(join(dir, 'kassa.db'));
  const at = new Date(clock).toISOString();
  const pay = async (wallet: WalletId, amount: number) => {
    const buyer = sb.wallet.createBuyer({ balanceFen: 100_00, password: null });
    const outTradeNo = newOutTradeNo('T01');
    const r = await (providers.get(wallet) as PaymentProvider).pay({ wallet, outTradeNo, authCode: sb.wallet.issueCode(buyer.id, wallet).code, amount, currency: 'CNY', subject: 'Kassa', storeId: 'T01', terminalId: 'T01', operatorId: 'Lena' });
    if (r.kind !== 'paid') throw new Error(JSON.stringify(r));
    return outTradeNo;
  };
  const book = (wallet: WalletId, outTradeNo: string, amount: number) => {
    const sale = makeSale({ lines: [{ sku: 'RICE', unitPrice: amount }], tenders: [{ method: wallet }], startedAt: at, completedAt: at });
    recordAttempt(db, { outTradeNo, saleId: sale.id, terminalId: 'T01', wallet, mode: 'barcode', amount, currency: 'CNY', at });
    settleAttempt(db, outTradeNo, 'paid', { at });
    commitSale(db, { record: sale, snapshot: SNAPSHOT, at });
  };
  matched = await pay('alipay', 1234);
  book('alipay', matched, 1234);
  paidAtWechatOnly = await pay('wechat', 555);
  ghost = newOutTradeNo('T01');
  book('alipay', ghost, 900);
  db.close();
}, 60_000);

afterAll(async () => {
  await sb.close();
  rmSync(root, { recursive: true, force: true });
});

describe('kassa reconcile', SLOW, () => {
  it('reports each wallet, lists the unmatched items with what to do, and exits 3 while some are unresolved', async () => {
    const r = await kassa('reconcile', '--date', DATE);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('Reconciliation of 2025-03-01 (Beijing day 2025-02-28T16:00:00.000Z to 2025-03-01T16:00:00.000Z), terminal T01');
    expect(r.stdout).toMatch(/Alipay \(bill downloaded, account 2088\d{12}0156\): 1 bill line\(s\), 2 terminal record\(s\)/);
    expect(r.stdout).toContain('matched 1, missing locally 0, missing at Alipay 1, amount mismatch 0; 1 unresolved');
    expect(r.stdout).toContain('WeChat Pay (bill downloaded, account 1900000109): 1 bill line(s), 0 terminal record(s)');
    expect(r.stdout).toContain(`  missing-at-provider payment ${DATE}/alipay/pay/${ghost}  terminal 9.00  Alipay —`);
    expect(r.stdout).toContain(`  missing-locally     payment ${DATE}/wechat/pay/${paidAtWechatOnly}  terminal —  WeChat Pay 5.55`);
    expect(r.stdout).toContain('kassa reconcile resolve <key> --reason');
    expect(r.stdout).not.toContain(matched);
  });

  it('--json carries the report; query asks the wallet; resolve journals once and then shows, a second resolve is refused in one line', async () => {
    const json = await kassa('reconcile', '--date', DATE, '--wallet', 'wechat', '--json');
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as { providers: { provider: string; missingLocally: number }[]; items: { key: string; status: string; billed: number }[] };
    expect(report.providers).toEqual([expect.objectContaining({ provider: 'wechat', missingLocally: 1 })]);
    expect(report.items).toEqual([expect.objectContaining({ key: `${DATE}/wechat/pay/${paidAtWechatOnly}`, status: 'missing-locally', billed: 555 })]);

    const query = await kassa('reconcile', 'query', `${DATE}/wechat/pay/${paidAtWechatOnly}`);
    expect(query.code).toBe(0);
    expect(query.stdout).toMatch(new RegExp(`^WeChat Pay says trade ${paidAtWechatOnly} is paid: 5\\.55 `));

    const key = `${DATE}/alipay/pay/${ghost}`;
    const resolved = await kassa('reconcile', 'resolve', key, '--reason', 'test attempt, no money taken');
    expect(resolved.stderr).toBe('');
    expect(resolved.stdout).toMatch(new RegExp(`^resolved ${key} by Lena at .* \\(journal entry \\d+\\)\\n$`));
    const twice = await kassa('reconcile', 'resolve', key, '--reason', 'again', '--by', 'Mia');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^kassa: .*already resolved by Lena at .*nothing was changed\n$/);

    const after = await kassa('reconcile', '--date', DATE, '--wallet', 'alipay');
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('resolved by Lena at');
    expect(after.stdout).toContain('test attempt, no money taken');
  });

  it('refuses bad input in one line: a bad bill file, --bill without --wallet, a day not over, an unknown key', async () => {
    const bad = join(root, 'bad.zip');
    writeFileSync(bad, 'this is not a zip');
    const [file, noWallet, future, unknown, missing] = await Promise.all([
      kassa('reconcile', '--date', DATE, '--wallet', 'alipay', '--bill', bad),
      kassa('reconcile', '--date', DATE, '--bill', bad),
      kassa('reconcile', '--date', '2999-01-01'),
      kassa('reconcile', 'query', `${DATE}/alipay/pay/NOPE`),
      kassa('reconcile'),
    ]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/^kassa: the Alipay bill file is not a readable Alipay bill zip: not a zip file/);
    expect(noWallet.code).toBe(2);
    expect(noWallet.stderr).toContain('--bill needs --wallet');
    expect(future.code).toBe(1);
    expect(future.stderr).toContain('2999-01-01 is not over yet in Beijing time');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no reconciliation of ${DATE} lists ${DATE}/alipay/pay/NOPE`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--date yyyy-mm-dd is required');
  });
});
