import { describe, expect, it } from 'vitest';
import { expandUpcE, expectedCheckDigit, gtinCheckDigit, isValidGtin, toGtin14 } from '../../../../src/domain/barcodes/gtin.ts';

describe('gtinCheckDigit', () => {
  it.each([
    ['400638133393', 1], // EAN-13 4006381333931
    ['950110153000', 3], // EAN-13 9501101530003 (GS1 example)
    ['03600029145', 2], // UPC-A 036000291452
    ['9638507', 4], // EAN-8 96385074
    ['0950110153000', 3], // GTIN-14 09501101530003
    ['629104150021', 3],
    ['950110153100', 0],
    ['9501234', 6],
  ])('%s → %i', (body, check) => {
    expect(gtinCheckDigit(body)).toBe(check);
  });

  it('returns -1 instead of throwing on non-digits', () => {
    expect(gtinCheckDigit('')).toBe(-1);
    expect(gtinCheckDigit('12a4')).toBe(-1);
  });
});

describe('isValidGtin', () => {
  it.each(['4006381333931', '9501101530003', '036000291452', '96385074', '09501101530003'])('accepts %s', (code) => {
    expect(isValidGtin(code)).toBe(true);
  });

  it.each(['4006381333932', '036000291453', '96385075', '1234567', '123456789012345', '', '40063813339a1', ' 4006381333931'])('refuses %j', (code) => {
    expect(isValidGtin(code)).toBe(false);
  });

  it('expectedCheckDigit names the digit for GTIN lengths only', () => {
    expect(expectedCheckDigit('4006381333932')).toBe(1);
    expect(expectedCheckDigit('12345')).toBeNull();
  });
});

describe('expandUpcE', () => {
  it.each([
    ['04252614', '042100005264'], // last digit 0–2: manufacturer keeps the digit, 0000, 3 product digits
    ['06543217', '065100004327'],
    ['01234505', '012000003455'],
    ['01234531', '012300000451'], // last digit 3
    ['01234543', '012340000053'], // last digit 4
    ['01234565', '012345000065'], // last digit 5–9
    ['11234562', '112345000062'], // number system 1
  ])('%s → %s', (upcE, upcA) => {
    expect(expandUpcE(upcE)).toBe(upcA);
    expect(isValidGtin(upcA)).toBe(true);
  });

  it.each(['04252615', '24252614', '0425261', '042526140', 'abcdefgh'])('refuses %s', (code) => {
    expect(expandUpcE(code)).toBeNull();
  });
});

describe('toGtin14', () => {
  it('left-pads valid GTINs to 14 digits', () => {
    expect(toGtin14('96385074')).toBe('00000096385074');
    expect(toGtin14('036000291452')).toBe('00036000291452');
    expect(toGtin14('4006381333931')).toBe('04006381333931');
    expect(toGtin14('09501101530003')).toBe('09501101530003');
  });

  it('returns anything else unchanged', () => {
    expect(toGtin14('4006381333932')).toBe('4006381333932');
  });
});
