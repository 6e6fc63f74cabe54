// WeChat Pay v2 对账单 (POST /pay/downloadbill) on the sandbox: the day's trades of one
// merchant as WeChat serves them, so the terminal's reconciliation reads what it will read in
// production. Request (signed like every v2 call): appid, mch_id, nonce_str, sign, bill_date
// "yyyyMMdd" (a Beijing day), bill_type ALL (default) | SUCCESS (payments only) | REFUND
// (refunds only). tar_type (GZIP) is refused: the sandbox serves plain text only.
//
// Success is NOT XML: a text body (UTF-8, CRLF lines), every data field prefixed with "`" so
// spreadsheets keep the digits (as WeChat's are):
//   交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,
//     货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,
//     商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注          (27 columns)
//   `2025-03-01 09:30:00,`wx…,`1900000109,`0,`T01,`4200…,`T01_…,`o…,`MICROPAY,`SUCCESS,…
//   总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额
//   `3,`88.00,`10.00,`0.00,`0.00000,`88.00,`10.00
// Rows: SUCCESS for each trade paid that day (交易时间 = payment time, 应结订单金额 = 订单金额 =
// the total); REFUND for each refund made that day (交易时间 = refund time, 微信退款单号 =
// refund_id, 商户退款单号 = out_refund_no, 退款金额 = 申请退款金额 = the refund, 退款类型
// ORIGINAL, 退款状态 SUCCESS, 应结订单金额 0.00, 订单金额 = the trade's total); REVOKED for a
// reverse of a paid trade (退款金额 = the total, no refund numbers). The REVOKED row is the
// sandbox's choice [U]: WeChat's own bills are not documented for reversals in our notes.
// Fees are zero, as the sandbox charges none. No row that day: return_code FAIL,
// return_msg "No Bill Exist", error_code 20002, as WeChat answers for a day without trades.
import { formatMoney } from '../../domain/money.ts';
import { beijingDayRange, formatBeijing } from './beijing-time.ts';
import { buildFlatXml } from './flat-xml.ts';
import type { Reply } from './fault-actor.ts';
import type { Ledger, RefundRow, TradeRow } from './ledger.ts';
import type { TradeBook } from './trade-book.ts';

export const WECHAT_BILL_HEADER = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态', '付款银行',
  '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态',
  '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
];
export const WECHAT_BILL_TOTALS_HEADER = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'];

const yuan = (fen: number): string => formatMoney({ amount: fen, currency: 'CNY' });

function xmlFail(message: string, errorCode?: string): Reply {
  return { status: 200, contentType: 'text/xml;charset=utf-8', body: buildFlatXml({ return_code: 'FAIL', return_msg: message, ...(errorCode ? { error_code: errorCode } : {}) }) };
}

export interface WechatBillMerchant {
  readonly appid: string;
  readonly mchId: string;
}

/** The reply to a verified downloadbill request (fields already signature-checked). */
export function wechatBillReply(book: TradeBook, ledger: Ledger, m: WechatBillMerchant, f: Readonly<Record<string, string>>): Reply {
  const day = f.bill_date ?? '';
  const date = /^\d{8}$/.test(day) ? `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}` : '';
  const range = beijingDayRange(date);
  if (range === null) return xmlFail(`invalid bill_date: expected yyyyMMdd, got "${day}"`, '20001');
  const type = f.bill_type || 'ALL';
  if (type !== 'ALL' && type !== 'SUCCESS' && type !== 'REFUND') return xmlFail(`invalid bill_type: ${type}`, '20001');
  if (f.tar_type !== undefined && f.tar_type !== '') return xmlFail('the sandbox serves bills as plain text only: leave tar_type out', '20001');
  return book.run(() => {
    const paid = type === 'REFUND' ? [] : ledger.paidBetween('wechat', m.mchId, range.start, range.end);
    const refunds = type === 'SUCCESS' ? [] : ledger.refundsBetween('wechat', m.mchId, range.start, range.end);
    if (paid.length + refunds.length === 0) return xmlFail('No Bill Exist', '20002');
    const rows: { at: number; id: number; line: string }[] = [];
    for (const t of paid) rows.push({ at: t.paidAt ?? t.createdAt, id: 0, line: paymentLine(ledger, m, t) });
    for (const r of refunds) {
      const t = ledger.trade(r.tradeNo);
      if (t !== undefined) rows.push({ at: r.createdAt, id: r.id, line: refundLine(ledger, m, t, r) });
    }
    rows.sort((a, b) => a.at - b.at || a.id - b.id);
    const settled = paid.reduce((s, t) => s + t.totalFen, 0);
    const refunded = refunds.reduce((s, r) => s + r.amountFen, 0);
    const total = ['`' + String(rows.length), yuan(settled), yuan(refunded), '0.00', '0.00000', yuan(settled), yuan(refunded)].map((v, i) => (i === 0 ? v : '`' + v));
    const text = [WECHAT_BILL_HEADER.join(','), ...rows.map((r) => r.line), WECHAT_BILL_TOTALS_HEADER.join(','), total.join(',')].join('\r\n');
    return { status: 200, contentType: 'text/plain;charset=utf-8', body: `${text}\r\n` };
  });
}

function fields(values: readonly string[]): string {
  // WeChat does not quote: a comma inside the body would split it, so the sandbox drops them.
  return values.map((v) => '`' + v.replaceAll(',', ' ').replace(/[\r\n]/g, ' ')).join(',');
}

function base(ledger: Ledger, m: WechatBillMerchant, t: TradeRow, at: number): string[] {
  const buyer = t.buyerId === null ? undefined : ledger.buyer(t.buyerId);
  return [formatBeijing(at), m.appid, m.mchId, '0', t.terminalId ?? '', t.tradeNo, t.outTradeNo, buyer?.wechatOpenid ?? '', 'MICROPAY'];
}

function paymentLine(ledger: Ledger, m: WechatBillMerchant, t: TradeRow): string {
  const total = yuan(t.totalFen);
  return fields([...base(ledger, m, t, t.paidAt ?? t.createdAt), 'SUCCESS', 'OTHERS', 'CNY', total, '0.00', '0', '0', '0.00', '0.00', '', '', t.subject, '', '0.00000', '0.00%', total, '0.00', '']);
}

function refundLine(ledger: Ledger, m: WechatBillMerchant, t: TradeRow, r: RefundRow): string {
  const amount = yuan(r.amountFen);
  const reversal = r.kind === 'reversal';
  return fields([
    ...base(ledger, m, t, r.createdAt),
    reversal ? 'REVOKED' : 'REFUND', 'OTHERS', 'CNY', '0.00', '0.00', reversal ? '' : (r.refundId ?? ''), reversal ? '' : (r.outRequestNo ?? ''), amount, '0.00',
    reversal ? 'REVOKE' : 'ORIGINAL', 'SUCCESS', t.subject, '', '0.00000', '0.00%', yuan(t.totalFen), amount, '',
  ]);
}
