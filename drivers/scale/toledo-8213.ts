// The Mettler Toledo 8213 serial scale protocol (PS-60-style; Brecknell and Transcell scales
// offer it as a mode, per their manuals), and the Toledo continuous
// output that many of the same scales can stream instead. Hand-written: npm has no package
// for either protocol (none under Toledo, 8213 or serial scale), and the protocol is a few
// bytes; what matters is never-throwing framing and exact integer grams.
//
// Sources (shared/reference/hardware.md §5): Brecknell 67xxU service manual
// tables 7.x (8213: `W` → STX w w . w w w CR, or STX ? status CR; `Z` → STX ? status CR),
// Transcell PC-150 appendix B.1.4 ("Toledo 8213 demand format": the record carries no
// unit, so the unit is configuration), Rice Lake 880 §10.8.1 and Fairbanks FB2550 appendix
// II for the continuous status words.
//
// Pure: bytes in, events out. No I/O, no timers; the caller passes the time.

const STX = 0x02;
const ETX = 0x03;
const LF = 0x0a;
const CR = 0x0d;
const XON = 0x11;
const XOFF = 0x13;

/** The unit a reply's digits are in. 8213 demand replies carry none, so it comes from config. */
export type ScaleUnit = 'kg' | 'g' | 'lb' | 'oz';

/**
 * `demand`: Kassa polls with `W` and reads `STX weight CR` / `STX ? status CR` replies.
 * `continuous`: the scale streams `STX SWA SWB SWC wwwwww [tttttt] CR [chk]` by itself.
 */
export type ScaleMode = 'demand' | 'continuous';

export interface ScaleConfig {
  /** Unit of the digits when the reply does not name one (8213 demand replies never do). */
  readonly unit: ScaleUnit;
  /** Default `demand`. */
  readonly mode?: ScaleMode;
  /** Continuous mode only: a checksum byte follows CR. Default false. */
  readonly checksum?: boolean;
  /**
   * A frame whose bytes stop arriving for this long is dropped as partial. Default 1000 ms:
   * a whole continuous frame takes about 140 ms even at 1200 baud.
   */
  readonly frameTimeoutMs?: number;
  /** Longer frames are dropped unread. Default 32 bytes (the longest real frame is 16). */
  readonly maxFrameBytes?: number;
}

/** The bits of the 8213 status byte (`STX ? status CR`). Bits 5 and 6 are always 1, bit 7 is parity. */
export const STATUS_BITS = {
  motion: 0x01,
  overCapacity: 0x02,
  underZero: 0x04,
  outsideZeroCapture: 0x08,
  centerOfZero: 0x10,
  alwaysSet: 0x60,
} as const;

export interface ScaleWeightEvent {
  readonly type: 'SCALE.WEIGHT';
  /** Displayed (net) weight in whole grams, rounded half away from zero from the scale's unit. */
  readonly grams: number;
  /** The scale reports no motion. A demand-mode weight record is only ever sent when stable. */
  readonly stable: boolean;
  readonly overCapacity: boolean;
  readonly underZero: boolean;
  readonly atMs: number;
}

export interface ScaleStatusEvent {
  readonly type: 'SCALE.STATUS';
  readonly motion: boolean;
  readonly overCapacity: boolean;
  readonly underZero: boolean;
  readonly outsideZeroCapture: boolean;
  readonly centerOfZero: boolean;
  /** The status byte with the parity bit cleared. */
  readonly statusByte: number;
  readonly atMs: number;
}

export type ScaleWarningReason =
  | 'garbage' // bytes outside any frame
  | 'partial-frame' // a frame cut short by a new STX or by silence
  | 'overlong-frame'
  | 'bad-frame' // a complete frame whose body is neither a weight nor a status
  | 'bad-status-byte' // bits 5 and 6 not both set
  | 'bad-checksum'
  | 'unrecognized-command'; // `STX ? CR`: the scale did not understand what we sent

export interface ScaleWarningEvent {
  readonly type: 'SCALE.WARNING';
  readonly reason: ScaleWarningReason;
  /** For the device log: what was seen, with bytes in hex. */
  readonly detail: string;
  readonly atMs: number;
}

export type ScaleEvent = ScaleWeightEvent | ScaleStatusEvent | ScaleWarningEvent;

export interface ScaleCounters {
  frames: number;
  weights: number;
  statuses: number;
  warnings: number;
  garbageBytes: number;
}

const ascii = (c: string): Uint8Array => Uint8Array.of(c.charCodeAt(0));

/** `W`: the scale answers with a weight record, or a status record when the weight is not valid. */
export function requestWeight(): Uint8Array {
  return ascii('W');
}

/** `Z`: zero the scale. Ignored by the scale in motion or out of zero range; it answers with a status record either way. */
export function requestZero(): Uint8Array {
  return ascii('Z');
}

/** `T`: tare. Answered with a status record. Not every 8213 scale has it (some answer `STX ? CR`). */
export function requestTare(): Uint8Array {
  return ascii('T');
}

/** `S`: status only. Answered with a status record. */
export function requestStatus(): Uint8Array {
  return ascii('S');
}

function hex(bytes: readonly number[], limit = 24): string {
  const shown = bytes.slice(0, limit).map((b) => b.toString(16).padStart(2, '0'));
  return shown.join(' ') + (bytes.length > limit ? ` … (${bytes.length} bytes)` : '');
}

/** Grams per unit as an exact fraction (the pound and ounce are defined exactly in grams). */
const GRAMS_PER_UNIT: Readonly<Record<ScaleUnit, { num: bigint; den: bigint }>> = {
  kg: { num: 1000n, den: 1n },
  g: { num: 1n, den: 1n },
  lb: { num: 45_359_237n, den: 100_000n }, // 453.59237 g
  oz: { num: 28_349_523_125n, den: 1_000_000_000n }, // 28.349523125 g
};

/** Weights with more digits than this are not weights a POS scale sends. */
const MAX_WEIGHT_DIGITS = 9;

/**
 * `digits` (an integer read without its decimal point) × 10^-decimals in `unit`, as whole
 * grams rounded half away from zero. BigInt because ounces × 10^9 outgrow 2^53.
 */
export function toGrams(digits: number, decimals: number, unit: ScaleUnit, negative = false): number {
  const { num, den } = GRAMS_PER_UNIT[unit];
  const n = BigInt(digits) * num;
  const d = den * 10n ** BigInt(decimals);
  const q = n / d;
  const rounded = (n - q * d) * 2n >= d ? q + 1n : q;
  const grams = Number(rounded);
  return negative && grams !== 0 ? -grams : grams;
}

function unitFromText(text: string): ScaleUnit | null {
  switch (text.toLowerCase()) {
    case 'kg':
      return 'kg';
    case 'g':
      return 'g';
    case 'lb':
      return 'lb';
    case 'oz':
      return 'oz';
    default:
      return null;
  }
}

// Sign, digits with at most one decimal point, an optional unit; spaces allowed between.
const WEIGHT_RECORD = /^ *([+-]?) *(\d*)(?:\.(\d*))? *([A-Za-z]{1,2})? *$/;

type Parsed = ScaleEvent | null;

/**
 * Streaming reader: push bytes as they arrive, get events. It never throws: anything it
 * cannot read becomes a SCALE.WARNING (and is counted), and it resynchronises on the next STX.
 */
export class ScaleReader {
  readonly counters: ScaleCounters = { frames: 0, weights: 0, statuses: 0, warnings: 0, garbageBytes: 0 };
  readonly #unit: ScaleUnit;
  readonly #mode: ScaleMode;
  readonly #checksum: boolean;
  readonly #timeoutMs: number;
  readonly #maxFrame: number;
  /** Body bytes after STX; null when outside a frame. */
  #frame: number[] | null = null;
  #overlong = false;
  /** Continuous mode with checksum: the frame (STX … CR) waiting for its checksum byte. */
  #awaitingChecksum: number[] | null = null;
  #lastByteMs = Number.NaN;
  #garbage: number[] = [];

  constructor(config: ScaleConfig) {
    this.#unit = config.unit;
    this.#mode = config.mode ?? 'demand';
    this.#checksum = this.#mode === 'continuous' && (config.checksum ?? false);
    this.#timeoutMs = config.frameTimeoutMs ?? 1000;
    this.#maxFrame = config.maxFrameBytes ?? 32;
  }

  /** Drops any partial frame, e.g. after the port was reopened. */
  reset(): void {
    this.#frame = null;
    this.#overlong = false;
    this.#awaitingChecksum = null;
    this.#garbage = [];
  }

  push(bytes: Uint8Array, nowMs: number): ScaleEvent[] {
    const events: ScaleEvent[] = [];
    const inProgress = this.#frame !== null || this.#awaitingChecksum !== null;
    if (inProgress && nowMs - this.#lastByteMs > this.#timeoutMs) {
      const partial = this.#awaitingChecksum ?? [STX, ...(this.#frame ?? [])];
      this.reset();
      this.#warn(events, 'partial-frame', `no byte for ${nowMs - this.#lastByteMs} ms after ${hex(partial)}`, nowMs);
    }
    if (bytes.length > 0) this.#lastByteMs = nowMs;
    for (const raw of bytes) {
      // 8213 scales talk 7E1; on a port opened 8N1 the parity arrives as bit 7. Every byte
      // of both protocols is 7-bit ASCII, so the bit carries no data either way.
      const b = raw & 0x7f;
      if (this.#awaitingChecksum !== null) {
        this.#checkAndEmit(this.#awaitingChecksum, b, events, nowMs);
        this.#awaitingChecksum = null;
        continue;
      }
      if (b === STX) {
        this.#flushGarbage(events, nowMs);
        if (this.#frame !== null) {
          this.#warn(events, 'partial-frame', `STX inside a frame after ${hex([STX, ...this.#frame])}`, nowMs);
        }
        this.#frame = [];
        this.#overlong = false;
        continue;
      }
      if (this.#frame === null) {
        // Line ends after CR, ETX trailers and flow control are normal between frames.
        if (b === CR || b === LF || b === ETX || b === XON || b === XOFF) continue;
        this.#garbage.push(b);
        this.counters.garbageBytes += 1;
        continue;
      }
      if (b === CR) {
        const body = this.#frame;
        const overlong = this.#overlong;
        this.#frame = null;
        this.#overlong = false;
        if (overlong) {
          this.#warn(events, 'overlong-frame', `frame longer than ${this.#maxFrame} bytes: ${hex([STX, ...body])}`, nowMs);
        } else if (this.#checksum) {
          this.#awaitingChecksum = [STX, ...body, CR];
        } else {
          this.#emit(this.#parse(body, nowMs), events);
        }
        continue;
      }
      if (this.#frame.length >= this.#maxFrame) {
        this.#overlong = true;
        continue;
      }
      this.#frame.push(b);
    }
    this.#flushGarbage(events, nowMs);
    return events;
  }

  #checkAndEmit(frame: number[], checksum: number, events: ScaleEvent[], nowMs: number): void {
    if (continuousChecksum(frame) !== checksum) {
      this.#warn(events, 'bad-checksum', `checksum ${hex([checksum])}, expected ${hex([continuousChecksum(frame)])} for ${hex(frame)}`, nowMs);
      return;
    }
    this.#emit(this.#parse(frame.slice(1, -1), nowMs), events);
  }

  #emit(event: Parsed, events: ScaleEvent[]): void {
    if (event === null) return;
    this.counters.frames += 1;
    if (event.type === 'SCALE.WEIGHT') this.counters.weights += 1;
    else if (event.type === 'SCALE.STATUS') this.counters.statuses += 1;
    else this.counters.warnings += 1;
    events.push(event);
  }

  #warn(events: ScaleEvent[], reason: ScaleWarningReason, detail: string, atMs: number): void {
    this.counters.warnings += 1;
    events.push({ type: 'SCALE.WARNING', reason, detail, atMs });
  }

  #flushGarbage(events: ScaleEvent[], nowMs: number): void {
    if (this.#garbage.length === 0) return;
    this.#warn(events, 'garbage', `${this.#garbage.length} byte(s) outside a frame: ${hex(this.#garbage)}`, nowMs);
    this.#garbage = [];
  }

  #parse(body: number[], atMs: number): Parsed {
    if (this.#mode === 'continuous') return parseContinuous(body, atMs);
    return parseDemand(body, this.#unit, atMs);
  }
}

function warning(reason: ScaleWarningReason, detail: string, atMs: number): ScaleWarningEvent {
  return { type: 'SCALE.WARNING', reason, detail, atMs };
}

/** Reads the body of a demand reply (between STX and CR): `ww.www[unit]` or `? status`. */
export function parseDemand(body: readonly number[], unit: ScaleUnit, atMs: number): ScaleEvent {
  const framed = (): string => hex([STX, ...body, CR]);
  if (body[0] === 0x3f /* ? */) {
    if (body.length === 1) return warning('unrecognized-command', `scale answered ${framed()}`, atMs);
    const status = body[1];
    if (body.length !== 2 || status === undefined) return warning('bad-frame', `status record of ${body.length} bytes: ${framed()}`, atMs);
    return statusEvent(status, atMs) ?? warning('bad-status-byte', `status byte ${hex([status])} lacks the always-set bits 5 and 6: ${framed()}`, atMs);
  }
  const text = String.fromCharCode(...body);
  const m = WEIGHT_RECORD.exec(text);
  const [, sign = '', whole = '', frac = '', unitText] = m ?? [];
  const digits = whole + frac;
  if (!m || digits.length === 0 || digits.length > MAX_WEIGHT_DIGITS) {
    return warning('bad-frame', `not a weight record: ${framed()}`, atMs);
  }
  const replyUnit = unitText === undefined ? unit : unitFromText(unitText);
  if (replyUnit === null) return warning('bad-frame', `unknown unit "${unitText}": ${framed()}`, atMs);
  const negative = sign === '-' && Number(digits) > 0;
  const grams = toGrams(Number(digits), frac.length, replyUnit, negative);
  // A reading below zero is under zero even when it rounds to 0 g.
  return { type: 'SCALE.WEIGHT', grams, stable: true, overCapacity: false, underZero: negative, atMs };
}

function statusEvent(raw: number, atMs: number): ScaleStatusEvent | null {
  const s = raw & 0x7f;
  if ((s & STATUS_BITS.alwaysSet) !== STATUS_BITS.alwaysSet) return null;
  return {
    type: 'SCALE.STATUS',
    motion: (s & STATUS_BITS.motion) !== 0,
    overCapacity: (s & STATUS_BITS.overCapacity) !== 0,
    underZero: (s & STATUS_BITS.underZero) !== 0,
    outsideZeroCapture: (s & STATUS_BITS.outsideZeroCapture) !== 0,
    centerOfZero: (s & STATUS_BITS.centerOfZero) !== 0,
    statusByte: s,
    atMs,
  };
}

/** Status word B of the continuous format (Rice Lake 880 §10.8.1, Fairbanks FB2550 app. II). */
export const CONTINUOUS_SWB = { net: 0x01, negative: 0x02, outOfRange: 0x04, motion: 0x08, kg: 0x10 } as const;

/**
 * Decimal places by status word A bits 0–2: 0 XXXX00, 1 XXXXX0, 2 XXXXXX, 3 XXXXX.X …
 * 7 X.XXXXX (a negative count multiplies). The sources above name the field but not the
 * codes, and hardware.md does not list them: this is the usual Toledo table, unverified
 * here, so check it against the scale's manual before relying on continuous mode.
 */
const SWA_DECIMALS = [-2, -1, 0, 1, 2, 3, 4, 5] as const;

/** Two's complement of the 7-bit sum of every byte from STX to CR, as one 7-bit byte. */
export function continuousChecksum(frame: readonly number[]): number {
  let sum = 0;
  for (const b of frame) sum += b & 0x7f;
  return -sum & 0x7f;
}

/** Reads the body of a continuous frame: SWA SWB SWC, six weight digits, optionally six tare digits. */
export function parseContinuous(body: readonly number[], atMs: number): ScaleEvent {
  const framed = (): string => hex([STX, ...body, CR]);
  const [swa, swb] = body;
  if ((body.length !== 9 && body.length !== 15) || swa === undefined || swb === undefined || (swa & 0x20) === 0) {
    return warning('bad-frame', `not a continuous frame: ${framed()}`, atMs);
  }
  const weightText = String.fromCharCode(...body.slice(3, 9)).replace(/ /g, '0');
  if (!/^\d{6}$/.test(weightText)) return warning('bad-frame', `weight field is not six digits: ${framed()}`, atMs);
  const decimals = SWA_DECIMALS[swa & 0x07] ?? 0;
  const unit: ScaleUnit = (swb & CONTINUOUS_SWB.kg) !== 0 ? 'kg' : 'lb';
  const negative = (swb & CONTINUOUS_SWB.negative) !== 0;
  const outOfRange = (swb & CONTINUOUS_SWB.outOfRange) !== 0;
  const scaled = decimals < 0 ? Number(weightText) * 10 ** -decimals : Number(weightText);
  const grams = toGrams(scaled, Math.max(decimals, 0), unit, negative);
  return {
    type: 'SCALE.WEIGHT',
    grams,
    stable: (swb & CONTINUOUS_SWB.motion) === 0,
    overCapacity: outOfRange && !negative,
    underZero: negative && Number(weightText) > 0,
    atMs,
  };
}

/** Builds a demand weight reply, e.g. `weightReply('01.234')` → STX 0 1 . 2 3 4 CR. For simulators and tests. */
export function weightReply(text: string): Uint8Array {
  return Uint8Array.from([STX, ...Array.from(text, (c) => c.charCodeAt(0) & 0x7f), CR]);
}

/** Builds a demand status reply `STX ? status CR`; bits 5 and 6 are set for the caller. */
export function statusReply(bits: Partial<Record<Exclude<keyof typeof STATUS_BITS, 'alwaysSet'>, boolean>>): Uint8Array {
  let s = STATUS_BITS.alwaysSet as number;
  for (const [name, on] of Object.entries(bits)) {
    if (on) s |= STATUS_BITS[name as keyof typeof STATUS_BITS];
  }
  return Uint8Array.of(STX, 0x3f, s, CR);
}

// ---------------------------------------------------------------------------------------
// The rule "a weighed line only takes a stable weight".

export interface StableWeightRule {
  /** Consecutive stable readings of the same whole grams needed. Default 3. */
  readonly readings: number;
  /** The first and last of those readings lie at most this far apart. Default 1500 ms. */
  readonly withinMs: number;
  /** A confirmed weight stays usable this long after its last reading. Default 1000 ms. */
  readonly maxAgeMs: number;
  /** Smallest weight a line may take. Default 1 g, the cart's own minimum. */
  readonly minGrams: number;
}

/**
 * Defaults sized for polling `W` every 200 ms: three equal stable readings span 400 ms,
 * `withinMs` allows one slow or lost reply among them, and `maxAgeMs` means a weight is not
 * taken from a scale that stopped answering (the item may be gone). Legal-for-trade minimum
 * loads (20 divisions under OIML R76) are enforced by certified scales themselves; raise
 * `minGrams` for scales that do not.
 */
export const DEFAULT_STABLE_WEIGHT_RULE: StableWeightRule = { readings: 3, withinMs: 1500, maxAgeMs: 1000, minGrams: 1 };

/**
 * Decides when a weighed line may take the scale's weight: only when the scale says stable,
 * is neither over capacity nor under zero, and has given the same whole grams in `readings`
 * consecutive readings within `withinMs`. The scale's own motion bit alone is not enough:
 * some scales clear it while a swinging bag still settles by a division or two. Any status
 * record (motion, over/under range, or the reply to Z/T) breaks the run; warnings do not,
 * since a garbled frame says nothing about the load.
 */
export class StableWeightPolicy {
  readonly rule: StableWeightRule;
  #grams = 0;
  #times: number[] = [];

  constructor(rule: Partial<StableWeightRule> = {}) {
    this.rule = { ...DEFAULT_STABLE_WEIGHT_RULE, ...rule };
  }

  reset(): void {
    this.#times = [];
  }

  observe(event: ScaleEvent): void {
    if (event.type === 'SCALE.WARNING') return;
    if (event.type === 'SCALE.STATUS') {
      this.reset();
      return;
    }
    const usable = event.stable && !event.overCapacity && !event.underZero && event.grams >= this.rule.minGrams;
    if (!usable) {
      this.reset();
      return;
    }
    const last = this.#times[this.#times.length - 1];
    if (last === undefined || event.grams !== this.#grams || event.atMs < last) {
      this.#grams = event.grams;
      this.#times = [event.atMs];
      return;
    }
    this.#times.push(event.atMs);
    if (this.#times.length > this.rule.readings) this.#times.shift();
  }

  /** The grams a weighed line may take at `nowMs`, or null while the weight is not confirmed. */
  stableGrams(nowMs: number): number | null {
    const { readings, withinMs, maxAgeMs } = this.rule;
    if (this.#times.length < readings) return null;
    const first = this.#times[this.#times.length - readings];
    const last = this.#times[this.#times.length - 1];
    if (first === undefined || last === undefined) return null;
    if (last - first > withinMs || nowMs - last > maxAgeMs || nowMs < last) return null;
    return this.#grams;
  }
}

/** `StableWeightPolicy` folded over a list of events: the weight a line may take at `nowMs`, or null. */
export function stableWeight(events: readonly ScaleEvent[], nowMs: number, rule: Partial<StableWeightRule> = {}): number | null {
  const policy = new StableWeightPolicy(rule);
  for (const e of events) policy.observe(e);
  return policy.stableGrams(nowMs);
}
