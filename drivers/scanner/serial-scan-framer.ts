// Cuts a serial/CDC scanner's byte stream into scans. Hand-written: framing is a few rules
// (prefix, AIM id, suffix or idle gap, length cap) over a tiny state machine. serialport's
// readline and inter-byte-timeout parsers split lines or gaps but know nothing of prefixes,
// AIM ids or garbage, and they are Node streams with their own timers, which pure protocol
// code that also runs in the renderer cannot use.
//
// Decisions (ARCHITECTURE.md §4, reference/hardware.md §3):
// - CR, LF and CR LF all end a frame, whatever `suffix` says, and an LF right after a CR is
//   part of the same terminator even across chunks. A till's config and the scanner's suffix
//   programming often disagree, and no barcode Kassa reads contains CR or LF, so tolerance
//   costs nothing. `suffix: 'none'` adds the idle-gap rule on top.
// - An unterminated frame with a suffix configured is dropped (with a warning) after
//   `idleMs` of silence (default 1 s), so a lost CR does not glue a half scan to the next.
// - An over-long line is reported as soon as it passes `maxLength` (so a flood shows at once;
//   `bytes` is what was dropped so far) and its rest is dropped silently up to the terminator.
// - Every push's bytes count as arriving at `nowMs`; time is never read here.
// - Data is ASCII (plus GS for FNC1) or valid UTF-8; see `decodeScanData()`.
// - With `aim: true`, a frame without a valid `]xy` is still emitted, with symbology null,
//   after a warning: dropping a real scan because of a scanner setting would make the
//   cashier rescan forever, while the warning tells the installer what to fix.
// - With `aim: false`, data is passed on as received; `classifyScan()` strips an AIM id it
//   finds at the front, so a scanner sending AIM ids still classifies right.

import { aimName } from '../../src/domain/barcodes/scan-frame.ts';
import { decodeScanData, isAimId } from '../../src/shared/scan-event.ts';
import type { ScanEvent, ScanWarning } from '../../src/shared/scan-event.ts';

export type SerialSuffix = 'CR' | 'LF' | 'CRLF' | 'none';

export interface SerialFramerConfig {
  readonly suffix: SerialSuffix;
  /** Bytes the scanner is programmed to send first (Latin-1: one char per byte, e.g. '\x02'). */
  readonly prefix?: string;
  /** The scanner sends an AIM id (`]E0`) before the data. */
  readonly aim: boolean;
  /** Suffix 'none': a frame ends after this gap (default 50). Otherwise: an unterminated frame is dropped after it (default 1000). */
  readonly idleMs?: number;
  /** Longest frame in bytes, prefix and AIM id included (default 256). */
  readonly maxLength?: number;
}

export type FramerOutput = ScanEvent | ScanWarning;

const CR = 0x0d;
const LF = 0x0a;

export const DEFAULT_MAX_FRAME = 256;
export const DEFAULT_IDLE_MS_NO_SUFFIX = 50;
export const DEFAULT_IDLE_MS_WITH_SUFFIX = 1000;

function warning(reason: string, bytes: number): ScanWarning {
  return { type: 'SCAN_WARNING', reason, bytes };
}

/** "]E0 (EAN-13/UPC)", or the bare id when Kassa has no name for it. */
function describeAim(id: string): string {
  const name = aimName(id);
  return name === id ? id : `${id} (${name})`;
}

function prefixBytes(prefix: string | undefined): Uint8Array {
  if (prefix === undefined) return new Uint8Array(0);
  const out = new Uint8Array(prefix.length);
  for (let i = 0; i < prefix.length; i += 1) {
    const c = prefix.charCodeAt(i);
    if (c > 0xff || c === CR || c === LF) throw new RangeError(`scanner prefix character ${i + 1} (U+${c.toString(16)}) cannot be a serial prefix byte`);
    out[i] = c;
  }
  return out;
}

export class SerialScanFramer {
  private readonly prefix: Uint8Array;
  private readonly aim: boolean;
  private readonly idleEnds: boolean;
  private readonly idleMs: number;
  private readonly maxLength: number;
  private readonly buf: Uint8Array;
  private len = 0;
  /** Over-long line: its rest is dropped up to the next terminator (warning already given). */
  private discarding = false;
  private afterCR = false;
  private lastByteAt: number | null = null;

  constructor(config: SerialFramerConfig) {
    this.prefix = prefixBytes(config.prefix);
    this.aim = config.aim;
    this.idleEnds = config.suffix === 'none';
    this.idleMs = config.idleMs ?? (this.idleEnds ? DEFAULT_IDLE_MS_NO_SUFFIX : DEFAULT_IDLE_MS_WITH_SUFFIX);
    this.maxLength = config.maxLength ?? DEFAULT_MAX_FRAME;
    if (!(this.idleMs > 0)) throw new RangeError(`idleMs must be positive, got ${this.idleMs}`);
    if (!Number.isInteger(this.maxLength) || this.maxLength < 1) throw new RangeError(`maxLength must be a positive integer, got ${this.maxLength}`);
    this.buf = new Uint8Array(this.maxLength);
  }

  /** Feeds bytes received at `nowMs`; returns the scans and warnings they complete. */
  push(bytes: Uint8Array, nowMs: number): FramerOutput[] {
    const out: FramerOutput[] = [];
    this.expire(nowMs, out);
    for (const b of bytes) {
      if (b === CR || b === LF) {
        if (b === LF && this.afterCR) {
          this.afterCR = false;
          continue;
        }
        this.afterCR = b === CR;
        this.endFrame(out, true);
        continue;
      }
      this.afterCR = false;
      if (this.discarding) continue;
      if (this.len === this.maxLength) {
        out.push(warning(`line longer than ${this.maxLength} bytes: dropped up to the next terminator`, this.len + 1));
        this.len = 0;
        this.discarding = true;
        continue;
      }
      this.buf[this.len] = b;
      this.len += 1;
    }
    if (bytes.length > 0) this.lastByteAt = nowMs;
    return out;
  }

  /** Lets time pass with no bytes: ends a 'none'-suffix frame or drops a stale one. */
  tick(nowMs: number): FramerOutput[] {
    const out: FramerOutput[] = [];
    this.expire(nowMs, out);
    return out;
  }

  /** Forgets any partial frame, e.g. when the port is reopened. */
  reset(): void {
    this.len = 0;
    this.discarding = false;
    this.afterCR = false;
    this.lastByteAt = null;
  }

  private expire(nowMs: number, out: FramerOutput[]): void {
    if (this.lastByteAt === null || (this.len === 0 && !this.discarding)) return;
    if (!(nowMs - this.lastByteAt >= this.idleMs)) return;
    if (this.idleEnds || this.discarding) {
      this.endFrame(out, false);
    } else {
      out.push(warning(`incomplete frame: no terminator within ${this.idleMs} ms, dropped`, this.len));
      this.len = 0;
    }
    this.lastByteAt = null;
  }

  private endFrame(out: FramerOutput[], byTerminator: boolean): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const frame = this.buf.subarray(0, this.len);
    this.len = 0;
    if (frame.length === 0) {
      if (byTerminator) out.push(warning('empty frame: a terminator with no data before it', 0));
      return;
    }
    this.finish(frame, out);
  }

  private finish(frame: Uint8Array, out: FramerOutput[]): void {
    const p = this.prefix;
    if (p.length > 0) {
      if (frame.length < p.length || p.some((b, i) => frame[i] !== b)) {
        out.push(warning('frame does not start with the configured prefix: dropped', frame.length));
        return;
      }
    }
    const decoded = decodeScanData(frame.subarray(p.length));
    if (!decoded.ok) {
      out.push(warning(`${decoded.reason}: frame dropped`, frame.length));
      return;
    }
    let data = decoded.text;
    if (data.length === 0) {
      out.push(warning('empty frame: only the prefix', frame.length));
      return;
    }
    let symbology: string | null = null;
    if (this.aim) {
      const id = data.slice(0, 3);
      if (isAimId(id)) {
        symbology = id;
        data = data.slice(3);
        if (data.length === 0) {
          out.push(warning(`empty frame after AIM id ${describeAim(id)}`, frame.length));
          return;
        }
      } else {
        out.push(warning('AIM id expected but missing (is AIM transmission on in the scanner?): scan kept without symbology', 0));
      }
    }
    out.push({ type: 'SCAN', data, symbology, source: 'serial' });
  }
}
