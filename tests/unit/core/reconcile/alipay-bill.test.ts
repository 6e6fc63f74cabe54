// The Alipay bill reader on bills written here by hand (GBK CSV in a zip, Alipay's layout), one
// good one and one broken in each way a manager could meet: not a zip, no detail file, cut
// short, another day, another account, another store, counts or amounts that do not fit.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseAlipayBill } from '../../../../src/core/reconcile/alipay-bill.ts';
import { BillError } from '../../../../src/core/reconcile/bill-error.ts';
import { writeZip } from '../../../../src/payments/sandbox/zip-writer.ts';

const ACCOUNT = '20880000000000010156';
const HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';

function row(o: { tradeNo?: string; out: string; type?: string; done?: string; store?: string; terminal?: string; amount: string; request?: string; subject?: string }): string {
  const subject = o.subject ?? 'Kassa sale';
  return [
    `${o.tradeNo ?? '2025030122001000000000000001'}\t`, `${o.out}\t`, o.type ?? '交易', /[",]/.test(subject) ? `"${subject.replaceAll('"', '""')}"` : subject, '2025-03-01 09:59:00',
    o.done ?? '2025-03-01 10:00:00', o.store ?? 'SH001', '', 'alice', o.terminal ?? 'T01', '1**0042', o.amount, o.amount, '0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00',
    o.request ? `${o.request}\t` : '', '0.00', '0.00', o.type === '退款' && !o.request ? '撤销' : '',
  ].join(',');
}

interface Parts {
  account?: string;
  start?: string;
  end?: string;
  rows?: string[];
  trailer?: string | null;
  end_line?: boolean;
}

function billText(p: Parts = {}): string {
  const rows = p.rows ?? [row({ out: 'T01_A', amount: '31.96' }), row({ out: 'T01_A', type: '退款', amount: '-10.00', request: 'R_1', done: '2025-03-01 11:00:00' })];
  const pays = rows.filter((r) => r.split(',')[2] === '交易').length;
  const lines = [
    '#支付宝业务明细查询',
    `#账号：[${p.account ?? ACCOUNT}]`,
    `#起始日期：[${p.start ?? '2025年03月01日 00:00:00'}]   终止日期：[${p.end ?? '2025年03月02日 00:00:00'}]`,
    '#-----------------------------------------业务明细列表----------------------------------------',
    HEADER,
    ...rows,
    ...(p.end_line === false ? [] : ['#-----------------------------------------业务明细列表结束------------------------------------']),
    ...(p.trailer === null ? [] : [p.trailer ?? `#交易合计：${pays}笔，退款合计：${rows.length - pays}笔`]),
    '#导出时间：[2025年03月02日 10:00:00]',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

function zipOf(text: string, name = `${ACCOUNT}_20250301_业务明细.csv`): Uint8Array {
  return writeZip([
    { name: iconv.encode(name, 'gbk'), data: iconv.encode(text, 'gbk') },
    { name: iconv.encode(`${ACCOUNT}_20250301_业务明细(汇总).csv`, 'gbk'), data: iconv.encode('#支付宝业务汇总查询\r\n', 'gbk') },
  ]);
}

const EXPECT = { date: '2025-03-01', account: ACCOUNT, storeId: 'SH001', source: 'bill.zip' };
const refused = (zip: Uint8Array, wanted = EXPECT) => {
  try {
    parseAlipayBill(zip, wanted);
  } catch (err) {
    expect(err).toBeInstanceOf(BillError);
    return (err as Error).message;
  }
  throw new Error('the bill was accepted');
};

describe('parseAlipayBill', () => {
  it('reads payments, refunds and reversals with amounts in fen, Beijing times, terminal ids', () => {
    const bill = parseAlipayBill(
      zipOf(billText({ rows: [row({ out: 'T01_A', amount: '31.96', subject: 'Rice, 5 kg "premium"' }), row({ out: 'T01_A', type: '退款', amount: '-10.00', request: 'R_1', done: '2025-03-01 23:59:59' }), row({ out: 'T01_B', type: '退款', amount: '-5.00', terminal: '' })] })),
      EXPECT,
    );
    expect(bill.account).toBe(ACCOUNT);
    expect(bill.rows).toEqual([
      { entry: 'payment', outTradeNo: 'T01_A', outRequestNo: null, amount: 3196, tradeNo: '2025030122001000000000000001', at: Date.parse('2025-03-01T02:00:00Z'), terminalId: 'T01', line: 6 },
      { entry: 'refund', outTradeNo: 'T01_A', outRequestNo: 'R_1', amount: 1000, tradeNo: '2025030122001000000000000001', at: Date.parse('2025-03-01T15:59:59Z'), terminalId: 'T01', line: 7 },
      { entry: 'reversal', outTradeNo: 'T01_B', outRequestNo: null, amount: 500, tradeNo: '2025030122001000000000000001', at: Date.parse('2025-03-01T02:00:00Z'), terminalId: null, line: 8 },
    ]);
  });

  it('an empty day is a bill with no rows; an unknown account is not checked', () => {
    expect(parseAlipayBill(zipOf(billText({ rows: [] })), { date: '2025-03-01' }).rows).toEqual([]);
  });

  it('malformed: not a zip, no detail file, cut short, bad header, bad fields', () => {
    expect(refused(Buffer.from('<html>502 Bad Gateway</html>'))).toMatch(/^bill\.zip is not a readable Alipay bill zip: not a zip file/);
    const good = zipOf(billText());
    expect(refused(good.subarray(0, good.length - 30))).toMatch(/not a readable Alipay bill zip/);
    expect(refused(zipOf(billText(), 'something_else.csv'))).toMatch(/has no "…_业务明细\.csv" detail file \(it holds: something_else\.csv, .*\): is it an Alipay trade bill\?/);
    expect(refused(zipOf(billText({ end_line: false })))).toMatch(/no "#…列表结束" end line \(the file is cut short\?\)/);
    expect(refused(zipOf(billText({ trailer: null })))).toMatch(/no "#交易合计：n笔，退款合计：m笔" line/);
    expect(refused(zipOf(billText({ trailer: '#交易合计：5笔，退款合计：1笔' })))).toMatch(/trailer counts 5 payments and 1 refunds, the list holds 1 and 1/);
    expect(refused(zipOf(billText().replace('#账号：', '#帐户：')))).toMatch(/no "#账号：\[…\]" header line/);
    expect(refused(zipOf(billText().replace(',订单金额（元）,', ',金额,')))).toMatch(/line 5 has no "订单金额（元）" column/);
    expect(refused(zipOf(billText({ rows: [row({ out: 'T01_A', amount: '31.9' })] })))).toMatch(/bill\.zip \(.*_业务明细\.csv\) line 6: 订单金额 "31\.9" is not an amount/);
    expect(refused(zipOf(billText({ rows: [row({ out: 'T01_A', amount: '-31.96' })] })))).toMatch(/line 6: a payment \(交易\) of -31\.96: expected a positive amount/);
    expect(refused(zipOf(billText({ rows: [row({ out: 'T01 A', amount: '1.00' })] })))).toMatch(/line 6: 商户订单号 "T01 A" is not an out_trade_no/);
    expect(refused(zipOf(billText({ rows: [row({ out: 'T01_A', amount: '1.00', type: '充值' })] })))).toMatch(/业务类型 "充值" is neither 交易/);
    expect(refused(zipOf(billText({ rows: [row({ out: 'T01_A', amount: '1.00', done: '2025-03-01 25:00:00' })] })))).toMatch(/完成时间 "2025-03-01 25:00:00" is not a/);
    expect(refused(zipOf(billText({ rows: [`${row({ out: 'T01_A', amount: '1.00' })},extra`] })))).toMatch(/line 6 has 26 fields, the header 25/);
    expect(refused(zipOf(billText({ rows: [row({ out: 'T01_A', amount: '1.00' }), row({ out: 'T01_B', amount: '2.00' }), row({ out: 'T01_A', amount: '1.00' })] })))).toMatch(/line 8 repeats the payment T01_A of line 6/);
  });

  it('another date: the header names another day, or a line falls outside the day', () => {
    expect(refused(zipOf(billText({ start: '2025年03月02日 00:00:00', end: '2025年03月03日 00:00:00' })))).toMatch(/is the bill of 2025-03-02, not of 2025-03-01/);
    expect(refused(zipOf(billText({ start: '2025年03月01日 00:00:00', end: '2025年04月01日 00:00:00' })))).toMatch(/covers 2025-03-01 to 2025-04-01, not one day/);
    expect(refused(zipOf(billText({ rows: [row({ out: 'T01_A', amount: '1.00', done: '2025-03-02 00:00:00' })] })))).toMatch(/line 6: 完成时间 2025-03-02 00:00:00 is not on 2025-03-01: the bill is for another day/);
    expect(refused(zipOf(billText()), { ...EXPECT, date: '2025-3-1' })).toMatch(/the bill date must be yyyy-MM-dd/);
  });

  it('another merchant or store', () => {
    expect(refused(zipOf(billText({ account: '20889999999999990156' })))).toBe(`bill.zip (${ACCOUNT}_20250301_业务明细.csv) is for Alipay account 20889999999999990156, not this terminal's merchant (account ${ACCOUNT})`);
    const otherStore = billText({ rows: [row({ out: 'T01_A', amount: '1.00', store: 'BJ002' }), row({ out: 'T01_B', amount: '2.00', store: 'BJ003' })] });
    expect(refused(zipOf(otherStore))).toMatch(/is for store BJ002, BJ003, not this terminal's store SH001/);
    // A merchant bill holding several stores, ours among them, is fine.
    const mixed = billText({ rows: [row({ out: 'T01_A', amount: '1.00', store: 'BJ002' }), row({ out: 'T01_B', amount: '2.00' })] });
    expect(parseAlipayBill(zipOf(mixed), EXPECT).rows).toHaveLength(2);
  });
});
