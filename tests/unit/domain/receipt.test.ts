import { describe, expect, it } from 'vitest';
import { addItem, computeTotals, emptyCart, overridePrice, setBasketDiscount, setLineDiscount, voidLine } from '../../../src/domain/cart.ts';
import { buildReceiptModel, charWidth, renderReceiptText, textWidth, wrapText } from '../../../src/domain/receipt.ts';
import { applyTender, buildSaleRecord } from '../../../src/domain/tender.ts';
import type { CashRounding, TenderState } from '../../../src/domain/tender.ts';
import { item, SALES_TAX } from './fixtures.ts';

const ROUND: CashRounding = { step: 10, mode: 'half-up' };

function record(lang: 'zh-CN' | 'en', training = false) {
  let c = emptyCart('CNY');
  c = addItem(c, item('A', 888, { quantityMilli: 3000, lang, nameZh: '农夫山泉饮用天然水 550ml 量贩装特惠', nameEn: 'Nongfu Spring water 550ml' }));
  c = addItem(c, item('B', 2580, { unit: 'kg', weightGrams: 512, lang, nameZh: '香蕉', nameEn: 'Bananas' }));
  c = addItem(c, item('C', 1999, { tax: SALES_TAX, lang, nameZh: '进口巧克力', nameEn: 'Chocolate' }));
  c = addItem(c, item('D', 500, { lang }));
  c = addItem(c, item('E', 1, { unit: 'kg', fixedGross: 1350, lang, nameZh: '称重熟食', nameEn: 'Deli' }));
  c = setLineDiscount(c, 1, { percentBps: 1000 }, '促销');
  c = overridePrice(c, 3, 1799, 'price match');
  c = voidLine(c, 4, 'changed mind');
  c = setBasketDiscount(c, { amount: 333 }, 'loyalty');
  const total = computeTotals(c).total;
  let s: TenderState = { currency: 'CNY', total, rounding: ROUND, tenders: [] };
  s = applyTender(s, { method: 'wechat', amount: 1000, reference: 'wx' });
  s = applyTender(s, { method: 'cash', amount: 10000 });
  return buildSaleRecord({
    cart: c, tenders: s.tenders, rounding: ROUND, id: 'S1', terminalId: 'T1', receiptNo: 42, cashier: 'alice',
    startedAt: '2025-05-01T10:00:00.000Z', completedAt: '2025-05-01T10:02:03.000Z', training,
  });
}

describe('width', () => {
  it('counts CJK and fullwidth as 2, ASCII as 1, combining marks as 0', () => {
    expect(textWidth('abc')).toBe(3);
    expect(textWidth('香蕉')).toBe(4);
    expect(textWidth('５０')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
    expect(charWidth('￥'.codePointAt(0) ?? 0)).toBe(2);
    expect(charWidth('¥'.codePointAt(0) ?? 0)).toBe(1);
  });
  it('wraps without splitting a character or passing the width', () => {
    const pieces = wrapText('香蕉苹果橘子abc', 5);
    expect(pieces).toEqual(['香蕉', '苹果', '橘子a', 'bc']);
    for (const p of pieces) expect(textWidth(p)).toBeLessThanOrEqual(5);
  });
});

describe('receipt model', () => {
  it('carries items, discounts, totals, tax summary, tenders and change from the record', () => {
    const r = record('en');
    const m = buildReceiptModel(r, { lang: 'en', header: ['Kassa Mart'], footer: ['Thank you'], taxLabels: { standard: 'VAT 13%', us: 'Sales tax' } });
    expect(m.receiptNo).toBe(42);
    expect(m.items).toHaveLength(5);
    expect(m.items[0]).toMatchObject({ quantity: '3', unitPrice: '8.88', amount: '26.64' });
    expect(m.items[0]?.notes).toEqual([{ label: 'Discount: 促销', value: '-2.66' }]);
    expect(m.items[1]).toMatchObject({ quantity: '0.512kg', unitPrice: '25.80/kg', amount: '13.21' });
    expect(m.items[2]?.notes).toEqual([{ label: 'Price changed from 19.99', value: '' }]);
    expect(m.items[3]).toMatchObject({ voided: true });
    expect(m.items[4]).toMatchObject({ quantity: '1', unitPrice: '', amount: '13.50' });
    const due = m.totals.at(-1);
    expect(due).toEqual({ label: 'TOTAL', value: (((r.total + r.rounding) / 100).toFixed(2)) });
    expect(m.totals.map((t) => t.label)).toContain('Rounding');
    expect(m.taxSummary.map((t) => t.label)).toEqual(['VAT 13%', 'Sales tax']);
    expect(m.tenders).toEqual([{ label: 'WeChat Pay', value: '10.00' }, { label: 'Cash', value: '100.00' }]);
    expect(m.change?.value).toBe((r.change / 100).toFixed(2));
    expect(m.trainingBanner).toBeNull();
  });

  it('marks a training sale', () => {
    const m = buildReceiptModel(record('zh-CN', true), { lang: 'zh-CN' });
    expect(m.trainingBanner).toBe('培训模式 非正式小票');
  });
});

describe('renderReceiptText', () => {
  for (const columns of [32, 42, 48]) {
    it(`never passes ${columns} columns, Chinese included`, () => {
      const m = buildReceiptModel(record('zh-CN', true), { lang: 'zh-CN', header: ['卡萨超市 (人民路店)', '电话 010-12345678'], footer: ['谢谢惠顾'] });
      const lines = renderReceiptText(m, columns);
      for (const l of lines) expect(textWidth(l)).toBeLessThanOrEqual(columns);
      expect(lines.some((l) => l.includes('应付'))).toBe(true);
      expect(lines.some((l) => l.includes('找零'))).toBe(true);
      expect(lines.filter((l) => l.includes('培训模式')).length).toBe(2);
    });
  }

  it('right-aligns amounts at the last column', () => {
    const lines = renderReceiptText(buildReceiptModel(record('en'), { lang: 'en' }), 42);
    const total = lines.find((l) => l.startsWith('TOTAL'));
    expect(total).toBeDefined();
    expect(textWidth(total ?? '')).toBe(42);
    expect(lines).toContain('  3 x 8.88' + ' '.repeat(42 - 10 - 5) + '26.64');
  });

  it('refuses an absurd width', () => {
    expect(() => renderReceiptText(buildReceiptModel(record('en'), { lang: 'en' }), 5)).toThrow(/too narrow/);
  });
});
