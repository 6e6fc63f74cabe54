// The sandbox's WeChat Pay 对账单 (/pay/downloadbill) over real HTTP with a client written here
// from WeChat's rules (signed XML request, plain-text answer): the day's payments, refunds and
// reversals of one merchant in WeChat's layout, bill types, "No Bill Exist", refusals. Then the
// terminal's reader (src/core/reconcile/wechat-bill.ts) takes what the sandbox served.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWechatBill } from '../../../src/core/reconcile/wechat-bill.ts';
import { startSandbox, type SandboxServer } from '../../../src/payments/sandbox/server.ts';
import { WECHAT_BILL_HEADER, WECHAT_BILL_TOTALS_HEADER } from '../../../src/payments/sandbox/wechat-bill.ts';
import { APP_ID, APP_PUBLIC_KEY, GATEWAY_PRIVATE_KEY } from '../../unit/payments/sandbox/test-keys.ts';

const MCH = { appid: 'wx2421b1c4370ec43b', mchId: '1900000109', apiKey: 'Kx9q3T7vB2mN5pR8sW1yZ4cF6hJ0lD3a' };
const OTHER = { appid: 'wx0000000000000002', mchId: '1900000222', apiKey: 'Zz9q3T7vB2mN5pR8sW1yZ4cF6hJ0lD3b' };
/** 10:00 on 2025-03-01, Beijing. */
let clock = Date.parse('2025-03-01T02:00:00Z');
let server: SandboxServer;

function sign(fields: Record<string, string>, key: string): string {
  const content = `${Object.keys(fields).filter((k) => k !== 'sign' && fields[k] !== '').sort().map((k) => `${k}=${fields[k]}`).join('&')}&key=${key}`;
  return createHash('md5').update(content, 'utf8').digest('hex').toUpperCase();
}

async function post(path: string, fields: Record<string, string>, m = MCH, key = m.apiKey): Promise<{ type: string; text: string }> {
  const all: Record<string, string> = { appid: m.appid, mch_id: m.mchId, nonce_str: randomBytes(8).toString('hex'), ...fields };
  all.sign = sign(all, key);
  const body = `<xml>${Object.entries(all).map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}</xml>`;
  const res = await fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type') ?? '', text: await res.text() };
}

const pay = async (m: typeof MCH, out: string, fen: number, device = 'T01') => {
  const buyer = server.wallet.createBuyer({ balanceFen: 100_000, password: null });
  const r = await post('/pay/micropay', { body: 'Rice, 5 kg', out_trade_no: out, total_fee: String(fen), spbill_create_ip: '127.0.0.1', auth_code: server.wallet.issueCode(buyer.id, 'wechat').code, device_info: device }, m);
  expect(r.text).toContain('<result_code><![CDATA[SUCCESS]]></result_code>');
};

beforeAll(async () => {
  server = await startSandbox({ gatewayPrivateKey: GATEWAY_PRIVATE_KEY, alipayApps: [{ appId: APP_ID, publicKey: APP_PUBLIC_KEY }], wechatMerchants: [MCH, OTHER], clock: () => clock, onInternalError: (err) => { throw err; } });
  await pay(MCH, 'WXA', 3196);
  clock += 60_000;
  await pay(MCH, 'WXB', 5000, 'T02');
  clock += 60_000;
  await post('/secapi/pay/refund', { out_trade_no: 'WXB', out_refund_no: 'RB1', total_fee: '5000', refund_fee: '1200' });
  clock += 60_000;
  await pay(MCH, 'WXC', 700);
  await post('/secapi/pay/reverse', { out_trade_no: 'WXC' });
  await pay(OTHER, 'WXZ', 100);
  clock = Date.parse('2025-03-01T16:30:00Z'); // 00:30 on the 2nd in Beijing
  await pay(MCH, 'WXD', 100);
});
afterAll(async () => {
  await server.close();
});

describe('sandbox /pay/downloadbill', () => {
  it("serves one merchant's Beijing day as WeChat's text bill, in time order, with totals", async () => {
    const r = await post('/pay/downloadbill', { bill_date: '20250301', bill_type: 'ALL' });
    expect(r.type).toMatch(/^text\/plain/);
    const lines = r.text.split('\r\n');
    expect(lines[0]).toBe(WECHAT_BILL_HEADER.join(','));
    const rows = lines.slice(1, 6).map((l) => l.slice(1).split(',`'));
    expect(rows.map((f) => [f[0], f[2], f[4], f[6], f[9], f[12], f[15], f[16], f[20]])).toEqual([
      ['2025-03-01 10:00:00', MCH.mchId, 'T01', 'WXA', 'SUCCESS', '31.96', '0', '0.00', 'Rice  5 kg'],
      ['2025-03-01 10:01:00', MCH.mchId, 'T02', 'WXB', 'SUCCESS', '50.00', '0', '0.00', 'Rice  5 kg'],
      ['2025-03-01 10:02:00', MCH.mchId, 'T02', 'WXB', 'REFUND', '0.00', 'RB1', '12.00', 'Rice  5 kg'],
      ['2025-03-01 10:03:00', MCH.mchId, 'T01', 'WXC', 'SUCCESS', '7.00', '0', '0.00', 'Rice  5 kg'],
      ['2025-03-01 10:03:00', MCH.mchId, 'T01', 'WXC', 'REVOKED', '0.00', '', '7.00', 'Rice  5 kg'],
    ]);
    expect(rows.every((f) => f.length === WECHAT_BILL_HEADER.length)).toBe(true);
    expect(lines[6]).toBe(WECHAT_BILL_TOTALS_HEADER.join(','));
    expect(lines[7]).toBe('`5,`88.96,`19.00,`0.00,`0.00000,`88.96,`19.00');
    const parsed = parseWechatBill(r.text, { date: '2025-03-01', appId: MCH.appid, mchId: MCH.mchId });
    expect(parsed.rows.map((x) => [x.entry, x.outTradeNo, x.outRequestNo, x.amount])).toEqual([
      ['payment', 'WXA', null, 3196],
      ['payment', 'WXB', null, 5000],
      ['refund', 'WXB', 'RB1', 1200],
      ['payment', 'WXC', null, 700],
      ['reversal', 'WXC', null, 700],
    ]);
  });

  it('bill types SUCCESS and REFUND split the day; another merchant sees only its own', async () => {
    const success = await post('/pay/downloadbill', { bill_date: '20250301', bill_type: 'SUCCESS' });
    expect(success.text.split('\r\n').filter((l) => l.startsWith('`2025')).length).toBe(3);
    const refunds = await post('/pay/downloadbill', { bill_date: '20250301', bill_type: 'REFUND' });
    expect(refunds.text.split('\r\n').filter((l) => l.startsWith('`2025')).map((l) => l.split(',`')[9])).toEqual(['REFUND', 'REVOKED']);
    const other = await post('/pay/downloadbill', { bill_date: '20250301' }, OTHER);
    expect(parseWechatBill(other.text, { date: '2025-03-01', appId: OTHER.appid, mchId: OTHER.mchId }).rows.map((x) => x.outTradeNo)).toEqual(['WXZ']);
    const next = await post('/pay/downloadbill', { bill_date: '20250302' });
    expect(parseWechatBill(next.text, { date: '2025-03-02', appId: MCH.appid, mchId: MCH.mchId }).rows.map((x) => x.outTradeNo)).toEqual(['WXD']);
  });

  it('answers XML FAIL for a day without trades, a bad date or type, tar_type, and a bad signature', async () => {
    const none = await post('/pay/downloadbill', { bill_date: '20250228' });
    expect(none.text).toContain('<return_msg><![CDATA[No Bill Exist]]></return_msg>');
    expect(none.text).toContain('<error_code><![CDATA[20002]]></error_code>');
    expect((await post('/pay/downloadbill', { bill_date: '2025-03-01' })).text).toContain('invalid bill_date');
    expect((await post('/pay/downloadbill', { bill_date: '20250230' })).text).toContain('invalid bill_date');
    expect((await post('/pay/downloadbill', { bill_date: '20250301', bill_type: 'EVERYTHING' })).text).toContain('invalid bill_type');
    expect((await post('/pay/downloadbill', { bill_date: '20250301', tar_type: 'GZIP' })).text).toContain('plain text only');
    const forged = await post('/pay/downloadbill', { bill_date: '20250301' }, MCH, OTHER.apiKey);
    expect(forged.text).toContain('<return_code><![CDATA[FAIL]]></return_code>');
    expect(forged.text).not.toContain('WXA');
  });
});
