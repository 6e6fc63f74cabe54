// The WeChat Pay bill reader on bills written here by hand in WeChat's layout ("`"-prefixed
// fields, a totals header and line at the end): one good one, and each way one can be wrong.
import { describe, expect, it } from 'vitest';
import { BillError } from '../../../../src/core/reconcile/bill-error.ts';
import { parseWechatBill } from '../../../../src/core/reconcile/wechat-bill.ts';
import { WECHAT_BILL_HEADER, WECHAT_BILL_TOTALS_HEADER } from '../../../../src/payments/sandbox/wechat-bill.ts';

const APPID = 'wx2421b1c4370ec43b';
const MCH = '1900000109';
const EXPECT = { date: '2025-03-01', appId: APPID, mchId: MCH, source: 'bill.txt' };

interface Line {
  time?: string;
  appid?: string;
  mch?: string;
  device?: string;
  out: string;
  state?: string;
  settled?: string;
  refundNo?: string;
  refund?: string;
  order?: string;
  body?: string;
}

function line(l: Line): string {
  const refunding = l.state === 'REFUND' || l.state === 'REVOKED';
  const order = l.order ?? '31.96';
  return [
    l.time ?? '2025-03-01 10:00:00', l.appid ?? APPID, l.mch ?? MCH, '0', l.device ?? 'T01', '4200000000000000000120250301', l.out, 'oUser', 'MICROPAY', l.state ?? 'SUCCESS', 'OTHERS', 'CNY',
    l.settled ?? (refunding ? '0.00' : order), '0.00', refunding ? '50000000000000000001' : '0', l.refundNo ?? (refunding ? 'R_1' : '0'), l.refund ?? '0.00', '0.00', refunding ? 'ORIGINAL' : '',
    refunding ? 'SUCCESS' : '', l.body ?? 'Kassa sale', '', '0.00000', '0.00%', order, l.refund ?? '0.00', '',
  ]
    .map((v) => `\`${v}`)
    .join(',');
}

function billOf(lines: string[], totals?: string[]): string {
  const rows = lines.map((l) => l.slice(1).split(',`'));
  const settled = rows.reduce((s, r) => s + Math.round(Number(r[12]) * 100), 0);
  const refunded = rows.reduce((s, r) => s + Math.round(Number(r[25]) * 100), 0);
  const yuan = (fen: number) => (fen / 100).toFixed(2);
  const t = totals ?? [String(rows.length), yuan(settled), yuan(refunded), '0.00', '0.00000', yuan(settled), yuan(refunded)];
  return [WECHAT_BILL_HEADER.join(','), ...lines, WECHAT_BILL_TOTALS_HEADER.join(','), t.map((v) => `\`${v}`).join(',')].join('\r\n') + '\r\n';
}

const refused = (text: string, wanted = EXPECT) => {
  try {
    parseWechatBill(text, wanted);
  } catch (err) {
    expect(err).toBeInstanceOf(BillError);
    return (err as Error).message;
  }
  throw new Error('the bill was accepted');
};

describe('parseWechatBill', () => {
  it('reads payments, refunds and reversals (a comma in the goods name does not split a field)', () => {
    const text = billOf([
      line({ out: 'T01_A', body: 'Rice, 5 kg' }),
      line({ out: 'T01_A', state: 'REFUND', refund: '10.00', time: '2025-03-01 23:59:59' }),
      line({ out: 'T01_B', state: 'REVOKED', refund: '31.96', refundNo: '', device: '' }),
    ]);
    expect(parseWechatBill(text, EXPECT).rows).toEqual([
      { entry: 'payment', outTradeNo: 'T01_A', outRequestNo: null, amount: 3196, tradeNo: '4200000000000000000120250301', at: Date.parse('2025-03-01T02:00:00Z'), terminalId: 'T01', line: 2 },
      { entry: 'refund', outTradeNo: 'T01_A', outRequestNo: 'R_1', amount: 1000, tradeNo: '4200000000000000000120250301', at: Date.parse('2025-03-01T15:59:59Z'), terminalId: 'T01', line: 3 },
      { entry: 'reversal', outTradeNo: 'T01_B', outRequestNo: null, amount: 3196, tradeNo: '4200000000000000000120250301', at: Date.parse('2025-03-01T02:00:00Z'), terminalId: null, line: 4 },
    ]);
  });

  it('malformed: an error answer, an empty or cut file, a foreign header, fields, totals that do not add up', () => {
    expect(refused('<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名错误]]></return_msg></xml>')).toBe("bill.txt is WeChat Pay's error answer, not a bill: 签名错误");
    expect(refused('')).toMatch(/bill\.txt is malformed: 0 line\(s\)/);
    const good = billOf([line({ out: 'T01_A' })]);
    expect(refused(good.split('\r\n').slice(0, 2).join('\r\n'))).toMatch(/is malformed: 2 line\(s\)/);
    expect(refused(good.split('\r\n').filter((l) => !l.startsWith('总交易单数')).join('\r\n'))).toMatch(/no "总交易单数,…" totals lines at the end/);
    expect(refused(good.replace('交易时间', 'Date'))).toMatch(/line 1 is not a WeChat Pay bill header/);
    expect(refused(good.replace(',商户退款单号,', ',退款单号,'))).toMatch(/the header has no "商户退款单号" column/);
    expect(refused(billOf([line({ out: 'T01_A' }).slice(1)]))).toMatch(/bill\.txt line 2 is malformed: bill fields start with "`"/);
    expect(refused(billOf([`${line({ out: 'T01_A' })},\`x`]))).toMatch(/line 2 has 28 fields, the header 27/);
    expect(refused(billOf([line({ out: 'T01_A', order: '31.9', settled: '31.90' })]))).toMatch(/line 2: the payment's amount "31\.9" is not a positive amount/);
    expect(refused(billOf([line({ out: 'T01_A', state: 'NOTPAY' })]))).toMatch(/交易状态 "NOTPAY" is not SUCCESS, REFUND or REVOKED/);
    expect(refused(billOf([line({ out: 'T01_A', state: 'REFUND', refund: '1.00' }), line({ out: 'T01_A', state: 'REFUND', refund: '2.00' })]))).toMatch(/line 3 repeats the refund R_1 of line 2/);
    expect(refused(billOf([line({ out: 'T01_A', state: 'REFUND', refund: '1.00', refundNo: 'R 1' })]))).toMatch(/商户退款单号 "R 1" is not an out_request_no/);
    expect(refused(billOf([line({ out: 'T01_A' })], ['2', '31.96', '0.00', '0.00', '0.00000', '31.96', '0.00']))).toMatch(
      /its totals \(2 lines, 31\.96 settled, 0\.00 refunded\) do not add up to its 1 lines \(31\.96 settled, 0\.00 refunded\)/,
    );
    expect(refused(billOf([line({ out: 'T01_A' })], ['1', '30.00', '0.00', '0.00', '0.00000', '30.00', '0.00']))).toMatch(/do not add up/);
  });

  it('another date: a line outside the Beijing day', () => {
    expect(refused(billOf([line({ out: 'T01_A', time: '2025-03-02 00:00:00' })]))).toBe('bill.txt line 2: 交易时间 2025-03-02 00:00:00 is not on 2025-03-01: the bill is for another day');
    expect(refused(billOf([line({ out: 'T01_A', time: '2025-02-30 10:00:00' })]))).toMatch(/交易时间 "2025-02-30 10:00:00" is not a/);
  });

  it('another merchant: mch_id or appid not this terminal\'s', () => {
    expect(refused(billOf([line({ out: 'T01_A', mch: '1900000999' })]))).toBe("bill.txt line 2 is for WeChat merchant 1900000999 (appid wx2421b1c4370ec43b), not this terminal's merchant 1900000109 (appid wx2421b1c4370ec43b)");
    expect(refused(billOf([line({ out: 'T01_A', appid: 'wxOTHER' })]))).toMatch(/appid wxOTHER\), not this terminal's merchant/);
  });
});
