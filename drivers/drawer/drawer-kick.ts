// Cash drawer through the printer's kick-out connector: the pulse commands and the open/closed
// reading. Hand-written: receipt-printer-encoder's pulse() takes raw units and cannot send the
// real-time form, and the drawer switch is read from ESC/POS status, which no npm library
// parses (see ../printer/escpos-status.ts). Pure bytes, no I/O.

import { drawerOpenFromPin3, parseAsb, parseDleEot1, parseGsR2 } from '../printer/escpos-status.ts';
import type { DrawerPolarity } from '../printer/escpos-status.ts';

export type { DrawerPolarity } from '../printer/escpos-status.ts';

export type DrawerPin = 2 | 5;

export interface DrawerPulse {
  readonly pin: DrawerPin;
  /** Pulse on time; sent as t1 = onMs/2 rounded, 1–255. */
  readonly onMs: number;
  /** Off time after the pulse; sent as t2 = offMs/2 rounded, 1–255. Printers use t1 when t2 < t1. */
  readonly offMs: number;
}

/** hardware.md §5: `1B 70 00 19 FA`, pin 2, 50 ms on, 500 ms off. */
export const DEFAULT_DRAWER_PULSE: DrawerPulse = { pin: 2, onMs: 50, offMs: 500 };

function pinSelector(pin: number): 0 | 1 {
  if (pin === 2) return 0;
  if (pin === 5) return 1;
  throw new RangeError(`drawer pin must be 2 or 5; got ${String(pin)}`);
}

// Rounds ms to the command's unit and checks the result, naming the field so a bad config
// value is easy to find.
function units(field: string, ms: number, unitMs: number, max: number, unitName: string): number {
  const t = Number.isFinite(ms) ? Math.round(ms / unitMs) : Number.NaN;
  if (!Number.isInteger(t) || t < 1 || t > max) {
    const lo = unitMs / 2;
    const hi = (max + 0.5) * unitMs - 1;
    throw new RangeError(`${field} must be ${lo}–${hi} ms (${unitName} = ${field}/${unitMs} rounded, 1–${max}); got ${String(ms)}`);
  }
  return t;
}

/** ESC p m t1 t2 `1B 70 m t1 t2`: a pulse in buffer order (after what is already queued prints). */
export function drawerKick(pulse: DrawerPulse): Uint8Array {
  const m = pinSelector(pulse.pin);
  const t1 = units('onMs', pulse.onMs, 2, 255, 't1');
  const t2 = units('offMs', pulse.offMs, 2, 255, 't2');
  return Uint8Array.of(0x1b, 0x70, m, t1, t2);
}

export interface RealtimeDrawerPulse {
  readonly pin: DrawerPin;
  /** On time and off time alike; sent as t = pulseMs/100 rounded, 1–8 (Epson, Citizen). */
  readonly pulseMs: number;
}

/**
 * DLE DC4 1 m t `10 14 01 m t`: a pulse at once, even offline or with a full buffer. Its unit is
 * 100 ms (t 1–8), not ESC p's 2 ms. Printers ignore it while a pulse is already being output, and
 * some models let real-time commands be switched off.
 */
export function drawerKickRealtime(pulse: RealtimeDrawerPulse): Uint8Array {
  const m = pinSelector(pulse.pin);
  const t = units('pulseMs', pulse.pulseMs, 100, 8, 't');
  return Uint8Array.of(0x10, 0x14, 0x01, m, t);
}

/** Drawer open from a DLE EOT 1 reply; null when the byte is not a DLE EOT reply. */
export function drawerOpenFromDleEot1(byte: number, polarity: DrawerPolarity): boolean | null {
  const reply = parseDleEot1(byte);
  return reply === null ? null : drawerOpenFromPin3(reply.drawerPin3High, polarity);
}

/** Drawer open from an ASB frame (byte 1 bit 2); null when it is not an ASB frame. */
export function drawerOpenFromAsb(frame: Uint8Array, polarity: DrawerPolarity): boolean | null {
  const reply = parseAsb(frame);
  return reply === null ? null : drawerOpenFromPin3(reply.drawerPin3High, polarity);
}

/** Drawer open from a GS r 2 reply (bit 0); null when the byte is not a status byte. */
export function drawerOpenFromGsR2(byte: number, polarity: DrawerPolarity): boolean | null {
  const reply = parseGsR2(byte);
  return reply === null ? null : drawerOpenFromPin3(reply.drawerPin3High, polarity);
}
