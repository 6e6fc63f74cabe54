// commitSale's fast record check (isPlainValidSale) must never say "valid" where the zod
// schema would not accept the record as is: it decides whether zod runs at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SaleRecordError, isPlainValidSale, parseUncommittedSale, uncommittedSaleSchema } from '../../../../src/core/db/sales.ts';
import { makeSale } from '../../../support/sale-fixtures.ts';

const good = makeSale({
  lines: [{ sku: 'A', unitPrice: 1000 }, { sku: 'B', unitPrice: 555, voided: true, originalUnitPrice: 600 }, { sku: 'C', unitPrice: 1, quantityMilli: 3000, lineDiscount: 1 }],
  basketDiscount: 7,
  tenders: [{ method: 'alipay', amount: 500 }, { method: 'cash', received: 5000 }],
});

// Values a field may be set to: right and wrong types, edge numbers, empty strings, missing.
const ODD_VALUES: readonly unknown[] = [
  undefined, null, 0, -0, 1, -1, 1.5, NaN, Infinity, 2 ** 53, -(2 ** 53), 10_000_000_000_000, 10_000_000_000_001, -10_000_000_000_001,
  10_001, 10_000, '', 'x', '1', 'each', 'kg', 'cash', 'wechat', 'bitcoin', 'CNY', 'XYZ', true, false, [], {}, [1],
  '2025-03-01T10:00:00.000Z', '2025-03-01T10:00:00+08:00', '2025-03-01 10:00', new Date(0), 1n,
];

type Path = readonly (string | number)[];

function paths(): Path[] {
  const out: Path[] = [];
  for (const k of Object.keys(good)) out.push([k]);
  good.lines.forEach((l, i) => Object.keys(l).forEach((k) => out.push(['lines', i, k])));
  good.tenders.forEach((t, i) => Object.keys(t).forEach((k) => out.push(['tenders', i, k])));
  return out;
}

/** A deep copy with the value at `path` replaced (undefined: the key removed) or a key added. */
function mutate(path: Path, value: unknown, mode: 'set' | 'delete' | 'add'): unknown {
  const copy = structuredClone(good) as unknown as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (mode === 'delete') delete at[last];
  else if (mode === 'add') at[`${String(last)}Extra`] = value;
  else at[last] = value;
  return copy;
}

function agrees(record: unknown): void {
  const fast = isPlainValidSale(record);
  const zod = uncommittedSaleSchema.safeParse(record);
  // Sound: fast "valid" implies zod accepts, and zod's output is the same data.
  if (fast) {
    expect(zod.success).toBe(true);
    expect(zod.data).toEqual(record);
  }
}

describe('isPlainValidSale', () => {
  it('accepts well-formed records (so commits take the fast path)', () => {
    expect(isPlainValidSale(good)).toBe(true);
    expect(isPlainValidSale(makeSale())).toBe(true);
    expect(isPlainValidSale(makeSale({ tenders: [] }))).toBe(true);
    expect(parseUncommittedSale(good)).toBe(good);
  });

  it('never accepts what the schema refuses: every field set to every odd value, removed, or joined by an extra key', () => {
    let refused = 0;
    for (const path of paths()) {
      for (const value of ODD_VALUES) {
        const record = mutate(path, value, 'set');
        agrees(record);
        if (!uncommittedSaleSchema.safeParse(record).success) {
          refused += 1;
          expect(isPlainValidSale(record)).toBe(false);
        }
      }
      agrees(mutate(path, undefined, 'delete'));
      expect(isPlainValidSale(mutate(path, undefined, 'delete'))).toBe(false);
      expect(isPlainValidSale(mutate(path, 1, 'add'))).toBe(false);
    }
    expect(refused).toBeGreaterThan(1000);
  });

  it('leaves anything unusual to zod: class instances, null prototypes, sparse or extra array items', () => {
    class Sale {
      constructor(values: object) {
        Object.assign(this, values);
      }
    }
    const instance = new Sale(good);
    expect(isPlainValidSale(instance)).toBe(false);
    agrees(instance);
    expect(isPlainValidSale(Object.assign(Object.create(null) as object, good))).toBe(true);
    agrees(Object.assign(Object.create(null) as object, good));
    expect(isPlainValidSale({ ...good, lines: [...good.lines, undefined] })).toBe(false);
    expect(isPlainValidSale({ ...good, lines: [good.lines[1], good.lines[0]] })).toBe(false);
    expect(isPlainValidSale({ ...good, tenders: [good.tenders[1]] })).toBe(false);
    expect(isPlainValidSale(null)).toBe(false);
    expect(isPlainValidSale([good])).toBe(false);
  });

  it('agrees with the schema on random records', () => {
    const anyValue = fc.oneof(fc.constantFrom(...ODD_VALUES), fc.integer(), fc.double(), fc.string());
    const pathArb = fc.constantFrom(...paths());
    fc.assert(
      fc.property(fc.array(fc.tuple(pathArb, anyValue), { minLength: 1, maxLength: 3 }), (edits) => {
        let record: unknown = good;
        for (const [path, value] of edits) {
          const copy = structuredClone(record) as Record<string | number, unknown>;
          let at: Record<string | number, unknown> | undefined = copy;
          for (const p of path.slice(0, -1)) at = at?.[p] as Record<string | number, unknown> | undefined;
          if (at !== null && typeof at === 'object') at[path[path.length - 1] as string | number] = value;
          record = copy;
        }
        agrees(record);
      }),
      { numRuns: 2000 },
    );
  });

  it('still reports bad records through zod, naming the field', () => {
    expect(() => parseUncommittedSale(mutate(['lines', 1, 'amount'], 12.5, 'set'))).toThrow(SaleRecordError);
    expect(() => parseUncommittedSale(mutate(['lines', 1, 'amount'], 12.5, 'set'))).toThrow('lines[1].amount');
    expect(() => parseUncommittedSale(mutate(['tenders', 0, 'method'], 'bitcoin', 'set'))).toThrow('tenders[0].method');
  });
});
