// Reads Alipay's trade bill (alipay.data.dataservice.bill.downloadurl.query, bill_type=trade):
// a zip of GBK CSV files, of which the "<account>_<yyyyMMdd>_业务明细.csv" detail file holds one
// line per payment (业务类型 交易) and per refund (退款; 退款批次号/请求号 = out_request_no,
// empty for a cancel of a paid trade, whose 备注 is 撤销). The layout is described in
// src/payments/sandbox/bill.ts, which writes it as Alipay does. csv-parse reads the lines.
//
// Decisions a caller must know:
// - Columns are found by their header names, not positions, so a bill with Alipay's extra or
//   reordered columns still reads; the ones used must be there.
// - Checked, each failure a BillError naming the file and line: the header's 账号 (against
//   `account` when the caller knows it), the header's 起始日期/终止日期 (must be exactly the
//   day asked for), every line's 完成时间 (inside that Beijing day), the 交易合计/退款合计
//   counts in the trailer, no payment or refund listed twice, amounts ("88.88", payments
//   positive, refunds negative), ids.
// - Store: when `storeId` is given and the bill has lines but none carries that store (and
//   every line names some store), the bill is another store's: BillError. A bill mixing the
//   merchant's stores is normal; the reconciler sorts lines out by terminal.
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type { BillRow } from '../../domain/reconcile.ts';
import { BillError } from './bill-error.ts';
import { beijingDayRange, parseBeijingTime, parseYuan } from './bill-time.ts';
import { readZip, ZipFormatError } from './zip-reader.ts';

export interface AlipayBillExpect {
  /** The day asked for, "yyyy-MM-dd" (Beijing). */
  readonly date: string;
  /** The merchant account the bill must be for (partner id + "0156"), when known. */
  readonly account?: string | null;
  /** This terminal's Alipay store id, when known. */
  readonly storeId?: string | null;
  /** Names the input in messages, e.g. the file path. */
  readonly source?: string;
}

export interface AlipayBill {
  readonly account: string;
  readonly date: string;
  readonly rows: BillRow[];
  /** Lines per store id ('' for none), for the report. */
  readonly stores: ReadonlyMap<string, number>;
}

const COLUMNS = {
  tradeNo: '支付宝交易号',
  outTradeNo: '商户订单号',
  type: '业务类型',
  doneAt: '完成时间',
  storeId: '门店编号',
  terminalId: '终端号',
  amount: '订单金额（元）',
  requestNo: '退款批次号/请求号',
  note: '备注',
} as const;

const OUT_NO = /^[A-Za-z0-9_]{1,64}$/;

function chineseDate(text: string): string | null {
  const m = /^(\d{4})年(\d{2})月(\d{2})日 00:00:00$/.exec(text);
  return m === null ? null : `${m[1]}-${m[2]}-${m[3]}`;
}

export function parseAlipayBill(zip: Uint8Array, expect: AlipayBillExpect): AlipayBill {
  const source = expect.source ?? 'the Alipay bill';
  const range = beijingDayRange(expect.date);
  if (range === null) throw new BillError(`the bill date must be yyyy-MM-dd, got "${expect.date}"`);
  let entries;
  try {
    entries = readZip(zip, { maxEntries: 16 });
  } catch (err) {
    if (err instanceof ZipFormatError) throw new BillError(`${source} is not a readable Alipay bill zip: ${err.message}`);
    throw err;
  }
  const named = entries.map((e) => ({ name: e.utf8Name ? e.name.toString('utf8') : iconv.decode(e.name, 'gbk'), data: e.data }));
  const detail = named.find((e) => e.name.endsWith('_业务明细.csv'));
  if (detail === undefined) {
    throw new BillError(`${source} has no "…_业务明细.csv" detail file (it holds: ${named.map((e) => e.name).join(', ') || 'nothing'}): is it an Alipay trade bill?`);
  }
  const file = `${source} (${detail.name})`;
  const text = iconv.decode(detail.data, 'gbk').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);

  let account: string | null = null;
  let startDate: string | null = null;
  let endDate: string | null = null;
  let headerAt = -1;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (!line.startsWith('#')) {
      headerAt = i;
      break;
    }
    const acc = /^#账号：\[(.*)\]\s*$/.exec(line);
    if (acc) account = (acc[1] ?? '').trim();
    const dates = /^#起始日期：\[(.*?)\]\s*终止日期：\[(.*?)\]\s*$/.exec(line);
    if (dates) {
      startDate = chineseDate(dates[1] ?? '');
      endDate = chineseDate(dates[2] ?? '');
    }
  }
  if (headerAt < 0 || account === null || account === '') throw new BillError(`${file} is malformed: no "#账号：[…]" header line`);
  if (startDate === null || endDate === null) throw new BillError(`${file} is malformed: no "#起始日期：[…] 终止日期：[…]" header line for one day`);
  const nextDay = new Date(Date.parse(`${expect.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const startNext = new Date(Date.parse(`${startDate}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  if (endDate !== startNext) throw new BillError(`${file} covers ${startDate} to ${endDate}, not one day: ask for the bill of ${expect.date}`);
  if (startDate !== expect.date || endDate !== nextDay) throw new BillError(`${file} is the bill of ${startDate}, not of ${expect.date}`);
  if (expect.account != null && expect.account !== account) {
    throw new BillError(`${file} is for Alipay account ${account}, not this terminal's merchant (account ${expect.account})`);
  }

  const header = (lines[headerAt] ?? '').split(',').map((h) => h.trim());
  const col = {} as Record<keyof typeof COLUMNS, number>;
  for (const [key, name] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
    const at = header.indexOf(name);
    if (at < 0) throw new BillError(`${file} is malformed: line ${headerAt + 1} has no "${name}" column`);
    col[key] = at;
  }
  const endAt = lines.findIndex((l, i) => i > headerAt && l.startsWith('#'));
  if (endAt < 0 || !/列表结束/.test(lines[endAt] ?? '')) throw new BillError(`${file} is malformed: the detail list has no "#…列表结束" end line (the file is cut short?)`);
  const trailer = lines.slice(endAt).join('\n');
  const counts = /#交易合计：(\d+)笔，退款合计：(\d+)笔/.exec(trailer);
  if (counts === null) throw new BillError(`${file} is malformed: no "#交易合计：n笔，退款合计：m笔" line after the list`);

  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(lines.slice(headerAt + 1, endAt).join('\n'), { info: true, skip_empty_lines: true, relax_column_count: false, trim: false }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
  } catch (err) {
    throw new BillError(`${file} is malformed: ${err instanceof Error ? err.message : String(err)}`);
  }

  const rows: BillRow[] = [];
  const seenAt = new Map<string, number>();
  const stores = new Map<string, number>();
  let payments = 0;
  let refunds = 0;
  for (const { record, info } of records) {
    const lineNo = headerAt + 1 + info.lines;
    const where = `${file} line ${lineNo}`;
    if (record.length !== header.length) throw new BillError(`${where} has ${record.length} fields, the header ${header.length}`);
    const field = (k: keyof typeof COLUMNS) => (record[col[k]] ?? '').trim();
    const type = field('type');
    const outTradeNo = field('outTradeNo');
    const tradeNo = field('tradeNo');
    if (!OUT_NO.test(outTradeNo)) throw new BillError(`${where}: 商户订单号 "${outTradeNo}" is not an out_trade_no`);
    if (!/^\d{1,64}$/.test(tradeNo)) throw new BillError(`${where}: 支付宝交易号 "${tradeNo}" is not a trade number`);
    const at = parseBeijingTime(field('doneAt'));
    if (at === null) throw new BillError(`${where}: 完成时间 "${field('doneAt')}" is not a "yyyy-MM-dd HH:mm:ss" time`);
    if (at < range.start || at >= range.end) throw new BillError(`${where}: 完成时间 ${field('doneAt')} is not on ${expect.date}: the bill is for another day`);
    const amount = parseYuan(field('amount'));
    if (amount === null) throw new BillError(`${where}: 订单金额 "${field('amount')}" is not an amount such as 88.88`);
    const storeId = field('storeId');
    stores.set(storeId, (stores.get(storeId) ?? 0) + 1);
    const terminalId = field('terminalId') || null;
    if (type === '交易') {
      if (amount <= 0) throw new BillError(`${where}: a payment (交易) of ${field('amount')}: expected a positive amount`);
      payments += 1;
      rows.push({ entry: 'payment', outTradeNo, outRequestNo: null, amount, tradeNo, at, terminalId, line: lineNo });
    } else if (type === '退款') {
      if (amount >= 0) throw new BillError(`${where}: a refund (退款) of ${field('amount')}: expected a negative amount`);
      refunds += 1;
      const requestNo = field('requestNo');
      if (requestNo !== '' && !OUT_NO.test(requestNo)) throw new BillError(`${where}: 退款批次号/请求号 "${requestNo}" is not an out_request_no`);
      rows.push({ entry: requestNo === '' ? 'reversal' : 'refund', outTradeNo, outRequestNo: requestNo === '' ? null : requestNo, amount: -amount, tradeNo, at, terminalId, line: lineNo });
    } else {
      throw new BillError(`${where}: 业务类型 "${type}" is neither 交易 (payment) nor 退款 (refund)`);
    }
  }
  for (const r of rows) {
    const id = `${r.entry}/${r.entry === 'refund' ? r.outRequestNo : r.outTradeNo}`;
    const first = seenAt.get(id);
    if (first !== undefined) throw new BillError(`${file} line ${r.line} repeats the ${r.entry} ${id.slice(id.indexOf('/') + 1)} of line ${first}`);
    seenAt.set(id, r.line);
  }
  if (Number(counts[1]) !== payments || Number(counts[2]) !== refunds) {
    throw new BillError(`${file} is malformed: its trailer counts ${counts[1]} payments and ${counts[2]} refunds, the list holds ${payments} and ${refunds}`);
  }
  if (expect.storeId != null && rows.length > 0 && !stores.has(expect.storeId) && !stores.has('')) {
    throw new BillError(`${file} is for store ${[...stores.keys()].sort().join(', ')}, not this terminal's store ${expect.storeId}`);
  }
  return { account, date: expect.date, rows, stores };
}
