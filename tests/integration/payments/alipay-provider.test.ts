// The Alipay provider through the real alipay-sdk over HTTP, against a small gateway stub that
// checks the app's RSA2 request signature and signs its answers exactly as Alipay does (over
// the raw text of `<method>_response`, with "/" written "\/"). The stub also misbehaves on
// demand: tampered, unsigned or wrongly signed answers, HTML, HTTP errors, silence beyond the
// timeout, and connection resets. The second half runs every method against the sandbox gateway
// (src/payments/sandbox), whose own implementation checks the SDK's signatures both ways, with
// its buyers' wallet playing the customer and its fault injection playing the network; the last
// tests go end to end through the payment machine.
import { generateKeyPairSync, sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { PayRequest, TradeRef } from '../../../src/domain/payment.ts';
import { AlipayBillError, type AlipayProvider, createAlipayProvider } from '../../../src/payments/alipay/alipay-provider.ts';
import { type SandboxServer, startSandbox } from '../../../src/payments/sandbox/server.ts';
import { providePayment, type PaymentInput } from '../../../state-machines/payment.machine.ts';

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const gatewayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

interface Reply {
  readonly body?: Record<string, unknown>;
  /** Sent verbatim instead of a signed JSON answer. */
  readonly raw?: string;
  readonly status?: number;
  readonly responseKey?: string;
  readonly tamper?: boolean;
  readonly unsigned?: boolean;
  readonly signedByStranger?: boolean;
  readonly delayMs?: number;
  readonly reset?: boolean;
}

interface Seen {
  readonly method: string;
  readonly params: Record<string, string>;
  readonly biz: Record<string, unknown>;
  readonly signatureOk: boolean;
}

type Handler = (method: string, biz: Record<string, unknown>) => Reply;

let server: Server;
let base = '';
let handler: Handler = () => ({ body: { code: '20000', msg: 'no handler' } });
let seen: Seen[] = [];
let billBytes: Uint8Array = new Uint8Array();

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function signedAnswer(method: string, reply: Reply): string {
  const key = reply.responseKey ?? `${method.replaceAll('.', '_')}_response`;
  const json = JSON.stringify(reply.body ?? {}).replaceAll('/', '\\/');
  if (reply.unsigned) return `{"${key}":${json}}`;
  const signedText = reply.tamper ? json.replace('"code":"', '"code":"9') : json;
  const signer = reply.signedByStranger ? stranger.privateKey : gatewayKeys.privateKey;
  const signature = rsaSign('sha256', Buffer.from(signedText, 'utf8'), signer).toString('base64');
  return `{"${key}":${json},"sign":"${signature}"}`;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stub');
  if (req.method === 'GET' && url.pathname.startsWith('/bill/')) {
    res.writeHead(200, { 'content-type': 'application/zip' });
    res.end(billBytes);
    return;
  }
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  for (const [k, v] of new URLSearchParams(await readBody(req))) params[k] = v;
  const content = Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const signatureOk = rsaVerify('sha256', Buffer.from(content, 'utf8'), app.publicKey, Buffer.from(params.sign ?? '', 'base64'));
  const method = params.method ?? '';
  const biz = JSON.parse(params.biz_content ?? '{}') as Record<string, unknown>;
  seen.push({ method, params, biz, signatureOk });
  const reply: Reply = signatureOk ? handler(method, biz) : { body: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: 'bad sign' } };
  if (reply.reset) {
    req.socket.destroy();
    return;
  }
  if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
  if (res.destroyed) return;
  res.writeHead(reply.status ?? 200, { 'content-type': reply.raw !== undefined ? 'text/html' : 'application/json;charset=utf-8' });
  res.end(reply.raw ?? signedAnswer(method, reply));
}

let provider: AlipayProvider;
let fastProvider: AlipayProvider;

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'kassa-alipay-it-'));
  writeFileSync(join(dir, 'app.key'), app.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'alipay.pub'), gatewayKeys.publicKey.export({ type: 'spki', format: 'pem' }));
  const config = { appId: '2021000122671080', privateKeyPath: 'app.key', alipayPublicKeyPath: 'alipay.pub', gateway: `${base}/gateway.do`, storeId: 'SH001' };
  provider = createAlipayProvider({ ...config, timeoutMs: 5_000 }, { baseDir: dir });
  fastProvider = createAlipayProvider({ ...config, timeoutMs: 1_000 }, { baseDir: dir });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  handler = () => ({ body: { code: '20000', msg: 'no handler' } });
});

const NO = 'K1T01A0001';
const payRequest: PayRequest = {
  wallet: 'alipay',
  outTradeNo: NO,
  authCode: '286812345678901234',
  amount: 8888,
  currency: 'CNY',
  subject: 'Kassa Store / sale 42 & more',
  storeId: 'STORE-1',
  terminalId: 'T01',
  operatorId: 'cashier-anna',
};

const paidAnswer = {
  code: '10000',
  msg: 'Success',
  trade_no: '2024051322001400001',
  out_trade_no: NO,
  buyer_logon_id: '159****5620',
  total_amount: '88.88',
  receipt_amount: '88.88',
  gmt_payment: '2024-05-13 17:49:20',
  fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: '88.88' }],
};

describe('Alipay provider over HTTP (signed stub)', () => {
  it('pays: a signed request with the exact amount, verified answer mapped to paid', async () => {
    handler = () => ({ body: paidAnswer });
    const outcome = await provider.pay(payRequest);
    expect(outcome).toEqual({ kind: 'paid', tradeNo: '2024051322001400001', amount: 8888, buyer: '159****5620', paidAt: '2024-05-13T17:49:20+08:00' });
    expect(seen).toHaveLength(1);
    const [call] = seen;
    expect(call?.signatureOk).toBe(true);
    expect(call?.method).toBe('alipay.trade.pay');
    expect(call?.params).toMatchObject({ app_id: '2021000122671080', sign_type: 'RSA2', charset: 'utf-8', version: '1.0' });
    expect(call?.biz).toEqual({
      out_trade_no: NO,
      scene: 'bar_code',
      auth_code: '286812345678901234',
      product_code: 'FACE_TO_FACE_PAYMENT',
      subject: 'Kassa Store   sale 42   more',
      total_amount: '88.88',
      store_id: 'SH001',
      terminal_id: 'T01',
      operator_id: 'cashier-anna',
    });
  });

  it('10003 waits; an invalid code is refused with a cashier message', async () => {
    handler = () => ({ body: { code: '10003', msg: 'order success pay inprocess', trade_no: 'T77', out_trade_no: NO } });
    expect(await provider.pay(payRequest)).toEqual({ kind: 'waiting', tradeNo: 'T77' });
    handler = () => ({ body: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', sub_msg: '支付失败，获取顾客账户信息失败', out_trade_no: NO, total_amount: '0.00' } });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'failed', code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', retryWithNewCode: true, message: expect.stringMatching(/refresh/) });
  });

  it('rejects a tampered, unsigned or wrongly signed answer as unknown, even one saying paid', async () => {
    for (const fault of [{ tamper: true }, { unsigned: true }, { signedByStranger: true }]) {
      handler = () => ({ body: paidAnswer, ...fault });
      const outcome = await provider.pay(payRequest);
      expect(outcome, JSON.stringify(fault)).toMatchObject({ kind: 'unknown' });
      const reason = outcome.kind === 'unknown' ? outcome.reason : '';
      expect(reason).toMatch(fault.unsigned ? /carries no usable signature and was rejected/ : /failed signature verification and was rejected \(unverified claim: 10000/);
    }
  });

  it('an error_response (gateway-level) cannot be verified against the method and stays unknown', async () => {
    handler = () => ({ responseKey: 'error_response', body: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id' } });
    expect(await provider.query({ wallet: 'alipay', outTradeNo: NO })).toMatchObject({ kind: 'unknown' });
  });

  it('HTML, an empty body and HTTP errors are unknown with a reason', async () => {
    handler = () => ({ raw: '<html><body>502 Bad Gateway</body></html>' });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/not JSON \(starts "<html>/) });
    handler = () => ({ raw: '' });
    expect(await provider.query({ wallet: 'alipay', outTradeNo: NO })).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/not JSON/) });
    handler = () => ({ status: 502, raw: 'Bad Gateway' });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: "Alipay's gateway answered HTTP 502" });
    handler = () => ({ raw: '{"something_else":{}}' });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/expected response/) });
  });

  it('no answer within timeoutMs is unknown (and cancel says retry)', async () => {
    handler = () => ({ body: paidAnswer, delayMs: 1_600 });
    const t0 = performance.now();
    expect(await fastProvider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: 'no answer from Alipay within 1000 ms' });
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1_500);
    expect(await fastProvider.cancel({ wallet: 'alipay', outTradeNo: NO })).toMatchObject({ kind: 'retry', reason: 'no answer from Alipay within 1000 ms' });
  });

  it('an AbortSignal answers at once; an aborted signal sends nothing', async () => {
    handler = () => ({ body: paidAnswer, delayMs: 1_500 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cashier left the screen')), 50);
    const t0 = performance.now();
    expect(await provider.query({ wallet: 'alipay', outTradeNo: NO }, controller.signal)).toEqual({
      kind: 'unknown',
      reason: 'stopped before Alipay answered (cashier left the screen)',
    });
    expect(performance.now() - t0).toBeLessThan(500);
    const before = seen.length;
    expect(await provider.pay(payRequest, AbortSignal.abort())).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/nothing was sent/) });
    expect(await provider.cancel({ wallet: 'alipay', outTradeNo: NO }, AbortSignal.abort())).toMatchObject({ kind: 'retry' });
    expect(seen.length).toBe(before);
  });

  it('a connection reset is unknown; the SDK\'s HTTP client re-sends the identical request once', async () => {
    handler = () => ({ reset: true });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/connection to Alipay failed/) });
    expect(seen).toHaveLength(2);
    expect(seen[1]?.params.sign).toBe(seen[0]?.params.sign);
    expect(await provider.cancel({ wallet: 'alipay', outTradeNo: NO })).toMatchObject({ kind: 'retry' });
  });

  it('a gateway that is not there at all is unknown', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dir = mkdtempSync(join(tmpdir(), 'kassa-alipay-down-'));
    writeFileSync(join(dir, 'app.key'), app.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'alipay.pub'), gatewayKeys.publicKey.export({ type: 'spki', format: 'pem' }));
    const down = createAlipayProvider({ appId: '2021000122671080', privateKeyPath: 'app.key', alipayPublicKeyPath: 'alipay.pub', gateway: `http://127.0.0.1:${port}/gateway.do` }, { baseDir: dir });
    expect(await down.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/connection to Alipay failed \(.*ECONNREFUSED/) });
  });

  it('a signed answer about another trade is unknown', async () => {
    handler = () => ({ body: { ...paidAnswer, out_trade_no: 'K1T01A0999' } });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/K1T01A0999/) });
  });

  it('precreates a QR code that stays payable for the asked minutes', async () => {
    handler = () => ({ body: { code: '10000', msg: 'Success', out_trade_no: NO, qr_code: 'https://qr.alipay.com/bax03431ljhokirwl38f00a7' } });
    const outcome = await provider.precreate({ ...payRequest, qrTimeoutMinutes: 2 });
    expect(outcome).toEqual({ kind: 'created', qrCode: 'https://qr.alipay.com/bax03431ljhokirwl38f00a7' });
    expect(seen[0]?.biz).toMatchObject({ out_trade_no: NO, total_amount: '88.88', qr_code_timeout_express: '2m', store_id: 'SH001', terminal_id: 'T01' });
  });

  it('queries, cancels and closes', async () => {
    handler = (method) => {
      if (method === 'alipay.trade.query') return { body: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: '交易不存在', out_trade_no: NO } };
      if (method === 'alipay.trade.cancel') return { body: { code: '10000', msg: 'Success', out_trade_no: NO, trade_no: 'T1', retry_flag: 'N', action: 'refund' } };
      return { body: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_STATUS_ERROR', sub_msg: '交易状态不合法', out_trade_no: NO } };
    };
    const ref = { wallet: 'alipay', outTradeNo: NO } as const;
    expect(await provider.query(ref)).toEqual({ kind: 'not-found' });
    expect(await provider.cancel(ref)).toEqual({ kind: 'cancelled', action: 'refund' });
    expect(await provider.close(ref)).toEqual({ kind: 'already-paid' });
    expect(seen.map((s) => [s.method, s.biz])).toEqual([
      ['alipay.trade.query', { out_trade_no: NO }],
      ['alipay.trade.cancel', { out_trade_no: NO }],
      ['alipay.trade.close', { out_trade_no: NO }],
    ]);
  });

  it('refunds part of a payment by out_request_no and confirms it by refund query', async () => {
    handler = (method) =>
      method === 'alipay.trade.refund'
        ? { body: { code: '10000', msg: 'Success', out_trade_no: NO, trade_no: 'T1', refund_fee: '30.00', fund_change: 'Y', gmt_refund_pay: '2024-05-14 10:00:00' } }
        : { body: { code: '10000', msg: 'Success', out_trade_no: NO, out_request_no: 'K1T01R0001', total_amount: '88.88', refund_amount: '30.00', refund_status: 'REFUND_SUCCESS' } };
    const refund = { wallet: 'alipay', outTradeNo: NO, outRequestNo: 'K1T01R0001', amount: 3000, currency: 'CNY', reason: 'damaged item', operatorId: 'mgr' } as const;
    expect(await provider.refund(refund)).toEqual({ kind: 'refunded', refundedTotal: 3000, fundChange: true });
    expect(await provider.refundQuery({ wallet: 'alipay', outTradeNo: NO, outRequestNo: 'K1T01R0001' })).toEqual({ kind: 'refunded', amount: 3000 });
    expect(seen[0]?.biz).toEqual({ out_trade_no: NO, out_request_no: 'K1T01R0001', refund_amount: '30.00', operator_id: 'mgr', refund_reason: 'damaged item', store_id: 'SH001' });
    expect(seen[1]?.biz).toEqual({ out_trade_no: NO, out_request_no: 'K1T01R0001' });
  });

  it('downloads the bill for a date as zip bytes', async () => {
    billBytes = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5]);
    handler = () => ({ body: { code: '10000', msg: 'Success', bill_download_url: `${base}/bill/20240513.csv.zip?token=abc` } });
    expect(await provider.billDownloadUrl('2024-05-13')).toBe(`${base}/bill/20240513.csv.zip?token=abc`);
    expect(seen[0]?.biz).toEqual({ bill_type: 'trade', bill_date: '2024-05-13' });
    expect(await provider.downloadBill('2024-05-13')).toEqual(billBytes);

    billBytes = new TextEncoder().encode('<html>expired</html>');
    await expect(provider.downloadBill('2024-05-13')).rejects.toMatchObject({ name: 'AlipayBillError', code: 'kassa.NOT_ZIP' });
    handler = () => ({ body: { code: '40004', msg: 'Business Failed', sub_code: 'isp.bill_not_exist', sub_msg: '账单不存在' } });
    const err = await provider.billDownloadUrl('2024-05').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlipayBillError);
    expect(err).toMatchObject({ code: 'isp.bill_not_exist', retryable: true, message: expect.stringMatching(/no bill for 2024-05: 40004 isp\.bill_not_exist/) });
    await expect(provider.billDownloadUrl('13/05/2024')).rejects.toThrow(/must be yyyy-MM-dd or yyyy-MM/);
  });

  it('throws for the caller\'s mistakes, before anything is sent', async () => {
    await expect(provider.pay({ ...payRequest, wallet: 'wechat' })).rejects.toThrow(/not alipay/);
    await expect(provider.pay({ ...payRequest, outTradeNo: 'has space' })).rejects.toThrow(/outTradeNo "has space"/);
    await expect(provider.pay({ ...payRequest, amount: 0 })).rejects.toThrow(/alipay pay amount 0 must be a whole number of fen above 0/);
    await expect(provider.pay({ ...payRequest, currency: 'USD' })).rejects.toThrow(/currency "USD"/);
    await expect(provider.pay({ ...payRequest, authCode: '' })).rejects.toThrow(/authCode/);
    await expect(provider.precreate({ ...payRequest, qrTimeoutMinutes: 0 })).rejects.toThrow(/qrTimeoutMinutes/);
    await expect(provider.refund({ wallet: 'alipay', outTradeNo: NO, outRequestNo: 'x-y', amount: 1, currency: 'CNY', reason: '', operatorId: 'm' })).rejects.toThrow(/outRequestNo/);
    expect(seen).toHaveLength(0);
  });
});

describe('Alipay provider against the sandbox gateway', () => {
  let sb: SandboxServer;
  let alipay: AlipayProvider;
  let quick: AlipayProvider;
  let seq = 0;
  const nextNo = () => `K1T01SB${String(++seq).padStart(4, '0')}`;
  const ref = (outTradeNo: string): TradeRef => ({ wallet: 'alipay', outTradeNo });
  const pay = (outTradeNo: string, authCode: string, amount = 8888): PayRequest => ({ ...payRequest, outTradeNo, authCode, amount });
  const buyer = (balanceFen: number, password: { afterSeconds: number | null } | null = null) => sb.wallet.createBuyer({ balanceFen, password });
  const code = (buyerId: string) => sb.wallet.issueCode(buyerId, 'alipay').code;

  beforeAll(async () => {
    const sandboxApp = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = mkdtempSync(join(tmpdir(), 'kassa-alipay-sandbox-'));
    writeFileSync(join(dir, 'app.key'), sandboxApp.privateKey.export({ type: 'pkcs1', format: 'pem' }));
    writeFileSync(join(dir, 'alipay.pub'), gatewayKeys.publicKey.export({ type: 'spki', format: 'pem' }));
    sb = await startSandbox({ gatewayPrivateKey: gatewayKeys.privateKey, alipayApps: [{ appId: '2021000122679999', publicKey: sandboxApp.publicKey }] });
    const config = { appId: '2021000122679999', privateKeyPath: 'app.key', alipayPublicKeyPath: 'alipay.pub', gateway: sb.gatewayUrl, storeId: 'SH001' };
    alipay = createAlipayProvider({ ...config, timeoutMs: 5_000 }, { baseDir: dir });
    quick = createAlipayProvider({ ...config, timeoutMs: 1_000 }, { baseDir: dir });
  });

  afterAll(async () => {
    expect(sb.ledger.check()).toEqual([]);
    await sb.close();
  });

  beforeEach(() => {
    sb.faults.clear();
  });

  it('pays at once (10000) and charges the buyer exactly once', async () => {
    const b = buyer(100_00);
    const no = nextNo();
    const outcome = await alipay.pay(pay(no, code(b.id), 8888));
    expect(outcome).toMatchObject({ kind: 'paid', amount: 8888, buyer: b.alipayLogonId });
    expect(await alipay.query(ref(no))).toMatchObject({ kind: 'paid', amount: 8888, tradeNo: outcome.kind === 'paid' ? outcome.tradeNo : '' });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00 - 8888);
  });

  it('10003: waits while the customer confirms, then query says paid', async () => {
    const b = buyer(100_00, { afterSeconds: null });
    const no = nextNo();
    const outcome = await alipay.pay(pay(no, code(b.id), 1234));
    expect(outcome).toMatchObject({ kind: 'waiting', tradeNo: expect.any(String) });
    expect(await alipay.query(ref(no))).toEqual({ kind: 'waiting' });
    sb.wallet.confirm(outcome.kind === 'waiting' ? (outcome.tradeNo ?? '') : '');
    expect(await alipay.query(ref(no))).toMatchObject({ kind: 'paid', amount: 1234 });
  });

  it('refuses an invalid, a used and an underfunded code, with nothing charged', async () => {
    const b = buyer(10_00);
    expect(await alipay.pay(pay(nextNo(), '280000000000000000'))).toMatchObject({ kind: 'failed', code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', retryWithNewCode: true });
    const used = code(b.id);
    expect(await alipay.pay(pay(nextNo(), used, 1_00))).toMatchObject({ kind: 'paid' });
    expect(await alipay.pay(pay(nextNo(), used, 1_00))).toMatchObject({ kind: 'failed', code: 'ACQ.PAYMENT_AUTH_CODE_INVALID' });
    expect(await alipay.pay(pay(nextNo(), code(b.id), 50_00))).toMatchObject({ kind: 'failed', code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', retryWithNewCode: true });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(9_00);
  });

  it('QR: precreate, not-found until scanned, paid after the scan; close then says already-paid', async () => {
    const b = buyer(100_00);
    const no = nextNo();
    const created = await alipay.precreate({ ...payRequest, outTradeNo: no, amount: 2500, qrTimeoutMinutes: 2 });
    expect(created).toMatchObject({ kind: 'created', qrCode: expect.stringMatching(/^https:\/\/qr\.alipay\.com\//) });
    expect(await alipay.query(ref(no))).toEqual({ kind: 'not-found' });
    sb.wallet.scan(created.kind === 'created' ? created.qrCode : '', b.id);
    expect(await alipay.query(ref(no))).toMatchObject({ kind: 'paid', amount: 2500 });
    expect(await alipay.close(ref(no))).toEqual({ kind: 'already-paid' });
  });

  it('QR nobody scans: close says not-found, and the code can no longer be paid', async () => {
    const b = buyer(100_00);
    const no = nextNo();
    const created = await alipay.precreate({ ...payRequest, outTradeNo: no, amount: 2500, qrTimeoutMinutes: 2 });
    expect(await alipay.close(ref(no))).toEqual({ kind: 'not-found' });
    expect(() => sb.wallet.scan(created.kind === 'created' ? created.qrCode : '', b.id)).toThrow();
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00);
  });

  it('cancel reverses a paid trade and closes a waiting one; a trade never sent is void', async () => {
    const b = buyer(100_00);
    const paidNo = nextNo();
    await alipay.pay(pay(paidNo, code(b.id), 3000));
    expect(await alipay.cancel(ref(paidNo))).toEqual({ kind: 'cancelled', action: 'refund' });
    expect(await alipay.query(ref(paidNo))).toEqual({ kind: 'closed' });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00);

    sb.wallet.setPassword(b.id, { afterSeconds: null });
    const waitingNo = nextNo();
    expect(await alipay.pay(pay(waitingNo, code(b.id), 3000))).toMatchObject({ kind: 'waiting' });
    expect(await alipay.cancel(ref(waitingNo))).toEqual({ kind: 'cancelled', action: 'close' });
    expect(await alipay.cancel(ref(waitingNo))).toMatchObject({ kind: 'cancelled' });
    sb.wallet.setPassword(b.id, null);

    const neverSent = nextNo();
    expect(await alipay.cancel(ref(neverSent))).toEqual({ kind: 'cancelled', action: 'none' });
    expect(await alipay.pay(pay(neverSent, code(b.id), 3000))).toMatchObject({ kind: 'failed', code: 'ACQ.TRADE_HAS_CLOSE' });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00);
  });

  it('refunds partially, idempotently by out_request_no, confirmed by refund query; too much is refused', async () => {
    const b = buyer(100_00);
    const no = nextNo();
    await alipay.pay(pay(no, code(b.id), 5000));
    const refund = (outRequestNo: string, amount: number) => alipay.refund({ wallet: 'alipay', outTradeNo: no, outRequestNo, amount, currency: 'CNY', reason: 'return', operatorId: 'mgr' });
    expect(await alipay.refundQuery({ ...ref(no), outRequestNo: `${no}R1` })).toEqual({ kind: 'not-refunded' });
    expect(await refund(`${no}R1`, 1000)).toEqual({ kind: 'refunded', refundedTotal: 1000, fundChange: true });
    expect(await refund(`${no}R1`, 1000)).toEqual({ kind: 'refunded', refundedTotal: 1000, fundChange: false });
    expect(await refund(`${no}R2`, 1500)).toEqual({ kind: 'refunded', refundedTotal: 2500, fundChange: true });
    expect(await alipay.refundQuery({ ...ref(no), outRequestNo: `${no}R2` })).toEqual({ kind: 'refunded', amount: 1500 });
    expect(await refund(`${no}R3`, 2600)).toMatchObject({ kind: 'failed', code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', message: expect.stringMatching(/more than what is left/) });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00 - 5000 + 2500);
    expect(await alipay.query(ref(no))).toMatchObject({ kind: 'paid' });
  });

  it("downloads today's bill as a zip", async () => {
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const zip = await alipay.downloadBill(today);
    expect([...zip.slice(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    expect(zip.length).toBeGreaterThan(200);
    await expect(alipay.billDownloadUrl('2999-01-01')).rejects.toMatchObject({ name: 'AlipayBillError', code: 'isp.bill_not_exist' });
  });

  it('injected faults are unknown (cancel: retry), and query finds what really happened', async () => {
    const b = buyer(1_000_00);
    const cases: { fault: Record<string, unknown>; committed: boolean }[] = [
      { fault: { kind: 'unavailable' }, committed: false },
      { fault: { kind: 'system-error' }, committed: false },
      { fault: { kind: 'system-error', afterCommit: true }, committed: true },
      { fault: { kind: 'html' }, committed: false },
      { fault: { kind: 'tampered-signature' }, committed: true },
      { fault: { kind: 'latency', ms: 1_500 }, committed: true },
    ];
    for (const { fault, committed } of cases) {
      const no = nextNo();
      sb.faults.add({ method: 'alipay.trade.pay', fault: fault as never, count: 1 });
      const label = JSON.stringify(fault);
      expect(await quick.pay(pay(no, code(b.id), 1_00)), label).toMatchObject({ kind: 'unknown' });
      expect(await alipay.query(ref(no)), label).toMatchObject({ kind: committed ? 'paid' : 'not-found' });
    }
    sb.faults.add({ method: 'alipay.trade.cancel', fault: { kind: 'unavailable' }, count: 1 });
    expect(await alipay.cancel(ref(nextNo()))).toMatchObject({ kind: 'retry' });
  });

  it('a dropped answer after commit is re-sent once by the SDK: the re-send answers TRADE_HAS_SUCCESS (unknown), never a second charge', async () => {
    const b = buyer(100_00);
    const no = nextNo();
    sb.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'drop-after-commit' }, count: 1 });
    expect(await alipay.pay(pay(no, code(b.id), 2000))).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/ACQ.TRADE_HAS_SUCCESS/) });
    expect(await alipay.query(ref(no))).toMatchObject({ kind: 'paid', amount: 2000 });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00 - 2000);
    sb.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'reset' }, count: 2 });
    const reset = nextNo();
    expect(await alipay.pay(pay(reset, code(b.id), 2000))).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/connection to Alipay failed/) });
    expect(await alipay.query(ref(reset))).toEqual({ kind: 'not-found' });
  });

  describe('end to end through the payment machine', () => {
    const timing = { pollIntervalMs: 150, deadlineMs: 2_000, queryDelayMs: 50, cancelRetryMs: 50, closeRetryMs: 50 };
    const run = (input: Omit<PaymentInput, 'wallet' | 'currency' | 'subject' | 'storeId' | 'terminalId' | 'operatorId' | 'timing'>, provider = alipay) =>
      toPromise(
        createActor(providePayment(provider), {
          input: { wallet: 'alipay', currency: 'CNY', subject: 'sale', storeId: 'S1', terminalId: 'T01', operatorId: 'anna', timing, ...input },
        }).start(),
      );

    it('barcode pay that succeeds at once', async () => {
      const b = buyer(100_00);
      const t0 = performance.now();
      const result = await run({ mode: 'barcode', outTradeNo: nextNo(), amount: 999, authCode: code(b.id) });
      const ms = performance.now() - t0;
      expect(result).toMatchObject({ kind: 'paid', trade: { amount: 999 }, unwanted: false });
      expect(ms).toBeLessThan(1_000);
    });

    it('barcode pay the customer confirms after half a second: polled to paid', async () => {
      const b = buyer(100_00, { afterSeconds: 0.5 });
      const result = await run({ mode: 'barcode', outTradeNo: nextNo(), amount: 777, authCode: code(b.id) });
      expect(result).toMatchObject({ kind: 'paid', trade: { amount: 777 } });
      expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00 - 777);
    });

    it('barcode pay never confirmed: cancelled at the deadline, nothing charged', async () => {
      const b = buyer(100_00, { afterSeconds: null });
      const no = nextNo();
      const result = await run({ mode: 'barcode', outTradeNo: no, amount: 555, authCode: code(b.id) });
      expect(result).toMatchObject({ kind: 'cancelled', action: 'close' });
      expect(await alipay.query(ref(no))).toEqual({ kind: 'closed' });
      expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00);
    });

    it('an answer lost past the timeout: the machine queries and keeps the payment', async () => {
      const b = buyer(100_00);
      sb.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'latency', ms: 1_500 }, count: 1 });
      const result = await run({ mode: 'barcode', outTradeNo: nextNo(), amount: 444, authCode: code(b.id) }, quick);
      expect(result).toMatchObject({ kind: 'paid', trade: { amount: 444 } });
      expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00 - 444);
    });

    it('QR nobody scans: closed at the deadline', async () => {
      const no = nextNo();
      const result = await run({ mode: 'qr', outTradeNo: no, amount: 333 });
      expect(result).toMatchObject({ kind: 'aborted' });
      expect(await alipay.query(ref(no))).toEqual({ kind: 'not-found' });
    });
  });
});
