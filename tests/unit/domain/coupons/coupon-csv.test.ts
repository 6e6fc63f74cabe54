// The coupons CSV import: every column read, codes normalized, and every bad row rejected with
// its line number and column (a code given twice names both lines).
import { describe, expect, it } from 'vitest';
import { CouponCsvError, parseCouponsCsv, readCouponsCsv } from '../../../../src/domain/coupons/coupon-csv.ts';
import type { CouponCsvIssue } from '../../../../src/domain/coupons/coupon-csv.ts';
import { couponDiscount } from '../../../../src/domain/coupons/coupon.ts';

const HEADER = 'code,name,use,from,until,min_spend,amount,percent';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';
const parse = (text: string, currency = 'CNY') => parseCouponsCsv(text, { currency });
const errorsOf = (text: string): CouponCsvIssue[] => [...parse(text).errors];

describe('parseCouponsCsv: valid files', () => {
  it('reads amounts, percentages, validity and minimum spend, upper-casing the codes', () => {
    const r = parse(csv('save10,满100减10 Spend 100 save 10,single,2026-01-01,2026-12-31,100.00,10.00,', ' vip_12 ,VIP 12.5% off,multi,,,,,12.5', 'Half,Half price,SINGLE,,,,,50'));
    expect(r.errors).toEqual([]);
    expect(r.coupons).toEqual([
      { code: 'SAVE10', name: '满100减10 Spend 100 save 10', use: 'single', from: '2026-01-01', until: '2026-12-31', minSpend: 10_000, amount: 1000, percentBps: null },
      { code: 'VIP_12', name: 'VIP 12.5% off', use: 'multi', from: null, until: null, minSpend: 0, amount: null, percentBps: 1250 },
      { code: 'HALF', name: 'Half price', use: 'single', from: null, until: null, minSpend: 0, amount: null, percentBps: 5000 },
    ]);
  });

  it('takes columns in any order, leaves optional ones out, handles a BOM, quotes and the currency', () => {
    const r = parseCouponsCsv('\uFEFFamount,use,name,code\r\n500,multi,"Five, off",JPY500\r\n', { currency: 'JPY' });
    expect(r.errors).toEqual([]);
    expect(r.coupons).toEqual([{ code: 'JPY500', name: 'Five, off', use: 'multi', from: null, until: null, minSpend: 0, amount: 500, percentBps: null }]);
  });

  it('gives the checkout what it needs: an imported coupon discounts a basket', () => {
    const [c] = readCouponsCsv(csv('TEN,Ten percent,multi,,,,,10'), { currency: 'CNY' });
    expect(c && couponDiscount(c, 12_345)).toBe(1235);
  });
});

describe('parseCouponsCsv: rejected rows name their line and column', () => {
  it('bad values', () => {
    const errors = errorsOf(
      csv(
        'OK1,Fine,single,,,,1.00,', // line 2
        'AB,Too short,single,,,,1.00,', // 3
        'BAD-USE,Bad use,twice,,,,1.00,', // 4
        'BOTH,Both,single,,,,1.00,10', // 5
        'NONE,Neither,single,,,,,', // 6
        'DEC,Too many decimals,single,,,,1.005,', // 7
        'PCT,Too much,single,,,,,101', // 8
        'DATE,Bad date,single,2026-02-30,,,1.00,', // 9
        'ORDER,Until before from,single,2026-03-01,2026-02-01,,1.00,', // 10
        'NEG,Negative spend,single,,,-5,1.00,', // 11
        'ZERO,Nothing off,single,,,,0.00,', // 12
        ',No code,single,,,,1.00,', // 13
        'NONAME,,single,,,,1.00,', // 14
      ),
    );
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'code'],
      [4, 'use'],
      [5, 'percent'],
      [6, 'amount'],
      [7, 'amount'],
      [8, 'percent'],
      [9, 'from'],
      [10, 'until'],
      [11, 'min_spend'],
      [12, 'amount'],
      [13, 'code'],
      [14, 'name'],
    ]);
    expect(errors[1]?.message).toBe('use "twice" is not single or multi');
    expect(errors[5]?.message).toBe('percent 101 is above 100');
  });

  it('a code given twice (in any case) is refused, naming both lines', () => {
    const errors = errorsOf(csv('SAVE5,Five,single,,,,5,', 'OTHER,Other,multi,,,,1,', 'save5,Five again,multi,,,,5,'));
    expect(errors).toEqual([{ line: 4, field: 'code', message: 'coupon code "SAVE5" is already given on line 2 (codes compare without case)' }]);
  });

  it('counts lines of quoted fields with newlines, so the line named is where the row starts', () => {
    const errors = errorsOf(csv('NLX,"Two\nlines",single,,,,1,', 'X!,Bad,single,,,,1,'));
    // A name may not hold a line break (it is printed on one receipt line): line 2; the next row starts on line 4.
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'name'],
      [4, 'code'],
    ]);
  });

  it('a bad header: unknown, doubled or missing columns', () => {
    expect(errorsOf('code,name,use,amount,colour\n')).toEqual([{ line: 1, field: null, message: expect.stringContaining('unknown column "colour"') }]);
    expect(errorsOf('code,name,use,code\n').map((e) => e.message)).toEqual(['column "code" appears twice in the header']);
    expect(errorsOf('code,amount\n').map((e) => e.field)).toEqual(['name', 'use']);
    expect(errorsOf('')[0]?.message).toMatch(/the file is empty/);
  });

  it('malformed CSV and rows with too many fields', () => {
    expect(errorsOf(csv('"OPEN,Unclosed,single,,,,1,'))[0]?.message).toMatch(/^malformed CSV/);
    expect(errorsOf(csv('A12,Name,single,,,,1,,extra'))).toEqual([{ line: 2, field: null, message: 'the row has 9 fields but the header has 8 columns' }]);
  });

  it('readCouponsCsv is all or nothing and lists every error', () => {
    expect(() => readCouponsCsv(csv('GOOD,Good,single,,,,1,', 'AB,Short,single,,,,1,', 'CD,Short,single,,,,1,'), { currency: 'CNY' })).toThrow(CouponCsvError);
    try {
      readCouponsCsv(csv('GOOD,Good,single,,,,1,', 'AB,Short,single,,,,1,', 'CD,Short,single,,,,1,'), { currency: 'CNY' });
    } catch (e) {
      expect((e as CouponCsvError).message).toMatch(/^the coupons file has 2 errors:\nline 3, code: .*\nline 4, code: /);
    }
  });
});
