// StarPRNT: the pieces of a Star receipt job that receipt-printer-encoder does not produce the
// way Kassa wants. Everything else for Star comes from the encoder itself, constructed with
// `printerModel: 'star-tsp100iv'` (language 'star-prnt'); its output was checked against
// shared/reference/hardware.md §1 (see tests/unit/drivers/printer/starprnt.test.ts):
//   init  `1B 40 18`                         initialize()
//   align `1B 1D 61 n`                       align() around QR, barcode and logo
//   QR    `1B 1D 79 53 30 02` model 2, `1B 1D 79 53 32 n` cell size, `1B 1D 79 53 31 01` EC M,
//         `1B 1D 79 44 31 00 nL nH data`, `1B 1D 79 50` print          qrcode()
//   bold `1B 45` / `1B 46`, code page `1B 1D 74 n`, barcode `1B 62 …`, logo `1B 58 …`.
// Hand-written here, because the encoder's versions do not fit:
//  - cut: the encoder sends line feeds and then `1B 64 00` (cut where the paper is); `1B 64 02`
//    lets the printer feed exactly to its cutter and cut, so no guessed number of blank lines;
//  - drawer `1B 07 n1 n2 07`: the encoder's pulse() has the same bytes but ends its line with a
//    line feed (a blank line at the top of the receipt). The pulse comes as a DrawerPulse (pin,
//    ms), shared with ESC/POS; ESC/POS bytes from drawer-kick.ts mean nothing to a Star printer
//    and are refused.
// Star has no GS r: a Star job cannot be confirmed the ESC/POS way (Star reports completion
// through its own ASB ETB counter, which Kassa does not read yet), so Star jobs stay "unconfirmed".
// No Chinese: StarPRNT selects its Kanji/GB fonts with different commands, not FS &.
import type { DrawerPulse } from '../drawer/drawer-kick.ts';
import type { PrinterDialect } from './receipt-encoder.ts';

/** ESC d 2 `1B 64 02`: feed to the cutter position, then full cut. */
export const STAR_CUT_FEED_FULL: readonly number[] = [0x1b, 0x64, 0x02];

/** Star's pulse unit is 10 ms; n1/n2 are 1–127 (the encoder clamps above 127 silently). */
function starUnits(field: string, ms: number): number {
  const n = Number.isFinite(ms) ? Math.round(ms / 10) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 127) {
    throw new RangeError(`${field} must be 5–1274 ms for a Star drawer pulse (n = ${field}/10 rounded, 1–127); got ${String(ms)}`);
  }
  return n;
}

/**
 * ESC BEL n1 n2 BEL|SUB `1B 07 n1 n2 07|1A`: pulse n1 × 10 ms, then wait n2 × 10 ms; BEL drives
 * device 1 (pin 2), SUB device 2 (pin 5). The same bytes as the encoder's pulse(), which cannot be
 * used here: it ends its line with a line feed, a blank line at the top of every receipt.
 */
export function starDrawerPulse(pulse: DrawerPulse): Uint8Array {
  if (pulse.pin !== 2 && pulse.pin !== 5) throw new RangeError(`drawer pin must be 2 or 5; got ${String(pulse.pin)}`);
  return Uint8Array.of(0x1b, 0x07, starUnits('onMs', pulse.onMs), starUnits('offMs', pulse.offMs), pulse.pin === 2 ? 0x07 : 0x1a);
}

export const STARPRNT_DIALECT: PrinterDialect = {
  cut(encoder) {
    encoder.raw([...STAR_CUT_FEED_FULL]);
  },
  drawer(encoder, pulse) {
    if (pulse instanceof Uint8Array) {
      throw new TypeError('a Star printer needs the drawer pulse as a DrawerPulse (pin, onMs, offMs), not ESC/POS bytes');
    }
    encoder.raw(starDrawerPulse(pulse));
  },
  end() {
    // No GS r on Star (see above).
  },
};
