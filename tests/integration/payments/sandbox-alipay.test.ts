// Interop: the official alipay-sdk (4.14, v2 gateway, RSA2) talks to the sandbox gateway over
// real HTTP on 127.0.0.1 for every method, with every response signature verified
// (validateSign) and every request signature checked by the sandbox: a request signed with the
// wrong key is refused, a tampered response makes exec throw. Then the flows of payments.md:
// 10003 → query until the buyer confirms, precreate → not found → scan → paid, cancel / close /
// refund / refund query, the bill zip decoded back from GBK, and each injected fault as the SDK
// sees it.
import { AlipaySdk } from 'alipay-sdk';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../src/payments/sandbox/server.ts';
import type { SandboxServer } from '../../../src/payments/sandbox/server.ts';
import { readZip } from '../../unit/payments/sandbox/read-zip.ts';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY, GATEWAY_PRIVATE_KEY, GATEWAY_PUBLIC_KEY } from '../../unit/payments/sandbox/test-keys.ts';

let server: SandboxServer;
let sdk: AlipaySdk;
let offsetMs = 0;
const DAY = 24 * 60 * 60 * 1000;

type Result = Record<string, unknown> & { code: string; msg: string; subCode?: string; subMsg?: string };

beforeAll(async () => {
  server = await startSandbox({
    gatewayPrivateKey: GATEWAY_PRIVATE_KEY,
    alipayApps: [{ appId: APP_ID, publicKey: APP_PUBLIC_KEY }],
    clock: () => Date.now() + offsetMs,
    onInternalError: (err) => {
      throw err;
    },
  });
  sdk = new AlipaySdk({ appId: APP_ID, privateKey: APP_PRIVATE_KEY, alipayPublicKey: GATEWAY_PUBLIC_KEY, gateway: server.gatewayUrl, timeout: 3_000 });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.faults.clear();
  offsetMs = 0;
});

const exec = (method: string, bizContent: Record<string, unknown>, client = sdk): Promise<Result> => client.exec(method, { bizContent }, { validateSign: true }) as Promise<Result>;

let seq = 0;
const outNo = (prefix: string) => `${prefix}${Date.now()}${(seq += 1)}`;

function buyer(balance = '1000.00', password?: { afterSeconds: number | null }) {
  return server.wallet.createBuyer({ balanceFen: Number(balance.replace('.', '')), ...(password === undefined ? {} : { password }) });
}

const code = (buyerId: string) => server.wallet.issueCode(buyerId, 'alipay').code;

const pay = (outTradeNo: string, authCode: string, amount = '88.88', extra: Record<string, unknown> = {}) =>
  exec('alipay.trade.pay', { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: authCode, subject: '收银台/测试', total_amount: amount, store_id: 'S1', terminal_id: 'T1', operator_id: 'op', ...extra });

async function walletPost(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('signatures both ways', () => {
  it('alipay.trade.pay succeeds with a signed request and a verified, signed response', async () => {
    const b = buyer();
    const out = outNo('P');
    const r = await pay(out, code(b.id), '88.88');
    expect(r).toMatchObject({ code: '10000', msg: 'Success', outTradeNo: out, totalAmount: '88.88', receiptAmount: '88.88', buyerPayAmount: '88.88', buyerUserId: b.alipayUserId, buyerLogonId: b.alipayLogonId });
    expect(r.tradeNo).toMatch(/^\d{8}22001\d{15}$/);
    expect(r.gmtPayment).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(r.fundBillList).toEqual([{ fundChannel: 'ALIPAYACCOUNT', amount: '88.88' }]);
    expect(server.wallet.buyer(b.id).balance).toBe('911.12');
  });

  it('refuses a request signed with another key (40002 isv.invalid-signature) and charges nothing', async () => {
    const wrong = new AlipaySdk({ appId: APP_ID, privateKey: GATEWAY_PRIVATE_KEY, alipayPublicKey: GATEWAY_PUBLIC_KEY, gateway: server.gatewayUrl });
    const b = buyer();
    const out = outNo('W');
    const r = await exec('alipay.trade.pay', { out_trade_no: out, scene: 'bar_code', auth_code: code(b.id), subject: 'x', total_amount: '1.00' }, wrong);
    expect(r).toMatchObject({ code: '40002', msg: 'Invalid Arguments', subCode: 'isv.invalid-signature' });
    expect(r.subMsg).toContain(`method=alipay.trade.pay`);
    expect(server.wallet.buyer(b.id).balance).toBe('1000.00');
    expect(server.ledger.tradeByOut('alipay', APP_ID, out)).toBeUndefined();
  });

  it('refuses an app id it does not know, and answers a missing or unknown method with error_response', async () => {
    const stranger = new AlipaySdk({ appId: '2021009999999999', privateKey: APP_PRIVATE_KEY, alipayPublicKey: GATEWAY_PUBLIC_KEY, gateway: server.gatewayUrl });
    expect(await exec('alipay.trade.query', { out_trade_no: 'X1' }, stranger)).toMatchObject({ code: '40002', subCode: 'isv.invalid-app-id' });
    const unknown = await fetch(`${server.gatewayUrl}?method=alipay.trade.nope&app_id=${APP_ID}`, { method: 'POST' });
    expect(await unknown.json()).toEqual({ error_response: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-method', sub_msg: '不存在的方法名: alipay.trade.nope' } });
    const missing = await fetch(server.gatewayUrl, { method: 'POST', body: 'biz_content={}' });
    expect(await missing.json()).toMatchObject({ error_response: { code: '40001', sub_code: 'isv.missing-method' } });
    const noSign = await fetch(`${server.gatewayUrl}?method=alipay.trade.query&app_id=${APP_ID}`, { method: 'POST', body: 'biz_content={}' });
    expect(await noSign.text()).toMatch(/^\{"alipay_trade_query_response":\{"code":"40001","msg":"Missing Required Arguments","sub_code":"isv.missing-signature"/);
  });

  it('a tampered response signature makes exec throw, although the payment happened', async () => {
    const b = buyer();
    const out = outNo('T');
    server.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'tampered-signature' }, count: 1 });
    await expect(pay(out, code(b.id), '10.00')).rejects.toThrow(/验签失败/);
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS' });
  });
});

describe('barcode pay', () => {
  it('10003: the trade waits (query: WAIT_BUYER_PAY) until the buyer confirms, then TRADE_SUCCESS', async () => {
    const b = buyer('50.00', { afterSeconds: null });
    const out = outNo('C');
    const r = await pay(out, code(b.id), '20.00');
    expect(r).toMatchObject({ code: '10003', outTradeNo: out, totalAmount: '20.00', receiptAmount: '0.00' });
    expect(r.gmtPayment).toBeUndefined();
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ code: '10000', tradeStatus: 'WAIT_BUYER_PAY', receiptAmount: '0.00' });
    const pending = await fetch(`${server.url}/wallet/buyers/${b.id}/pending`);
    expect(((await pending.json()) as { trades: Array<{ outTradeNo: string }> }).trades.map((t) => t.outTradeNo)).toEqual([out]);
    const confirmed = await walletPost('/wallet/confirm', { tradeNo: r.tradeNo });
    expect(confirmed).toMatchObject({ status: 200, json: { outcome: 'paid', trade: { status: 'TRADE_SUCCESS', total: '20.00' } } });
    const q = await exec('alipay.trade.query', { trade_no: r.tradeNo });
    expect(q).toMatchObject({ tradeStatus: 'TRADE_SUCCESS', receiptAmount: '20.00', buyerUserId: b.alipayUserId });
    expect(q.sendPayDate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(server.wallet.buyer(b.id).balance).toBe('30.00');
  });

  it('10003 with a password entered after N seconds: TRADE_SUCCESS once the time has passed', async () => {
    const b = buyer('50.00', { afterSeconds: 30 });
    const out = outNo('N');
    expect((await pay(out, code(b.id), '5.00')).code).toBe('10003');
    offsetMs = 29_000;
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ tradeStatus: 'WAIT_BUYER_PAY' });
    offsetMs = 31_000;
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ tradeStatus: 'TRADE_SUCCESS' });
  });

  it('answers every refusal of payments.md with its sub_code, echoing out_trade_no and 0.00 amounts', async () => {
    const b = buyer('10.00');
    const used = code(b.id);
    const first = outNo('R');
    expect((await pay(first, used, '1.00')).code).toBe('10000');
    const refused = async (out: string, authCode: string, amount: string) => {
      const r = await pay(out, authCode, amount);
      expect(r).toMatchObject({ code: '40004', msg: 'Business Failed', outTradeNo: out, receiptAmount: '0.00', buyerPayAmount: '0.00' });
      return r.subCode;
    };
    expect(await refused(outNo('R'), used, '1.00')).toBe('ACQ.PAYMENT_AUTH_CODE_INVALID');
    expect(await refused(outNo('R'), '281111111111111111', '1.00')).toBe('ACQ.PAYMENT_AUTH_CODE_INVALID');
    expect(await refused(outNo('R'), server.wallet.issueCode(b.id, 'wechat').code, '1.00')).toBe('ACQ.PAYMENT_AUTH_CODE_INVALID');
    const poor = outNo('R');
    expect(await refused(poor, code(b.id), '9.01')).toBe('ACQ.BUYER_BALANCE_NOT_ENOUGH');
    expect(await refused(poor, code(b.id), '9.01')).toBe('ACQ.TRADE_HAS_CLOSE');
    expect(await refused(first, used, '1.00')).toBe('ACQ.TRADE_HAS_SUCCESS');
    expect(await refused(first, used, '2.00')).toBe('ACQ.CONTEXT_INCONSISTENT');
    expect(await refused(first, code(buyer().id), '1.00')).toBe('ACQ.TRADE_BUYER_NOT_MATCH');
    expect(await refused(outNo('R'), code(b.id), '100000000.01')).toBe('ACQ.TOTAL_FEE_EXCEED');
    for (const bad of ['0', '0.00', '-1.00', '1.005', 'abc']) {
      const r = await pay(outNo('R'), code(b.id), bad);
      expect(r).toMatchObject({ code: '40004', subCode: 'ACQ.INVALID_PARAMETER' });
      expect(r.subMsg).toContain('total_amount');
    }
    expect(await exec('alipay.trade.pay', { out_trade_no: outNo('R'), scene: 'bar_code', subject: 'x', total_amount: '1.00' })).toMatchObject({ subCode: 'ACQ.INVALID_PARAMETER', subMsg: '参数无效: auth_code is required' });
    expect(server.wallet.buyer(b.id).balance).toBe('9.00');
    expect(server.ledger.check()).toEqual([]);
  });
});

describe('QR pay (precreate)', () => {
  it('precreate → query says TRADE_NOT_EXIST until the buyer scans → paid → close refuses → refund', async () => {
    const b = buyer('100.00');
    const out = outNo('Q');
    const created = await exec('alipay.trade.precreate', { out_trade_no: out, total_amount: '12.50', subject: '咖啡', qr_code_timeout_express: '5m' });
    expect(created).toMatchObject({ code: '10000', outTradeNo: out });
    expect(created.qrCode).toMatch(/^https:\/\/qr\.alipay\.com\/bax[0-9a-z]{21}$/);
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST', outTradeNo: out });
    const scanned = await walletPost('/wallet/scan', { qrCode: created.qrCode, buyer: b.id, confirm: false });
    expect(scanned.json).toMatchObject({ outcome: 'waiting', trade: { status: 'WAIT_BUYER_PAY' } });
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ code: '10000', tradeStatus: 'WAIT_BUYER_PAY' });
    expect((await walletPost('/wallet/scan', { qrCode: created.qrCode, buyer: b.id })).json).toMatchObject({ outcome: 'paid' });
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ tradeStatus: 'TRADE_SUCCESS', totalAmount: '12.50' });
    expect(await exec('alipay.trade.close', { out_trade_no: out })).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_STATUS_ERROR' });
    expect(await exec('alipay.trade.refund', { out_trade_no: out, refund_amount: '12.50', out_request_no: 'RF1' })).toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '12.50' });
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
    expect(server.wallet.buyer(b.id).balance).toBe('100.00');
  });

  it('a QR closed before anyone scanned it answers TRADE_NOT_EXIST and cannot be paid afterwards', async () => {
    const b = buyer();
    const out = outNo('Q');
    const created = await exec('alipay.trade.precreate', { out_trade_no: out, total_amount: '3.00', subject: 'tea' });
    expect(await exec('alipay.trade.close', { out_trade_no: out })).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
    expect(await walletPost('/wallet/scan', { qrCode: created.qrCode, buyer: b.id })).toMatchObject({ status: 409, json: { error: expect.stringMatching(/closed this order/) } });
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ subCode: 'ACQ.TRADE_NOT_EXIST' });
  });
});

describe('cancel, close, refund, refund query', () => {
  it('cancel: a paid trade is refunded (action refund), a waiting one closed (action close), a lost one just recorded', async () => {
    const b = buyer('100.00');
    const paid = outNo('X');
    await pay(paid, code(b.id), '40.00');
    expect(await exec('alipay.trade.cancel', { out_trade_no: paid })).toMatchObject({ code: '10000', outTradeNo: paid, retryFlag: 'N', action: 'refund' });
    expect(await exec('alipay.trade.cancel', { out_trade_no: paid })).toMatchObject({ code: '10000', action: 'refund' });
    expect(server.wallet.buyer(b.id).balance).toBe('100.00');
    const waiting = outNo('X');
    await pay(waiting, server.wallet.issueCode(b.id, 'alipay', { password: { afterSeconds: null } }).code, '1.00');
    expect(await exec('alipay.trade.cancel', { out_trade_no: waiting })).toMatchObject({ code: '10000', action: 'close', retryFlag: 'N' });
    expect(await exec('alipay.trade.query', { out_trade_no: waiting })).toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
    const lost = outNo('X');
    const r = await exec('alipay.trade.cancel', { out_trade_no: lost });
    expect(r).toMatchObject({ code: '10000', retryFlag: 'N', outTradeNo: lost });
    expect(r.action).toBeUndefined();
    expect((await pay(lost, code(b.id), '1.00')).subCode).toBe('ACQ.TRADE_HAS_CLOSE');
    expect(await exec('alipay.trade.cancel', { trade_no: '2099010122001000000000000001' })).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST', retryFlag: 'N' });
  });

  it('cancel after 24 h is ACQ.TRADE_CANCEL_TIME_OUT (use refund)', async () => {
    const b = buyer();
    const out = outNo('X');
    await pay(out, code(b.id), '1.00');
    offsetMs = DAY + 1_000;
    expect(await exec('alipay.trade.cancel', { out_trade_no: out })).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_CANCEL_TIME_OUT' });
    expect(await exec('alipay.trade.refund', { out_trade_no: out, refund_amount: '1.00' })).toMatchObject({ code: '10000', fundChange: 'Y' });
  });

  it('close: a waiting trade closes (and again), a paid one is TRADE_STATUS_ERROR, an unknown one TRADE_NOT_EXIST', async () => {
    const b = buyer();
    const out = outNo('L');
    await pay(out, server.wallet.issueCode(b.id, 'alipay', { password: { afterSeconds: null } }).code, '2.00');
    expect(await exec('alipay.trade.close', { out_trade_no: out, operator_id: 'op' })).toMatchObject({ code: '10000', outTradeNo: out });
    expect(await exec('alipay.trade.close', { out_trade_no: out })).toMatchObject({ code: '10000' });
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ tradeStatus: 'TRADE_CLOSED' });
    expect(await exec('alipay.trade.close', { out_trade_no: outNo('L') })).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
  });

  it('refund: partial, idempotent by out_request_no, never above what is left; refund query reports it', async () => {
    const b = buyer('100.00');
    const out = outNo('F');
    await pay(out, code(b.id), '30.00');
    const first = await exec('alipay.trade.refund', { out_trade_no: out, refund_amount: '10.01', out_request_no: 'R1', refund_reason: '退货' });
    expect(first).toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '10.01', sendBackFee: '10.01', outTradeNo: out, buyerUserId: b.alipayUserId });
    expect(await exec('alipay.trade.refund', { out_trade_no: out, refund_amount: '10.01', out_request_no: 'R1' })).toMatchObject({ code: '10000', fundChange: 'N', refundFee: '10.01' });
    expect(await exec('alipay.trade.refund', { out_trade_no: out, refund_amount: '9.00', out_request_no: 'R1' })).toMatchObject({ code: '40004', subCode: 'ACQ.CONTEXT_INCONSISTENT' });
    const over = await exec('alipay.trade.refund', { out_trade_no: out, refund_amount: '20.00', out_request_no: 'R2' });
    expect(over).toMatchObject({ code: '40004', subCode: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    expect(over.subMsg).toContain('19.99 left to refund');
    expect(await exec('alipay.trade.refund', { out_trade_no: out, refund_amount: '0', out_request_no: 'R3' })).toMatchObject({ subCode: 'ACQ.REASON_TRADE_REFUND_FEE_ERR' });
    expect(await exec('alipay.trade.refund', { out_trade_no: outNo('F'), refund_amount: '1.00', out_request_no: 'R1' })).toMatchObject({ subCode: 'ACQ.TRADE_NOT_EXIST' });
    expect(await exec('alipay.trade.fastpay.refund.query', { out_trade_no: out, out_request_no: 'R1' })).toMatchObject({
      code: '10000',
      outRequestNo: 'R1',
      totalAmount: '30.00',
      refundAmount: '10.01',
      refundStatus: 'REFUND_SUCCESS',
    });
    const none = await exec('alipay.trade.fastpay.refund.query', { out_trade_no: out, out_request_no: 'R2' });
    expect(none).toMatchObject({ code: '10000', outTradeNo: out });
    expect(none.refundAmount).toBeUndefined();
    expect(none.refundStatus).toBeUndefined();
    expect(server.wallet.buyer(b.id).balance).toBe('80.01');
  });
});

describe('bill download', () => {
  it('hands out a URL that serves a zip of GBK CSVs listing the day’s payments and refunds', async () => {
    const b = buyer('500.00');
    const out = outNo('B');
    const paid = await pay(out, code(b.id), '66.60', { subject: '账单测试' });
    await exec('alipay.trade.refund', { out_trade_no: out, refund_amount: '6.60', out_request_no: 'BR1' });
    const now = Date.now() + 8 * 3_600_000;
    const today = new Date(now).toISOString().slice(0, 10);
    const r = await exec('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: today });
    expect(r.code).toBe('10000');
    const url = new URL(String(r.billDownloadUrl));
    expect(url.origin).toBe(server.url);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const entries = await readZip(Buffer.from(await res.arrayBuffer()));
    const names = entries.map((e) => iconv.decode(e.nameBytes, 'gbk'));
    expect(names[0]).toMatch(/^2088\d{12}0156_\d{8}_业务明细\.csv$/);
    expect(names[1]).toMatch(/_业务明细\(汇总\)\.csv$/);
    const detail = iconv.decode(entries[0]?.data ?? Buffer.alloc(0), 'gbk').split('\r\n');
    expect(detail[0]).toBe('#支付宝业务明细查询');
    const mine = detail.filter((l) => l.startsWith(`${String(paid.tradeNo)}\t`));
    expect(mine.map((l) => l.split(',').slice(2, 4).concat(l.split(',')[11] ?? ''))).toEqual([
      ['交易', '账单测试', '66.60'],
      ['退款', '账单测试', '-6.60'],
    ]);
    expect(await exec('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: '2999-01-01' })).toMatchObject({ code: '40004', subCode: 'isp.bill_not_exist' });
    expect(await exec('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'signcustomer', bill_date: today })).toMatchObject({ subCode: 'ACQ.INVALID_PARAMETER' });
    offsetMs = 31_000;
    expect((await fetch(url)).status).toBe(410);
  });
});

describe('faults as the SDK sees them', () => {
  // urllib (under alipay-sdk) re-sends a request once after a socket error (socketErrorRetry: 1),
  // even a POST of alipay.trade.pay: a fault must hit two calls for exec to see it.
  it('reset: the request fails and nothing happened', async () => {
    const b = buyer();
    const out = outNo('Z');
    await fetch(`${server.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify({ method: 'alipay.trade.pay', fault: { kind: 'reset' }, count: 2 }) });
    await expect(pay(out, code(b.id), '1.00')).rejects.toThrow(/HttpClient Request error/);
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ subCode: 'ACQ.TRADE_NOT_EXIST' });
    expect(server.wallet.buyer(b.id).balance).toBe('1000.00');
  });

  it("one reset is hidden by the SDK's own retry; one dropped answer comes back as TRADE_HAS_SUCCESS, never a second charge", async () => {
    const b = buyer();
    const a = outNo('Z');
    server.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'reset' }, count: 1 });
    expect(await pay(a, code(b.id), '1.00')).toMatchObject({ code: '10000' });
    const d = outNo('Z');
    server.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'drop-after-commit' }, count: 1 });
    const r = await pay(d, code(b.id), '2.00');
    expect(r).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_HAS_SUCCESS', outTradeNo: d });
    expect(server.wallet.buyer(b.id).balance).toBe('997.00');
  });

  it('drop after commit: the request fails, yet the trade is paid (query finds it)', async () => {
    const b = buyer();
    const out = outNo('Z');
    server.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'drop-after-commit' }, count: 2 });
    await expect(pay(out, code(b.id), '7.00')).rejects.toThrow(/HttpClient Request error/);
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ tradeStatus: 'TRADE_SUCCESS', totalAmount: '7.00' });
    expect(server.wallet.buyer(b.id).balance).toBe('993.00');
  });

  it('latency beyond the client timeout: the client gives up, the trade is paid anyway', async () => {
    const b = buyer();
    const out = outNo('Z');
    const impatient = new AlipaySdk({ appId: APP_ID, privateKey: APP_PRIVATE_KEY, alipayPublicKey: GATEWAY_PUBLIC_KEY, gateway: server.gatewayUrl, timeout: 300 });
    server.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'latency', ms: 1_500 }, count: 1 });
    await expect(exec('alipay.trade.pay', { out_trade_no: out, scene: 'bar_code', auth_code: code(b.id), subject: 'slow', total_amount: '3.00' }, impatient)).rejects.toThrow(/HttpClient Request error/);
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ tradeStatus: 'TRADE_SUCCESS' });
  });

  it('20000 and ACQ.SYSTEM_ERROR come signed; nothing happens unless afterCommit', async () => {
    const b = buyer();
    const a = outNo('Z');
    server.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'unavailable' }, count: 1 });
    expect(await pay(a, code(b.id), '1.00')).toMatchObject({ code: '20000', msg: 'Service Currently Unavailable', subCode: 'isp.unknow-error', outTradeNo: a });
    expect(await exec('alipay.trade.query', { out_trade_no: a })).toMatchObject({ subCode: 'ACQ.TRADE_NOT_EXIST' });
    const c = outNo('Z');
    server.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'system-error', afterCommit: true }, count: 1 });
    expect(await pay(c, code(b.id), '2.00')).toMatchObject({ code: '40004', subCode: 'ACQ.SYSTEM_ERROR' });
    expect(await exec('alipay.trade.query', { out_trade_no: c })).toMatchObject({ tradeStatus: 'TRADE_SUCCESS' });
    server.faults.add({ method: 'alipay.trade.cancel', fault: { kind: 'system-error' }, count: 1 });
    expect(await exec('alipay.trade.cancel', { out_trade_no: c })).toMatchObject({ subCode: 'ACQ.SYSTEM_ERROR', retryFlag: 'Y' });
    expect(await exec('alipay.trade.cancel', { out_trade_no: c })).toMatchObject({ code: '10000', action: 'refund' });
    expect(server.wallet.buyer(b.id).balance).toBe('1000.00');
  });

  it('HTML instead of JSON makes exec throw and changes nothing', async () => {
    const b = buyer();
    const out = outNo('Z');
    server.faults.add({ method: 'alipay.trade.*', fault: { kind: 'html', status: 200 }, count: 1 });
    await expect(pay(out, code(b.id), '1.00')).rejects.toThrow(/Response 格式错误/);
    server.faults.add({ method: '*', fault: { kind: 'html' }, count: 1 });
    await expect(pay(out, code(b.id), '1.00')).rejects.toThrow(/status: 502/);
    expect(await exec('alipay.trade.query', { out_trade_no: out })).toMatchObject({ subCode: 'ACQ.TRADE_NOT_EXIST' });
  });

  it('the control routes list, refuse and clear rules; /sandbox/ledger shows books that add up', async () => {
    const bad = await fetch(`${server.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify({ method: '*', fault: { kind: 'boom' }, every: 1 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/"fault.kind" must be one of/);
    await fetch(`${server.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify({ method: 'alipay.trade.query', fault: { kind: 'latency', ms: 1 }, every: 2 }) });
    const list = (await (await fetch(`${server.url}/sandbox/faults`)).json()) as { rules: Array<{ id: number; every: number }> };
    expect(list.rules).toMatchObject([{ every: 2 }]);
    expect((await fetch(`${server.url}/sandbox/faults/${list.rules[0]?.id ?? 0}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${server.url}/sandbox/faults/999`, { method: 'DELETE' })).status).toBe(404);
    const ledger = (await (await fetch(`${server.url}/sandbox/ledger`)).json()) as { problems: string[]; totals: Array<{ merchant: string; netFen: number }>; snapshot: { trades: unknown[] } };
    expect(ledger.problems).toEqual([]);
    expect(ledger.snapshot.trades.length).toBe(server.ledger.trades().length);
    expect(ledger.totals).toEqual(server.ledger.totals());
    expect(await (await fetch(`${server.url}/sandbox/info`)).json()).toEqual({
      url: server.url,
      gatewayUrl: server.gatewayUrl,
      alipayAppIds: [APP_ID],
      wechatMerchants: [],
      ledger: ':memory:',
    });
    const nowhere = await fetch(`${server.url}/nowhere`);
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toEqual({ error: 'no route GET /nowhere' });
    expect((await fetch(server.gatewayUrl)).status).toBe(405);
    const huge = await fetch(server.gatewayUrl, { method: 'POST', body: 'x'.repeat(300 * 1024) }).catch((err: unknown) => err);
    if (huge instanceof Response) expect(huge.status).toBe(413);
    else expect(huge).toBeInstanceOf(Error); // the connection may close before the answer is read
  });
});
