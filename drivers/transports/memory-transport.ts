// Two connected in-memory ByteTransports: what one side writes the other receives. The
// simulators and every driver unit test run on it, so it has the faults a real link has
// (unplug, garbled bytes, latency, bytes split into chunks). Hand-written: stream.Duplex
// pairs have no fault hooks, and @serialport/binding-mock only records and replays one port.
//
// Decisions:
// - Delivery is always asynchronous (a microtask at latency 0, a timer otherwise), never
//   inside the writer's call, so a simulator answering from its onData cannot re-enter the
//   writer mid-write. Order is kept even when `setLatency` shortens the delay mid-stream.
// - Bytes reaching a side that is not open are dropped, as a device switched off drops
//   them; nothing is buffered for later. Bytes in flight are lost on unplug.
// - `write` resolves once queued (the "OS" here is the queue), like the real transports.
// - Written bytes are copied, so a caller may reuse its buffer at once.

import type { ByteTransport, TransportCapabilities } from './byte-transport.ts';
import { abortedOpen, TransportError } from './byte-transport.ts';
import { ListenerSet } from './listener-set.ts';

export type MemorySide = 'a' | 'b';
/** Rewrites bytes in flight; `from` is the side that wrote them. */
export type Garble = (bytes: Uint8Array, from: MemorySide) => Uint8Array;

export interface MemoryPairOptions {
  /** Delay before the peer sees written bytes (default 0: next microtask). */
  readonly latencyMs?: number;
  /** Split every write into onData calls of at most this many bytes (default: whole writes). */
  readonly chunkSize?: number;
  /** Ids become `memory:<name>:a` and `memory:<name>:b` (default `memory:a` / `memory:b`). */
  readonly name?: string;
}

export interface MemoryPair {
  readonly a: ByteTransport;
  readonly b: ByteTransport;
  readonly plugged: boolean;
  /** Both open sides close with an error; opening fails with 'not-found' until `replug()`. */
  unplug(): void;
  /** Makes the link available again; sides stay closed until opened (as a real device). */
  replug(): void;
  /** Rewrites every later write in flight; `null` stops garbling. */
  garble(fn: Garble | null): void;
  setLatency(ms: number): void;
}

const MEMORY_CAPABILITIES: TransportCapabilities = { modemLines: false, flowControl: 'none', readable: true };

interface Link {
  plugged: boolean;
  latencyMs: number;
  readonly chunkSize: number;
  garble: Garble | null;
}

class MemoryTransport implements ByteTransport {
  readonly capabilities = MEMORY_CAPABILITIES;
  peer!: MemoryTransport;
  private open_ = false;
  private readonly data = new ListenerSet<Uint8Array>();
  private readonly closed = new ListenerSet<Error | null>();
  // Bytes travelling towards this side, oldest first, each tagged with a sequence number.
  private readonly inbound: Array<{ seq: number; bytes: Uint8Array }> = [];
  private nextSeq = 0;

  constructor(
    readonly id: string,
    private readonly side: MemorySide,
    private readonly link: Link,
  ) {}

  get isOpen(): boolean {
    return this.open_;
  }

  async open(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortedOpen(this.id, signal);
    if (!this.link.plugged) throw new TransportError('not-found', `${this.id}: unplugged`);
    this.open_ = true;
  }

  async close(): Promise<void> {
    this.shut(null);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.open_) throw new TransportError('closed', `${this.id}: not open`);
    let copy = Uint8Array.from(bytes);
    if (this.link.garble) copy = Uint8Array.from(this.link.garble(copy, this.side));
    this.peer.enqueue(copy);
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (reason: Error | null) => void): () => void {
    return this.closed.add(listener);
  }

  shut(reason: Error | null): void {
    if (!this.open_) return;
    this.open_ = false;
    this.closed.emit(reason);
  }

  dropInFlight(): void {
    this.inbound.length = 0;
  }

  private enqueue(bytes: Uint8Array): void {
    const seq = this.nextSeq++;
    this.inbound.push({ seq, bytes });
    // Each timer delivers everything queued up to its own entry, so a later write with a
    // shorter latency carries earlier bytes with it instead of overtaking them.
    const deliver = (): void => this.deliverUpTo(seq);
    if (this.link.latencyMs > 0) setTimeout(deliver, this.link.latencyMs);
    else queueMicrotask(deliver);
  }

  private deliverUpTo(seq: number): void {
    while (this.inbound.length > 0 && this.inbound[0]!.seq <= seq) {
      const { bytes } = this.inbound.shift()!;
      if (!this.open_) continue;
      const size = this.link.chunkSize;
      for (let at = 0; at < bytes.length; at += size) {
        if (!this.open_) break;
        this.data.emit(bytes.subarray(at, at + size));
      }
    }
  }
}

export function createMemoryPair(options: MemoryPairOptions = {}): MemoryPair {
  const chunkSize = options.chunkSize ?? Number.POSITIVE_INFINITY;
  if (!(chunkSize >= 1)) throw new RangeError(`chunkSize must be at least 1, got ${chunkSize}`);
  const link: Link = { plugged: true, latencyMs: checkLatency(options.latencyMs ?? 0), chunkSize, garble: null };
  const prefix = options.name === undefined ? 'memory' : `memory:${options.name}`;
  const a = new MemoryTransport(`${prefix}:a`, 'a', link);
  const b = new MemoryTransport(`${prefix}:b`, 'b', link);
  a.peer = b;
  b.peer = a;
  return {
    a,
    b,
    get plugged() {
      return link.plugged;
    },
    unplug() {
      link.plugged = false;
      a.dropInFlight();
      b.dropInFlight();
      a.shut(new TransportError('io', `${a.id}: unplugged`));
      b.shut(new TransportError('io', `${b.id}: unplugged`));
    },
    replug() {
      link.plugged = true;
    },
    garble(fn) {
      link.garble = fn;
    },
    setLatency(ms) {
      link.latencyMs = checkLatency(ms);
    },
  };
}

function checkLatency(ms: number): number {
  if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`latencyMs must be a finite number >= 0, got ${ms}`);
  return ms;
}
