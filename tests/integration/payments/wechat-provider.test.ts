// The WeChat Pay provider over HTTP against a small v2 stub that checks the request signature
// and signs its XML answers with the merchant's API key, and misbehaves on demand (wrong or
// missing signature, another merchant, return_code FAIL, HTML, HTTP errors, silence, resets).
// The second half runs every method against the sandbox gateway's own v2 implementation
// (src/payments/sandbox), with its wallet playing the customer and its faults the network, and
// ends with micropay through the payment machine.
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { PayRequest, TradeRef } from '../../../src/domain/payment.ts';
import { type SandboxServer, startSandbox } from '../../../src/payments/sandbox/server.ts';
import { createWechatProvider, type WechatProvider } from '../../../src/payments/wechat/wechat-provider.ts';
import { type PaymentEffects, type PaymentInput, providePayment } from '../../../state-machines/payment.machine.ts';

const API_KEY = 'Kassa0Test1Key2For3WeChat4Pay567';
const APPID = 'wx2421b1c4370ec43b';
const MCH = '10000100';

type Fields = Record<string, string>;

/** The stub's own signing, written from the v2 guide (not the provider's code). */
function stubSign(f: Fields, type: string, key = API_KEY): string {
  const text = `${Object.keys(f)
    .filter((k) => k !== 'sign' && f[k] !== '')
    .sort()
    .map((k) => `${k}=${f[k]}`)
    .join('&')}&key=${key}`;
  return (type === 'HMAC-SHA256' ? createHmac('sha256', key).update(text, 'utf8') : createHash('md5').update(text, 'utf8')).digest('hex').toUpperCase();
}

function stubParse(xml: string): Fields {
  const out: Fields = {};
  for (const m of xml.matchAll(/<(\w+)><!\[CDATA\[([\s\S]*?)\]\]><\/\1>/g)) out[m[1] as string] = m[2] as string;
  return out;
}

interface Reply {
  readonly fields?: Fields;
  readonly raw?: string;
  readonly status?: number;
  readonly signWith?: 'MD5' | 'HMAC-SHA256' | 'none' | 'wrong-key';
  readonly delayMs?: number;
  readonly reset?: boolean;
}

interface Seen {
  readonly path: string;
  readonly fields: Fields;
  readonly signatureOk: boolean;
}

let server: Server;
let base = '';
let seen: Seen[] = [];
let handler: (path: string, f: Fields) => Reply = () => ({ fields: { return_code: 'FAIL', return_msg: 'no handler' } });

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://stub').pathname;
  const f = stubParse(await readBody(req));
  const signatureOk = f.sign === stubSign(f, f.sign_type ?? 'MD5');
  seen.push({ path, fields: f, signatureOk });
  const reply = signatureOk ? handler(path, f) : { fields: { return_code: 'FAIL', return_msg: '签名错误' }, signWith: 'none' as const };
  if (reply.reset) {
    req.socket.destroy();
    return;
  }
  if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
  if (res.destroyed) return;
  let text = reply.raw;
  if (text === undefined) {
    const out: Fields = { ...reply.fields };
    const how = reply.signWith ?? (out.return_code === 'SUCCESS' ? (f.sign_type ?? 'MD5') : 'none');
    if (how === 'wrong-key') out.sign = stubSign(out, 'MD5', 'ThisIsNotTheMerchantsApiKey00000');
    else if (how !== 'none') out.sign = stubSign(out, how);
    text = `<xml>${Object.entries(out)
      .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
      .join('')}</xml>`;
  }
  res.writeHead(reply.status ?? 200, { 'content-type': 'text/xml' });
  res.end(text);
}

const ok = (extra: Fields): Fields => ({ return_code: 'SUCCESS', return_msg: 'OK', appid: APPID, mch_id: MCH, nonce_str: 'abc', ...extra });
const NO = 'K1T01W0001';
const paidFields = ok({ result_code: 'SUCCESS', openid: 'oUpF8u', trade_type: 'MICROPAY', total_fee: '8888', cash_fee: '8888', transaction_id: '4200000001', out_trade_no: NO, time_end: '20240513174920' });

let provider: WechatProvider;
let fastProvider: WechatProvider;
let hmacProvider: WechatProvider;

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'kassa-wechat-it-'));
  writeFileSync(join(dir, 'api.key'), API_KEY);
  const config = { appId: APPID, mchId: MCH, apiKeyPath: 'api.key', gateway: `${base}/`, clientIp: '192.168.1.20', storeId: 'SH001' };
  provider = createWechatProvider({ ...config, timeoutMs: 5_000 }, { baseDir: dir });
  fastProvider = createWechatProvider({ ...config, timeoutMs: 1_000 }, { baseDir: dir });
  hmacProvider = createWechatProvider({ ...config, signType: 'HMAC-SHA256' }, { baseDir: dir });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
});

const payRequest: PayRequest = {
  wallet: 'wechat',
  outTradeNo: NO,
  authCode: '134567890123456789',
  amount: 8888,
  currency: 'CNY',
  subject: 'Kassa Store 咖啡'.padEnd(200, '茶'),
  storeId: 'STORE-1',
  terminalId: 'T01',
  operatorId: 'anna',
};

describe('WeChat Pay provider over HTTP (signed stub)', () => {
  it('pays by micropay: a signed XML request in fen, verified answer mapped to paid', async () => {
    handler = () => ({ fields: paidFields });
    expect(await provider.pay(payRequest)).toEqual({ kind: 'paid', tradeNo: '4200000001', amount: 8888, buyer: 'oUpF8u', paidAt: '2024-05-13T17:49:20+08:00' });
    expect(seen).toHaveLength(1);
    const f = seen[0]?.fields ?? {};
    expect(seen[0]?.path).toBe('/pay/micropay');
    expect(seen[0]?.signatureOk).toBe(true);
    expect(f).toMatchObject({
      appid: APPID,
      mch_id: MCH,
      sign_type: 'MD5',
      out_trade_no: NO,
      total_fee: '8888',
      fee_type: 'CNY',
      spbill_create_ip: '192.168.1.20',
      auth_code: '134567890123456789',
      device_info: 'T01',
      scene_info: '{"store_info":{"id":"SH001"}}',
    });
    expect(f.nonce_str).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.byteLength(f.body ?? '', 'utf8')).toBeLessThanOrEqual(128);
    expect(f.body?.startsWith('Kassa Store 咖啡茶')).toBe(true);
  });

  it('USERPAYING waits; an expired code is refused with a cashier message', async () => {
    handler = () => ({ fields: ok({ result_code: 'FAIL', err_code: 'USERPAYING', err_code_des: '需要用户输入支付密码' }) });
    expect(await provider.pay(payRequest)).toEqual({ kind: 'waiting', tradeNo: null });
    handler = () => ({ fields: ok({ result_code: 'FAIL', err_code: 'AUTHCODEEXPIRE', err_code_des: '二维码已过期，请用户在微信上刷新后再试' }) });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'failed', code: 'AUTHCODEEXPIRE', retryWithNewCode: true, message: expect.stringMatching(/expired/) });
  });

  it('return_code FAIL (unsigned) is unknown with WeChat\'s words, never failed', async () => {
    handler = () => ({ fields: { return_code: 'FAIL', return_msg: '系统繁忙' } });
    expect(await provider.pay(payRequest)).toEqual({ kind: 'unknown', reason: 'WeChat Pay did not take the request: FAIL 系统繁忙' });
  });

  it('a wrong, missing or wrong-type signature, or another merchant\'s answer, is unknown even when it says paid', async () => {
    for (const signWith of ['none', 'wrong-key'] as const) {
      handler = () => ({ fields: paidFields, signWith });
      expect(await provider.pay(payRequest), signWith).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/signature verification.*unverified claim: SUCCESS/) });
    }
    handler = () => ({ fields: paidFields, signWith: 'MD5' });
    expect(await hmacProvider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/signature verification/) });
    handler = () => ({ fields: { ...paidFields, mch_id: '99999999' } });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/another merchant/) });
  });

  it('signs and verifies with HMAC-SHA256 when configured', async () => {
    handler = () => ({ fields: paidFields });
    expect(await hmacProvider.pay(payRequest)).toMatchObject({ kind: 'paid' });
    expect(seen.at(-1)?.fields.sign_type).toBe('HMAC-SHA256');
    expect(seen.at(-1)?.fields.sign).toMatch(/^[0-9A-F]{64}$/);
  });

  it('HTML, HTTP errors and malformed XML are unknown', async () => {
    handler = () => ({ raw: '<html><body>502 Bad Gateway</body></html>' });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/not readable: not WeChat XML \(starts "<html>/) });
    handler = () => ({ status: 503, raw: 'busy' });
    expect(await provider.query({ wallet: 'wechat', outTradeNo: NO })).toEqual({ kind: 'unknown', reason: 'WeChat Pay answered HTTP 503' });
    handler = () => ({ raw: '<xml><return_code>SUCCESS</return_code><return_code>FAIL</return_code></xml>' });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/appears twice/) });
  });

  it('silence beyond timeoutMs is unknown (cancel: retry)', async () => {
    handler = () => ({ fields: paidFields, delayMs: 1_500 });
    const t0 = performance.now();
    expect(await fastProvider.pay(payRequest)).toEqual({ kind: 'unknown', reason: 'no answer from WeChat Pay within 1000 ms' });
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(1_400);
    expect(await fastProvider.cancel({ wallet: 'wechat', outTradeNo: NO })).toMatchObject({ kind: 'retry' });
  });

  it('an AbortSignal ends the request; an aborted one sends nothing', async () => {
    handler = () => ({ fields: paidFields, delayMs: 1_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('machine stopped')), 50);
    const t0 = performance.now();
    expect(await provider.query({ wallet: 'wechat', outTradeNo: NO }, controller.signal)).toEqual({ kind: 'unknown', reason: 'stopped before WeChat Pay answered (machine stopped)' });
    expect(performance.now() - t0).toBeLessThan(500);
    const before = seen.length;
    expect(await provider.pay(payRequest, AbortSignal.abort())).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/nothing was sent/) });
    expect(seen.length).toBe(before);
  });

  it('a connection reset is unknown, and nothing is re-sent behind the caller\'s back', async () => {
    handler = () => ({ reset: true });
    expect(await provider.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/connection to WeChat Pay failed \(ECONNRESET/) });
    expect(seen).toHaveLength(1);
    expect(await provider.cancel({ wallet: 'wechat', outTradeNo: NO })).toMatchObject({ kind: 'retry' });
  });

  it('a gateway that is not there at all is unknown', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dir = mkdtempSync(join(tmpdir(), 'kassa-wechat-down-'));
    writeFileSync(join(dir, 'api.key'), API_KEY);
    const down = createWechatProvider({ appId: APPID, mchId: MCH, apiKeyPath: 'api.key', gateway: `http://127.0.0.1:${port}` }, { baseDir: dir });
    expect(await down.pay(payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/connection to WeChat Pay failed \(ECONNREFUSED/) });
    expect(await down.cancel({ wallet: 'wechat', outTradeNo: NO })).toMatchObject({ kind: 'retry' });
  });

  it('queries and reverses', async () => {
    handler = (path) =>
      path === '/pay/orderquery'
        ? { fields: ok({ result_code: 'SUCCESS', trade_state: 'USERPAYING', out_trade_no: NO }) }
        : { fields: ok({ result_code: 'SUCCESS', recall: 'N' }) };
    expect(await provider.query({ wallet: 'wechat', outTradeNo: NO })).toEqual({ kind: 'waiting' });
    expect(await provider.cancel({ wallet: 'wechat', outTradeNo: NO })).toEqual({ kind: 'cancelled', action: 'none' });
    expect(seen.map((s) => [s.path, s.fields.out_trade_no])).toEqual([
      ['/pay/orderquery', NO],
      ['/secapi/pay/reverse', NO],
    ]);
    handler = () => ({ fields: ok({ result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '接口返回错误', recall: 'Y' }) });
    expect(await provider.cancel({ wallet: 'wechat', outTradeNo: NO })).toMatchObject({ kind: 'retry' });
  });

  it('refunds: looks up the total, refunds, then reads the refunded total from the refund list', async () => {
    handler = (path, f) => {
      if (path === '/pay/orderquery') return { fields: { ...paidFields, trade_state: 'SUCCESS' } };
      if (path === '/secapi/pay/refund') return { fields: ok({ result_code: 'SUCCESS', out_trade_no: NO, out_refund_no: f.out_refund_no ?? '', refund_id: '5000', refund_fee: f.refund_fee ?? '', total_fee: '8888' }) };
      return {
        fields: ok({
          result_code: 'SUCCESS',
          out_trade_no: NO,
          total_fee: '8888',
          refund_count: '3',
          out_refund_no_0: 'K1T01R0000',
          refund_fee_0: '1000',
          refund_status_0: 'SUCCESS',
          out_refund_no_1: 'K1T01R0001',
          refund_fee_1: '3000',
          refund_status_1: 'PROCESSING',
          out_refund_no_2: 'K1T01R0002',
          refund_fee_2: '500',
          refund_status_2: 'REFUNDCLOSE',
        }),
      };
    };
    const refund = { wallet: 'wechat', outTradeNo: NO, outRequestNo: 'K1T01R0001', amount: 3000, currency: 'CNY', reason: 'damaged', operatorId: 'mgr' } as const;
    expect(await provider.refund(refund)).toEqual({ kind: 'refunded', refundedTotal: 4000, fundChange: true });
    expect(seen.map((s) => s.path)).toEqual(['/pay/orderquery', '/secapi/pay/refund', '/pay/refundquery']);
    expect(seen[1]?.fields).toMatchObject({ out_trade_no: NO, out_refund_no: 'K1T01R0001', total_fee: '8888', refund_fee: '3000', refund_desc: 'damaged' });
    expect(await provider.refundQuery({ wallet: 'wechat', outTradeNo: NO, outRequestNo: 'K1T01R0001' })).toEqual({ kind: 'refunded', amount: 3000 });
    expect(seen.at(-1)?.fields.out_refund_no).toBe('K1T01R0001');
  });

  it('refuses to refund a payment that was never completed, without sending a refund', async () => {
    handler = () => ({ fields: { ...paidFields, trade_state: 'REVOKED' } });
    const refund = { wallet: 'wechat', outTradeNo: NO, outRequestNo: 'K1T01R0001', amount: 3000, currency: 'CNY', reason: '', operatorId: 'mgr' } as const;
    expect(await provider.refund(refund)).toMatchObject({ kind: 'failed', code: 'ORDERNOTPAID', message: expect.stringMatching(/nothing to refund/) });
    expect(seen.map((s) => s.path)).toEqual(['/pay/orderquery']);
  });

  it("throws for the caller's mistakes, before anything is sent", async () => {
    await expect(provider.pay({ ...payRequest, wallet: 'alipay' })).rejects.toThrow(/not wechat/);
    await expect(provider.pay({ ...payRequest, amount: -1 })).rejects.toThrow(/wechat pay amount -1/);
    await expect(provider.pay({ ...payRequest, amount: 2_147_483_648 })).rejects.toThrow(/limit/);
    await expect(provider.pay({ ...payRequest, authCode: '13 45' })).rejects.toThrow(/authCode/);
    await expect(provider.refundQuery({ wallet: 'wechat', outTradeNo: NO, outRequestNo: '' })).rejects.toThrow(/outRequestNo/);
    expect(seen).toHaveLength(0);
  });
});

describe('WeChat Pay provider against the sandbox gateway', () => {
  const SB_KEY = 'Sandbox0Key1For2Kassa3WeChat4567';
  let sb: SandboxServer;
  let wechat: WechatProvider;
  let quick: WechatProvider;
  let hmac: WechatProvider;
  let seq = 0;
  const nextNo = () => `K1T01WX${String(++seq).padStart(4, '0')}`;
  const ref = (outTradeNo: string): TradeRef => ({ wallet: 'wechat', outTradeNo });
  const pay = (outTradeNo: string, authCode: string, amount = 8888): PayRequest => ({ ...payRequest, outTradeNo, authCode, amount });
  const buyer = (balanceFen: number, password: { afterSeconds: number | null } | null = null) => sb.wallet.createBuyer({ balanceFen, password });
  const code = (buyerId: string) => sb.wallet.issueCode(buyerId, 'wechat').code;
  const refund = (provider: WechatProvider, outTradeNo: string, outRequestNo: string, amount: number) =>
    provider.refund({ wallet: 'wechat', outTradeNo, outRequestNo, amount, currency: 'CNY', reason: 'return', operatorId: 'mgr' });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-wechat-sandbox-'));
    writeFileSync(join(dir, 'api.key'), `${SB_KEY}\n`);
    sb = await startSandbox({
      gatewayPrivateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
      alipayApps: [],
      wechatMerchants: [{ appid: APPID, mchId: '1900000109', apiKey: SB_KEY }],
      wechatRevokeAfterMs: 45_000,
    });
    const config = { appId: APPID, mchId: '1900000109', apiKeyPath: 'api.key', gateway: sb.url };
    wechat = createWechatProvider(config, { baseDir: dir });
    quick = createWechatProvider({ ...config, timeoutMs: 1_000 }, { baseDir: dir });
    hmac = createWechatProvider({ ...config, signType: 'HMAC-SHA256' }, { baseDir: dir });
  });

  afterAll(async () => {
    expect(sb.ledger.check()).toEqual([]);
    await sb.close();
  });

  beforeEach(() => {
    sb.faults.clear();
  });

  it('micropay pays at once, with MD5 and with HMAC-SHA256 signatures', async () => {
    const b = buyer(100_00);
    const no = nextNo();
    const outcome = await wechat.pay(pay(no, code(b.id), 8888));
    expect(outcome).toMatchObject({ kind: 'paid', amount: 8888, buyer: b.wechatOpenid });
    expect(await wechat.query(ref(no))).toMatchObject({ kind: 'paid', amount: 8888, tradeNo: outcome.kind === 'paid' ? outcome.tradeNo : '' });
    const viaHmac = nextNo();
    expect(await hmac.pay(pay(viaHmac, code(b.id), 100))).toMatchObject({ kind: 'paid', amount: 100 });
    expect(await hmac.query(ref(viaHmac))).toMatchObject({ kind: 'paid' });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00 - 8888 - 100);
  });

  it('USERPAYING waits; the query says paid once the customer enters the password', async () => {
    const b = buyer(100_00, { afterSeconds: null });
    const no = nextNo();
    expect(await wechat.pay(pay(no, code(b.id), 1234))).toEqual({ kind: 'waiting', tradeNo: null });
    expect(await wechat.query(ref(no))).toEqual({ kind: 'waiting' });
    const [pending] = sb.wallet.pending(b.id);
    sb.wallet.confirm(pending?.tradeNo ?? '');
    expect(await wechat.query(ref(no))).toMatchObject({ kind: 'paid', amount: 1234 });
  });

  it('refuses an invalid, a used and an underfunded code, with nothing charged', async () => {
    const b = buyer(10_00);
    expect(await wechat.pay(pay(nextNo(), '130000000000000000'))).toMatchObject({ kind: 'failed', code: 'AUTH_CODE_INVALID', retryWithNewCode: true });
    expect(await wechat.pay(pay(nextNo(), '1300'))).toMatchObject({ kind: 'failed', code: 'AUTH_CODE_ERROR', retryWithNewCode: true });
    const used = code(b.id);
    expect(await wechat.pay(pay(nextNo(), used, 1_00))).toMatchObject({ kind: 'paid' });
    expect(await wechat.pay(pay(nextNo(), used, 1_00))).toMatchObject({ kind: 'failed', code: 'AUTH_CODE_INVALID' });
    expect(await wechat.pay(pay(nextNo(), code(b.id), 50_00))).toMatchObject({ kind: 'failed', code: 'NOTENOUGH', retryWithNewCode: true });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(9_00);
  });

  it('reverse closes a waiting trade and gives back a paid one; an unknown trade is nothing to reverse', async () => {
    const b = buyer(100_00, { afterSeconds: null });
    const waiting = nextNo();
    await wechat.pay(pay(waiting, code(b.id), 3000));
    expect(await wechat.cancel(ref(waiting))).toEqual({ kind: 'cancelled', action: 'none' });
    expect(await wechat.query(ref(waiting))).toEqual({ kind: 'closed' });
    sb.wallet.setPassword(b.id, null);
    const paid = nextNo();
    await wechat.pay(pay(paid, code(b.id), 3000));
    expect(await wechat.cancel(ref(paid))).toEqual({ kind: 'cancelled', action: 'none' });
    expect(await wechat.query(ref(paid))).toEqual({ kind: 'closed' });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00);
    expect(await wechat.query(ref(nextNo()))).toEqual({ kind: 'not-found' });
    expect(await wechat.cancel(ref(nextNo()))).toEqual({ kind: 'cancelled', action: 'none' });
  });

  it('refunds partially and idempotently by out_refund_no; refund query confirms; too much is refused', async () => {
    const b = buyer(100_00);
    const no = nextNo();
    await wechat.pay(pay(no, code(b.id), 5000));
    expect(await wechat.refundQuery({ ...ref(no), outRequestNo: `${no}R1` })).toEqual({ kind: 'not-refunded' });
    expect(await refund(wechat, no, `${no}R1`, 1000)).toEqual({ kind: 'refunded', refundedTotal: 1000, fundChange: true });
    expect(await refund(wechat, no, `${no}R1`, 1000)).toEqual({ kind: 'refunded', refundedTotal: 1000, fundChange: true });
    expect(await refund(wechat, no, `${no}R2`, 1500)).toEqual({ kind: 'refunded', refundedTotal: 2500, fundChange: true });
    expect(await wechat.refundQuery({ ...ref(no), outRequestNo: `${no}R2` })).toEqual({ kind: 'refunded', amount: 1500 });
    expect(await refund(wechat, no, `${no}R3`, 2600)).toMatchObject({ kind: 'failed', code: 'INVALID_REQUEST', message: expect.stringMatching(/more than what is left.*累计退款金额大于支付金额/) });
    expect(await refund(wechat, nextNo(), 'NOPE1', 100)).toMatchObject({ kind: 'failed', code: 'ORDERNOTEXIST' });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00 - 5000 + 2500);
    expect(await wechat.query(ref(no))).toMatchObject({ kind: 'paid' });
  });

  it('injected faults are unknown (reverse: retry); query finds what really happened; nothing is re-sent', async () => {
    const b = buyer(1_000_00);
    const cases: { fault: Record<string, unknown>; committed: boolean }[] = [
      { fault: { kind: 'unavailable' }, committed: false },
      { fault: { kind: 'system-error', afterCommit: true }, committed: true },
      { fault: { kind: 'html' }, committed: false },
      { fault: { kind: 'tampered-signature' }, committed: true },
      { fault: { kind: 'drop-after-commit' }, committed: true },
      { fault: { kind: 'reset' }, committed: false },
      { fault: { kind: 'latency', ms: 1_500 }, committed: true },
    ];
    for (const { fault, committed } of cases) {
      const no = nextNo();
      sb.faults.add({ method: 'wechat.micropay', fault: fault as never, count: 1 });
      const label = JSON.stringify(fault);
      expect(await quick.pay(pay(no, code(b.id), 1_00)), label).toMatchObject({ kind: 'unknown' });
      expect(await wechat.query(ref(no)), label).toMatchObject({ kind: committed ? 'paid' : 'not-found' });
    }
    sb.faults.add({ method: 'wechat.reverse', fault: { kind: 'system-error' }, count: 1 });
    expect(await wechat.cancel(ref(nextNo()))).toMatchObject({ kind: 'retry' });
    expect(sb.wallet.buyer(b.id).balanceFen).toBe(1_000_00 - 4 * 1_00);
  });

  describe('end to end through the payment machine', () => {
    const timing = { pollIntervalMs: 150, deadlineMs: 1_500, queryDelayMs: 50, cancelRetryMs: 50 };
    const effects = (p: WechatProvider): PaymentEffects => ({
      pay: (r, s) => p.pay(r, s),
      query: (r, s) => p.query(r, s),
      cancel: (r, s) => p.cancel(r, s),
      precreate: () => Promise.reject(new Error('WeChat micropay has no precreate')),
      close: () => Promise.reject(new Error('WeChat micropay has no close')),
    });
    const run = (input: Pick<PaymentInput, 'outTradeNo' | 'amount' | 'authCode'>, p = wechat) =>
      toPromise(
        createActor(providePayment(effects(p)), {
          input: { wallet: 'wechat', mode: 'barcode', currency: 'CNY', subject: 'sale', storeId: 'S1', terminalId: 'T01', operatorId: 'anna', timing, ...input },
        }).start(),
      );

    it('USERPAYING confirmed after half a second: polled to paid', async () => {
      const b = buyer(100_00, { afterSeconds: 0.5 });
      expect(await run({ outTradeNo: nextNo(), amount: 777, authCode: code(b.id) })).toMatchObject({ kind: 'paid', trade: { amount: 777 } });
      expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00 - 777);
    });

    it('never confirmed: reversed at the deadline, nothing charged', async () => {
      const b = buyer(100_00, { afterSeconds: null });
      const no = nextNo();
      expect(await run({ outTradeNo: no, amount: 555, authCode: code(b.id) })).toMatchObject({ kind: 'cancelled' });
      expect(await wechat.query(ref(no))).toEqual({ kind: 'closed' });
      expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00);
    });

    it('SYSTEMERROR after the charge: the machine queries and keeps the payment', async () => {
      const b = buyer(100_00);
      sb.faults.add({ method: 'wechat.micropay', fault: { kind: 'system-error', afterCommit: true }, count: 1 });
      expect(await run({ outTradeNo: nextNo(), amount: 444, authCode: code(b.id) })).toMatchObject({ kind: 'paid', trade: { amount: 444 } });
      expect(sb.wallet.buyer(b.id).balanceFen).toBe(100_00 - 444);
    });
  });
});
