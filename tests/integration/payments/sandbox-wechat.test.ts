// WeChat Pay v2 micropay against the sandbox over real HTTP, with a client written here from
// WeChat's documented rules (flat XML, sorted k=v&key=API_KEY, MD5 or HMAC-SHA256, uppercase
// hex), independent of the sandbox's own signing code: pay, USERPAYING then orderquery until
// the buyer confirms or the 45 s revoke, the error codes, reverse, refund and refund query,
// faults, and one ledger shared with Alipay.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../src/payments/sandbox/server.ts';
import type { SandboxServer } from '../../../src/payments/sandbox/server.ts';
import { APP_ID, APP_PUBLIC_KEY, GATEWAY_PRIVATE_KEY } from '../../unit/payments/sandbox/test-keys.ts';

const MCH = { appid: 'wx2421b1c4370ec43b', mchId: '1900000109', apiKey: 'Kx9q3T7vB2mN5pR8sW1yZ4cF6hJ0lD3a' };
let server: SandboxServer;
let offsetMs = 0;

beforeAll(async () => {
  server = await startSandbox({
    gatewayPrivateKey: GATEWAY_PRIVATE_KEY,
    alipayApps: [{ appId: APP_ID, publicKey: APP_PUBLIC_KEY }],
    wechatMerchants: [MCH],
    clock: () => Date.now() + offsetMs,
    codeTtlMs: 60_000,
    onInternalError: (err) => {
      throw err;
    },
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.faults.clear();
  offsetMs = 0;
});

type SignType = 'MD5' | 'HMAC-SHA256';

function signOf(fields: Record<string, string>, key: string, type: SignType): string {
  const content = `${Object.keys(fields)
    .filter((k) => k !== 'sign' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&')}&key=${key}`;
  return (type === 'MD5' ? createHash('md5').update(content, 'utf8') : createHmac('sha256', key).update(content, 'utf8')).digest('hex').toUpperCase();
}

function readXml(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of xml.matchAll(/<(\w+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) {
    if (m[1] !== 'xml') out[m[1] ?? ''] = m[2] ?? m[3] ?? '';
  }
  return out;
}

async function callRaw(path: string, fields: Record<string, string>, options: { type?: SignType; key?: string } = {}): Promise<Record<string, string>> {
  const type = options.type ?? 'MD5';
  const all: Record<string, string> = { appid: MCH.appid, mch_id: MCH.mchId, nonce_str: randomBytes(8).toString('hex'), ...(type === 'MD5' ? {} : { sign_type: type }), ...fields };
  all.sign = signOf(all, options.key ?? MCH.apiKey, type);
  const body = `<xml>${Object.entries(all)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
  const res = await fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
  expect(res.status).toBe(200);
  return readXml(await res.text());
}

async function call(path: string, fields: Record<string, string>, options: { type?: SignType; key?: string } = {}): Promise<Record<string, string>> {
  const type = options.type ?? 'MD5';
  const reply = await callRaw(path, fields, options);
  if (reply.return_code === 'SUCCESS') {
    // Every accepted request is answered under the same kind of signature, which must verify.
    expect(reply.sign).toBe(signOf(reply, MCH.apiKey, type));
  } else {
    expect(reply.sign).toBeUndefined();
  }
  return reply;
}

let seq = 0;
const outNo = () => `WX${Date.now()}${(seq += 1)}`;
const buyer = (fen = 10_000, password?: { afterSeconds: number | null }) => server.wallet.createBuyer({ balanceFen: fen, ...(password === undefined ? {} : { password }) });
const wxCode = (buyerId: string) => server.wallet.issueCode(buyerId, 'wechat').code;
const micropay = (out: string, authCode: string, totalFee: number, type?: SignType) =>
  call('/pay/micropay', { body: '便利店-饮料', out_trade_no: out, total_fee: String(totalFee), spbill_create_ip: '127.0.0.1', auth_code: authCode }, type === undefined ? {} : { type });

describe('micropay', () => {
  it('pays at once (MD5) and orderquery says SUCCESS', async () => {
    const b = buyer();
    const out = outNo();
    const r = await micropay(out, wxCode(b.id), 1_234);
    expect(r).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', appid: MCH.appid, mch_id: MCH.mchId, openid: b.wechatOpenid, trade_type: 'MICROPAY', total_fee: '1234', cash_fee: '1234', fee_type: 'CNY', out_trade_no: out });
    expect(r.transaction_id).toMatch(/^4200\d{24}$/);
    expect(r.time_end).toMatch(/^\d{14}$/);
    expect(await call('/pay/orderquery', { out_trade_no: out })).toMatchObject({ result_code: 'SUCCESS', trade_state: 'SUCCESS', transaction_id: r.transaction_id });
    expect(server.wallet.buyer(b.id).balanceFen).toBe(8_766);
  });

  it('speaks HMAC-SHA256 when the request does', async () => {
    const b = buyer();
    expect(await micropay(outNo(), wxCode(b.id), 100, 'HMAC-SHA256')).toMatchObject({ result_code: 'SUCCESS' });
  });

  it('refuses, unsigned, what it cannot take: wrong signature, unknown merchant, bad XML, bad sign_type', async () => {
    const b = buyer();
    const code = wxCode(b.id);
    expect(await call('/pay/micropay', { body: 'x', out_trade_no: outNo(), total_fee: '1', spbill_create_ip: '127.0.0.1', auth_code: code }, { key: 'x'.repeat(32) })).toEqual({ return_code: 'FAIL', return_msg: '签名错误' });
    const raw = async (body: string) => readXml(await (await fetch(`${server.url}/pay/orderquery`, { method: 'POST', body })).text());
    expect((await raw('not xml')).return_msg).toMatch(/^XML格式错误/);
    expect(await raw(`<xml><appid>${MCH.appid}</appid><mch_id>1</mch_id></xml>`)).toEqual({ return_code: 'FAIL', return_msg: 'mch_id不存在: 1' });
    expect((await raw(`<xml><appid>${MCH.appid}</appid><mch_id>${MCH.mchId}</mch_id><nonce_str>a</nonce_str><sign_type>RSA</sign_type></xml>`)).return_msg).toMatch(/sign_type/);
    expect(server.ledger.code(code)?.usedAt).toBeNull();
  });

  it('USERPAYING, then orderquery: USERPAYING until the buyer confirms, then SUCCESS', async () => {
    const b = buyer(5_000, { afterSeconds: null });
    const out = outNo();
    expect(await micropay(out, wxCode(b.id), 800)).toMatchObject({ result_code: 'FAIL', err_code: 'USERPAYING', err_code_des: '需要用户输入支付密码' });
    const q = await call('/pay/orderquery', { out_trade_no: out });
    expect(q).toMatchObject({ result_code: 'SUCCESS', trade_state: 'USERPAYING' });
    expect(q.time_end).toBeUndefined();
    expect(await micropay(out, server.ledger.tradeByOut('wechat', MCH.mchId, out)?.authCode ?? '', 800)).toMatchObject({ err_code: 'USERPAYING' });
    server.wallet.confirm(q.transaction_id ?? '');
    expect(await call('/pay/orderquery', { transaction_id: q.transaction_id ?? '' })).toMatchObject({ trade_state: 'SUCCESS', cash_fee: '800' });
    expect(server.wallet.buyer(b.id).balanceFen).toBe(4_200);
  });

  it('an unpaid micropay is revoked after 45 s (REVOKED), and its out_trade_no is spent', async () => {
    const b = buyer(5_000, { afterSeconds: null });
    const out = outNo();
    await micropay(out, wxCode(b.id), 800);
    offsetMs = 44_000;
    expect(await call('/pay/orderquery', { out_trade_no: out })).toMatchObject({ trade_state: 'USERPAYING' });
    offsetMs = 46_000;
    expect(await call('/pay/orderquery', { out_trade_no: out })).toMatchObject({ trade_state: 'REVOKED' });
    expect(await micropay(out, wxCode(b.id), 800)).toMatchObject({ err_code: 'ORDERREVERSED' });
    expect(server.wallet.buyer(b.id).balanceFen).toBe(5_000);
  });

  it('answers code and order problems with their err_code', async () => {
    const b = buyer(1_000);
    const used = wxCode(b.id);
    const paid = outNo();
    await micropay(paid, used, 100);
    const err = async (out: string, code: string, fee: number) => (await micropay(out, code, fee)).err_code;
    expect(await err(outNo(), used, 100)).toBe('AUTH_CODE_INVALID');
    expect(await err(outNo(), server.wallet.issueCode(b.id, 'alipay').code, 100)).toBe('AUTH_CODE_ERROR');
    expect(await err(outNo(), '139999999999999999', 100)).toBe('AUTH_CODE_INVALID');
    const stale = wxCode(b.id);
    offsetMs = 61_000;
    expect(await err(outNo(), stale, 100)).toBe('AUTHCODEEXPIRE');
    offsetMs = 0;
    expect(await err(outNo(), wxCode(b.id), 901)).toBe('NOTENOUGH');
    expect(await err(paid, used, 100)).toBe('ORDERPAID');
    expect(await err(paid, used, 101)).toBe('OUT_TRADE_NO_USED');
    expect(await err(paid, wxCode(buyer().id), 100)).toBe('BUYER_MISMATCH');
    const missing = await call('/pay/micropay', { body: 'x', out_trade_no: outNo(), spbill_create_ip: '1.1.1.1', auth_code: wxCode(b.id) });
    expect(missing).toMatchObject({ result_code: 'FAIL', err_code: 'LACK_PARAMS', err_code_des: '缺少参数 total_fee' });
    expect((await call('/pay/orderquery', { out_trade_no: outNo() })).err_code).toBe('ORDERNOTEXIST');
    expect(server.wallet.buyer(b.id).balanceFen).toBe(900);
  });
});

describe('reverse, refund, refund query', () => {
  it('reverse refunds a paid trade (REVOKED), closes a waiting one, and records one it never saw', async () => {
    const b = buyer(5_000);
    const paid = outNo();
    await micropay(paid, wxCode(b.id), 1_000);
    expect(await call('/secapi/pay/reverse', { out_trade_no: paid })).toMatchObject({ result_code: 'SUCCESS', recall: 'N' });
    expect(await call('/pay/orderquery', { out_trade_no: paid })).toMatchObject({ trade_state: 'REVOKED' });
    expect(await call('/secapi/pay/reverse', { out_trade_no: paid })).toMatchObject({ result_code: 'SUCCESS', recall: 'N' });
    expect(server.wallet.buyer(b.id).balanceFen).toBe(5_000);
    const lost = outNo();
    expect(await call('/secapi/pay/reverse', { out_trade_no: lost })).toMatchObject({ result_code: 'SUCCESS', recall: 'N' });
    expect(await micropay(lost, wxCode(b.id), 100)).toMatchObject({ err_code: 'ORDERREVERSED' });
    expect(await call('/secapi/pay/reverse', { transaction_id: '4200000000000000000000000000' })).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERNOTEXIST', recall: 'N' });
  });

  it('refunds partially and idempotently by out_refund_no; refundquery lists them', async () => {
    const b = buyer(5_000);
    const out = outNo();
    const paid = await micropay(out, wxCode(b.id), 1_000);
    const refund = (outRefundNo: string, fee: number, total = 1_000) => call('/secapi/pay/refund', { out_trade_no: out, out_refund_no: outRefundNo, total_fee: String(total), refund_fee: String(fee) });
    const r1 = await refund('RF1', 300);
    expect(r1).toMatchObject({ result_code: 'SUCCESS', transaction_id: paid.transaction_id, out_refund_no: 'RF1', refund_fee: '300', total_fee: '1000' });
    expect(r1.refund_id).toMatch(/^5000\d{25}$/);
    expect(await refund('RF1', 300)).toMatchObject({ result_code: 'SUCCESS', refund_id: r1.refund_id });
    expect(await refund('RF1', 200)).toMatchObject({ result_code: 'FAIL', err_code: 'INVALID_REQUEST' });
    expect(await refund('RF2', 701)).toMatchObject({ result_code: 'FAIL', err_code: 'INVALID_REQUEST', err_code_des: '累计退款金额大于支付金额' });
    expect(await refund('RF2', 100, 999)).toMatchObject({ result_code: 'FAIL', err_code: 'PARAM_ERROR' });
    await refund('RF2', 200);
    expect(await call('/pay/orderquery', { out_trade_no: out })).toMatchObject({ trade_state: 'REFUND' });
    const q = await call('/pay/refundquery', { out_trade_no: out });
    expect(q).toMatchObject({ result_code: 'SUCCESS', refund_count: '2', refund_fee: '500', out_refund_no_0: 'RF1', refund_fee_0: '300', refund_status_0: 'SUCCESS', out_refund_no_1: 'RF2', refund_fee_1: '200' });
    expect(await call('/pay/refundquery', { out_refund_no: 'RF2' })).toMatchObject({ refund_count: '1', refund_fee_0: '200' });
    expect(await call('/pay/refundquery', { refund_id: r1.refund_id ?? '' })).toMatchObject({ refund_count: '1', out_refund_no_0: 'RF1' });
    expect(await call('/pay/refundquery', { out_refund_no: 'NOPE' })).toMatchObject({ result_code: 'FAIL', err_code: 'REFUNDNOTEXIST' });
    expect(server.wallet.buyer(b.id).balanceFen).toBe(4_500);
  });
});

describe('faults and the shared ledger', () => {
  it('SYSTEMERROR: after commit the order query finds it paid; on reverse it says recall=Y', async () => {
    const b = buyer();
    const out = outNo();
    server.faults.add({ method: 'wechat.micropay', fault: { kind: 'system-error', afterCommit: true }, count: 1 });
    expect(await micropay(out, wxCode(b.id), 500)).toMatchObject({ result_code: 'FAIL', err_code: 'SYSTEMERROR' });
    expect(await call('/pay/orderquery', { out_trade_no: out })).toMatchObject({ trade_state: 'SUCCESS' });
    server.faults.add({ method: 'wechat.reverse', fault: { kind: 'unavailable' }, count: 1 });
    expect(await call('/secapi/pay/reverse', { out_trade_no: out })).toMatchObject({ err_code: 'SYSTEMERROR', recall: 'Y' });
    expect(await call('/secapi/pay/reverse', { out_trade_no: out })).toMatchObject({ result_code: 'SUCCESS', recall: 'N' });
  });

  it('a tampered signature does not verify; a reset reaches nobody', async () => {
    const b = buyer();
    server.faults.add({ method: 'wechat.orderquery', fault: { kind: 'tampered-signature' }, count: 1 });
    const res = await fetch(`${server.url}/pay/orderquery`, { method: 'POST', body: '<xml></xml>' });
    const reply = readXml(await res.text());
    expect(reply.return_code).toBe('FAIL'); // an unsigned refusal is not tampered with
    const out = outNo();
    await micropay(out, wxCode(b.id), 100);
    server.faults.add({ method: 'wechat.orderquery', fault: { kind: 'tampered-signature' }, count: 1 });
    const tampered = await callRaw('/pay/orderquery', { out_trade_no: out });
    expect(tampered).toMatchObject({ return_code: 'SUCCESS', trade_state: 'SUCCESS' });
    expect(tampered.sign).not.toBe(signOf(tampered, MCH.apiKey, 'MD5'));
    server.faults.add({ method: 'wechat.micropay', fault: { kind: 'reset' }, count: 1 });
    const next = outNo();
    await expect(micropay(next, wxCode(b.id), 100)).rejects.toThrow();
    expect((await call('/pay/orderquery', { out_trade_no: next })).err_code).toBe('ORDERNOTEXIST');
  });

  it('keeps WeChat and Alipay trades in one ledger that adds up', () => {
    const totals = server.ledger.totals();
    expect(totals.map((t) => t.wallet)).toContain('wechat');
    expect(server.ledger.check()).toEqual([]);
    const funded = server.ledger.buyers().reduce((s, b) => s + b.fundedFen, 0);
    const balances = server.ledger.buyers().reduce((s, b) => s + b.balanceFen, 0);
    expect(balances + totals.reduce((s, t) => s + t.netFen, 0)).toBe(funded);
  });
});
