import { describe, expect, it } from 'vitest';
import { normalizeBarcode } from '../../../../src/domain/barcodes/normalize.ts';

describe('normalizeBarcode', () => {
  it.each([
    ['4006381333931', '04006381333931'],
    ['036000291452', '00036000291452'],
    ['96385074', '00000096385074'],
    ['09501101530003', '09501101530003'],
    ['04252614', '00042100005264'], // UPC-E (not a valid EAN-8) → its UPC-A
    ['  4006381333931\r\n', '04006381333931'],
  ])('GTIN %j → GTIN-14 %s', (raw, key) => {
    expect(normalizeBarcode(raw)).toEqual({ ok: true, key });
  });

  it('reads an 8-digit code valid both ways as EAN-8 unless told otherwise', () => {
    expect(normalizeBarcode('01234565')).toEqual({ ok: true, key: '00000001234565' });
    expect(normalizeBarcode('01234565', { eightDigit: 'upce' })).toEqual({ ok: true, key: '00012345000065' });
  });

  it('keeps 1–7 digit PLUs as given, leading zeros included', () => {
    expect(normalizeBarcode('00123')).toEqual({ ok: true, key: '00123' });
    expect(normalizeBarcode('123')).toEqual({ ok: true, key: '123' });
    expect(normalizeBarcode('1234567')).toEqual({ ok: true, key: '1234567' });
  });

  it.each([
    ['4006381333932', 'bad check digit: expected 1, got 2'],
    ['036000291453', 'bad check digit: expected 2, got 3'],
    ['96385070', 'bad check digit: expected 4, got 0'],
    ['09501101530009', 'bad check digit: expected 3, got 9'],
  ])('refuses %s naming the expected digit', (raw, reason) => {
    expect(normalizeBarcode(raw)).toEqual({ ok: false, reason });
  });

  it('uppercases internal labels and keeps other digit lengths as labels', () => {
    expect(normalizeBarcode(' abc-12/x ')).toEqual({ ok: true, key: 'ABC-12/X' });
    expect(normalizeBarcode('123456789')).toEqual({ ok: true, key: '123456789' });
    expect(normalizeBarcode('x'.repeat(48))).toEqual({ ok: true, key: 'X'.repeat(48) });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['a\tb', 'control'],
    ['a\x1db', 'control'],
    ['café', 'non-ASCII'],
    ['x'.repeat(49), 'at most 48'],
  ])('refuses %j', (raw, fragment) => {
    const r = normalizeBarcode(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(fragment);
  });
});
