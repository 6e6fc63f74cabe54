// Virtual ESC/POS printer on the device side of a ByteTransport: every byte received goes into
// a pure `VirtualPrinter` (./virtual-printer.ts) and every byte it sends back (DLE EOT and GS r
// replies, ASB frames) is written on the transport, so a driver talks to it exactly as to a
// printer on a cable. The pty rig (`kassa sim`) and the memory-pair tests both use it.
//
// Decisions (a caller can rely on them):
// - Faults are injected here, not on the printer: setPaper(), openCover() … also write what the
//   printer sends because of them (ASB frames when ASB is on), as a real printer does when its
//   cover opens while nobody is polling.
// - Replies go out in the order the printer produced them, one write at a time. A write that
//   fails (transport closed: unplugged) is dropped and counted in `lostReplies`, as a printer
//   talking to a pulled cable; it never throws into the transport's listener.
// - slowLink(n) models a printer whose link takes at most n bytes a second: received bytes wait
//   in order and are fed to the printer in slices of about 10 ms (at least one byte, spaced so
//   the average rate is n). Real-time commands (DLE EOT) wait in that queue too, as they would
//   on a slow wire. slowLink(null) feeds what is waiting at once.
// - Time given to the printer (pulse timestamps) is `options.now()` when a byte reaches it,
//   default Date.now. Slow-link timers read the global setTimeout at call time, so vitest's
//   fake timers work.
// - detach() stops listening and drops bytes still waiting on a slow link; the printer keeps its
//   receipts and state, like a printer whose cable was cut. Bytes arriving while the transport is
//   closed never get here (the transport drops them).

import type { ByteTransport } from '../transports/byte-transport.ts';
import type { PaperState, VirtualPrinter } from './virtual-printer.ts';

export interface VirtualPrinterDeviceOptions {
  readonly now?: () => number;
}

export interface VirtualPrinterDeviceCounters {
  /** Bytes that arrived on the transport. */
  received: number;
  /** Bytes given to the printer (less than `received` while a slow link holds some). */
  fed: number;
  /** Reply bytes written on the transport. */
  replied: number;
  /** Reply writes that failed (link down) and were dropped. */
  lostReplies: number;
}

// Slow-link slices aim at this spacing; a rate below 100 B/s sends single bytes further apart.
const SLICE_MS = 10;

export class VirtualPrinterDevice {
  readonly printer: VirtualPrinter;
  readonly counters: VirtualPrinterDeviceCounters = { received: 0, fed: 0, replied: 0, lostReplies: 0 };
  readonly #transport: ByteTransport;
  readonly #now: () => number;
  readonly #unsubscribe: () => void;
  #waiting: Uint8Array[] = [];
  #waitingBytes = 0;
  #bytesPerSecond: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #idleWaiters: Array<() => void> = [];
  #writes: Promise<void> = Promise.resolve();
  #detached = false;

  /** `transport` is the printer's (device) side. */
  constructor(transport: ByteTransport, printer: VirtualPrinter, options: VirtualPrinterDeviceOptions = {}) {
    this.#transport = transport;
    this.printer = printer;
    this.#now = options.now ?? Date.now;
    this.#unsubscribe = transport.onData((bytes) => this.#receive(bytes));
  }

  /** Bytes received and not yet given to the printer (slow link). */
  get pendingBytes(): number {
    return this.#waitingBytes;
  }

  get bytesPerSecond(): number | null {
    return this.#bytesPerSecond;
  }

  setPaper(state: PaperState): void {
    this.#reply(this.printer.setPaper(state));
  }

  outOfPaperAfterLines(lines: number): void {
    if (!(lines >= 0)) throw new RangeError(`lines must be a number >= 0, got ${lines}`);
    this.#reply(this.printer.outOfPaperAfterLines(lines));
  }

  openCover(): void {
    this.#reply(this.printer.openCover());
  }

  closeCover(): void {
    this.#reply(this.printer.closeCover());
  }

  goOffline(): void {
    this.#reply(this.printer.goOffline());
  }

  goOnline(): void {
    this.#reply(this.printer.goOnline());
  }

  closeDrawer(): void {
    this.#reply(this.printer.closeDrawer());
  }

  /** Every reply chunk goes through `fn` before it is written; null stops it. */
  garbleReplies(fn: ((reply: Uint8Array) => Uint8Array) | null): void {
    this.printer.garbleReplies(fn);
  }

  /** A slow link: the printer takes in at most this many bytes per second (null: unlimited). Bytes wait in order. */
  slowLink(bytesPerSecond: number | null): void {
    if (bytesPerSecond !== null && !(bytesPerSecond > 0 && Number.isFinite(bytesPerSecond))) {
      throw new RangeError(`bytesPerSecond must be a finite number > 0 or null, got ${bytesPerSecond}`);
    }
    this.#bytesPerSecond = bytesPerSecond;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (bytesPerSecond === null) this.#feedAll();
    else this.#schedule();
  }

  /**
   * Resolves when everything received so far has been given to the printer and the replies
   * it produced have been handed to the transport (or dropped).
   */
  async idle(): Promise<void> {
    if (this.#waitingBytes > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    await this.#writes;
  }

  /** Stops listening to the transport; bytes still waiting on a slow link are dropped. */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#unsubscribe();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#waiting = [];
    this.#waitingBytes = 0;
    this.#wakeIdle();
  }

  #receive(bytes: Uint8Array): void {
    if (this.#detached || bytes.length === 0) return;
    this.counters.received += bytes.length;
    if (this.#bytesPerSecond === null && this.#waitingBytes === 0) {
      this.#feed(bytes);
      return;
    }
    // The transport may reuse its buffer after the listener returns.
    this.#waiting.push(Uint8Array.from(bytes));
    this.#waitingBytes += bytes.length;
    this.#schedule();
  }

  #feed(bytes: Uint8Array): void {
    this.counters.fed += bytes.length;
    this.#reply(this.printer.write(bytes, this.#now()));
  }

  #feedAll(): void {
    const chunks = this.#waiting;
    this.#waiting = [];
    this.#waitingBytes = 0;
    for (const chunk of chunks) this.#feed(chunk);
    this.#wakeIdle();
  }

  #schedule(): void {
    const rate = this.#bytesPerSecond;
    if (this.#timer !== null || rate === null || this.#waitingBytes === 0) return;
    const slice = Math.max(1, Math.floor((rate * SLICE_MS) / 1000));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#feedSlice(slice);
      this.#schedule();
    }, (slice * 1000) / rate);
  }

  #feedSlice(size: number): void {
    let left = size;
    while (left > 0 && this.#waiting.length > 0) {
      const head = this.#waiting[0];
      if (head === undefined) break;
      const take = head.subarray(0, left);
      if (take.length === head.length) this.#waiting.shift();
      else this.#waiting[0] = head.subarray(take.length);
      this.#waitingBytes -= take.length;
      left -= take.length;
      this.#feed(take);
    }
    if (this.#waitingBytes === 0) this.#wakeIdle();
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  #reply(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const out = Uint8Array.from(bytes);
    this.#writes = this.#writes.then(async () => {
      try {
        await this.#transport.write(out);
        this.counters.replied += out.length;
      } catch {
        this.counters.lostReplies += 1;
      }
    });
  }
}
