// Keeps a device's transport coming back after the cable is pulled or the USB device
// re-enumerates (issue 3 "Reconnection"), so a device machine sees status events instead of
// a dead port. Hand-written: reconnecting serialport/net wrappers on npm each cover one kind of
// link and queue writes while disconnected; this wraps any ByteTransport and queues nothing.
//
// Decisions:
// - Wraps a factory, not an instance: after a USB re-enumeration the old handle is useless,
//   and a fresh transport starts from a clean state. The factory is called once up front to
//   learn the id and capabilities, so it must not do I/O (none of ours does).
// - Writes while disconnected reject with TransportError('closed') at once. The device
//   machine decides what to do with a receipt that did not go out; replaying bytes into a
//   printer that was power-cycled mid-job would print garbage.
// - `open()` resolves on the first successful connection and keeps retrying through failures
//   (each reported as a 'reconnecting' status with its error); it rejects only when stopped.
// - The wrapper's own onClose fires only when we close it; losing the device is the
//   'disconnected' status, since the wrapper is still working on it.
// - Retries never end by themselves: a till waits for its printer however long it takes, at
//   most maxMs apart. `stop()` (= `close()`) ends them.
// - Timers and randomness are injectable for tests; the defaults read the globals at call
//   time, so vi.useFakeTimers also works.

import type { BackoffOptions } from './backoff.ts';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import type { ByteTransport, TransportCapabilities } from './byte-transport.ts';
import { abortedOpen, TransportError } from './byte-transport.ts';
import { ListenerSet } from './listener-set.ts';

export type ReconnectStatus =
  | { readonly state: 'connected'; readonly attempt: number }
  | { readonly state: 'disconnected'; readonly error: Error | null }
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly nextDelayMs: number; readonly error: Error | null };

export interface ReconnectTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ReconnectOptions {
  readonly backoff?: Partial<BackoffOptions>;
  readonly timers?: ReconnectTimers;
  /** [0, 1), like Math.random. */
  readonly random?: () => number;
}

const globalTimers: ReconnectTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class ReconnectingTransport implements ByteTransport {
  readonly id: string;
  private readonly backoff: BackoffOptions;
  private readonly timers: ReconnectTimers;
  private readonly random: () => number;
  private readonly data = new ListenerSet<Uint8Array>();
  private readonly closed = new ListenerSet<Error | null>();
  private readonly statuses = new ListenerSet<ReconnectStatus>();
  private spare: ByteTransport | null;
  private lastCapabilities: TransportCapabilities;
  private inner: ByteTransport | null = null;
  private detachInner: Array<() => void> = [];
  private running = false;
  // Bumped by every close(); a loop from an older generation stops at its next step.
  private generation = 0;
  private stopReason = 'stopped';
  private connecting: Promise<void> | null = null;
  private abortInnerOpen: AbortController | null = null;
  private sleeper: { handle: unknown; wake: () => void } | null = null;
  private status_: ReconnectStatus = { state: 'disconnected', error: null };

  constructor(
    private readonly factory: () => ByteTransport,
    options: ReconnectOptions = {},
  ) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.timers = options.timers ?? globalTimers;
    this.random = options.random ?? Math.random;
    this.spare = factory();
    this.id = this.spare.id;
    this.lastCapabilities = this.spare.capabilities;
  }

  get capabilities(): TransportCapabilities {
    return this.inner?.capabilities ?? this.lastCapabilities;
  }

  get isOpen(): boolean {
    return this.inner !== null;
  }

  get status(): ReconnectStatus {
    return this.status_;
  }

  onStatus(listener: (status: ReconnectStatus) => void): () => void {
    return this.statuses.add(listener);
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (reason: Error | null) => void): () => void {
    return this.closed.add(listener);
  }

  open(signal?: AbortSignal): Promise<void> {
    if (this.inner) return Promise.resolve();
    if (this.connecting) return this.connecting;
    if (signal?.aborted) return Promise.reject(abortedOpen(this.id, signal));
    this.running = true;
    this.stopReason = 'stopped';
    const generation = ++this.generation;
    const onAbort = (): void => {
      this.stopReason = 'open aborted';
      void this.close();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const connecting = this.connect(generation, 0, null).finally(() => signal?.removeEventListener('abort', onAbort));
    this.track(connecting, generation);
    return connecting;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.inner) {
      throw new TransportError('closed', this.running ? `${this.id}: disconnected, reconnecting` : `${this.id}: not open`);
    }
    return this.inner.write(bytes);
  }

  /** Ends retries and closes the current transport. Same as close(). */
  stop(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    this.generation++;
    this.connecting = null;
    this.abortInnerOpen?.abort();
    this.abortInnerOpen = null;
    if (this.sleeper) {
      this.timers.clearTimeout(this.sleeper.handle);
      this.sleeper.wake();
      this.sleeper = null;
    }
    const inner = this.inner;
    this.detach();
    if (inner) await inner.close().catch(() => undefined);
    if (wasRunning) {
      this.setStatus({ state: 'disconnected', error: null });
      this.closed.emit(null);
    }
  }

  private track(connecting: Promise<void>, generation: number): void {
    this.connecting = connecting;
    // A background reconnect has no caller awaiting it; its only rejection is "stopped".
    connecting.catch(() => undefined).finally(() => {
      if (this.generation === generation && this.connecting === connecting) this.connecting = null;
    });
  }

  private async connect(generation: number, failures: number, lastError: Error | null): Promise<void> {
    let attempt = 0;
    // Bounded by stop(): close() bumps the generation and wakes the sleep.
    for (;;) {
      if (failures > 0) {
        const nextDelayMs = backoffDelay(failures, this.backoff, this.random);
        this.setStatus({ state: 'reconnecting', attempt: attempt + 1, nextDelayMs, error: lastError });
        await this.sleep(nextDelayMs);
      }
      this.ensureCurrent(generation);
      attempt++;
      const transport = this.spare ?? this.factory();
      this.spare = null;
      const abort = new AbortController();
      this.abortInnerOpen = abort;
      try {
        await transport.open(abort.signal);
      } catch (error) {
        this.ensureCurrent(generation);
        lastError = error instanceof Error ? error : new Error(String(error));
        failures++;
        continue;
      }
      if (generation !== this.generation) {
        await transport.close().catch(() => undefined);
        this.ensureCurrent(generation);
      }
      this.abortInnerOpen = null;
      this.attach(transport);
      this.setStatus({ state: 'connected', attempt });
      return;
    }
  }

  private ensureCurrent(generation: number): void {
    if (generation !== this.generation) throw new TransportError('closed', `${this.id}: ${this.stopReason}`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.timers.setTimeout(() => {
        this.sleeper = null;
        resolve();
      }, ms);
      this.sleeper = { handle, wake: resolve };
    });
  }

  private attach(transport: ByteTransport): void {
    this.inner = transport;
    this.lastCapabilities = transport.capabilities;
    this.detachInner = [
      transport.onData((bytes) => this.data.emit(bytes)),
      transport.onClose((reason) => this.lost(transport, reason)),
    ];
  }

  private detach(): void {
    for (const off of this.detachInner) off();
    this.detachInner = [];
    this.inner = null;
  }

  private lost(transport: ByteTransport, reason: Error | null): void {
    if (this.inner !== transport) return;
    this.detach();
    // A close we did not ask for is a loss even when the transport calls it clean.
    const error = reason ?? new TransportError('closed', `${this.id}: closed by the device`);
    this.setStatus({ state: 'disconnected', error });
    const generation = this.generation;
    this.track(this.connect(generation, 1, error), generation);
  }

  private setStatus(status: ReconnectStatus): void {
    this.status_ = status;
    this.statuses.emit(status);
  }
}
