// The trade bill zip for one GMT+8 day: two GBK CSV files named in GBK, Alipay's header and
// footer lines, one line per payment and per refund of that day (a refund made the next day
// lands in the next day's bill), store totals that add up, and 30-second URLs.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { BillService, BILL_URL_TTL_MS } from '../../../../src/payments/sandbox/bill.ts';
import { Ledger } from '../../../../src/payments/sandbox/ledger.ts';
import { TradeBook } from '../../../../src/payments/sandbox/trade-book.ts';
import { SandboxWallet } from '../../../../src/payments/sandbox/wallet.ts';
import { readZip } from './read-zip.ts';

const MAR1 = Date.UTC(2025, 1, 28, 16); // 2025-03-01 00:00 GMT+8
const HOUR = 3_600_000;

function scene() {
  let now = MAR1 + 9 * HOUR;
  const ledger = new Ledger(':memory:');
  ledger.ensureMerchant({ wallet: 'alipay', id: 'app', pid: '2088000000000042', name: 'shop' });
  const book = new TradeBook(ledger, { clock: () => now });
  const wallet = new SandboxWallet(book, { codeTtlMs: 10 * 24 * HOUR });
  const buyer = wallet.createBuyer({ balanceFen: 100_000 });
  const pay = (out: string, fen: number, storeId: string | null, subject = 'groceries') => {
    const r = book.pay({ wallet: 'alipay', merchant: 'app', outTradeNo: out, authCode: wallet.issueCode(buyer.id, 'alipay').code, totalFen: fen, subject, storeId, terminalId: 'T1', operatorId: 'op7', waitLimitMs: HOUR });
    if (r.kind !== 'paid') throw new Error(`expected paid, got ${r.kind}`);
    return r.trade;
  };
  const t1 = pay('A1', 8_888, 'S1', '可乐, 矿泉水 "大"');
  now += HOUR;
  const t2 = pay('A2', 1_000, 'S2');
  now += HOUR;
  book.refund({ wallet: 'alipay', merchant: 'app', ref: { outTradeNo: 'A1' }, outRequestNo: 'R1', amountFen: 888, reason: '退货' });
  const t3 = pay('A3', 500, null);
  book.cancel('alipay', 'app', { outTradeNo: 'A3' }, 24 * HOUR);
  now = MAR1 + 24 * HOUR + HOUR; // 2025-03-02 01:00
  book.refund({ wallet: 'alipay', merchant: 'app', ref: { outTradeNo: 'A2' }, outRequestNo: 'R2', amountFen: 100, reason: '' });
  pay('B1', 777, 'S1');
  const bills = new BillService({ ledger, clock: () => now, baseUrl: () => 'http://127.0.0.1:9' });
  return { bills, ledger, t1, t2, t3, buyer, advance: (ms: number) => (now += ms) };
}

async function files(zip: Buffer): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const e of await readZip(zip)) {
    expect(e.utf8Flag).toBe(false);
    const text = iconv.decode(e.data, 'gbk');
    expect(text.endsWith('\r\n')).toBe(true);
    out[iconv.decode(e.nameBytes, 'gbk')] = text.slice(0, -2).split('\r\n');
  }
  return out;
}

describe('BillService.build', () => {
  it("lays out one day's payments and refunds as Alipay's 业务明细, in GBK", async () => {
    const { bills, t1, t2, t3, buyer } = scene();
    const bill = bills.build('alipay', 'app', '2025-03-01');
    expect(bill.fileName).toBe('20880000000000420156_20250301.csv.zip');
    const f = await files(bill.zip);
    expect(Object.keys(f)).toEqual(['20880000000000420156_20250301_业务明细.csv', '20880000000000420156_20250301_业务明细(汇总).csv']);
    const detail = f['20880000000000420156_20250301_业务明细.csv'] ?? [];
    expect(detail.slice(0, 5)).toEqual([
      '#支付宝业务明细查询',
      '#账号：[20880000000000420156]',
      '#起始日期：[2025年03月01日 00:00:00]   终止日期：[2025年03月02日 00:00:00]',
      '#-----------------------------------------业务明细列表----------------------------------------',
      '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注',
    ]);
    const logon = buyer.alipayLogonId;
    expect(detail.slice(5, 10)).toEqual([
      `${t1.tradeNo}\t,A1\t,交易,"可乐, 矿泉水 ""大""",2025-03-01 09:00:00,2025-03-01 09:00:00,S1,,op7,T1,${logon},88.88,88.88,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,,0.00,0.00,`,
      `${t2.tradeNo}\t,A2\t,交易,groceries,2025-03-01 10:00:00,2025-03-01 10:00:00,S2,,op7,T1,${logon},10.00,10.00,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,,0.00,0.00,`,
      `${t3.tradeNo}\t,A3\t,交易,groceries,2025-03-01 11:00:00,2025-03-01 11:00:00,,,op7,T1,${logon},5.00,5.00,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,,0.00,0.00,`,
      `${t1.tradeNo}\t,A1\t,退款,"可乐, 矿泉水 ""大""",2025-03-01 09:00:00,2025-03-01 11:00:00,S1,,op7,T1,${logon},-8.88,-8.88,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,R1\t,0.00,0.00,退货`,
      `${t3.tradeNo}\t,A3\t,退款,groceries,2025-03-01 11:00:00,2025-03-01 11:00:00,,,op7,T1,${logon},-5.00,-5.00,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,,0.00,0.00,撤销`,
    ]);
    expect(detail.slice(10, 12)).toEqual(['#-----------------------------------------业务明细列表结束------------------------------------', '#交易合计：3笔，退款合计：2笔']);
    expect(detail[12]).toBe('#导出时间：[2025年03月02日 01:00:00]');
    expect(detail).toHaveLength(13);

    const summary = f['20880000000000420156_20250301_业务明细(汇总).csv'] ?? [];
    expect(summary.slice(4)).toEqual([
      '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）',
      'S1,,1,1,80.00,80.00,0.00,0.00,0.00,0.00,0.00,80.00',
      'S2,,1,0,10.00,10.00,0.00,0.00,0.00,0.00,0.00,10.00',
      ',,1,1,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00',
      '合计,,3,2,90.00,90.00,0.00,0.00,0.00,0.00,0.00,90.00',
      '#-----------------------------------------业务汇总列表结束------------------------------------',
      '#导出时间：[2025年03月02日 01:00:00]',
    ]);
  });

  it("puts a refund made the next day into the next day's bill", async () => {
    const { bills, t2 } = scene();
    const detail = (await files(bills.build('alipay', 'app', '2025-03-02').zip))['20880000000000420156_20250302_业务明细.csv'] ?? [];
    const rows = detail.filter((l) => !l.startsWith('#')).slice(1);
    expect(rows.map((r) => r.split(',').slice(1, 3).join(','))).toEqual(['B1\t,交易', 'A2\t,退款']);
    expect(rows[1]?.startsWith(`${t2.tradeNo}\t`)).toBe(true);
    expect(detail).toContain('#交易合计：1笔，退款合计：1笔');
  });
});

describe('BillService URLs', () => {
  it('serve the zip for 30 seconds, then say the URL expired; unknown ids are 404', () => {
    const { bills, advance } = scene();
    const url = new URL(bills.issueUrl('alipay', 'app', '2025-03-01'));
    expect(url.origin).toBe('http://127.0.0.1:9');
    expect(url.pathname).toBe('/downloadBillFile.resource');
    expect(url.searchParams.get('bizDates')).toBe('20250301');
    const id = url.searchParams.get('fileId') ?? '';
    const got = bills.download(id);
    expect(got.ok && got.file.fileName).toBe('20880000000000420156_20250301.csv.zip');
    advance(BILL_URL_TTL_MS);
    expect(bills.download(id)).toMatchObject({ ok: false, status: 410 });
    expect(bills.download('nope')).toMatchObject({ ok: false, status: 404 });
  });
});
