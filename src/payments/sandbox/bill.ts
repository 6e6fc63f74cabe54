// Alipay's trade bill (alipay.data.dataservice.bill.downloadurl.query, bill_type=trade): a
// download URL valid 30 s that serves a zip of two GBK CSV files for one GMT+8 day, laid out
// as Alipay's "业务明细" export so a reconciler written against real bills reads these too.
//
// Zip `<account>_<yyyyMMdd>.csv.zip`, entry names GBK-encoded without the UTF-8 flag (as
// Alipay's are: a reader must decode names as GBK):
//   <account>_<yyyyMMdd>_业务明细.csv        one line per payment and per refund
//   <account>_<yyyyMMdd>_业务明细(汇总).csv  one line per store, then 合计
// where <account> is the merchant's partner id + "0156". Lines end in CRLF. Detail file:
//   #支付宝业务明细查询
//   #账号：[<account>]
//   #起始日期：[yyyy年MM月dd日 00:00:00]   终止日期：[<next day> 00:00:00]
//   #-----------------------------------------业务明细列表----------------------------------------
//   支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,
//     订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,
//     券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注   (one line, 25 columns)
//   <rows>
//   #-----------------------------------------业务明细列表结束------------------------------------
//   #交易合计：<n>笔，退款合计：<m>笔
//   #导出时间：[yyyy年MM月dd日 HH:mm:ss]
// Rows: 业务类型 "交易" for a payment (its payment time falls in the day; amounts positive) or
// "退款" for a refund or reversal made that day (amounts negative; 退款批次号 is out_request_no,
// empty for a reversal, whose 备注 is "撤销"). The three id columns end in a TAB, as Alipay's do
// (so spreadsheets keep the digits); readers trim fields. Times are "yyyy-MM-dd HH:mm:ss" GMT+8;
// amounts "88.88". Discounts, coupons, card, fee and profit-share columns are "0.00" or empty:
// the sandbox has none. Fields holding a comma, quote or line break are quoted (RFC 4180);
// characters GBK cannot hold become "?".
// Summary file: the same four header lines with 业务汇总, then
//   门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,
//     卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）
// one line per store id (empty store last), 合计, the end line and the export time.
//
// Decisions: the bill is built when downloaded (the books as they are then); a URL is a random
// file id kept in memory, so URLs die with the process as well as after 30 s.
import { randomBytes } from 'node:crypto';
import iconv from 'iconv-lite';
import { formatMoney } from '../../domain/money.ts';
import { beijingDayRange, formatBeijing } from './beijing-time.ts';
import type { Ledger, RefundRow, TradeRow, Wallet } from './ledger.ts';
import { writeZip } from './zip-writer.ts';

export const BILL_URL_TTL_MS = 30_000;
export const BILL_PATH = '/downloadBillFile.resource';

const DETAIL_HEADER = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号', '对方账户',
  '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）', '券核销金额（元）', '券名称',
  '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号', '服务费（元）', '分润（元）', '备注',
];
const SUMMARY_HEADER = ['门店编号', '门店名称', '交易订单总笔数', '退款订单总笔数', '订单金额（元）', '商家实收（元）', '支付宝优惠（元）', '商家优惠（元）', '卡消费金额（元）', '服务费（元）', '分润（元）', '实收净额（元）'];

const yuan = (fen: number): string => formatMoney({ amount: fen, currency: 'CNY' });

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function chineseDateTime(ms: number): string {
  const t = formatBeijing(ms);
  return `${t.slice(0, 4)}年${t.slice(5, 7)}月${t.slice(8, 10)}日 ${t.slice(11)}`;
}

export interface BillFile {
  readonly fileName: string;
  readonly zip: Buffer;
}

export interface BillServiceOptions {
  readonly ledger: Ledger;
  readonly clock: () => number;
  /** Where the server listens, e.g. "http://127.0.0.1:8080" (read when a URL is issued). */
  readonly baseUrl: () => string;
}

interface Issued {
  readonly wallet: Wallet;
  readonly merchant: string;
  readonly date: string;
  readonly expiresAt: number;
}

export class BillService {
  private readonly issued = new Map<string, Issued>();

  constructor(private readonly options: BillServiceOptions) {}

  /** A URL serving the bill of `date` ("yyyy-MM-dd") for BILL_URL_TTL_MS from now. */
  issueUrl(wallet: Wallet, merchant: string, date: string): string {
    const now = this.options.clock();
    for (const [id, entry] of this.issued) if (entry.expiresAt <= now) this.issued.delete(id);
    const fileId = randomBytes(16).toString('hex');
    this.issued.set(fileId, { wallet, merchant, date, expiresAt: now + BILL_URL_TTL_MS });
    const pid = this.account(wallet, merchant);
    const day = date.replaceAll('-', '');
    const q = new URLSearchParams({ bizType: 'trade', userId: pid, fileType: 'csv.zip', bizDates: day, downloadFileName: `${pid}_${day}.csv.zip`, fileId, timestamp: String(now) });
    return `${this.options.baseUrl()}${BILL_PATH}?${q.toString()}`;
  }

  /** The bill behind a download URL's fileId: a zip, or why not (unknown or expired). */
  download(fileId: string): { ok: true; file: BillFile } | { ok: false; status: 404 | 410; reason: string } {
    const entry = this.issued.get(fileId);
    if (entry === undefined) return { ok: false, status: 404, reason: 'no such bill file: ask alipay.data.dataservice.bill.downloadurl.query for a new URL' };
    if (entry.expiresAt <= this.options.clock()) {
      this.issued.delete(fileId);
      return { ok: false, status: 410, reason: `this bill URL expired (URLs are valid ${BILL_URL_TTL_MS / 1000} s): ask for a new one` };
    }
    return { ok: true, file: this.build(entry.wallet, entry.merchant, entry.date) };
  }

  private account(wallet: Wallet, merchant: string): string {
    return `${this.options.ledger.merchant(wallet, merchant)?.pid ?? merchant}0156`;
  }

  /** The zip for one merchant and one GMT+8 day, as described in the module comment. */
  build(wallet: Wallet, merchant: string, date: string): BillFile {
    const range = beijingDayRange(date);
    if (range === null) throw new RangeError(`bill date must be "yyyy-MM-dd", got ${JSON.stringify(date)}`);
    const { ledger, clock } = this.options;
    const now = clock();
    const paid = ledger.paidBetween(wallet, merchant, range.start, range.end);
    const refunds = ledger.refundsBetween(wallet, merchant, range.start, range.end);
    const tradeOf = new Map<string, TradeRow>();
    for (const r of refunds) {
      const t = ledger.trade(r.tradeNo);
      if (t !== undefined) tradeOf.set(r.tradeNo, t);
    }
    const account = this.account(wallet, merchant);
    const day = date.replaceAll('-', '');
    const head = (title: string) => [
      `#支付宝${title}查询`,
      `#账号：[${account}]`,
      `#起始日期：[${chineseDateTime(range.start)}]   终止日期：[${chineseDateTime(range.end)}]`,
      `#-----------------------------------------${title}列表----------------------------------------`,
    ];
    const tail = (title: string) => `#-----------------------------------------${title}列表结束------------------------------------`;

    const detail = [...head('业务明细'), DETAIL_HEADER.join(',')];
    for (const t of paid) detail.push(this.paymentLine(t, ledger));
    for (const r of refunds) {
      const t = tradeOf.get(r.tradeNo);
      if (t !== undefined) detail.push(this.refundLine(t, r, ledger));
    }
    detail.push(tail('业务明细'), `#交易合计：${paid.length}笔，退款合计：${refunds.length}笔`, `#导出时间：[${chineseDateTime(now)}]`);

    const stores = new Map<string, { pays: number; refunds: number; fen: number }>();
    const store = (id: string | null) => {
      const key = id ?? '';
      let s = stores.get(key);
      if (s === undefined) stores.set(key, (s = { pays: 0, refunds: 0, fen: 0 }));
      return s;
    };
    for (const t of paid) {
      const s = store(t.storeId);
      s.pays += 1;
      s.fen += t.totalFen;
    }
    for (const r of refunds) {
      const s = store(tradeOf.get(r.tradeNo)?.storeId ?? null);
      s.refunds += 1;
      s.fen -= r.amountFen;
    }
    const keys = [...stores.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a < b ? -1 : a > b ? 1 : 0));
    const summary = [...head('业务汇总'), SUMMARY_HEADER.join(',')];
    const total = { pays: 0, refunds: 0, fen: 0 };
    for (const k of keys) {
      const s = stores.get(k) ?? { pays: 0, refunds: 0, fen: 0 };
      total.pays += s.pays;
      total.refunds += s.refunds;
      total.fen += s.fen;
      summary.push([csvField(k), '', String(s.pays), String(s.refunds), yuan(s.fen), yuan(s.fen), '0.00', '0.00', '0.00', '0.00', '0.00', yuan(s.fen)].join(','));
    }
    summary.push(['合计', '', String(total.pays), String(total.refunds), yuan(total.fen), yuan(total.fen), '0.00', '0.00', '0.00', '0.00', '0.00', yuan(total.fen)].join(','));
    summary.push(tail('业务汇总'), `#导出时间：[${chineseDateTime(now)}]`);

    const gbk = (s: string) => iconv.encode(s, 'gbk');
    const zip = writeZip(
      [
        { name: gbk(`${account}_${day}_业务明细.csv`), data: gbk(`${detail.join('\r\n')}\r\n`) },
        { name: gbk(`${account}_${day}_业务明细(汇总).csv`), data: gbk(`${summary.join('\r\n')}\r\n`) },
      ],
      { modifiedAt: now },
    );
    return { fileName: `${account}_${day}.csv.zip`, zip };
  }

  private paymentLine(t: TradeRow, ledger: Ledger): string {
    const buyer = t.buyerId === null ? undefined : ledger.buyer(t.buyerId);
    const amount = yuan(t.totalFen);
    return this.line(t, '交易', t.paidAt ?? t.createdAt, buyer?.alipayLogonId ?? '', amount, '', '');
  }

  private refundLine(t: TradeRow, r: RefundRow, ledger: Ledger): string {
    const buyer = t.buyerId === null ? undefined : ledger.buyer(t.buyerId);
    const note = r.kind === 'reversal' ? '撤销' : r.reason;
    return this.line(t, '退款', r.createdAt, buyer?.alipayLogonId ?? '', yuan(-r.amountFen), r.outRequestNo === null ? '' : `${r.outRequestNo}\t`, note);
  }

  private line(t: TradeRow, type: string, doneAt: number, buyer: string, amount: string, requestNo: string, note: string): string {
    return [
      `${t.tradeNo}\t`, `${t.outTradeNo}\t`, type, t.subject, formatBeijing(t.createdAt), formatBeijing(doneAt), t.storeId ?? '', '', t.operatorId ?? '',
      t.terminalId ?? '', buyer, amount, amount, '0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00', requestNo, '0.00', '0.00', note,
    ].map(csvField).join(',');
  }
}
