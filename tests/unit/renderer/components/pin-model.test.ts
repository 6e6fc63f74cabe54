import { describe, expect, it } from 'vitest';
import { PIN_KEYS, pinComplete, pinFromInput, pressPin } from '../../../../src/renderer/components/pin-model.ts';

describe('the PIN pad', () => {
  it('types digits, deletes the last one and clears', () => {
    let pin = '';
    for (const k of ['1', '2', '3', '4'] as const) pin = pressPin(pin, k);
    expect(pin).toBe('1234');
    expect(pressPin(pin, 'back')).toBe('123');
    expect(pressPin('', 'back')).toBe('');
    expect(pressPin(pin, 'clear')).toBe('');
  });

  it('stops at 8 digits', () => {
    expect(pressPin('12345678', '9')).toBe('12345678');
    expect(pinFromInput('1234567890')).toBe('12345678');
  });

  it('keeps only the digits of typed or pasted text', () => {
    expect(pinFromInput('12a3 4')).toBe('1234');
    expect(pinFromInput('１２')).toBe('');
    expect(pinFromInput('')).toBe('');
  });

  it('sends a PIN of 4 to 8 digits only', () => {
    expect(pinComplete('123')).toBe(false);
    expect(pinComplete('1234')).toBe(true);
    expect(pinComplete('12345678')).toBe(true);
    expect(pinComplete('123456789')).toBe(false);
  });

  it('has every digit once on the keypad, plus delete and clear', () => {
    const keys = PIN_KEYS.flat();
    expect([...keys].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'back', 'clear']);
  });
});
