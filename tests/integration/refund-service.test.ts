// Refunds end to end against the sandbox gateway over HTTP (127.0.0.1, any free port): sales paid
// by barcode through the real Alipay and WeChat Pay providers, refunded through RefundService and
// the refund machine, and the sandbox's own ledger compared with ours fen for fen. The sandbox's
// fault injection plays the network: an answer dropped after the refund was made, and a gateway
// that is down until later.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/core/db/open.ts';
import { recordAttempt, settleAttempt } from '../../src/core/db/payment-attempts.ts';
import { refundCallsFor, refundsForSale } from '../../src/core/db/refunds.ts';
import { commitSale } from '../../src/core/db/sales.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { setManagerToken } from '../../src/core/manager-auth.ts';
import { newOutTradeNo } from '../../src/core/payment-service.ts';
import { RefundService } from '../../src/core/refund-service.ts';
import { verifyStore } from '../../src/core/verify.ts';
import type { WalletId } from '../../src/domain/payment.ts';
import type { TenderMethod } from '../../src/domain/sale-record.ts';
import { createAlipayProvider } from '../../src/payments/alipay/alipay-provider.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import { startSandbox, type SandboxServer } from '../../src/payments/sandbox/server.ts';
import { createWechatProvider } from '../../src/payments/wechat/wechat-provider.ts';
import { makeSale, SNAPSHOT, tempDbFile, TERMINAL } from '../support/sale-fixtures.ts';

const TOKEN = 'manager-1357';
const APP_ID = '2021000122670001';
const WX_APPID = 'wx2421b1c4370ec43b';
const WX_MCH = '1900000109';
const WX_KEY = 'Sandbox0Key1For2Kassa3WeChat4567';
/** Short retries so the fault tests stay quick; the 10 s refund-query rule is the sandbox's to not need. */
const TIMING = { retryDelayMs: 20, retries: 2, queryDelayMs: 20, queryRetries: 1, rounds: 1 };

let sb: SandboxServer;
let keysDir: string;
let providers: Map<WalletId, PaymentProvider>;
let tmp: ReturnType<typeof tempDbFile>;
let db: Db;

beforeAll(async () => {
  const gateway = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keysDir = mkdtempSync(join(tmpdir(), 'kassa-refund-keys-'));
  writeFileSync(join(keysDir, 'app.key'), app.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  writeFileSync(join(keysDir, 'alipay.pub'), gateway.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(keysDir, 'api.key'), `${WX_KEY}\n`);
  sb = await startSandbox({
    port: 0,
    gatewayPrivateKey: gateway.privateKey,
    alipayApps: [{ appId: APP_ID, publicKey: app.publicKey }],
    wechatMerchants: [{ appid: WX_APPID, mchId: WX_MCH, apiKey: WX_KEY }],
  });
  providers = new Map<WalletId, PaymentProvider>([
    ['alipay', createAlipayProvider({ appId: APP_ID, privateKeyPath: 'app.key', alipayPublicKeyPath: 'alipay.pub', gateway: sb.gatewayUrl, timeoutMs: 2_000 }, { baseDir: keysDir })],
    ['wechat', createWechatProvider({ appId: WX_APPID, mchId: WX_MCH, apiKeyPath: 'api.key', gateway: sb.url, timeoutMs: 2_000 }, { baseDir: keysDir })],
  ]);
});

afterAll(async () => {
  expect(sb.ledger.check()).toEqual([]);
  await sb.close();
  rmSync(keysDir, { recursive: true, force: true });
});

beforeEach(() => {
  sb.faults.clear();
  tmp = tempDbFile('kassa-refund-it-');
  db = openDatabase(tmp.file);
  setManagerToken(db, TOKEN);
});

afterEach(() => {
  db.close();
  tmp.cleanup();
});

const service = () => new RefundService({ db, logger: silentLogger(), providers, terminalId: TERMINAL, training: false, timing: TIMING });

interface Paid {
  readonly receipt: string;
  readonly saleId: string;
  readonly buyer: string;
  /** out_trade_no per tender seq. */
  readonly trades: Map<number, { wallet: WalletId; outTradeNo: string }>;
}

/**
 * A sale of 31.96 (the fixture's lines) paid with these tenders; each wallet tender is paid by
 * barcode through its provider against the sandbox (a buyer shows a fresh code), and recorded as
 * the checkout records it: a paid attempt, the trade number as the tender's reference.
 */
async function paidSale(tenders: { method: TenderMethod; amount?: number }[]): Promise<Paid> {
  const buyer = sb.wallet.createBuyer({ balanceFen: 1_000_00, password: null });
  const saleShape = makeSale({ tenders });
  const trades = new Map<number, { wallet: WalletId; outTradeNo: string }>();
  const references = new Map<number, string>();
  const at = new Date().toISOString();
  for (const t of saleShape.tenders) {
    if (t.method === 'cash') continue;
    const outTradeNo = newOutTradeNo(TERMINAL);
    const provider = providers.get(t.method) as PaymentProvider;
    const outcome = await provider.pay({
      wallet: t.method,
      outTradeNo,
      authCode: sb.wallet.issueCode(buyer.id, t.method).code,
      amount: t.amount,
      currency: 'CNY',
      subject: 'Kassa test sale',
      storeId: 'SH001',
      terminalId: TERMINAL,
      operatorId: 'alice',
    });
    if (outcome.kind !== 'paid') throw new Error(`the sandbox did not take the payment: ${JSON.stringify(outcome)}`);
    recordAttempt(db, { outTradeNo, saleId: saleShape.id, terminalId: TERMINAL, wallet: t.method, mode: 'barcode', amount: t.amount, currency: 'CNY', at });
    settleAttempt(db, outTradeNo, 'paid', { tradeNo: outcome.tradeNo, at });
    trades.set(t.seq, { wallet: t.method, outTradeNo });
    references.set(t.seq, outcome.tradeNo);
  }
  const record = { ...saleShape, tenders: saleShape.tenders.map((t) => ({ ...t, reference: references.get(t.seq) ?? (t.method === 'cash' ? null : t.reference) })) };
  const { receiptNo } = commitSale(db, { record, snapshot: SNAPSHOT, at });
  return { receipt: `${TERMINAL}-${String(receiptNo).padStart(6, '0')}`, saleId: record.id, buyer: buyer.id, trades };
}

/** What the sandbox says was refunded on a trade. */
function gatewayRefunded(p: Paid, seq: number): number {
  const t = p.trades.get(seq);
  if (!t) throw new Error(`tender ${seq} is not a wallet tender`);
  const merchant = t.wallet === 'alipay' ? APP_ID : WX_MCH;
  return sb.ledger.tradeByOut(t.wallet, merchant, t.outTradeNo)?.refundedFen ?? -1;
}

/** What our store says went back through a tender (refunded parts only). */
function ourRefunded(p: Paid, seq: number): number {
  return refundsForSale(db, p.saleId)
    .filter((r) => r.tenderSeq === seq && r.state === 'refunded')
    .reduce((s, r) => s + r.amount, 0);
}

const cmd = (receipt: string, amount?: string) => ({ receipt, ...(amount === undefined ? {} : { amount }), reason: 'customer return', authorization: TOKEN, operator: 'alice' });

describe('refunds against the sandbox gateway', () => {
  it('two partial Alipay refunds: the sandbox ledger and ours agree, and the buyer gets the money back', async () => {
    const sale = await paidSale([{ method: 'alipay' }]);
    const before = sb.wallet.buyer(sale.buyer).balanceFen;
    const s = service();
    const first = await s.refund(cmd(sale.receipt, '10.00'));
    const second = await s.refund(cmd(sale.receipt, '5.50'));
    expect([first, second].map((r) => [r.refunded, r.pending, r.failed])).toEqual([
      [1000, 0, 0],
      [550, 0, 0],
    ]);
    expect(second.leftToRefund).toBe(3196 - 1550);
    expect(gatewayRefunded(sale, 1)).toBe(1550);
    expect(ourRefunded(sale, 1)).toBe(1550);
    expect(sb.wallet.buyer(sale.buyer).balanceFen).toBe(before + 1550);
    expect(verifyStore(db)).toMatchObject({ ok: true, problems: [] });
  });

  it('a full refund of a sale paid by WeChat Pay, Alipay and cash: both wallets in full, the rest in cash', async () => {
    const sale = await paidSale([{ method: 'wechat', amount: 1000 }, { method: 'alipay', amount: 1500 }, { method: 'cash' }]);
    const out = await service().refund(cmd(sale.receipt));
    expect(out.parts.map((p) => [p.method, p.amount, p.state])).toEqual([
      ['wechat', 1000, 'refunded'],
      ['alipay', 1500, 'refunded'],
      ['cash', 696, 'refunded'],
    ]);
    expect(out).toMatchObject({ cash: 696, openDrawer: true, leftToRefund: 0 });
    expect(gatewayRefunded(sale, 1)).toBe(1000);
    expect(gatewayRefunded(sale, 2)).toBe(1500);
    expect([ourRefunded(sale, 1), ourRefunded(sale, 2)]).toEqual([1000, 1500]);
    expect(verifyStore(db).ok).toBe(true);
  });

  /** The refunds the sandbox holds for a trade, with the request numbers they came under. */
  function gatewayRefunds(p: Paid, seq: number): { outRequestNo: string | null; amountFen: number }[] {
    const t = p.trades.get(seq);
    const tradeNo = t ? sb.ledger.tradeByOut(t.wallet, t.wallet === 'alipay' ? APP_ID : WX_MCH, t.outTradeNo)?.tradeNo : undefined;
    return sb.ledger
      .snapshot()
      .refunds.filter((r) => r.tradeNo === tradeNo)
      .map((r) => ({ outRequestNo: r.outRequestNo, amountFen: r.amountFen }));
  }

  it('an error answered after the refund was made: retried with the same refund number, refunded once', async () => {
    const sale = await paidSale([{ method: 'alipay' }]);
    sb.faults.add({ method: 'alipay.trade.refund', fault: { kind: 'system-error', afterCommit: true }, count: 1 });
    const out = await service().refund(cmd(sale.receipt, '7.77'));
    const key = out.parts[0]?.outRequestNo ?? '';
    expect(out.parts[0]).toMatchObject({ state: 'refunded', detail: 'refunded (the money had already gone back with this refund number)' });
    const calls = refundCallsFor(db, key);
    expect(calls.map((c) => c.call)).toEqual(['refund', 'refund']);
    expect(calls[0]?.response).toMatch(/"kind":"unknown"/);
    expect(gatewayRefunds(sale, 1)).toEqual([{ outRequestNo: key, amountFen: 777 }]);
    expect(gatewayRefunded(sale, 1)).toBe(777);
    expect(ourRefunded(sale, 1)).toBe(777);
  });

  it('a connection dropped after the refund was made: refunded once, whoever retries', async () => {
    // (The SDK's HTTP client itself re-sends a POST whose connection was closed under it; the
    // sandbox answers the second one fund_change=N. Either way: one refund, same number.)
    const sale = await paidSale([{ method: 'alipay' }]);
    sb.faults.add({ method: 'alipay.trade.refund', fault: { kind: 'drop-after-commit' }, count: 1 });
    const out = await service().refund(cmd(sale.receipt, '4.44'));
    const key = out.parts[0]?.outRequestNo ?? '';
    expect(out.parts[0]).toMatchObject({ state: 'refunded' });
    expect(sb.faults.list()).toEqual([]);
    expect(gatewayRefunds(sale, 1)).toEqual([{ outRequestNo: key, amountFen: 444 }]);
    expect(ourRefunded(sale, 1)).toBe(444);
  });

  it('a gateway that is down leaves the refund pending; once it is back, resumePending finishes it once', async () => {
    const sale = await paidSale([{ method: 'alipay' }]);
    sb.faults.add({ method: 'alipay.trade.*', fault: { kind: 'unavailable' }, count: 20 });
    const s = service();
    const out = await s.refund(cmd(sale.receipt, '3.00'));
    expect(out).toMatchObject({ pending: 300, refunded: 0 });
    expect(gatewayRefunded(sale, 1)).toBe(0);
    sb.faults.clear();
    const resumed = await s.resumePending();
    expect(resumed.map((p) => p.state)).toEqual(['refunded']);
    expect(gatewayRefunded(sale, 1)).toBe(300);
    expect(ourRefunded(sale, 1)).toBe(300);
    expect(verifyStore(db).ok).toBe(true);
  });

  it('more than is left is refused before the gateway is asked', async () => {
    const sale = await paidSale([{ method: 'alipay' }]);
    const s = service();
    await s.refund(cmd(sale.receipt, '30.00'));
    await expect(s.refund(cmd(sale.receipt, '2.00'))).rejects.toThrow('a refund of ¥2.00 is more than the ¥1.96 left to refund');
    expect(gatewayRefunded(sale, 1)).toBe(3000);
  });
});
