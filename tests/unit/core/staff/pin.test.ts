// PIN rules and scrypt hashing: the right PIN matches, anything else does not (and never throws),
// the stored form holds no PIN, and a check is fast enough for the counter.
import { describe, expect, it } from 'vitest';
import { hashPin, pinProblem, verifyPin } from '../../../../src/core/staff/pin.ts';

const RULES = { min: 4, max: 8 };

describe('pinProblem', () => {
  it('accepts 4 to 8 digits', () => {
    expect(pinProblem('0000', RULES)).toBeNull();
    expect(pinProblem('12345678', RULES)).toBeNull();
  });

  it('names what is wrong: letters, length, nothing', () => {
    expect(pinProblem('12a4', RULES)).toMatch(/digits only/);
    expect(pinProblem('１２３４', RULES)).toMatch(/digits only/); // full-width digits are not 0–9
    expect(pinProblem('123', RULES)).toBe('a PIN is 4 to 8 digits; the one given has 3');
    expect(pinProblem('123456789', RULES)).toBe('a PIN is 4 to 8 digits; the one given has 9');
    expect(pinProblem('', RULES)).toMatch(/none was given/);
    expect(pinProblem(1234, RULES)).toMatch(/none was given/);
  });
});

describe('hashPin / verifyPin', () => {
  it('the right PIN matches; a wrong one, one of another shape or type does not', async () => {
    const stored = await hashPin('2468');
    expect(await verifyPin('2468', stored)).toBe(true);
    for (const wrong of ['2469', '24680', '', ' 2468', 'x'.repeat(500), undefined, 2468]) expect(await verifyPin(wrong, stored)).toBe(false);
  });

  it('stores scrypt parameters and a salt, never the PIN; the same PIN hashes differently each time', async () => {
    const a = await hashPin('135790');
    const b = await hashPin('135790');
    expect(a).not.toContain('135790');
    expect(JSON.parse(a)).toMatchObject({ scheme: 'scrypt', N: 16384, r: 8, p: 1, keylen: 32 });
    expect(a).not.toBe(b);
  });

  it('a check takes well under a quarter second (the counter waits for it)', async () => {
    const stored = await hashPin('2468');
    const t0 = performance.now();
    await verifyPin('1111', stored);
    expect(performance.now() - t0).toBeLessThan(250);
  });
});
