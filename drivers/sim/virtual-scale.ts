// Virtual Mettler Toledo 8213 scale (demand mode) on the device side of a ByteTransport: it
// answers the host's one-byte commands with the replies toledo-8213.ts builds and parses.
// Hand-written: the protocol is four commands (shared/reference/hardware.md §5).
//
// Model (decisions a test can rely on):
// - Load: `place(grams)` sets the gross load on the platter (grams, integer). The scale shows
//   net = gross − zero offset − tare.
// - `W`: in motion → `STX ? status CR` with the motion bit; over capacity (gross above zero
//   beyond `capacityGrams`, or after `overload()`) → status with the over-capacity bit; net
//   below zero → status with the under-zero bit; else `STX ww.www CR` in `unit` (default kg,
//   3 decimals, two integer digits at least, as the Brecknell manual shows).
// - `Z`: zeroes (zero offset = gross, tare cleared) unless in motion or the load is outside the
//   zero capture range (default ±2 % of capacity around the power-on zero, the usual
//   push-button range); then nothing changes and the status says motion / outside zero capture.
//   Answered with a status record either way.
// - `T`: tares the current net load (an empty platter clears the tare) unless in motion;
//   answered with a status record. With `tare: false` the scale has no tare and answers
//   `STX ? CR`, as the 8213 manuals say some models do.
// - `S`: status record. Status records set center-of-zero when net is 0 and stable.
// - Bit 7 is stripped first (a 7E1 scale on a port opened 8N1 sees parity there).
// - CR, LF, NUL, XON and XOFF are ignored silently: hosts often end commands with CR.
//   Any other byte is answered `STX ? CR`, the 8213 reply to a command it does not know.
// - Replies are written in command order; a write that fails (port closed) is dropped and
//   counted, as a real scale talking to an unplugged cable.
// - `overload()` lasts until the next `place()`.

import { statusReply, weightReply } from '../scale/toledo-8213.ts';
import type { ScaleUnit } from '../scale/toledo-8213.ts';
import type { ByteTransport } from '../transports/byte-transport.ts';

export interface VirtualScaleOptions {
  /** Unit of the weight digits (8213 replies carry none). Default 'kg'. */
  readonly unit?: ScaleUnit;
  /** Decimals sent; default 3 for kg/lb, 0 for g, 1 for oz. */
  readonly decimals?: number;
  /** Default 15000 g (a 15 kg checkout scale). */
  readonly capacityGrams?: number;
  /** `Z` works while |gross| ≤ this. Default 2 % of capacity. */
  readonly zeroRangeGrams?: number;
  /** Default true. */
  readonly tare?: boolean;
}

export interface VirtualScaleState {
  readonly grossGrams: number;
  readonly zeroGrams: number;
  readonly tareGrams: number;
  readonly netGrams: number;
  readonly motion: boolean;
  readonly overCapacity: boolean;
}

const STX = 0x02;
const CR = 0x0d;
const IGNORED = new Set([0x00, 0x0a, CR, 0x11, 0x13]);

const GRAMS_PER: Readonly<Record<ScaleUnit, number>> = { kg: 1000, g: 1, lb: 453.59237, oz: 28.349523125 };
const DEFAULT_DECIMALS: Readonly<Record<ScaleUnit, number>> = { kg: 3, g: 0, lb: 3, oz: 1 };

/** `grams` as the digits of an 8213 weight record in `unit`: at least two integer digits. */
export function formatWeight(grams: number, unit: ScaleUnit, decimals: number): string {
  const text = (Math.abs(grams) / GRAMS_PER[unit]).toFixed(decimals);
  const [whole = '0', frac] = text.split('.');
  return whole.padStart(2, '0') + (frac === undefined ? '' : `.${frac}`);
}

export class VirtualScale {
  readonly counters = { commands: 0, unknown: 0, replies: 0, lostReplies: 0 };
  readonly #transport: ByteTransport;
  readonly #unit: ScaleUnit;
  readonly #decimals: number;
  readonly #capacity: number;
  readonly #zeroRange: number;
  readonly #hasTare: boolean;
  #gross = 0;
  #zero = 0;
  #tare = 0;
  #motion = false;
  #overload = false;
  #queue: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;

  /** `transport` is the scale's (device) side; replies go out whenever it is open. */
  constructor(transport: ByteTransport, options: VirtualScaleOptions = {}) {
    this.#transport = transport;
    this.#unit = options.unit ?? 'kg';
    this.#decimals = options.decimals ?? DEFAULT_DECIMALS[this.#unit];
    this.#capacity = options.capacityGrams ?? 15_000;
    this.#zeroRange = options.zeroRangeGrams ?? this.#capacity * 0.02;
    this.#hasTare = options.tare ?? true;
    if (!Number.isInteger(this.#decimals) || this.#decimals < 0 || this.#decimals > 6) throw new RangeError(`decimals must be 0–6, got ${this.#decimals}`);
    this.#unsubscribe = transport.onData((bytes) => this.#receive(bytes));
  }

  /** Puts `grams` on the platter (the gross load); clears `overload()`. */
  place(grams: number): void {
    if (!Number.isFinite(grams)) throw new RangeError(`grams must be finite, got ${grams}`);
    this.#gross = Math.round(grams);
    this.#overload = false;
  }

  setMotion(moving: boolean): void {
    this.#motion = moving;
  }

  /** Over capacity until the next `place()`. */
  overload(): void {
    this.#overload = true;
  }

  state(): VirtualScaleState {
    return {
      grossGrams: this.#gross,
      zeroGrams: this.#zero,
      tareGrams: this.#tare,
      netGrams: this.#net(),
      motion: this.#motion,
      overCapacity: this.#overCapacity(),
    };
  }

  /** Stops listening to the transport. */
  detach(): void {
    this.#unsubscribe();
  }

  /** Resolves once every reply so far has been written (or dropped). */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** What the scale answers to one command byte; empty when it ignores the byte. */
  reply(byte: number): Uint8Array {
    const b = byte & 0x7f;
    if (IGNORED.has(b)) return new Uint8Array(0);
    this.counters.commands += 1;
    switch (b) {
      case 0x57: // W
        if (this.#motion) return this.#status();
        if (this.#overCapacity()) return this.#status();
        if (this.#net() < 0) return this.#status();
        return weightReply(formatWeight(this.#net(), this.#unit, this.#decimals));
      case 0x5a: // Z
        if (this.#motion) return this.#status();
        if (Math.abs(this.#gross) > this.#zeroRange) return this.#status({ outsideZeroCapture: true });
        this.#zero = this.#gross;
        this.#tare = 0;
        return this.#status();
      case 0x54: // T
        if (!this.#hasTare) return this.#unknown();
        if (!this.#motion) this.#tare = Math.max(0, this.#gross - this.#zero);
        return this.#status();
      case 0x53: // S
        return this.#status();
      default:
        return this.#unknown();
    }
  }

  #net(): number {
    return this.#gross - this.#zero - this.#tare;
  }

  #overCapacity(): boolean {
    return this.#overload || this.#gross - this.#zero > this.#capacity;
  }

  #status(extra: { outsideZeroCapture?: boolean } = {}): Uint8Array {
    const over = this.#overCapacity();
    const net = this.#net();
    return statusReply({
      motion: this.#motion,
      overCapacity: over,
      underZero: !over && net < 0,
      outsideZeroCapture: extra.outsideZeroCapture ?? false,
      centerOfZero: !this.#motion && !over && net === 0,
    });
  }

  #unknown(): Uint8Array {
    this.counters.unknown += 1;
    return Uint8Array.of(STX, 0x3f, CR);
  }

  #receive(bytes: Uint8Array): void {
    for (const b of bytes) {
      const out = this.reply(b);
      if (out.length > 0) this.#send(out);
    }
  }

  #send(bytes: Uint8Array): void {
    this.#queue = this.#queue.then(async () => {
      try {
        await this.#transport.write(bytes);
        this.counters.replies += 1;
      } catch {
        this.counters.lostReplies += 1;
      }
    });
  }
}
