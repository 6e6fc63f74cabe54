// Scanner drivers: a transport in, SCAN events and warnings out. `SerialScanner` runs a
// ByteTransport's bytes through SerialScanFramer, `HidPosScanner` a ReportTransport's reports
// through HidPosAssembler; the device manager classifies each ScanEvent with classifyScan().
// Hand-written: the framing rules live in the pure framers; this is the glue that owns time
// (the idle timer), the link (attach/detach) and the counts, which no library provides.
//
// Decisions:
// - Scans are delivered synchronously from the transport's data callback, before any timer
//   work: the time from the last byte on the wire to the SCAN event is what the cashier feels.
// - A driver does not open, close or reconnect its transport. The core opens it, calls
//   `attach(transport)`, and after a reconnect attaches the new transport (or keeps a
//   ReconnectingTransport attached). `attach` replaces any previous link.
// - Partial frames: with suffix 'none' the frame ends after `idleMs` of silence, and with a
//   suffix an unterminated frame is dropped after `idleMs`; a timer makes both happen without
//   waiting for the next byte. The timer is armed only while bytes after the last terminator
//   are pending, and re-armed (not reset) per chunk, so a burst costs one timer.
// - A link that closes or is detached mid-frame (serial) or mid-message (HID) drops the partial
//   scan with a warning naming the bytes lost; the next scan starts clean.
// - HID-POS: a message whose final report never comes would glue itself to the next scan. A
//   report arriving more than `reportGapMs` (default 250) after the previous one of an open
//   message starts fresh, after a warning. Reports of one message come milliseconds apart.
// - `stats().garbageBytes` is the sum of the warnings' `bytes`: bytes a device sent that did
//   not become a scan. A listener that throws is reported as a process warning and does not
//   stop the others (ListenerSet).

import { HidPosAssembler, DEFAULT_HID_POS_PROFILE } from './hid-pos.ts';
import type { HidPosOptions } from './hid-pos.ts';
import { DEFAULT_IDLE_MS_NO_SUFFIX, DEFAULT_IDLE_MS_WITH_SUFFIX, SerialScanFramer } from './serial-scan-framer.ts';
import type { SerialFramerConfig } from './serial-scan-framer.ts';
import type { ByteTransport } from '../transports/byte-transport.ts';
import { ListenerSet } from '../transports/listener-set.ts';
import type { ReportTransport } from '../transports/report-transport.ts';
import type { ScanEvent, ScanWarning } from '../../src/shared/scan-event.ts';

export interface ScannerStats {
  readonly scans: number;
  readonly warnings: number;
  /** Bytes the device sent that did not become a scan (the warnings' `bytes`, summed). */
  readonly garbageBytes: number;
}

export interface ScannerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Read the globals at call time, so vi.useFakeTimers also works. Unref'd: a pending idle
// timer must not keep a process alive on its own.
const globalTimers: ScannerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const monotonicNow = (): number => performance.now();

const CR = 0x0d;
const LF = 0x0a;

function warning(reason: string, bytes: number): ScanWarning {
  return { type: 'SCAN_WARNING', reason, bytes };
}

/** Listeners, counts and the link to a transport, shared by both drivers. */
abstract class ScanOutlet<T extends { readonly id: string; onClose(listener: (reason: Error | null) => void): () => void }> {
  private link: T | null = null;
  private unsubscribe: Array<() => void> = [];
  private readonly scans = new ListenerSet<ScanEvent>();
  private readonly warnings = new ListenerSet<ScanWarning>();
  private readonly counts = { scans: 0, warnings: 0, garbageBytes: 0 };

  onScan(listener: (scan: ScanEvent) => void): () => void {
    return this.scans.add(listener);
  }

  onWarning(listener: (warning: ScanWarning) => void): () => void {
    return this.warnings.add(listener);
  }

  stats(): ScannerStats {
    return { ...this.counts };
  }

  /** The transport attached now, or null. */
  get transport(): T | null {
    return this.link;
  }

  /** Reads scans from `transport` (open or not) from now on; replaces any previous link. */
  attach(transport: T): void {
    this.detach();
    this.dropPartial(null);
    this.link = transport;
    this.unsubscribe = [this.listen(transport), transport.onClose(() => this.dropPartial(`${transport.id} closed`))];
  }

  /** Stops reading; a partial scan is dropped with a warning. */
  detach(): void {
    const link = this.link;
    if (!link) return;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.link = null;
    this.dropPartial(`${link.id} detached`);
  }

  /** Subscribes to the transport's data; returns the unsubscribe function. */
  protected abstract listen(transport: T): () => void;

  /** Forgets a half-received scan, with a warning naming `why` (null: silently, on attach). */
  protected abstract dropPartial(why: string | null): void;

  protected deliver(out: ScanEvent | ScanWarning): void {
    if (out.type === 'SCAN') {
      this.counts.scans += 1;
      this.scans.emit(out);
    } else {
      this.counts.warnings += 1;
      this.counts.garbageBytes += out.bytes;
      this.warnings.emit(out);
    }
  }
}

export interface SerialScannerOptions {
  /** Milliseconds on a monotonic clock (default performance.now). */
  readonly now?: () => number;
  readonly timers?: ScannerTimers;
}

export class SerialScanner extends ScanOutlet<ByteTransport> {
  private readonly framer: SerialScanFramer;
  private readonly idleMs: number;
  private readonly now: () => number;
  private readonly timers: ScannerTimers;
  /** Bytes after the last terminator that the framer holds (or is discarding). */
  private partial = 0;
  private lastAt = 0;
  private idleTimer: { handle: unknown } | null = null;

  /** Throws RangeError for a config the framer refuses (bad prefix, idleMs, maxLength). */
  constructor(config: SerialFramerConfig, options: SerialScannerOptions = {}) {
    super();
    this.framer = new SerialScanFramer(config);
    this.idleMs = config.idleMs ?? (config.suffix === 'none' ? DEFAULT_IDLE_MS_NO_SUFFIX : DEFAULT_IDLE_MS_WITH_SUFFIX);
    this.now = options.now ?? monotonicNow;
    this.timers = options.timers ?? globalTimers;
  }

  protected listen(transport: ByteTransport): () => void {
    return transport.onData((bytes) => this.receive(bytes));
  }

  private receive(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const now = this.now();
    // The framer ends a stale partial frame itself at this push (same rule, same clock).
    if (this.partial > 0 && now - this.lastAt >= this.idleMs) this.partial = 0;
    const out = this.framer.push(bytes, now);
    this.lastAt = now;
    let end = bytes.length - 1;
    while (end >= 0 && bytes[end] !== CR && bytes[end] !== LF) end -= 1;
    this.partial = end < 0 ? this.partial + bytes.length : bytes.length - 1 - end;
    for (const o of out) this.deliver(o);
    if (this.partial > 0) this.armIdle(this.idleMs);
    else this.disarmIdle();
  }

  private armIdle(ms: number): void {
    if (this.idleTimer) return;
    const timer = { handle: null as unknown };
    timer.handle = this.timers.setTimeout(() => {
      if (this.idleTimer !== timer) return;
      this.idleTimer = null;
      this.onIdle();
    }, ms);
    this.idleTimer = timer;
  }

  private disarmIdle(): void {
    if (!this.idleTimer) return;
    this.timers.clearTimeout(this.idleTimer.handle);
    this.idleTimer = null;
  }

  private onIdle(): void {
    if (this.partial === 0) return;
    const now = this.now();
    const elapsed = now - this.lastAt;
    if (elapsed < this.idleMs) {
      // Bytes came after the timer was armed (or the timer fired early): wait the rest.
      this.armIdle(Math.max(1, Math.ceil(this.idleMs - elapsed)));
      return;
    }
    const out = this.framer.tick(now);
    this.partial = 0;
    for (const o of out) this.deliver(o);
  }

  protected dropPartial(why: string | null): void {
    this.disarmIdle();
    const dropped = this.partial;
    this.partial = 0;
    this.framer.reset();
    if (why !== null && dropped > 0) this.deliver(warning(`${why} in the middle of a scan: ${dropped} bytes dropped`, dropped));
  }
}

export interface HidPosScannerOptions extends HidPosOptions {
  /** A report this long after the previous one of an unfinished message starts a new one (default 250). */
  readonly reportGapMs?: number;
  /** Milliseconds on a monotonic clock (default performance.now). */
  readonly now?: () => number;
}

export const DEFAULT_REPORT_GAP_MS = 250;

export class HidPosScanner extends ScanOutlet<ReportTransport> {
  private readonly assembler: HidPosAssembler;
  /** The scan report id when reports carry it (the assembler ignores others without disturbing a message). */
  private readonly reportId: number | null;
  private readonly reportGapMs: number;
  private readonly now: () => number;
  /** Report bytes of the message being assembled (or discarded); 0 between messages. */
  private pending = 0;
  private lastAt = 0;

  /** Throws RangeError for a profile or limit the assembler refuses. */
  constructor(options: HidPosScannerOptions = {}) {
    super();
    this.assembler = new HidPosAssembler(options);
    this.reportId = (options.reportIdIncluded ?? true) ? (options.profile ?? DEFAULT_HID_POS_PROFILE).reportId : null;
    this.reportGapMs = options.reportGapMs ?? DEFAULT_REPORT_GAP_MS;
    if (!(this.reportGapMs > 0)) throw new RangeError(`reportGapMs must be positive, got ${this.reportGapMs}`);
    this.now = options.now ?? monotonicNow;
  }

  protected listen(transport: ReportTransport): () => void {
    return transport.onReport((report) => this.receive(report));
  }

  private receive(report: Uint8Array): void {
    const now = this.now();
    if (this.pending > 0 && now - this.lastAt >= this.reportGapMs) {
      const dropped = this.pending;
      this.pending = 0;
      this.assembler.reset();
      this.deliver(warning(`incomplete message: no final report within ${this.reportGapMs} ms, ${dropped} bytes dropped`, dropped));
    }
    this.lastAt = now;
    const out = this.assembler.push(report);
    if (out === null) this.pending += report.length;
    else if (this.reportId === null || report[0] === this.reportId) this.pending = 0;
    if (out !== null) this.deliver(out);
  }

  protected dropPartial(why: string | null): void {
    const dropped = this.pending;
    this.pending = 0;
    this.assembler.reset();
    if (why !== null && dropped > 0) this.deliver(warning(`${why} in the middle of a multi-report message: ${dropped} bytes dropped`, dropped));
  }
}
