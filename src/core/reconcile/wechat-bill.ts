// Reads WeChat Pay's v2 对账单 (/pay/downloadbill, bill_type ALL): a header line, one line per
// payment (交易状态 SUCCESS), refund (REFUND: 商户退款单号 = out_request_no) or reversal (REVOKED),
// every field prefixed with "`", then a totals header and one totals line. The layout is the one
// src/payments/sandbox/wechat-bill.ts serves. Hand-split rather than csv-parse: WeChat does not
// quote, so a comma inside a field (the goods description) would break a CSV reader, while
// splitting on ",`" (a field boundary is always a comma followed by the backtick) does not.
//
// Decisions a caller must know:
// - Columns are found by header name (WeChat has added columns over the years: 订单金额,
//   申请退款金额, 费率备注); the ones used must be there. 订单金额 when present, else 总金额 or
//   应结订单金额, is a payment's amount; 申请退款金额 when present, else 退款金额, a refund's.
// - Checked, each failure a BillError naming the line: every line's 公众账号ID and 商户号
//   against this terminal's appid/mch_id, 交易时间 inside the Beijing day asked for, amounts,
//   ids, no payment or refund listed twice, and the totals line (row count, payments and
//   refunds summed) against the rows.
// - An answer in XML (WeChat's error form) is not a bill: BillError quoting return_msg.
import type { BillRow } from '../../domain/reconcile.ts';
import { BillError } from './bill-error.ts';
import { beijingDayRange, parseBeijingTime, parseYuan } from './bill-time.ts';

export interface WechatBillExpect {
  readonly date: string;
  readonly appId: string;
  readonly mchId: string;
  readonly source?: string;
}

export interface WechatBill {
  readonly date: string;
  readonly rows: BillRow[];
}

const OUT_NO = /^[A-Za-z0-9_\-|*@]{1,64}$/;

function columnOf(header: readonly string[], names: readonly string[], file: string): number {
  for (const name of names) {
    const at = header.indexOf(name);
    if (at >= 0) return at;
  }
  throw new BillError(`${file} is malformed: the header has no "${names[0]}" column`);
}

function splitLine(line: string): string[] | null {
  if (!line.startsWith('`')) return null;
  return line.slice(1).split(',`');
}

export function parseWechatBill(input: string | Uint8Array, expect: WechatBillExpect): WechatBill {
  const file = expect.source ?? 'the WeChat Pay bill';
  const range = beijingDayRange(expect.date);
  if (range === null) throw new BillError(`the bill date must be yyyy-MM-dd, got "${expect.date}"`);
  const text = (typeof input === 'string' ? input : Buffer.from(input).toString('utf8')).replace(/^\uFEFF/, '');
  if (text.trimStart().startsWith('<xml')) {
    const msg = /<return_msg>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?<\/return_msg>/s.exec(text)?.[1] ?? 'no return_msg';
    throw new BillError(`${file} is WeChat Pay's error answer, not a bill: ${msg}`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && (lines[lines.length - 1] ?? '').trim() === '') lines.pop();
  if (lines.length < 3) throw new BillError(`${file} is malformed: ${lines.length} line(s), a bill has a header, its lines and two totals lines`);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  if (!header.includes('交易时间') || !header.includes('商户订单号')) throw new BillError(`${file} is malformed: line 1 is not a WeChat Pay bill header (交易时间,公众账号ID,商户号,…)`);
  const c = {
    time: columnOf(header, ['交易时间'], file),
    appId: columnOf(header, ['公众账号ID'], file),
    mchId: columnOf(header, ['商户号'], file),
    device: columnOf(header, ['设备号'], file),
    tradeNo: columnOf(header, ['微信订单号'], file),
    outTradeNo: columnOf(header, ['商户订单号'], file),
    state: columnOf(header, ['交易状态'], file),
    settled: columnOf(header, ['应结订单金额', '总金额'], file),
    orderAmount: columnOf(header, ['订单金额', '总金额', '应结订单金额'], file),
    outRefundNo: columnOf(header, ['商户退款单号'], file),
    refundAmount: columnOf(header, ['申请退款金额', '退款金额'], file),
  };
  const totalsAt = lines.findIndex((l, i) => i > 0 && l.startsWith('总交易单数'));
  if (totalsAt < 0 || totalsAt + 1 >= lines.length) throw new BillError(`${file} is malformed: no "总交易单数,…" totals lines at the end (the file is cut short?)`);

  const rows: BillRow[] = [];
  let settledSum = 0;
  let refundSum = 0;
  for (let i = 1; i < totalsAt; i += 1) {
    const lineNo = i + 1;
    const where = `${file} line ${lineNo}`;
    const f = splitLine(lines[i] ?? '');
    if (f === null) throw new BillError(`${where} is malformed: bill fields start with "\`"`);
    if (f.length !== header.length) throw new BillError(`${where} has ${f.length} fields, the header ${header.length}`);
    const get = (k: keyof typeof c) => (f[c[k]] ?? '').trim();
    if (get('appId') !== expect.appId || get('mchId') !== expect.mchId) {
      throw new BillError(`${where} is for WeChat merchant ${get('mchId')} (appid ${get('appId')}), not this terminal's merchant ${expect.mchId} (appid ${expect.appId})`);
    }
    const at = parseBeijingTime(get('time'));
    if (at === null) throw new BillError(`${where}: 交易时间 "${get('time')}" is not a "yyyy-MM-dd HH:mm:ss" time`);
    if (at < range.start || at >= range.end) throw new BillError(`${where}: 交易时间 ${get('time')} is not on ${expect.date}: the bill is for another day`);
    const outTradeNo = get('outTradeNo');
    if (!OUT_NO.test(outTradeNo)) throw new BillError(`${where}: 商户订单号 "${outTradeNo}" is not an out_trade_no`);
    const tradeNo = get('tradeNo');
    if (!/^\d{1,64}$/.test(tradeNo)) throw new BillError(`${where}: 微信订单号 "${tradeNo}" is not a transaction id`);
    const settled = parseYuan(get('settled'));
    if (settled === null || settled < 0) throw new BillError(`${where}: 应结订单金额 "${get('settled')}" is not an amount such as 88.88`);
    settledSum += settled;
    const terminalId = get('device') || null;
    const state = get('state');
    if (state === 'SUCCESS') {
      const amount = parseYuan(get('orderAmount'));
      if (amount === null || amount <= 0) throw new BillError(`${where}: the payment's amount "${get('orderAmount')}" is not a positive amount such as 88.88`);
      rows.push({ entry: 'payment', outTradeNo, outRequestNo: null, amount, tradeNo, at, terminalId, line: lineNo });
    } else if (state === 'REFUND' || state === 'REVOKED') {
      const amount = parseYuan(get('refundAmount'));
      if (amount === null || amount <= 0) throw new BillError(`${where}: the refund's amount "${get('refundAmount')}" is not a positive amount such as 10.00`);
      refundSum += amount;
      const outRefundNo = get('outRefundNo');
      if (state === 'REFUND' && !OUT_NO.test(outRefundNo)) throw new BillError(`${where}: 商户退款单号 "${outRefundNo}" is not an out_request_no`);
      rows.push(
        state === 'REFUND'
          ? { entry: 'refund', outTradeNo, outRequestNo: outRefundNo, amount, tradeNo, at, terminalId, line: lineNo }
          : { entry: 'reversal', outTradeNo, outRequestNo: null, amount, tradeNo, at, terminalId, line: lineNo },
      );
    } else {
      throw new BillError(`${where}: 交易状态 "${state}" is not SUCCESS, REFUND or REVOKED`);
    }
  }
  const seenAt = new Map<string, number>();
  for (const r of rows) {
    const id = `${r.entry}/${r.entry === 'refund' ? r.outRequestNo : r.outTradeNo}`;
    const first = seenAt.get(id);
    if (first !== undefined) throw new BillError(`${file} line ${r.line} repeats the ${r.entry} ${id.slice(id.indexOf('/') + 1)} of line ${first}`);
    seenAt.set(id, r.line);
  }
  const totalsHeader = (lines[totalsAt] ?? '').split(',').map((h) => h.trim());
  const totals = splitLine(lines[totalsAt + 1] ?? '');
  if (totals === null || totals.length !== totalsHeader.length) throw new BillError(`${file} line ${totalsAt + 2} is malformed: expected the totals under "${lines[totalsAt]}"`);
  const total = (name: string) => {
    const at = totalsHeader.indexOf(name);
    return at < 0 ? undefined : (totals[at] ?? '').trim();
  };
  const count = total('总交易单数');
  const settledTotal = parseYuan(total('应结订单总金额') ?? '');
  const refundTotal = parseYuan(total('申请退款总金额') ?? total('退款总金额') ?? '');
  if (count !== String(rows.length) || settledTotal !== settledSum || refundTotal !== refundSum) {
    throw new BillError(
      `${file} is malformed: its totals (${count ?? '?'} lines, ${total('应结订单总金额') ?? '?'} settled, ${total('申请退款总金额') ?? total('退款总金额') ?? '?'} refunded) do not add up to its ${rows.length} lines (${(settledSum / 100).toFixed(2)} settled, ${(refundSum / 100).toFixed(2)} refunded)`,
    );
  }
  return { date: expect.date, rows };
}
