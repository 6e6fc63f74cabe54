// Cash drawer pulses (hardware.md §1 and §5) and the drawer switch read with either polarity.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DRAWER_PULSE,
  drawerKick,
  drawerKickRealtime,
  drawerOpenFromAsb,
  drawerOpenFromDleEot1,
  drawerOpenFromGsR2,
} from '../../../../drivers/drawer/drawer-kick.ts';
import type { DrawerPin } from '../../../../drivers/drawer/drawer-kick.ts';

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');

describe('drawerKick (ESC p)', () => {
  it('sends hardware.md §5: pin 2, 50 ms → 1B 70 00 19 FA', () => {
    expect(hex(drawerKick({ pin: 2, onMs: 50, offMs: 500 }))).toBe('1B 70 00 19 FA');
    expect(hex(drawerKick(DEFAULT_DRAWER_PULSE))).toBe('1B 70 00 19 FA');
  });

  it("matches receipt-printer-encoder's pulse() (1B 70 00 32 FA) and selects pin 5 with m = 1", () => {
    expect(hex(drawerKick({ pin: 2, onMs: 100, offMs: 500 }))).toBe('1B 70 00 32 FA');
    expect(hex(drawerKick({ pin: 5, onMs: 120, offMs: 240 }))).toBe('1B 70 01 3C 78');
  });

  it('rounds ms/2 to the nearest unit at the edges of the range', () => {
    expect(hex(drawerKick({ pin: 2, onMs: 1, offMs: 510 }))).toBe('1B 70 00 01 FF');
    expect(hex(drawerKick({ pin: 2, onMs: 51, offMs: 2.9 }))).toBe('1B 70 00 1A 01');
  });

  it.each([
    [{ onMs: 0, offMs: 500 }, /^onMs must be 1–510 ms \(t1 = onMs\/2 rounded, 1–255\); got 0$/],
    [{ onMs: 0.9, offMs: 500 }, /^onMs must be 1–510 ms/],
    [{ onMs: 50, offMs: 511 }, /^offMs must be 1–510 ms \(t2 = offMs\/2 rounded, 1–255\); got 511$/],
    [{ onMs: -4, offMs: 500 }, /^onMs must be/],
    [{ onMs: Number.NaN, offMs: 500 }, /^onMs must be .*got NaN$/],
    [{ onMs: 50, offMs: Number.POSITIVE_INFINITY }, /^offMs must be/],
  ])('refuses %o, naming the field and range', (times, message) => {
    expect(() => drawerKick({ pin: 2, ...times })).toThrow(RangeError);
    expect(() => drawerKick({ pin: 2, ...times })).toThrow(message);
  });

  it('refuses a pin other than 2 or 5 (a bad config value)', () => {
    expect(() => drawerKick({ pin: 3 as DrawerPin, onMs: 50, offMs: 500 })).toThrow(/drawer pin must be 2 or 5; got 3/);
  });

  it('keeps every accepted time within 1 ms of the request', () => {
    fc.assert(
      fc.property(fc.constantFrom<DrawerPin>(2, 5), fc.integer({ min: 1, max: 510 }), fc.integer({ min: 1, max: 510 }), (pin, onMs, offMs) => {
        const [esc, p, m, t1, t2] = drawerKick({ pin, onMs, offMs });
        expect([esc, p, m]).toEqual([0x1b, 0x70, pin === 2 ? 0 : 1]);
        expect(Math.abs((t1 ?? 0) * 2 - onMs)).toBeLessThanOrEqual(1);
        expect(Math.abs((t2 ?? 0) * 2 - offMs)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('drawerKickRealtime (DLE DC4 1)', () => {
  it('sends 10 14 01 m t with t in 100 ms units', () => {
    expect(hex(drawerKickRealtime({ pin: 2, pulseMs: 100 }))).toBe('10 14 01 00 01');
    expect(hex(drawerKickRealtime({ pin: 5, pulseMs: 800 }))).toBe('10 14 01 01 08');
    expect(hex(drawerKickRealtime({ pin: 2, pulseMs: 250 }))).toBe('10 14 01 00 03');
  });

  it.each([0, 49, 850, 1000, Number.NaN])('refuses pulseMs %s, naming the field and range', (pulseMs) => {
    expect(() => drawerKickRealtime({ pin: 2, pulseMs })).toThrow(/^pulseMs must be 50–849 ms \(t = pulseMs\/100 rounded, 1–8\)/);
  });
});

describe('drawer open from status, with polarity', () => {
  it('reads DLE EOT 1 bit 2 (pin 3)', () => {
    expect(drawerOpenFromDleEot1(0x12, 'high-is-open')).toBe(false);
    expect(drawerOpenFromDleEot1(0x16, 'high-is-open')).toBe(true);
    expect(drawerOpenFromDleEot1(0x12, 'high-is-closed')).toBe(true);
    expect(drawerOpenFromDleEot1(0x16, 'high-is-closed')).toBe(false);
    // offline does not hide the drawer switch
    expect(drawerOpenFromDleEot1(0x1e, 'high-is-open')).toBe(true);
  });

  it('returns null for a byte that is not a DLE EOT reply', () => {
    for (const b of [0x10, 0x14, 0x00, 0x11, 0x96]) expect(drawerOpenFromDleEot1(b, 'high-is-open')).toBeNull();
  });

  it('reads ASB byte 1 bit 2 and GS r 2 bit 0 the same way', () => {
    expect(drawerOpenFromAsb(Uint8Array.of(0x14, 0, 0, 0), 'high-is-open')).toBe(true);
    expect(drawerOpenFromAsb(Uint8Array.of(0x14, 0, 0, 0), 'high-is-closed')).toBe(false);
    expect(drawerOpenFromAsb(Uint8Array.of(0x16, 0, 0, 0), 'high-is-open')).toBeNull();
    expect(drawerOpenFromGsR2(0x01, 'high-is-open')).toBe(true);
    expect(drawerOpenFromGsR2(0x00, 'high-is-closed')).toBe(true);
    expect(drawerOpenFromGsR2(0x12, 'high-is-open')).toBeNull();
  });
});
