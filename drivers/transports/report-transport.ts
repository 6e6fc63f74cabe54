// The contract for devices that talk in HID reports rather than a byte stream (ARCHITECTURE.md
// §4): HID-POS barcode scanners over node-hid, and the in-memory pair their simulator and
// tests use. Hand-written: node-hid's HIDAsync is an EventEmitter with string errors and no
// notion of who owns the device; this mirrors ByteTransport so a driver and the device
// machine handle both kinds of link the same way.
//
// Decisions:
// - A report is one unit: it is never split or merged, unlike ByteTransport chunks. On Linux
//   (hidraw) an input report carries its report id as byte 0 when the device uses numbered
//   reports; `write` takes an output report the same way (byte 0 = report id, 0 when the
//   device has none), as hidapi does.
// - Errors are ByteTransport's `TransportError` codes, with messages that name the device.
//   `onClose(null)` means we closed it; `onClose(error)` means the device went away.
// - `write` is optional: a transport that cannot send output reports has none. An empty report
//   is a caller's bug (RangeError): there is always at least the report id byte.
// - The memory pair carries each report as one write over a byte memory pair (whole writes
//   are delivered whole there), so it inherits that pair's asynchronous delivery, unplug,
//   latency and garbling rules unchanged.

import type { ByteTransport } from './byte-transport.ts';
import { createMemoryPair } from './memory-transport.ts';
import type { MemorySide } from './memory-transport.ts';

export interface ReportTransport {
  /** Kind and address, e.g. 'hid:/dev/hidraw3', 'hid:0c2e:0b61', 'memory:reports:a'. */
  readonly id: string;
  open(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
  /** Each input report, as received (report id first when the device numbers its reports). Returns the unsubscribe function. */
  onReport(listener: (report: Uint8Array) => void): () => void;
  /** `null`: closed by us. An Error: the device went away. */
  onClose(listener: (reason: Error | null) => void): () => void;
  /** Sends one output report (byte 0 = report id, 0 when unnumbered); rejects with a TransportError. */
  write?(report: Uint8Array): Promise<void>;
  readonly isOpen: boolean;
}

/** Rewrites a report in flight; `from` is the side that wrote it. */
export type ReportGarble = (report: Uint8Array, from: MemorySide) => Uint8Array;

export interface MemoryReportPairOptions {
  /** Delay before the peer sees a report (default 0: next microtask). */
  readonly latencyMs?: number;
  /** Ids become `memory:<name>:a` and `memory:<name>:b` (default name 'reports'). */
  readonly name?: string;
}

export interface MemoryReportPair {
  /** The host side (what a driver attaches to). */
  readonly a: ReportTransport & { write(report: Uint8Array): Promise<void> };
  /** The device side (what a simulator writes its input reports to). */
  readonly b: ReportTransport & { write(report: Uint8Array): Promise<void> };
  readonly plugged: boolean;
  /** Both open sides close with an error; opening fails with 'not-found' until `replug()`. */
  unplug(): void;
  replug(): void;
  /** Rewrites every later report in flight; `null` stops garbling. */
  garble(fn: ReportGarble | null): void;
}

class ByteCarriedReports implements ReportTransport {
  constructor(private readonly bytes: ByteTransport) {}

  get id(): string {
    return this.bytes.id;
  }

  get isOpen(): boolean {
    return this.bytes.isOpen;
  }

  open(signal?: AbortSignal): Promise<void> {
    return this.bytes.open(signal);
  }

  close(): Promise<void> {
    return this.bytes.close();
  }

  async write(report: Uint8Array): Promise<void> {
    if (report.length === 0) throw new RangeError(`${this.id}: a report cannot be empty (byte 0 is the report id)`);
    return this.bytes.write(report);
  }

  onReport(listener: (report: Uint8Array) => void): () => void {
    return this.bytes.onData(listener);
  }

  onClose(listener: (reason: Error | null) => void): () => void {
    return this.bytes.onClose(listener);
  }
}

export function createMemoryReportPair(options: MemoryReportPairOptions = {}): MemoryReportPair {
  // No chunkSize: each write arrives as exactly one onData call, i.e. one report.
  const pair = createMemoryPair({ latencyMs: options.latencyMs ?? 0, name: options.name ?? 'reports' });
  return {
    a: new ByteCarriedReports(pair.a),
    b: new ByteCarriedReports(pair.b),
    get plugged() {
      return pair.plugged;
    },
    unplug: () => pair.unplug(),
    replug: () => pair.replug(),
    garble: (fn) => pair.garble(fn),
  };
}
