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

  it('names the path of a bad value deep inside arrays of objects', () => {
    const lines = [{ a: 1 }, { a: 2, b: [0, { c: 0.5 }] }];
    expect(() => canonicalJson({ lines })).toThrow('$.lines[1].b[1].c is 0.5');
    expect(() => canonicalJson({ lines: [{ a: 1 }, { a: undefined, b: [1, undefined] }] })).toThrow('$.lines[1].b[1] is undefined');
    expect(() => canonicalJson([{ m: new Map() }])).toThrow('$[0].m is a Map');
    expect(() => canonicalJson({ d: { toJSON: () => 1.5 } })).toThrow('$.d is 1.5');
  });

  it('writes what toJSON returns, at the same path', () => {
    expect(canonicalJson({ a: { toJSON: () => ({ z: 1, y: [2] }) } })).toBe('{"a":{"y":[2],"z":1}}');
    expect(canonicalJson([{ toJSON: () => 'x' }, { toJSON: () => null }])).toBe('["x",null]');
    const self = { toJSON(): unknown { return self; } };
    expect(() => canonicalJson({ s: self })).toThrow('$.s refers back to itself');
  });

  it('keeps objects of different key sets apart (the per-shape key cache)', () => {
    // Keys joined with NUL collide ("a\0" + "b" and "a" + "\0b"): the cache must still tell them apart.
    expect(canonicalJson([{ 'a\u0000': 1, b: 2 }, { a: 3, '\u0000b': 4 }, { b: 5, 'a\u0000': 6 }])).toBe(
      '[{"a\\u0000":1,"b":2},{"\\u0000b":4,"a":3},{"a\\u0000":6,"b":5}]',
    );
    // Same keys in another insertion order, and a key that needs escaping.
    expect(canonicalJson([{ x: 1, y: 2 }, { y: 3, x: 4 }, { 'q"': 1 }])).toBe('[{"x":1,"y":2},{"x":4,"y":3},{"q\\"":1}]');
    // Many shapes (more than the cache keeps) still come out right.
    for (let i = 0; i < 700; i++) expect(canonicalJson({ [`k${i}`]: i, a: 0 })).toBe(`{"a":0,"k${i}":${i}}`);
  });

  it('writes strings exactly as JSON.stringify does (escapes, lone surrogates, non-ASCII)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(canonicalJson(s)).toBe(JSON.stringify(s));
        expect(canonicalJson({ [s]: s })).toBe(`{${JSON.stringify(s)}:${JSON.stringify(s)}}`);
      }),
    );
    for (const s of ['\ud800', 'a\udfffb', '\ud83d\ude00', '\u007f', '\u2028', '商品']) expect(canonicalJson(s)).toBe(JSON.stringify(s));
  });

  it('gives the text of JSON.stringify over a key-sorted copy', () => {
    const sorted = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sorted)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
          : v;
    const line = fc.record({ sku: fc.string(), qty: fc.integer(), note: fc.option(fc.string()), ok: fc.boolean() });
    // (Integer-like keys are left out: a JavaScript object lists them first, whatever the insertion order.)
    const key = fc.string().filter((k) => !/^(0|[1-9][0-9]*)$/.test(k));
    const value = fc.record({ id: fc.string(), lines: fc.array(line, { maxLength: 12 }), extra: fc.dictionary(key, fc.integer(), { maxKeys: 6 }) });
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(JSON.stringify(sorted(v)));
      }),
    );
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
