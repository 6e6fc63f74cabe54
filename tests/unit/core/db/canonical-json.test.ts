import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson } from '../../../../src/core/db/canonical-json.ts';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: [3, 2, 1], x: null }, a: true }, '{"a":true,"z":{"x":null,"y":[3,2,1]}}'],
    [[], '[]'],
    [{}, '{}'],
    ['国家', '"国家"'],
    ['a"b\\c\n\u0001', '"a\\"b\\\\c\\n\\u0001"'],
    [-0, '0'],
    [-42, '-42'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [false, 'false'],
    [null, 'null'],
    [{ a: undefined, b: 1 }, '{"b":1}'],
    [new Date('2025-03-01T10:00:00.000Z'), '"2025-03-01T10:00:00.000Z"'],
    [Object.assign(Object.create(null) as object, { k: 1 }), '{"k":1}'],
  ])('writes %j as %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const value = { '\u20ac': 'Euro', '\r': 'CR', '\ufb33': 'Hebrew', '1': 'One', '\ud83d\ude00': 'Emoji', '\u0080': 'Control', '\u00f6': 'Latin' };
    expect(canonicalJson(value)).toBe(
      '{"\\r":"CR","1":"One","\u0080":"Control","\u00f6":"Latin","\u20ac":"Euro","\ud83d\ude00":"Emoji","\ufb33":"Hebrew"}',
    );
  });

  it('writes fractions the RFC 8785 way when allowed', () => {
    expect(canonicalJson([4.5, 0.002, 1e30, 1e-7, 333333333.3333333], { allowFractions: true })).toBe('[4.5,0.002,1e+30,1e-7,333333333.3333333]');
  });

  it.each([
    [NaN, '$ is NaN'],
    [Infinity, '$ is Infinity'],
    [{ a: [1, -Infinity] }, '$.a[1] is -Infinity'],
    [{ price: 1.5 }, '$.price is 1.5: only whole numbers'],
    [2 ** 53, 'beyond the exact integer range'],
    [[1, undefined], '$[1] is undefined'],
    // eslint-disable-next-line no-sparse-arrays
    [[1, , 3], '$[1] is undefined'],
    [undefined, '$ is undefined'],
    [{ n: 10n }, '$.n is a bigint'],
    [{ f: () => 1 }, '$.f is a function'],
    [{ s: Symbol('x') }, '$.s is a symbol'],
    [{ m: new Map() }, '$.m is a Map'],
    [{ s: new Set([1]) }, '$.s is a Set'],
  ])('refuses %s', (value, message) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it('refuses cycles but allows shared references', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(() => canonicalJson(a)).toThrow('$.self refers back to itself');
    const shared = { v: 1 };
    expect(canonicalJson({ p: shared, q: shared })).toBe('{"p":{"v":1},"q":{"v":1}}');
  });

  it('does not depend on key insertion order and round-trips through JSON.parse', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.string(),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        // Same data, keys inserted in reverse order, gives the same text.
        const reversed = JSON.parse(text, (_k, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        ) as unknown;
        expect(canonicalJson(reversed)).toBe(text);
        expect(text).not.toMatch(/^\s|\s$/);
      }),
    );
  });
});
