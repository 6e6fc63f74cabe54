// Wallet reconciliation end to end against the sandbox gateway over HTTP (127.0.0.1, any free
// port): trades paid, refunded and reversed through the real Alipay and WeChat Pay providers on
// one Beijing day, the terminal's database written the way the checkout and refunds write it,
// and mismatches of every kind planted on purpose on both sides. The service downloads each
// wallet's bill from the sandbox, and the test checks every item's status and the totals per
// wallet against figures it adds up itself; then resolves and queries items.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalRowsFor } from '../../../../src/core/db/journal.ts';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { recordAttempt, recordCall, recordCallOutcome, settleAttempt } from '../../../../src/core/db/payment-attempts.ts';
import { recordRefund, settleRefundPart } from '../../../../src/core/db/refunds.ts';
import { commitSale } from '../../../../src/core/db/sales.ts';
import { newOutTradeNo } from '../../../../src/core/payment-service.ts';
import { BillError, ReconcileError, ReconcileService, type ReconcileReport } from '../../../../src/core/reconcile/reconcile-service.ts';
import type { WalletId } from '../../../../src/domain/payment.ts';
import type { ReconcileStatus } from '../../../../src/domain/reconcile.ts';
import { createAlipayProvider } from '../../../../src/payments/alipay/alipay-provider.ts';
import type { PaymentProvider } from '../../../../src/payments/provider.ts';
import { startSandbox, type SandboxServer } from '../../../../src/payments/sandbox/server.ts';
import { createWechatProvider } from '../../../../src/payments/wechat/wechat-provider.ts';
import { makeSale, SNAPSHOT, tempDbFile, TERMINAL } from '../../../support/sale-fixtures.ts';

const APP_ID = '2021000122670001';
const WX_APPID = 'wx2421b1c4370ec43b';
const WX_MCH = '1900000109';
const WX_KEY = 'Sandbox0Key1For2Kassa3WeChat4567';
const DATE = '2025-03-01';
/** 10:00 on 2025-03-01 in Beijing. */
const DAY_START_UTC = Date.parse('2025-02-28T16:00:00Z');
const WALLETS: readonly WalletId[] = ['alipay', 'wechat'];

let clock = DAY_START_UTC + 10 * 3_600_000;
let sb: SandboxServer;
let keysDir: string;
let providers: Map<WalletId, PaymentProvider>;
let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
let report: ReconcileReport;

const at = () => new Date(clock).toISOString();
const tick = (ms = 60_000) => (clock += ms);

interface Planted {
  status: ReconcileStatus;
  key: string;
  local: number | null;
  billed: number | null;
}
const planted = new Map<WalletId, Planted[]>();
const plant = (wallet: WalletId, p: Planted) => planted.set(wallet, [...(planted.get(wallet) ?? []), p]);
const key = (wallet: WalletId, kind: 'pay' | 'refund' | 'reversal', id: string) => `${DATE}/${wallet}/${kind}/${id}`;

function service(now = '2025-03-02T12:00:00Z'): ReconcileService {
  return new ReconcileService({ db, terminalId: TERMINAL, providers, storeId: 'SH001', now: () => new Date(now) });
}

/** Pays `amount` fen through the provider (a fresh buyer code); returns the out_trade_no and trade number. */
async function payAtProvider(wallet: WalletId, amount: number, terminalId = TERMINAL): Promise<{ outTradeNo: string; tradeNo: string }> {
  const buyer = sb.wallet.createBuyer({ balanceFen: 1_000_00, password: null });
  const outTradeNo = newOutTradeNo(terminalId);
  const outcome = await (providers.get(wallet) as PaymentProvider).pay({
    wallet,
    outTradeNo,
    authCode: sb.wallet.issueCode(buyer.id, wallet).code,
    amount,
    currency: 'CNY',
    subject: 'Kassa, test sale',
    storeId: 'SH001',
    terminalId,
    operatorId: 'alice',
  });
  if (outcome.kind !== 'paid') throw new Error(`the sandbox did not take the payment: ${JSON.stringify(outcome)}`);
  return { outTradeNo, tradeNo: outcome.tradeNo };
}

/** Records a paid attempt as the checkout does (its pay call, then paid) and, when `sold`, commits its sale of `amount`. */
function bookPayment(wallet: WalletId, outTradeNo: string, amount: number, tradeNo: string | null = null, sold = true): void {
  const sale = makeSale({ lines: [{ sku: 'RICE', unitPrice: amount }], tenders: [{ method: wallet, reference: tradeNo ?? 'NONE' }], startedAt: at(), completedAt: at() });
  recordAttempt(db, { outTradeNo, saleId: sale.id, terminalId: TERMINAL, wallet, mode: 'barcode', amount, currency: 'CNY', at: at() });
  const seq = recordCall(db, outTradeNo, 'pay', { outTradeNo, amount }, at());
  recordCallOutcome(db, outTradeNo, seq, { kind: 'paid', tradeNo: tradeNo ?? 'X', amount, buyer: null, paidAt: null }, at());
  settleAttempt(db, outTradeNo, 'paid', { tradeNo, at: at() });
  if (sold) commitSale(db, { record: sale, snapshot: SNAPSHOT, at: at() });
}

async function refundAtProvider(wallet: WalletId, outTradeNo: string, outRequestNo: string, amount: number): Promise<void> {
  const r = await (providers.get(wallet) as PaymentProvider).refund({ wallet, outTradeNo, outRequestNo, amount, currency: 'CNY', reason: 'test', operatorId: 'alice' });
  if (r.kind !== 'refunded') throw new Error(`the sandbox did not refund: ${JSON.stringify(r)}`);
}

function bookRefund(wallet: WalletId, outTradeNo: string, outRequestNo: string, amount: number, state: 'refunded' | 'manual' = 'refunded'): void {
  const refundId = `${ulid()}-${TERMINAL}`;
  recordRefund(db, {
    refundId,
    saleId: `S-${outTradeNo}`,
    terminalId: TERMINAL,
    receiptNo: 1,
    currency: 'CNY',
    reason: 'damaged',
    authorizedBy: 'manager',
    operator: 'alice',
    training: false,
    parts: [{ tenderSeq: 1, method: wallet, outTradeNo, outRequestNo, amount }],
    at: at(),
  });
  settleRefundPart(db, refundId, 1, state, { detail: null, at: at() });
}

beforeAll(async () => {
  const gateway = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keysDir = mkdtempSync(join(tmpdir(), 'kassa-reconcile-keys-'));
  writeFileSync(join(keysDir, 'app.key'), app.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  writeFileSync(join(keysDir, 'alipay.pub'), gateway.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(keysDir, 'api.key'), `${WX_KEY}\n`);
  sb = await startSandbox({
    port: 0,
    clock: () => clock,
    gatewayPrivateKey: gateway.privateKey,
    alipayApps: [{ appId: APP_ID, publicKey: app.publicKey }],
    wechatMerchants: [{ appid: WX_APPID, mchId: WX_MCH, apiKey: WX_KEY }],
  });
  providers = new Map<WalletId, PaymentProvider>([
    ['alipay', createAlipayProvider({ appId: APP_ID, privateKeyPath: 'app.key', alipayPublicKeyPath: 'alipay.pub', gateway: sb.gatewayUrl, timeoutMs: 5_000 }, { baseDir: keysDir })],
    ['wechat', createWechatProvider({ appId: WX_APPID, mchId: WX_MCH, apiKeyPath: 'api.key', gateway: sb.url, timeoutMs: 5_000 }, { baseDir: keysDir })],
  ]);
  tmp = tempDbFile('kassa-reconcile-it-');
  db = openDatabase(tmp.file);

  for (const wallet of WALLETS) {
    // 1. Matched payment.
    const a = await payAtProvider(wallet, 3196);
    bookPayment(wallet, a.outTradeNo, 3196, a.tradeNo);
    plant(wallet, { status: 'matched', key: key(wallet, 'pay', a.outTradeNo), local: 3196, billed: 3196 });
    tick();
    // 2. Matched payment with a matched partial refund.
    const b = await payAtProvider(wallet, 5000);
    bookPayment(wallet, b.outTradeNo, 5000, b.tradeNo);
    plant(wallet, { status: 'matched', key: key(wallet, 'pay', b.outTradeNo), local: 5000, billed: 5000 });
    tick();
    const r1 = `R_${ulid()}`;
    await refundAtProvider(wallet, b.outTradeNo, r1, 1200);
    bookRefund(wallet, b.outTradeNo, r1, 1200);
    plant(wallet, { status: 'matched', key: key(wallet, 'refund', r1), local: 1200, billed: 1200 });
    tick();
    // 3. Paid at the provider, no local record (the terminal lost it).
    const c = await payAtProvider(wallet, 777);
    plant(wallet, { status: 'missing-locally', key: key(wallet, 'pay', c.outTradeNo), local: null, billed: 777 });
    tick();
    // 4. A local paid attempt the provider never had.
    const ghost = newOutTradeNo(TERMINAL);
    bookPayment(wallet, ghost, 1500);
    plant(wallet, { status: 'missing-at-provider', key: key(wallet, 'pay', ghost), local: 1500, billed: null });
    tick();
    // 5. Amounts differ: the provider took 10.00, the terminal booked 12.00.
    const d = await payAtProvider(wallet, 1000);
    bookPayment(wallet, d.outTradeNo, 1200, d.tradeNo);
    plant(wallet, { status: 'amount-mismatch', key: key(wallet, 'pay', d.outTradeNo), local: 1200, billed: 1000 });
    tick();
    // 6. A refund the terminal books that the provider never made.
    const r2 = `R_${ulid()}`;
    bookRefund(wallet, a.outTradeNo, r2, 300);
    plant(wallet, { status: 'missing-at-provider', key: key(wallet, 'refund', r2), local: 300, billed: null });
    tick();
    // 7. A refund made at the provider with no local record.
    const r3 = `R_${ulid()}`;
    await refundAtProvider(wallet, b.outTradeNo, r3, 800);
    plant(wallet, { status: 'missing-locally', key: key(wallet, 'refund', r3), local: null, billed: 800 });
    tick();
    // 8. Paid, then reversed by a cancel: both sides know; matched payment and matched reversal.
    const e = await payAtProvider(wallet, 2222);
    bookPayment(wallet, e.outTradeNo, 2222, e.tradeNo, false);
    const cancelled = await (providers.get(wallet) as PaymentProvider).cancel({ wallet, outTradeNo: e.outTradeNo });
    expect(cancelled).toEqual({ kind: 'cancelled', action: wallet === 'alipay' ? 'refund' : 'none' });
    const seq = recordCall(db, e.outTradeNo, 'cancel', { outTradeNo: e.outTradeNo }, at());
    recordCallOutcome(db, e.outTradeNo, seq, cancelled, at());
    settleAttempt(db, e.outTradeNo, 'cancelled', { at: at() });
    plant(wallet, { status: 'matched', key: key(wallet, 'pay', e.outTradeNo), local: 2222, billed: 2222 });
    plant(wallet, { status: 'matched', key: key(wallet, 'reversal', e.outTradeNo), local: 2222, billed: 2222 });
    tick();
    // 9. A manual attempt (outcome unknown to the terminal) the provider did take: missing locally, state shown.
    const f = await payAtProvider(wallet, 450);
    recordAttempt(db, { outTradeNo: f.outTradeNo, saleId: `S-${f.outTradeNo}`, terminalId: TERMINAL, wallet, mode: 'barcode', amount: 450, currency: 'CNY', at: at() });
    settleAttempt(db, f.outTradeNo, 'manual', { detail: 'cancel window passed', at: at() });
    plant(wallet, { status: 'missing-locally', key: key(wallet, 'pay', f.outTradeNo), local: null, billed: 450 });
    tick();
    // 10. Paid, but the sale was never committed (the terminal lost the sale in progress): the
    // money is in no sale, so the bill's line is missing locally, with the attempt's state beside it.
    const h = await payAtProvider(wallet, 333);
    bookPayment(wallet, h.outTradeNo, 333, h.tradeNo, false);
    plant(wallet, { status: 'missing-locally', key: key(wallet, 'pay', h.outTradeNo), local: null, billed: 333 });
    tick();
    // Another terminal's sale on the same merchant account: not this terminal's business.
    await payAtProvider(wallet, 999, 'T02');
    tick();
  }
  // The next day: a payment on both sides that must not show up in the 1st's reconciliation.
  clock = DAY_START_UTC + 86_400_000 + 3_600_000;
  for (const wallet of WALLETS) {
    const g = await payAtProvider(wallet, 4321);
    bookPayment(wallet, g.outTradeNo, 4321, g.tradeNo);
    const ghost = newOutTradeNo(TERMINAL);
    bookPayment(wallet, ghost, 100); // missing at the provider, but on the 2nd
  }
  report = await service().run({ date: DATE });
}, 60_000);

afterAll(async () => {
  expect(sb.ledger.check()).toEqual([]);
  db.close();
  tmp.cleanup();
  await sb.close();
  rmSync(keysDir, { recursive: true, force: true });
});

describe('a day with planted mismatches of every kind', () => {
  it('classifies every planted item per wallet, with both amounts, and lists nothing else', () => {
    for (const wallet of WALLETS) {
      const items = report.items.filter((i) => i.provider === wallet);
      const expected = (planted.get(wallet) ?? []).map((p) => ({ key: p.key, status: p.status, local: p.local, billed: p.billed })).sort((x, y) => (x.key < y.key ? -1 : 1));
      expect(items.map((i) => ({ key: i.key, status: i.status, local: i.local, billed: i.billed }))).toEqual(expected);
    }
    for (const wallet of WALLETS) {
      const states = report.items.filter((i) => i.provider === wallet && i.status === 'missing-locally' && i.kind === 'payment').map((i) => [i.billed, i.localState]);
      expect(states.sort()).toEqual([
        [333, 'paid, no sale'],
        [450, 'manual'],
        [777, null],
      ]);
    }
    expect(report.items.every((i) => i.resolved === null)).toBe(true);
  });

  it('counts and totals per wallet agree with the planted figures', () => {
    expect(report.providers.map((p) => p.provider)).toEqual(['alipay', 'wechat']);
    for (const p of report.providers) {
      const mine = planted.get(p.provider) ?? [];
      const count = (s: ReconcileStatus) => mine.filter((x) => x.status === s).length;
      expect(p).toMatchObject({
        matched: count('matched'),
        missingLocally: count('missing-locally'),
        missingAtProvider: count('missing-at-provider'),
        amountMismatch: count('amount-mismatch'),
        unresolved: mine.length - count('matched'),
        billRows: mine.filter((x) => x.billed !== null).length,
        otherTerminalRows: 1,
        source: 'download',
        accountChecked: true,
      });
      const sum = (pick: (x: Planted) => number | null, refunds: boolean) =>
        mine.filter((x) => x.key.includes('/pay/') !== refunds).reduce((s, x) => s + (pick(x) ?? 0), 0);
      const bill = { payments: sum((x) => x.billed, false), refunds: sum((x) => x.billed, true) };
      const local = { payments: sum((x) => x.local, false), refunds: sum((x) => x.local, true) };
      // By hand: payments 31.96 + 50.00 + 7.77 + 10.00 + 22.22 + 4.50 + 3.33 on the bill; refunds 12.00 + 8.00 + 22.22.
      expect(bill).toEqual({ payments: 3196 + 5000 + 777 + 1000 + 2222 + 450 + 333, refunds: 1200 + 800 + 2222 });
      expect(p.totals.bill).toEqual({ ...bill, net: bill.payments - bill.refunds });
      expect(p.totals.local).toEqual({ ...local, net: local.payments - local.refunds });
      expect(p.totals.difference).toBe(bill.payments - bill.refunds - (local.payments - local.refunds));
    }
  });

  it('one wallet at a time gives the same items for that wallet', async () => {
    const only = await service().run({ date: DATE, wallet: 'wechat' });
    expect(only.providers.map((p) => p.provider)).toEqual(['wechat']);
    expect(only.items).toEqual(report.items.filter((i) => i.provider === 'wechat'));
  });

  it('a wallet that cannot serve its bill stops the run with what it said, and nothing is stored', async () => {
    const stored = () => db.prepare('SELECT item_key, status, run_at FROM reconcile_items ORDER BY item_key').all();
    const before = stored();
    sb.faults.add({ method: 'wechat.downloadbill', fault: { kind: 'system-error' }, count: 1 });
    await expect(service('2025-03-05T00:00:00Z').run({ date: DATE })).rejects.toThrow(/the WeChat Pay bill of 2025-03-01 could not be fetched: WeChat Pay has no bill for 2025-03-01: 系统超时 \(try again later\)/);
    sb.faults.add({ method: 'alipay.data.dataservice.bill.downloadurl.query', fault: { kind: 'html' }, count: 1 });
    await expect(service('2025-03-05T00:00:00Z').run({ date: DATE })).rejects.toThrow(/the Alipay bill of 2025-03-01 could not be fetched: .*HTTP 502/);
    expect(stored()).toEqual(before);
  });

  it('refuses a day that is not over in Beijing time, and a date that is not a day', async () => {
    await expect(service('2025-03-01T15:59:59Z').run({ date: DATE })).rejects.toThrow(/2025-03-01 is not over yet in Beijing time/);
    await expect(service().run({ date: '2025-02-30' })).rejects.toThrow(ReconcileError);
  });
});

describe('resolving and querying items', () => {
  it('a resolution is journalled with the reason and who, and shows on the next run', async () => {
    const item = report.items.find((i) => i.provider === 'alipay' && i.status === 'missing-at-provider' && i.kind === 'payment');
    if (!item) throw new Error('no planted item');
    const resolved = service().resolve(item.key, 'customer paid cash instead; attempt was a test', 'Mia (manager)');
    expect(resolved).toMatchObject({ key: item.key, by: 'Mia (manager)', reason: 'customer paid cash instead; attempt was a test', status: 'missing-at-provider' });
    const rows = journalRowsFor(db, item.key, 'reconcile.resolved');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]?.payload ?? '{}')).toMatchObject({ key: item.key, by: 'Mia (manager)', reason: 'customer paid cash instead; attempt was a test', local: 1500, billed: null });
    expect(rows[0]?.seq).toBe(resolved.journalSeq);

    const again = await service().run({ date: DATE, wallet: 'alipay' });
    const after = again.items.find((i) => i.key === item.key);
    expect(after?.resolved).toMatchObject({ by: 'Mia (manager)', journalSeq: resolved.journalSeq });
    const before = report.providers.find((p) => p.provider === 'alipay');
    expect(again.providers[0]?.unresolved).toBe((before?.unresolved ?? 0) - 1);
  });

  it('resolving twice, a matched item, an unknown key or without a reason is refused and changes nothing', () => {
    const resolvedKey = report.items.find((i) => i.provider === 'alipay' && i.status === 'missing-at-provider' && i.kind === 'payment')?.key ?? '';
    const matched = report.items.find((i) => i.status === 'matched')?.key ?? '';
    const open = report.items.find((i) => i.provider === 'wechat' && i.status === 'amount-mismatch')?.key ?? '';
    const journalCount = () => (db.prepare('SELECT count(*) FROM journal').pluck().get() as number);
    const before = journalCount();
    const s = service();
    expect(() => s.resolve(resolvedKey, 'again', 'Bo')).toThrow(/already resolved by Mia \(manager\) at .*nothing was changed/);
    expect(() => s.resolve(matched, 'why', 'Bo')).toThrow(/is matched: there is nothing to resolve/);
    expect(() => s.resolve(`${DATE}/alipay/pay/NO_SUCH_TRADE`, 'why', 'Bo')).toThrow(/no reconciliation of 2025-03-01 lists 2025-03-01\/alipay\/pay\/NO_SUCH_TRADE/);
    expect(() => s.resolve('garbage key', 'why', 'Bo')).toThrow(/"garbage key" is not a reconciliation item key/);
    expect(() => s.resolve(open, '   ', 'Bo')).toThrow(/needs a reason/);
    expect(() => s.resolve(open, 'fine', '')).toThrow(/needs the name of who/);
    expect(journalCount()).toBe(before);
    expect(s.item(open).resolved).toBeNull();
  });

  it('query asks the provider and says what it answered, for payments and refunds on both wallets', async () => {
    const s = service();
    for (const wallet of WALLETS) {
      const items = report.items.filter((i) => i.provider === wallet);
      const missingLocally = items.find((i) => i.status === 'missing-locally' && i.kind === 'payment' && i.localState === null);
      const ghost = items.find((i) => i.status === 'missing-at-provider' && i.kind === 'payment');
      const ghostRefund = items.find((i) => i.status === 'missing-at-provider' && i.kind === 'refund');
      const realRefund = items.find((i) => i.status === 'missing-locally' && i.kind === 'refund');
      const paid = await s.query(missingLocally?.key ?? '');
      expect(paid).toMatchObject({ call: 'query', outcome: { kind: 'paid', amount: 777 } });
      expect(paid.says).toMatch(/says trade .* is paid: 7\.77/);
      const none = await s.query(ghost?.key ?? '');
      expect(none.outcome.kind).toBe('not-found');
      expect(none.says).toMatch(/has no trade .*: no money was taken/);
      const noRefund = await s.query(ghostRefund?.key ?? '');
      expect(noRefund).toMatchObject({ call: 'refundQuery', outcome: { kind: 'not-refunded' } });
      expect(noRefund.says).toMatch(/nothing went back by this key/);
      const refunded = await s.query(realRefund?.key ?? '');
      expect(refunded).toMatchObject({ call: 'refundQuery', outcome: { kind: 'refunded', amount: 800 } });
      expect(refunded.says).toContain('8.00 went back');
    }
    await expect(s.query(`${DATE}/wechat/refund/NOPE`)).rejects.toThrow(ReconcileError);
  });
});

describe('bill files', () => {
  it('a downloaded bill read back from a file gives the same items; a bill of another day or merchant is refused and nothing is stored', async () => {
    const alipay = providers.get('alipay') as ReturnType<typeof createAlipayProvider>;
    const zip = await alipay.downloadBill(DATE);
    const fromFile = await service().run({ date: DATE, wallet: 'alipay', bills: { alipay: zip } });
    expect(fromFile.providers[0]).toMatchObject({ source: 'file', accountChecked: true });
    expect(fromFile.items.map((i) => [i.key, i.status])).toEqual(report.items.filter((i) => i.provider === 'alipay').map((i) => [i.key, i.status]));

    const stored = () => db.prepare('SELECT item_key, status, run_at FROM reconcile_items ORDER BY item_key').all();
    const before = stored();
    const nextDay = await alipay.downloadBill('2025-03-02');
    await expect(service('2025-03-03T12:00:00Z').run({ date: DATE, wallet: 'alipay', bills: { alipay: nextDay } })).rejects.toThrow(/is the bill of 2025-03-02, not of 2025-03-01/);

    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = await startSandbox({ port: 0, clock: () => clock, gatewayPrivateKey: keys.privateKey, alipayApps: [{ appId: APP_ID, publicKey: keys.publicKey }] });
    try {
      const foreign = other.bills.build('alipay', APP_ID, DATE).zip;
      await expect(service().run({ date: DATE, wallet: 'alipay', bills: { alipay: foreign } })).rejects.toThrow(BillError);
      await expect(service().run({ date: DATE, wallet: 'alipay', bills: { alipay: foreign } })).rejects.toThrow(/is for Alipay account 2088\d{12}0156, not this terminal's merchant/);
    } finally {
      await other.close();
    }
    const wechat = providers.get('wechat') as ReturnType<typeof createWechatProvider>;
    const text = (await wechat.downloadBill(DATE)) ?? '';
    const otherMerchant = text.replaceAll(`\`${WX_MCH},`, '`1900000999,');
    await expect(service().run({ date: DATE, wallet: 'wechat', bills: { wechat: Buffer.from(otherMerchant) } })).rejects.toThrow(/is for WeChat merchant 1900000999/);
    expect(stored()).toEqual(before);
  });

  it('a WeChat day without trades is an empty bill: the terminal\'s payments of that day are missing at the provider', async () => {
    const quiet = '2025-02-27';
    const saved = clock;
    clock = Date.parse('2025-02-27T03:00:00Z');
    const outTradeNo = newOutTradeNo(TERMINAL);
    bookPayment('wechat', outTradeNo, 888);
    clock = saved;
    const r = await service().run({ date: quiet, wallet: 'wechat' });
    expect(r.providers[0]).toMatchObject({ billRows: 0, localRows: 1, missingAtProvider: 1 });
    expect(r.items).toEqual([expect.objectContaining({ key: `${quiet}/wechat/pay/${outTradeNo}`, status: 'missing-at-provider', local: 888, billed: null })]);
  });

  it("an Alipay bill file read before any bill was fetched with the terminal's keys is used, flagged as not checked", async () => {
    const fresh = tempDbFile('kassa-reconcile-fresh-');
    const freshDb = openDatabase(fresh.file);
    try {
      const zip = await (providers.get('alipay') as ReturnType<typeof createAlipayProvider>).downloadBill(DATE);
      const s = new ReconcileService({ db: freshDb, terminalId: TERMINAL, providers, storeId: 'SH001', now: () => new Date('2025-03-02T12:00:00Z') });
      const r = await s.run({ date: DATE, wallet: 'alipay', bills: { alipay: zip } });
      expect(r.providers[0]).toMatchObject({ source: 'file', accountChecked: false, missingLocally: (planted.get('alipay') ?? []).filter((p) => p.billed !== null).length });
    } finally {
      freshDb.close();
      fresh.cleanup();
    }
  });
});
