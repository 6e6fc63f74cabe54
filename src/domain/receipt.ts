// The receipt as plain data, built from a committed SaleRecord, and its rendering as fixed-width
// text lines (the training sale in the terminal, the virtual printer, later ESC/POS text).
// The column-width function is hand-written: string-width and friends are not dependencies
// (only transitive ones), and receipt printers only distinguish single-width from
// double-width (CJK) cells, which a short table of code-point ranges answers exactly enough.
import { formatMoney } from './money.ts';
import type { SaleLineRecord, SaleRecord, TenderMethod } from './sale-record.ts';
import { summarizeTax } from './tax.ts';

export type ReceiptLang = 'zh-CN' | 'en';

export interface ReceiptOptions {
  readonly lang: ReceiptLang;
  /** Store name, address, tax id… printed centred at the top. */
  readonly header?: readonly string[];
  /** Thank-you, return policy… printed centred at the bottom. */
  readonly footer?: readonly string[];
  /** Printable label per tax class id, e.g. { standard: 'VAT 13%' }. */
  readonly taxLabels?: Readonly<Record<string, string>>;
  /** Formats the ISO completion time; the default prints it as stored (UTC), "YYYY-MM-DD HH:MM:SS". */
  readonly formatTime?: (iso: string) => string;
}

/** A label with a right-aligned value. */
export interface ReceiptRow {
  readonly label: string;
  readonly value: string;
}

export interface ReceiptItem {
  readonly lineNo: number;
  readonly name: string;
  /** "3", "0.512kg". */
  readonly quantity: string;
  /** "8.88", "25.80/kg"; empty when the amount came from a price label. */
  readonly unitPrice: string;
  /** Line gross before discounts. */
  readonly amount: string;
  readonly voided: boolean;
  /** Void mark, price override, line discount. */
  readonly notes: readonly ReceiptRow[];
}

export interface ReceiptTaxRow {
  readonly label: string;
  readonly inclusive: boolean;
  readonly taxable: string;
  readonly tax: string;
}

export interface ReceiptModel {
  readonly lang: ReceiptLang;
  readonly header: readonly string[];
  /** Shown above and below the items when the sale was a training sale. */
  readonly trainingBanner: string | null;
  readonly receiptNo: number;
  readonly saleId: string;
  /** Receipt number, time, cashier, terminal. */
  readonly meta: readonly ReceiptRow[];
  readonly items: readonly ReceiptItem[];
  /** Goods, discounts, subtotal, tax added, rounding, amount due. */
  readonly totals: readonly ReceiptRow[];
  readonly taxSummary: readonly ReceiptTaxRow[];
  readonly tenders: readonly ReceiptRow[];
  readonly change: ReceiptRow | null;
  /** What the customer saved with promotions, coupon and points, and the member's points earned (issue 8); empty when none. */
  readonly loyalty: readonly ReceiptRow[];
  readonly footer: readonly string[];
}

const LABELS = {
  'zh-CN': {
    training: '培训模式 非正式小票',
    receiptNo: '小票号',
    time: '时间',
    cashier: '收银员',
    terminal: '终端',
    void: '已取消',
    priceChanged: '改价, 原价',
    discount: '优惠',
    goods: '商品金额',
    discounts: '优惠合计',
    basketDiscount: '整单优惠',
    subtotal: '小计',
    taxAdded: '税额',
    rounding: '抹零',
    due: '应付',
    change: '找零',
    taxIncl: '含税',
    taxExcl: '不含税',
    tax: '税',
    cash: '现金',
    alipay: '支付宝',
    wechat: '微信支付',
    coupon: '优惠券',
    points: '积分抵扣',
    member: '会员',
    pointsEarned: '本次积分',
    savings: '共节省',
  },
  en: {
    training: 'TRAINING - NOT A RECEIPT',
    receiptNo: 'Receipt',
    time: 'Time',
    cashier: 'Cashier',
    terminal: 'Terminal',
    void: 'VOID',
    priceChanged: 'Price changed from',
    discount: 'Discount',
    goods: 'Goods',
    discounts: 'Discounts',
    basketDiscount: 'Basket discount',
    subtotal: 'Subtotal',
    taxAdded: 'Tax',
    rounding: 'Rounding',
    due: 'TOTAL',
    change: 'Change',
    taxIncl: 'incl.',
    taxExcl: 'excl.',
    tax: 'tax',
    cash: 'Cash',
    alipay: 'Alipay',
    wechat: 'WeChat Pay',
    coupon: 'Coupon',
    points: 'Points redeemed',
    member: 'Member',
    pointsEarned: 'Points earned',
    savings: 'You saved',
  },
} as const;

function formatQuantity(l: SaleLineRecord): string {
  if (l.unit === 'each') return String(l.quantityMilli / 1000);
  return `${(l.quantityMilli / 1000).toFixed(3)}kg`;
}

export function buildReceiptModel(record: SaleRecord, options: ReceiptOptions): ReceiptModel {
  const L = LABELS[options.lang];
  const m = (amount: number) => formatMoney({ amount, currency: record.currency });
  const neg = (amount: number) => m(-amount);
  const time = options.formatTime ? options.formatTime(record.completedAt) : record.completedAt.replace('T', ' ').slice(0, 19);

  const items = record.lines.map((l): ReceiptItem => {
    const notes: ReceiptRow[] = [];
    if (l.voided) notes.push({ label: `${L.void}${l.voidReason ? `: ${l.voidReason}` : ''}`, value: neg(l.gross) });
    if (l.originalUnitPrice !== null) notes.push({ label: `${L.priceChanged} ${m(l.originalUnitPrice)}`, value: '' });
    if (l.lineDiscount > 0) {
      notes.push({ label: `${L.discount}${l.lineDiscountReason ? `: ${l.lineDiscountReason}` : ''}`, value: neg(l.lineDiscount) });
    }
    if (!l.voided) for (const p of l.promotions ?? []) notes.push({ label: p.label, value: neg(p.amount) });
    return {
      lineNo: l.lineNo,
      name: l.name,
      quantity: formatQuantity(l),
      unitPrice: l.grossEmbedded ? '' : l.unit === 'kg' ? `${m(l.unitPrice)}/kg` : m(l.unitPrice),
      amount: m(l.gross),
      voided: l.voided,
      notes,
    };
  });

  const active = record.lines.filter((l) => !l.voided);
  const goods = active.reduce((s, l) => s + l.gross, 0);
  // Line discounts and line promotions are itemised above; their sum is one row here.
  const lineDiscounts = active.reduce((s, l) => s + l.lineDiscount + (l.promotionDiscount ?? 0), 0);
  const exclusiveTax = active.reduce((s, l) => s + (l.taxInclusive ? 0 : l.tax), 0);
  const totals: ReceiptRow[] = [{ label: L.goods, value: m(goods) }];
  if (lineDiscounts > 0) totals.push({ label: L.discounts, value: neg(lineDiscounts) });
  for (const p of record.basketPromotions ?? []) totals.push({ label: p.label, value: neg(p.amount) });
  if (record.basketDiscount > 0) {
    const reason = record.basketDiscountReason ? `: ${record.basketDiscountReason}` : '';
    totals.push({ label: `${L.basketDiscount}${reason}`, value: neg(record.basketDiscount) });
  }
  if (record.coupon && record.coupon.amount > 0) totals.push({ label: `${L.coupon} ${record.coupon.code}`, value: neg(record.coupon.amount) });
  if (record.member && record.member.pointsDiscount > 0) {
    totals.push({ label: `${L.points} (${record.member.pointsRedeemed})`, value: neg(record.member.pointsDiscount) });
  }
  const basketOff = active.reduce((s, l) => s + l.basketDiscountShare, 0);
  const saved = lineDiscounts + basketOff;
  if (exclusiveTax > 0 || saved > 0) totals.push({ label: L.subtotal, value: m(record.subtotal) });
  if (exclusiveTax > 0) totals.push({ label: L.taxAdded, value: m(exclusiveTax) });
  if (record.rounding !== 0) totals.push({ label: L.rounding, value: m(record.rounding) });
  totals.push({ label: L.due, value: m(record.total + record.rounding) });

  const taxSummary = summarizeTax(record.lines).map(
    (row): ReceiptTaxRow => ({
      label: options.taxLabels?.[row.taxClass] ?? `${row.taxClass} ${row.rateBps / 100}%`,
      inclusive: row.inclusive,
      taxable: m(row.taxable),
      tax: m(row.tax),
    }),
  );

  const methodLabel = (method: TenderMethod) => L[method];
  const tenders = record.tenders.map((t): ReceiptRow => ({ label: methodLabel(t.method), value: m(t.received) }));

  return {
    lang: options.lang,
    header: [...(options.header ?? [])],
    trainingBanner: record.training ? L.training : null,
    receiptNo: record.receiptNo,
    saleId: record.id,
    meta: [
      { label: L.receiptNo, value: String(record.receiptNo) },
      { label: L.time, value: time },
      { label: L.cashier, value: record.cashier },
      { label: L.terminal, value: record.terminalId },
    ],
    items,
    totals,
    taxSummary,
    tenders,
    change: record.change > 0 ? { label: L.change, value: m(record.change) } : null,
    loyalty: [
      ...(saved > 0 && (record.basketPromotions?.length || record.coupon || record.member || active.some((l) => l.promotions?.length))
        ? [{ label: L.savings, value: m(saved) }]
        : []),
      ...(record.member ? [{ label: L.member, value: `${record.member.name} (${record.member.id})` }, { label: L.pointsEarned, value: String(record.member.pointsEarned) }] : []),
    ],
    footer: [...(options.footer ?? [])],
  };
}

// ---------------------------------------------------------------------------------------------
// Fixed-width text

/** Display columns of one code point: 2 for East Asian wide/fullwidth, 0 for combining marks. */
export function charWidth(codePoint: number): number {
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) return 0;
  if ((codePoint >= 0x0300 && codePoint <= 0x036f) || (codePoint >= 0x200b && codePoint <= 0x200f) || codePoint === 0xfe0f) return 0;
  if (
    (codePoint >= 0x1100 && codePoint <= 0x115f) || // Hangul Jamo
    (codePoint >= 0x2e80 && codePoint <= 0x303e) || // CJK radicals, punctuation
    (codePoint >= 0x3041 && codePoint <= 0x33ff) || // kana, CJK compatibility
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) || // CJK extension A
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) || // CJK unified ideographs
    (codePoint >= 0xa000 && codePoint <= 0xa4cf) || // Yi
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) || // Hangul syllables
    (codePoint >= 0xf900 && codePoint <= 0xfaff) || // CJK compatibility ideographs
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) || // CJK compatibility forms
    (codePoint >= 0xff00 && codePoint <= 0xff60) || // fullwidth forms
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) || // fullwidth signs (￥)
    (codePoint >= 0x1f300 && codePoint <= 0x1f64f) || // emoji
    (codePoint >= 0x20000 && codePoint <= 0x3fffd) // CJK extensions B+
  ) {
    return 2;
  }
  return 1;
}

/** Display columns of a string on a receipt (CJK counts as 2). */
export function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch.codePointAt(0) ?? 0);
  return w;
}

/** Breaks text into pieces of at most `columns` display columns, never splitting a character. */
export function wrapText(text: string, columns: number): string[] {
  const out: string[] = [];
  let line = '';
  let w = 0;
  for (const ch of text) {
    const cw = charWidth(ch.codePointAt(0) ?? 0);
    if (w + cw > columns && line !== '') {
      out.push(line);
      line = '';
      w = 0;
    }
    line += ch;
    w += cw;
  }
  if (line !== '' || out.length === 0) out.push(line);
  return out;
}

function center(text: string, columns: number): string[] {
  return wrapText(text, columns).map((piece) => ' '.repeat(Math.floor((columns - textWidth(piece)) / 2)) + piece);
}

/** Label on the left, value on the right; the label wraps when both do not fit on one line. */
function row(label: string, value: string, columns: number, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  const valueWidth = textWidth(value);
  const room = columns - indent - valueWidth - 1;
  if (room >= 1 && textWidth(label) <= room) {
    return [pad + label + ' '.repeat(columns - indent - textWidth(label) - valueWidth) + value];
  }
  const pieces = wrapText(label, Math.max(1, columns - indent));
  const last = pieces.pop() ?? '';
  const lines = pieces.map((p) => pad + p);
  if (textWidth(last) <= room) {
    lines.push(pad + last + ' '.repeat(columns - indent - textWidth(last) - valueWidth) + value);
  } else {
    lines.push(pad + last);
    if (value !== '') lines.push(' '.repeat(Math.max(0, columns - valueWidth)) + value);
  }
  return lines;
}

/** Renders the model as text lines no wider than `columns` display columns (42 for 80 mm paper). */
export function renderReceiptText(model: ReceiptModel, columns = 42): string[] {
  if (!Number.isInteger(columns) || columns < 16) throw new RangeError(`receipt width ${columns} is too narrow: at least 16 columns`);
  const rule = '-'.repeat(columns);
  const out: string[] = [];
  for (const h of model.header) out.push(...center(h, columns));
  if (model.trainingBanner) out.push(...center(`*** ${model.trainingBanner} ***`, columns));
  out.push(rule);
  for (const r of model.meta) out.push(...row(r.label, r.value, columns));
  out.push(rule);
  for (const item of model.items) {
    out.push(...wrapText(item.name, columns));
    const qty = item.unitPrice === '' ? item.quantity : `${item.quantity} x ${item.unitPrice}`;
    out.push(...row(qty, item.amount, columns, 2));
    for (const n of item.notes) out.push(...row(n.label, n.value, columns, 2));
  }
  out.push(rule);
  for (const r of model.totals) out.push(...row(r.label, r.value, columns));
  if (model.taxSummary.length > 0) {
    out.push(rule);
    const incl = model.lang === 'zh-CN' ? LABELS['zh-CN'] : LABELS.en;
    for (const t of model.taxSummary) {
      out.push(...row(`${t.label} (${t.inclusive ? incl.taxIncl : incl.taxExcl}) ${t.taxable}`, `${incl.tax} ${t.tax}`, columns));
    }
  }
  out.push(rule);
  for (const r of model.tenders) out.push(...row(r.label, r.value, columns));
  if (model.change) out.push(...row(model.change.label, model.change.value, columns));
  if (model.loyalty.length > 0) {
    out.push(rule);
    for (const r of model.loyalty) out.push(...row(r.label, r.value, columns));
  }
  if (model.trainingBanner) out.push(...center(`*** ${model.trainingBanner} ***`, columns));
  if (model.footer.length > 0) {
    out.push('');
    for (const f of model.footer) out.push(...center(f, columns));
  }
  return out;
}
