// An X or Z report for people: labelled sections (zh-CN or en) that the text, CSV and PDF
// outputs all render from, so the three never disagree, and the text lines for a W-column
// receipt printer or terminal with the hourly sales drawn as a bar chart. Pure.
//
// Decisions a caller must know:
// - Amounts are written as plain decimals ("1234.50", formatMoney): no symbol, no grouping,
//   so a CSV cell reads back as a number and a single-byte printer needs no ¥.
// - Widths count CJK as two columns (textWidth from the receipt module); bars use '#', which
//   every printer has.
// - Times are shown by the `time` function given (the terminal's local time); the default
//   uses the process's local zone.
import { formatMoney } from '../money.ts';
import { textWidth, wrapText } from '../receipt.ts';
import type { ReportData } from './day-report.ts';

export type ReportLang = 'zh-CN' | 'en';

export interface ReportSection {
  readonly key: string;
  readonly title: string;
  /** Column headers after the label column; empty for label/value sections. */
  readonly headers: readonly string[];
  /** First cell: the label; then one cell per header (or one value). */
  readonly rows: readonly (readonly string[])[];
}

export interface ReportDocument {
  readonly title: string;
  /** Terminal, range, printed at, by. */
  readonly meta: readonly (readonly [string, string])[];
  readonly sections: readonly ReportSection[];
  /** The hourly chart: hours from the first to the last with sales. */
  readonly hours: readonly { readonly hour: number; readonly count: number; readonly amount: number }[];
  readonly currency: string;
}

const LABELS = {
  'zh-CN': {
    X: 'X 报表 (未结账)',
    Z: 'Z 报表 日结',
    terminal: '终端',
    from: '自',
    to: '至',
    printed: '打印时间',
    by: '操作员',
    empty: '(无)',
    sales: '销售',
    salesCount: '销售笔数',
    gross: '商品金额',
    discounts: '优惠',
    net: '净额',
    tax: '税额',
    total: '应收',
    rounding: '抹零',
    paid: '实收',
    change: '找零',
    training: '培训销售 (不计入)',
    returns: '退货',
    refunds: '退款笔数',
    refunded: '退款金额',
    manual: '待人工核对',
    voids: '作废',
    voidLines: '作废行数',
    voidAmount: '作废金额',
    cancelled: '取消的交易',
    discountSection: '折扣',
    discountCount: '折扣次数',
    discountAmount: '折扣金额',
    taxByRate: '按税率',
    base: '计税额',
    tenders: '支付方式',
    count: '笔数',
    amount: '金额',
    net2: '净额',
    wallets: '钱包',
    cashiers: '收银员',
    cashierHeaders: ['笔数', '金额', '退款', '作废', '开钱箱', '改价', '手工'],
    hourly: '时段销售',
    cash: '现金 (按班次)',
    shift: '班次',
    float: '备用金',
    expected: '应有',
    counted: '实点',
    overShort: '长短款',
    open: '未结',
    outside: '班次外现金',
    outsideSales: '现金收入',
    outsideRefunds: '现金退款',
    flags: '风险提示',
    override: '未上传即日结',
    unsent: '未上传',
    approvedBy: '批准人',
    unreadable: '无法读取的记录',
    methods: { cash: '现金', alipay: '支付宝', wechat: '微信支付' },
    incl: '含税',
    excl: '不含税',
    signals: { voids: '作废', refunds: '退款', noSales: '开钱箱', priceOverrides: '改价', manualEntries: '手工录入' } as Record<string, string>,
  },
  en: {
    X: 'X REPORT (day not closed)',
    Z: 'Z REPORT (day closed)',
    terminal: 'Terminal',
    from: 'From',
    to: 'To',
    printed: 'Printed',
    by: 'By',
    empty: '(none)',
    sales: 'Sales',
    salesCount: 'Sales',
    gross: 'Gross',
    discounts: 'Discounts',
    net: 'Net',
    tax: 'Tax',
    total: 'Total',
    rounding: 'Rounding',
    paid: 'Paid',
    change: 'Change given',
    training: 'Training sales (not counted)',
    returns: 'Returns',
    refunds: 'Refunds',
    refunded: 'Refunded',
    manual: 'To check by hand',
    voids: 'Voids',
    voidLines: 'Voided lines',
    voidAmount: 'Voided amount',
    cancelled: 'Cancelled sales',
    discountSection: 'Discounts',
    discountCount: 'Discounts given',
    discountAmount: 'Discount amount',
    taxByRate: 'Tax by rate',
    base: 'Base',
    tenders: 'Tenders',
    count: 'Count',
    amount: 'Amount',
    net2: 'Net',
    wallets: 'Wallets',
    cashiers: 'Cashiers',
    cashierHeaders: ['Sales', 'Amount', 'Refunds', 'Voids', 'No-sale', 'Overr.', 'Manual'],
    hourly: 'Hourly sales',
    cash: 'Cash per shift',
    shift: 'Shift',
    float: 'Float',
    expected: 'Expected',
    counted: 'Counted',
    overShort: 'Over/short',
    open: 'open',
    outside: 'Cash outside shifts',
    outsideSales: 'Cash sales',
    outsideRefunds: 'Cash refunds',
    flags: 'Antifraud flags',
    override: 'Closed with unsent items',
    unsent: 'Unsent',
    approvedBy: 'Approved by',
    unreadable: 'Unreadable records',
    methods: { cash: 'Cash', alipay: 'Alipay', wechat: 'WeChat Pay' },
    incl: 'incl.',
    excl: 'excl.',
    signals: { voids: 'voids', refunds: 'refunds', noSales: 'no-sale openings', priceOverrides: 'price overrides', manualEntries: 'manual entries' } as Record<string, string>,
  },
} as const;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** "2025-03-02 14:05" in the process's local time. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

export interface ReportTextOptions {
  readonly lang: ReportLang;
  readonly time?: (iso: string) => string;
  /** Printed under the title, e.g. the store's name. */
  readonly header?: readonly string[];
}

/** The report as titled sections of label/value cells, for text, CSV and PDF alike. */
export function reportDocument(r: ReportData, options: ReportTextOptions): ReportDocument {
  const L = LABELS[options.lang];
  const time = options.time ?? localTime;
  const m = (amount: number) => formatMoney({ amount, currency: r.currency });
  const n = (v: number) => String(v);
  const title = r.kind === 'Z' ? `${L.Z} #${r.zNo ?? '?'}` : L.X;
  const meta: [string, string][] = [
    [L.terminal, r.terminalId],
    [L.from, r.range.from ? time(r.range.from) : L.empty],
    [L.to, r.range.to ? time(r.range.to) : L.empty],
    [L.printed, time(r.createdAt)],
    [L.by, r.createdBy],
  ];
  const sections: ReportSection[] = [];
  const kv = (key: string, sectionTitle: string, rows: [string, string][]) => sections.push({ key, title: sectionTitle, headers: [], rows });
  kv('sales', L.sales, [
    [L.salesCount, n(r.sales.count)],
    [L.gross, m(r.sales.gross)],
    [L.discounts, m(-r.sales.discounts)],
    [L.net, m(r.sales.net)],
    [L.tax, m(r.sales.tax)],
    [L.total, m(r.sales.total)],
    [L.rounding, m(r.sales.rounding)],
    [L.paid, m(r.sales.paid)],
    [L.change, m(r.sales.change)],
    ...(r.sales.training > 0 ? [[L.training, n(r.sales.training)] as [string, string]] : []),
  ]);
  kv('returns', L.returns, [
    [L.refunds, n(r.returns.count)],
    [L.refunded, m(r.returns.amount)],
    ...(r.returns.manualParts > 0 ? [[L.manual, `${r.returns.manualParts} / ${m(r.returns.manual)}`] as [string, string]] : []),
  ]);
  kv('voids', L.voids, [
    [L.voidLines, n(r.voids.lines)],
    [L.voidAmount, m(r.voids.amount)],
    [L.cancelled, n(r.voids.salesCancelled)],
  ]);
  kv('discounts', L.discountSection, [
    [L.discountCount, n(r.discounts.count)],
    [L.discountAmount, m(r.discounts.amount)],
  ]);
  sections.push({
    key: 'taxByRate',
    title: L.taxByRate,
    headers: [L.base, L.tax],
    rows: r.taxByRate.map((t) => [`${t.taxClass} ${(t.rateBps / 100).toFixed(t.rateBps % 100 === 0 ? 0 : 2)}% ${t.inclusive ? L.incl : L.excl}`, m(t.base), m(t.tax)]),
  });
  sections.push({
    key: 'tenders',
    title: L.tenders,
    headers: [L.count, L.amount, L.refunded, L.net2],
    rows: r.tenders.map((t) => [L.methods[t.method], n(t.count), m(t.amount), m(t.refunded), m(t.net)]),
  });
  sections.push({
    key: 'wallets',
    title: L.wallets,
    headers: [L.count, L.amount, L.refunded],
    rows: r.wallets.map((w) => [L.methods[w.provider], n(w.count), m(w.amount), m(w.refunded)]),
  });
  sections.push({
    key: 'cashiers',
    title: L.cashiers,
    headers: [...L.cashierHeaders],
    rows: r.cashiers.map((c) => [c.cashier, n(c.sales), m(c.amount), n(c.refunds), n(c.voids), n(c.noSales), n(c.overrides), n(c.manual)]),
  });
  const first = r.hourly.findIndex((h) => h.count > 0);
  const last = r.hourly.length - 1 - [...r.hourly].reverse().findIndex((h) => h.count > 0);
  const hours = first === -1 ? [] : r.hourly.slice(first, last + 1);
  sections.push({
    key: 'hourly',
    title: L.hourly,
    headers: [L.count, L.amount],
    rows: hours.map((h) => [`${pad2(h.hour)}:00`, n(h.count), m(h.amount)]),
  });
  const cashRows: string[][] = r.cash.shifts.map((s) => [
    // Who opened it and when: a shift id (a ULID) means nothing to a manager on paper.
    `${s.openedBy} ${time(s.openedAt).slice(-5)}`,
    m(s.float),
    m(s.expected),
    s.counted === null ? L.open : m(s.counted),
    s.overShort === null ? L.open : m(s.overShort),
  ]);
  if (r.cash.outsideShifts && (r.cash.outsideShifts.cashSales !== 0 || r.cash.outsideShifts.cashRefunds !== 0)) {
    cashRows.push([L.outside, '', m(r.cash.outsideShifts.cashSales - r.cash.outsideShifts.cashRefunds), '', '']);
  }
  sections.push({ key: 'cash', title: L.cash, headers: [L.float, L.expected, L.counted, L.overShort], rows: cashRows });
  kv(
    'flags',
    L.flags,
    r.flags.map((f) => [`${f.cashier}${f.shiftId ? ` (${L.shift} ${f.shiftId})` : ''}: ${L.signals[f.signal] ?? f.signal}`, `${f.count} > ${f.threshold}`]),
  );
  if (r.override) kv('override', L.override, [[L.unsent, n(r.override.unsent)], [L.approvedBy, r.override.approvedBy]]);
  if (r.unreadable > 0) kv('unreadable', L.unreadable, [[L.unreadable, n(r.unreadable)]]);
  return { title, meta, sections, hours, currency: r.currency };
}

function center(text: string, columns: number): string[] {
  return wrapText(text, columns).map((piece) => ' '.repeat(Math.max(0, Math.floor((columns - textWidth(piece)) / 2))) + piece);
}

/** Label left, value right; the label wraps when both do not fit. */
function row(label: string, value: string, columns: number): string[] {
  const vw = textWidth(value);
  if (textWidth(label) + 1 + vw <= columns) return [label + ' '.repeat(columns - textWidth(label) - vw) + value];
  const pieces = wrapText(label, columns);
  const lastPiece = pieces.pop() ?? '';
  if (textWidth(lastPiece) + 1 + vw <= columns) return [...pieces, lastPiece + ' '.repeat(columns - textWidth(lastPiece) - vw) + value];
  return [...pieces, lastPiece, ...wrapText(value, columns).map((v) => ' '.repeat(Math.max(0, columns - textWidth(v))) + v)];
}

/** Cells right-aligned in fixed columns (the widest of header and values). */
function tableLines(section: ReportSection, columns: number): string[] {
  const out: string[] = [];
  const widths = section.headers.map((h, i) => Math.max(textWidth(h), ...section.rows.map((r) => textWidth(r[i + 1] ?? ''))));
  const cellsWidth = widths.reduce((s, w) => s + w + 1, 0);
  const fmt = (cells: readonly string[]) => cells.map((c, i) => ' '.repeat(Math.max(0, (widths[i] ?? 0) - textWidth(c))) + c).join(' ');
  if (cellsWidth <= columns) {
    out.push(' '.repeat(columns - cellsWidth + 1) + fmt(section.headers));
    for (const r of section.rows) {
      const label = r[0] ?? '';
      const cells = fmt(r.slice(1));
      out.push(...row(label, cells, columns));
    }
    return out;
  }
  // Too narrow for a table (32-column paper): one "header value" line per cell.
  for (const r of section.rows) {
    out.push(...wrapText(r[0] ?? '', columns));
    section.headers.forEach((h, i) => out.push(...row(`  ${h}`, r[i + 1] ?? '', columns)));
  }
  return out;
}

/** The hourly chart: "09 ######      12   1234.50", bars scaled to the busiest hour by amount. */
export function hourlyChart(hours: ReportDocument['hours'], currency: string, columns: number): string[] {
  if (hours.length === 0) return [];
  const amounts = hours.map((h) => formatMoney({ amount: h.amount, currency }));
  const counts = hours.map((h) => String(h.count));
  const aw = Math.max(...amounts.map((a) => a.length));
  const cw = Math.max(...counts.map((c) => c.length));
  const barRoom = Math.max(1, columns - 3 - 1 - cw - 1 - aw);
  const max = Math.max(1, ...hours.map((h) => h.amount));
  return hours.map((h, i) => {
    const bar = h.amount <= 0 ? 0 : Math.max(1, Math.round((h.amount / max) * barRoom));
    return `${pad2(h.hour)} ${'#'.repeat(bar).padEnd(barRoom)} ${(counts[i] ?? '').padStart(cw)} ${(amounts[i] ?? '').padStart(aw)}`;
  });
}

/** The report as text lines no wider than `columns` (32, 42 or 48 on receipt paper; 80 on a terminal). */
export function renderReportText(r: ReportData, columns: number, options: ReportTextOptions): string[] {
  if (!Number.isInteger(columns) || columns < 24) throw new RangeError(`report width ${columns} is too narrow: at least 24 columns`);
  const doc = reportDocument(r, options);
  const rule = '-'.repeat(columns);
  const out: string[] = [];
  for (const h of options.header ?? []) out.push(...center(h, columns));
  out.push(...center(doc.title, columns));
  out.push(rule);
  for (const [label, value] of doc.meta) out.push(...row(label, value, columns));
  for (const s of doc.sections) {
    if (s.key === 'wallets' && s.rows.length === 0) continue;
    out.push(rule);
    out.push(s.title);
    if (s.rows.length === 0) {
      out.push(`  ${LABELS[options.lang].empty}`);
      continue;
    }
    if (s.key === 'hourly') {
      out.push(...hourlyChart(doc.hours, doc.currency, columns));
      continue;
    }
    if (s.headers.length === 0) for (const r2 of s.rows) out.push(...row(r2[0] ?? '', r2[1] ?? '', columns));
    else out.push(...tableLines(s, columns));
  }
  out.push(rule);
  return out;
}
