// The promotions CSV import: every kind read from a file, and every bad or conflicting row
// rejected with its line number and column.
import { describe, expect, it } from 'vitest';
import { parsePromotionsCsv, PromotionCsvError, readPromotionsCsv } from '../../../../src/domain/promotions/promotion-csv.ts';
import type { PromotionCsvColumn, PromotionCsvIssue } from '../../../../src/domain/promotions/promotion-csv.ts';
import { applyPromotions } from '../../../../src/domain/promotions/engine.ts';

const HEADER = 'id,name,kind,target,skus,departments,percent,amount,price,buy,get,quantity,min_spend,member_only,stacking,group,priority,weekdays,hours,from,until';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';
const parse = (text: string) => parsePromotionsCsv(text, { currency: 'CNY' });
const errorsOf = (text: string): PromotionCsvIssue[] => [...parse(text).errors];

describe('parsePromotionsCsv: valid files', () => {
  it('reads every kind with its window, stacking and member settings', () => {
    const r = parse(
      csv(
        'cola10,可乐9折,percent_off,item,COLA|COLA-ZERO,,10,,,,,,,,,,,,,,',
        'fruit2,Fruit 2.00 off per kg,amount_off,department,,fruit,,2.00,,,,,,,stackable,weekly,5,,,,',
        'milk-m,Member milk,fixed_price,item,MILK,,,,8.80,,,,,yes,,,,,,,',
        'b2g1,Buy 2 get 1,buy_get,department,,snacks,,,,2,1,,,,,,,,,,',
        'b1g1h,Second at half,buy_get,item,TEA,,50,,,1,1,,,,,,,,,,',
        '3for10,3 for 10.00,n_for_price,item,SOAP,,,,10,,,3,,,,,,,,,',
        'spend100,Spend 100 get 10,spend_get,basket,,,,10,,,,,100,,exclusive,,9,,,,',
        'happy,Happy hour,percent_off,department,,bar,25,,,,,,,,,,,mon-fri|sun,17:00-19:00|21:00-22:30,2026-11-01,2026-12-31',
      ),
    );
    expect(r.errors).toEqual([]);
    expect(r.promotions.map((p) => p.id)).toEqual(['cola10', 'fruit2', 'milk-m', 'b2g1', 'b1g1h', '3for10', 'spend100', 'happy']);
    const [cola, fruit, milk, b2g1, b1g1h, three, spend, happy] = r.promotions;
    expect(cola).toMatchObject({ kind: 'percent_off', percentBps: 1000, target: { kind: 'item', skus: ['COLA', 'COLA-ZERO'] }, stacking: 'stackable', group: null, priority: 0, memberOnly: false });
    expect(fruit).toMatchObject({ kind: 'amount_off', amount: 200, target: { kind: 'department', departments: ['fruit'] }, group: 'weekly', priority: 5 });
    expect(milk).toMatchObject({ kind: 'fixed_price', price: 880, memberOnly: true });
    expect(b2g1).toMatchObject({ kind: 'buy_get', buy: 2, get: 1, percentBps: 10_000 });
    expect(b1g1h).toMatchObject({ kind: 'buy_get', buy: 1, get: 1, percentBps: 5000 });
    expect(three).toMatchObject({ kind: 'n_for_price', quantity: 3, price: 1000 });
    expect(spend).toMatchObject({ kind: 'spend_get', minSpend: 10_000, amount: 1000, percentBps: null, stacking: 'exclusive', priority: 9 });
    expect(happy?.window).toEqual({
      weekdays: [1, 2, 3, 4, 5, 7],
      hours: [
        { start: '17:00', end: '19:00' },
        { start: '21:00', end: '22:30' },
      ],
      from: '2026-11-01',
      until: '2026-12-31',
    });
  });

  it('takes columns in any order, leaves optional ones out, and handles a BOM and quoted fields', () => {
    const r = parse('\uFEFFkind,target,name,id,skus,percent\r\npercent_off,item,"Cola, 10 % off",c1,COLA,12.5\r\n');
    expect(r.errors).toEqual([]);
    expect(r.promotions[0]).toMatchObject({ id: 'c1', name: 'Cola, 10 % off', percentBps: 1250, window: { weekdays: null, hours: [], from: null, until: null } });
  });

  it('gives the engine what it needs: an imported promotion discounts a cart', () => {
    const promotions = readPromotionsCsv(csv('b2g1,Buy 2 get 1,buy_get,item,COLA,,,,,2,1,,,,,,,,,,'), { currency: 'CNY' });
    const r = applyPromotions({
      lines: [{ lineNo: 1, sku: 'COLA', department: 'drinks', unitPrice: 350, quantityMilli: 3000, unit: 'each', gross: 1050 }],
      at: { year: 2026, month: 11, day: 26, hour: 10, minute: 0 },
      member: false,
      promotions,
    });
    expect(r.lines[0]?.discounts).toEqual([{ promotionId: 'b2g1', label: 'Buy 2 get 1', amount: 350 }]);
  });
});

describe('parsePromotionsCsv: rejected rows name their line and column', () => {
  const cases: [string, string, { field: PromotionCsvColumn | null; message: RegExp }][] = [
    ['percent above 100', 'x,X,percent_off,item,A,,150,,,,,,,,,,,,,,', { field: 'percent', message: /above 100/ }],
    ['percent of zero', 'x,X,percent_off,item,A,,0,,,,,,,,,,,,,,', { field: 'percent', message: /above 0/ }],
    ['percent with 3 decimals', 'x,X,percent_off,item,A,,1.255,,,,,,,,,,,,,,', { field: 'percent', message: /at most 2 decimals/ }],
    ['an item promotion naming no SKU', 'x,X,percent_off,item,,,10,,,,,,,,,,,,,,', { field: 'skus', message: /at least one SKU/ }],
    ['a department promotion naming no department', 'x,X,percent_off,department,,,10,,,,,,,,,,,,,,', { field: 'departments', message: /at least one department/ }],
    ['a basket promotion naming SKUs', 'x,X,percent_off,basket,A,,10,,,,,,,,,,,,,,', { field: 'skus', message: /whole basket/ }],
    ['buy 0 get 1 (nothing to buy)', 'x,X,buy_get,item,A,,,,,0,1,,,,,,,,,,', { field: 'buy', message: /at least 1/ }],
    ['buy 2 get 0', 'x,X,buy_get,item,A,,,,,2,0,,,,,,,,,,', { field: 'get', message: /at least 1/ }],
    ['buy_get on the basket', 'x,X,buy_get,basket,,,,,,2,1,,,,,,,,,,', { field: 'target', message: /counts units/ }],
    ['1 for a price', 'x,X,n_for_price,item,A,,,,5.00,,,1,,,,,,,,,', { field: 'quantity', message: /at least 2/ }],
    ['money with too many decimals', 'x,X,amount_off,item,A,,,1.005,,,,,,,,,,,,,', { field: 'amount', message: /at most 2/ }],
    ['a negative price', 'x,X,fixed_price,item,A,,,,-1.00,,,,,,,,,,,,', { field: 'price', message: /negative/ }],
    ['a column the kind does not use', 'x,X,percent_off,item,A,,10,5.00,,,,,,,,,,,,,', { field: 'amount', message: /not used by a percent_off/ }],
    ['a missing value', 'x,X,amount_off,item,A,,,,,,,,,,,,,,,,', { field: 'amount', message: /needs amount/ }],
    ['spend_get with both amount and percent', 'x,X,spend_get,basket,,,10,5.00,,,,,50,,,,,,,,', { field: 'percent', message: /exactly one/ }],
    ['an unknown kind', 'x,X,half_off,item,A,,10,,,,,,,,,,,,,,', { field: 'kind', message: /unknown kind "half_off"/ }],
    ['an unknown target', 'x,X,percent_off,shelf,A,,10,,,,,,,,,,,,,,', { field: 'target', message: /unknown target "shelf"/ }],
    ['hours ending before they start', 'x,X,percent_off,item,A,,10,,,,,,,,,,,,14:00-11:00,,', { field: 'hours', message: /after its start/ }],
    ['hours that are not a time', 'x,X,percent_off,item,A,,10,,,,,,,,,,,,25:00-26:00,,', { field: 'hours', message: /HH:MM/ }],
    ['until before from', 'x,X,percent_off,item,A,,10,,,,,,,,,,,,,2026-12-01,2026-11-01', { field: 'until', message: /before the "from" date/ }],
    ['a date that does not exist', 'x,X,percent_off,item,A,,10,,,,,,,,,,,,,2026-02-30,', { field: 'from', message: /does not exist/ }],
    ['a weekday range ending before it starts', 'x,X,percent_off,item,A,,10,,,,,,,,,,,fri-mon,,,', { field: 'weekdays', message: /ends before it starts/ }],
    ['an unknown weekday', 'x,X,percent_off,item,A,,10,,,,,,,,,,,funday,,,', { field: 'weekdays', message: /not a weekday/ }],
    ['an exclusive promotion in a group', 'x,X,percent_off,item,A,,10,,,,,,,,exclusive,g,,,,,', { field: 'group', message: /cannot belong to a stacking group/ }],
    ['member_only that is not yes or no', 'x,X,percent_off,item,A,,10,,,,,,,maybe,,,,,,,', { field: 'member_only', message: /not yes or no/ }],
    ['a priority that is not a number', 'x,X,percent_off,item,A,,10,,,,,,,,,,high,,,,', { field: 'priority', message: /not a whole number/ }],
    ['an empty name', 'x,,percent_off,item,A,,10,,,,,,,,,,,,,,', { field: 'name', message: /name is empty/ }],
  ];
  it.each(cases)('%s', (_what, row, expected) => {
    const errors = errorsOf(csv('ok,OK,percent_off,item,A,,5,,,,,,,,,,,,,,', row));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 3, field: expected.field });
    expect(errors[0]?.message).toMatch(expected.message);
  });

  it('rejects the same id twice, naming the first line', () => {
    const errors = errorsOf(csv('a,A,percent_off,item,A,,5,,,,,,,,,,,,,,', 'b,B,percent_off,item,B,,5,,,,,,,,,,,,,,', 'a,Again,amount_off,item,C,,,1.00,,,,,,,,,,,,,'));
    expect(errors).toEqual([{ line: 4, field: 'id', message: 'promotion id "a" is already defined on line 2' }]);
  });

  it('rejects two exclusive promotions with the same priority on an overlapping target', () => {
    const errors = errorsOf(
      csv(
        'e1,E1,percent_off,item,A|B,,10,,,,,,,,exclusive,,1,,,,',
        'e2,E2,percent_off,item,C,,10,,,,,,,,exclusive,,1,,,,', // no shared SKU: fine
        'e3,E3,percent_off,item,B,,20,,,,,,,,exclusive,,2,,,,', // other priority: fine
        'e4,E4,amount_off,item,B|Z,,,1.00,,,,,,,exclusive,,1,,,,', // clashes with e1
        'e5,E5,percent_off,basket,,,10,,,,,,,,exclusive,,0,,,,',
        'e6,E6,amount_off,basket,,,,5.00,,,,,,,exclusive,,0,,,,', // clashes with e5
      ),
    );
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [5, 'priority'],
      [7, 'priority'],
    ]);
    expect(errors[0]?.message).toMatch(/"e4" has the same priority \(1\) and an overlapping target as exclusive "e1" on line 2/);
  });

  it('lists every error of the file, not just the first, and keeps the good rows apart', () => {
    const r = parse(csv('bad1,X,percent_off,item,A,,101,,,,,,,,,,,,,,', 'good,G,percent_off,item,A,,5,,,,,,,,,,,,,,', 'bad2,X,buy_get,item,A,,,,,,1,,,,,,,,,,'));
    expect(r.errors.map((e) => e.line)).toEqual([2, 4]);
    expect(r.promotions.map((p) => p.id)).toEqual(['good']);
  });

  it('counts lines of a quoted field spanning two lines, and skips blank lines', () => {
    const text = csv('a,"two\nlines",percent_off,item,A,,5,,,,,,,,,,,,,,', '', 'b,B,percent_off,item,A,,500,,,,,,,,,,,,,,');
    // a receipt label cannot hold a line break either
    expect(errorsOf(text)).toMatchObject([
      { line: 2, field: 'name', message: expect.stringMatching(/control characters/) },
      { line: 5, field: 'percent' },
    ]);
  });

  it('reports malformed CSV with the line', () => {
    expect(errorsOf(csv('a,A,percent_off,item,A,,5,,,,,,,,,,,,,,', 'b,"B,percent_off,item,A,,5'))).toMatchObject([{ line: 3, field: null, message: expect.stringMatching(/malformed CSV: Quote Not Closed/) }]);
  });

  it('checks the header: unknown, doubled and missing columns are line 1', () => {
    expect(errorsOf('id,name,kind,target,discount\n')).toEqual([{ line: 1, field: null, message: expect.stringMatching(/unknown column "discount"/) }]);
    expect(errorsOf('id,name,kind,target,id\n')).toMatchObject([{ line: 1, field: 'id', message: expect.stringMatching(/twice/) }]);
    expect(errorsOf('id,name,kind\n')).toMatchObject([{ line: 1, field: 'target', message: expect.stringMatching(/no "target" column/) }]);
    expect(errorsOf('')).toMatchObject([{ line: 1, message: expect.stringMatching(/empty/) }]);
  });

  it('refuses a row with more fields than the header', () => {
    expect(errorsOf('id,name,kind,target,skus,percent\nx,X,percent_off,item,A,10,oops\n')).toMatchObject([{ line: 2, field: null, message: expect.stringMatching(/7 fields but the header has 6/) }]);
  });
});

describe('readPromotionsCsv', () => {
  it('throws one error listing every problem with its line and column', () => {
    const text = csv('a,A,percent_off,item,A,,5,,,,,,,,,,,,,,', 'b,B,percent_off,item,,,5,,,,,,,,,,,,,,', 'c,C,percent_off,item,A,,200,,,,,,,,,,,,,,');
    expect(() => readPromotionsCsv(text, { currency: 'CNY' })).toThrow(PromotionCsvError);
    try {
      readPromotionsCsv(text, { currency: 'CNY' });
    } catch (e) {
      expect((e as PromotionCsvError).issues).toHaveLength(2);
      expect((e as Error).message).toMatch(/2 errors:\nline 3, skus: .*\nline 4, percent: percent 200 is above 100/);
    }
  });
  it('reads money in the store currency (JPY has no decimals)', () => {
    const [p] = readPromotionsCsv('id,name,kind,target,skus,amount\nj,J,amount_off,item,A,50\n', { currency: 'JPY' });
    expect(p).toMatchObject({ amount: 50 });
    expect(parsePromotionsCsv('id,name,kind,target,skus,amount\nj,J,amount_off,item,A,0.5\n', { currency: 'JPY' }).errors[0]).toMatchObject({ line: 2, field: 'amount' });
  });
});
