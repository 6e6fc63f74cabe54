// commitSale writes a sale's journal payload with saleRecordJson, a template, instead of the
// generic canonicalJson. The journal hash and `kassa verify` are defined by canonicalJson's text,
// so the two must agree byte for byte on every record the schema accepts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../src/core/db/canonical-json.ts';
import { parseUncommittedSale, saleRecordJson } from '../../../../src/core/db/sales.ts';
import type { UncommittedSale } from '../../../../src/core/db/sales.ts';
import { MAX_MINOR_UNITS } from '../../../../src/domain/money.ts';
import { makeSale } from '../../../support/sale-fixtures.ts';
import { lineFields, saleFields, tenderFields } from '../../../support/sale-record-arbitrary.ts';

// Strings that need escaping, CJK, emoji (surrogate pairs), lone surrogates, control characters.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '苹果 500g', '😀', '</script>'),
);
const minor = fc.integer({ min: -MAX_MINOR_UNITS, max: MAX_MINOR_UNITS });
const timestamp = fc
  .date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2099-12-31T23:59:59.999Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const values = { text, minor };
const sale: fc.Arbitrary<UncommittedSale> = saleFields({
  ...values,
  currency: fc.constantFrom('CNY', 'USD', 'EUR'),
  startedAt: timestamp,
  completedAt: timestamp,
  lines: fc.array(lineFields({ ...values, quantityMilli: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }) }), { minLength: 1, maxLength: 4 }).map((ls) => ls.map((l, i) => ({ lineNo: i + 1, ...l }))),
  tenders: fc.array(tenderFields(values), { maxLength: 3 }).map((ts) => ts.map((t, i) => ({ seq: i + 1, ...t }))),
});

describe('saleRecordJson', () => {
  it('writes what canonicalJson writes for a fixture sale', () => {
    const record = makeSale({ basketDiscount: 150, tenders: [{ method: 'wechat', amount: 1000 }, { method: 'cash', received: 5000 }] });
    expect(saleRecordJson(record, 42)).toBe(canonicalJson({ ...record, receiptNo: 42 }));
  });

  it('writes what canonicalJson writes for any record the schema accepts, however its keys are ordered', () => {
    fc.assert(
      fc.property(sale, fc.integer({ min: 1, max: 2 ** 53 - 1 }), (record, receiptNo) => {
        const accepted = parseUncommittedSale(record);
        const expected = canonicalJson({ ...accepted, receiptNo });
        expect(saleRecordJson(accepted, receiptNo)).toBe(expected);
        // Keys in another order (as another producer might build the object) change nothing.
        const reversed = Object.fromEntries(Object.entries(accepted).reverse()) as unknown as UncommittedSale;
        expect(saleRecordJson(parseUncommittedSale(reversed), receiptNo)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
