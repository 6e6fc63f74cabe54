// Virtual barcode scanner: the encoders that are the exact inverse of the host-side framers
// (serial-scan-framer.ts, hid-pos.ts), and a serial scanner that writes scans onto the device
// side of a ByteTransport, with fault injection (garbled bytes, a slow link). Hand-written: the
// encoders mirror Kassa's own framers byte for byte, which no package knows.
//
// Decisions:
// - Data is sent as UTF-8 (ASCII stays one byte a character, GS/FNC1 included), the way the
//   framers decode it. The prefix is Latin-1 (one char per byte), as in SerialFramerConfig.
// - Encoders refuse (RangeError) what no scanner can send and the framer could not read back:
//   empty codes, CR/LF inside serial data, an AIM id that is not `]xy`, prefix chars > 0xFF.
//   Other control bytes are sent as asked: a test may want to see the framer warn.
// - HID reports are full-size (the profile's last offset + 1, 64 bytes by default), zero
//   padded; the AIM id is repeated in every report (the assembler keeps the first valid one);
//   every report but the last has the "more" flag set.
// - VirtualScanner writes each scan with one write, or byte by byte with `msPerByte` waits
//   on the injected scheduler under `slowLink()`. Scans never interleave: each waits for the
//   previous one to be written.
// - `garbleNext()` rewrites only the next scan's bytes; the default sets 0xFF on the first data
//   byte (after prefix and AIM id), which no valid scan contains, so the framer must drop it.

import { DEFAULT_HID_POS_PROFILE } from '../scanner/hid-pos.ts';
import type { HidPosProfile } from '../scanner/hid-pos.ts';
import type { SerialSuffix } from '../scanner/serial-scan-framer.ts';
import type { ByteTransport } from '../transports/byte-transport.ts';
import { isAimId } from '../../src/shared/scan-event.ts';

export interface SerialScanEncoding {
  readonly suffix: SerialSuffix;
  /** Latin-1: one char per byte, e.g. '\x02'. */
  readonly prefix?: string;
  /** AIM id sent before the data, e.g. `]E0`; none when absent. */
  readonly aim?: string;
}

export interface HidScanEncoding {
  /** AIM id in the report's AIM field; zeros when absent (or when the profile has no AIM field). */
  readonly aim?: string;
  readonly profile?: HidPosProfile;
  /** Whether reports carry the report id as byte 0 (default true, as hidraw delivers them). */
  readonly reportIdIncluded?: boolean;
}

const CR = 0x0d;
const LF = 0x0a;

const SUFFIX_BYTES: Readonly<Record<SerialSuffix, readonly number[]>> = {
  CR: [CR],
  LF: [LF],
  CRLF: [CR, LF],
  none: [],
};

const utf8 = new TextEncoder();

function dataBytes(code: string): Uint8Array {
  if (code.length === 0) throw new RangeError('a scan cannot be empty');
  return utf8.encode(code);
}

function aimBytes(aim: string | undefined): number[] {
  if (aim === undefined) return [];
  if (!isAimId(aim)) throw new RangeError(`"${aim}" is not an AIM id (]xy)`);
  return Array.from(aim, (c) => c.charCodeAt(0));
}

function latin1(prefix: string | undefined): number[] {
  if (prefix === undefined) return [];
  return Array.from(prefix, (c, i) => {
    const b = c.charCodeAt(0);
    if (c.length !== 1 || b > 0xff || b === CR || b === LF) throw new RangeError(`scanner prefix character ${i + 1} cannot be a serial prefix byte`);
    return b;
  });
}

/** The bytes a serial/CDC scanner sends for `code`: prefix, AIM id, data, suffix. */
export function scanToSerialBytes(code: string, encoding: SerialScanEncoding): Uint8Array {
  const data = dataBytes(code);
  if (data.includes(CR) || data.includes(LF)) throw new RangeError('serial scan data cannot contain CR or LF: the framer would split it');
  return Uint8Array.from([...latin1(encoding.prefix), ...aimBytes(encoding.aim), ...data, ...SUFFIX_BYTES[encoding.suffix]]);
}

/** The HID-POS input reports a scanner sends for `code`: one per `dataMax` bytes, "more" set on all but the last. */
export function scanToHidReports(code: string, encoding: HidScanEncoding = {}): Uint8Array[] {
  const p = encoding.profile ?? DEFAULT_HID_POS_PROFILE;
  const shift = (encoding.reportIdIncluded ?? true) ? 0 : 1;
  const data = dataBytes(code);
  const aim = aimBytes(encoding.aim);
  const size = Math.max(p.lengthOffset + 1, p.aimOffset === null ? 0 : p.aimOffset + 3, p.dataOffset + p.dataMax, p.moreFlagOffset + 1);
  const reports: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += p.dataMax) {
    const chunk = data.subarray(at, at + p.dataMax);
    const more = at + p.dataMax < data.length;
    const r = new Uint8Array(size);
    r[0] = p.reportId;
    r[p.lengthOffset] = chunk.length;
    if (p.aimOffset !== null && aim.length === 3) r.set(aim, p.aimOffset);
    r.set(chunk, p.dataOffset);
    if (more) r[p.moreFlagOffset] = (r[p.moreFlagOffset] ?? 0) | p.moreFlagMask;
    reports.push(shift === 0 ? r : r.slice(1));
  }
  return reports;
}

/** Waits `ms` milliseconds; injected so tests run on fake or instant time. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rewrites one scan's bytes; `dataStart` is where the data begins (after prefix and AIM id). */
export type ScanGarble = (bytes: Uint8Array, dataStart: number) => Uint8Array;

export const defaultScanGarble: ScanGarble = (bytes, dataStart) => {
  const out = Uint8Array.from(bytes);
  if (dataStart < out.length) out[dataStart] = 0xff;
  return out;
};

export interface VirtualScannerOptions extends SerialScanEncoding {
  /** Default: real timers. */
  readonly sleep?: Sleep;
}

export class VirtualScanner {
  readonly counters = { scans: 0, bytes: 0, garbled: 0 };
  readonly #transport: ByteTransport;
  readonly #encoding: SerialScanEncoding;
  readonly #sleep: Sleep;
  #msPerByte = 0;
  #garble: ScanGarble | null = null;
  #queue: Promise<void> = Promise.resolve();

  /** `transport` is the scanner's (device) side; open it before scanning. */
  constructor(transport: ByteTransport, options: VirtualScannerOptions) {
    this.#transport = transport;
    this.#encoding = { suffix: options.suffix, prefix: options.prefix, aim: options.aim };
    this.#sleep = options.sleep ?? realSleep;
    latin1(options.prefix);
    aimBytes(options.aim);
  }

  /**
   * Sends `code` (with `aim` overriding the configured AIM id; null sends none). Resolves once
   * every byte is written; rejects with the transport's error (e.g. closed after unplug).
   */
  scan(code: string, aim?: string | null): Promise<void> {
    const useAim = aim === undefined ? this.#encoding.aim : (aim ?? undefined);
    let bytes = scanToSerialBytes(code, { suffix: this.#encoding.suffix, prefix: this.#encoding.prefix, aim: useAim });
    const garble = this.#garble;
    this.#garble = null;
    if (garble !== null) {
      const dataStart = latin1(this.#encoding.prefix).length + (useAim === undefined ? 0 : 3);
      bytes = Uint8Array.from(garble(bytes, dataStart));
      this.counters.garbled += 1;
    }
    const msPerByte = this.#msPerByte;
    const run = async (): Promise<void> => {
      if (msPerByte > 0) {
        for (let i = 0; i < bytes.length; i += 1) {
          if (i > 0) await this.#sleep(msPerByte);
          await this.#transport.write(bytes.subarray(i, i + 1));
          this.counters.bytes += 1;
        }
      } else {
        await this.#transport.write(bytes);
        this.counters.bytes += bytes.length;
      }
      this.counters.scans += 1;
    };
    const done = this.#queue.then(run);
    this.#queue = done.catch(() => undefined);
    return done;
  }

  /** The next scan's bytes go through `fn` (default: a 0xFF in place of the first data byte). */
  garbleNext(fn: ScanGarble = defaultScanGarble): void {
    this.#garble = fn;
  }

  /** Later scans are written one byte at a time, `msPerByte` apart; 0 restores whole writes. */
  slowLink(msPerByte: number): void {
    if (!(msPerByte >= 0) || !Number.isFinite(msPerByte)) throw new RangeError(`msPerByte must be a finite number >= 0, got ${msPerByte}`);
    this.#msPerByte = msPerByte;
  }
}
