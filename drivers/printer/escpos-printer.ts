// The receipt printer driver: one instance per printer, attached to an open ByteTransport by the
// core's device manager (state-machines/device.machine.ts runs the lifecycle; the manager opens,
// closes and reconnects the transport and calls attach() after every open, detach() after every
// loss). It turns the printer's back channel into status, drawer and warning events, and print
// jobs into promises that settle only on what the printer itself said. Hand-written: no npm
// library drives an ESC/POS printer over an arbitrary byte link with status (node-thermal-printer
// and escpos own their I/O and never read GS r; hardware.md §2); the byte-level parsing is
// ./escpos-status.ts, this file is the policy on top of it.
//
// Decisions a caller must know:
// - Handshake (attach): `GS a` enables ASB for drawer, online, error and paper, and DLE EOT 1–4
//   read the whole state; attach resolves with it. A printer that answers nothing within
//   replyTimeoutMs is not an attach failure: attach resolves with an offline status ("offline:
//   the printer does not answer") and polling goes on, so a printer switched on later becomes
//   ready without a reconnect.
// - Polling: DLE EOT 1–4 (12 bytes) every pollMs, idle or printing, one cycle at a time; a
//   cycle's four replies are applied together, so a paper-out is never briefly reported as a
//   cause-less "offline". A cycle without one valid reply within replyTimeoutMs marks the printer
//   unreachable, reported offline ("does not answer", or "replies are garbled" when bytes came
//   but none parsed: a wrong baud rate must not pass for ready) — except while a job written
//   before the poll is still unconfirmed: on a slow link the poll waits behind the job's bytes,
//   so silence then proves nothing and the wait is extended (up to the job's confirmTimeoutMs).
//   A cycle with only some replies is a warning (garbled line), not offline. After a timeout the
//   next poll waits (one tick at most) for the line to go quiet, so a late reply is unlikely to
//   be taken for the new poll's; the next complete cycle corrects a status misread that way.
// - Jobs are written in order and pipelined: a job is written as soon as the previous job is
//   handed to the OS, never after its confirmation. A job ends with GS r 1 (encodeReceipt's jobs
//   already do; otherwise the driver appends `1D 72 01`), registered with StatusReader.expect in
//   write order; the job is 'printed' only when that reply arrives. Any other GS r or DLE EOT
//   inside the job is registered too (its reply is consumed, never taken for a confirmation). A
//   byte scan may find a false GS r inside image data; that only delays confirmations (safe).
// - Backlogs are coalesced: jobs queued back to back (nothing else, such as a drawer pulse or a
//   poll, between them) go out in one write of up to MAX_COALESCED_BYTES, and only the last of
//   them keeps its closing GS r 1: the printer answers it after printing everything before it,
//   so that one reply confirms them all. One write and one reply per batch instead of per
//   receipt is what lets a backlog (the receipts held while the paper was out) use the link's
//   whole speed (print_link_ratio). The price: a fault in the middle of a batch leaves the
//   whole batch unconfirmed or interrupted, so at most one batch (32 KiB: about two dozen
//   plain receipts, a few with a logo) is reprinted, marked REPRINT, where per-receipt replies
//   would have reprinted fewer. A single
//   job, the common case at the counter, goes out alone with its own GS r.
// - print() only queues: the job's bytes are scanned for status queries and copied into the
//   write when its batch is written, while the link drains the batch before it, so a backlog
//   of thousands of receipts starts printing at once instead of after a pass over all of them.
//   The caller must not change a job's bytes until print() settles (as with a stream's write()).
// - Confirmation timeout: confirmTimeoutMs after the job was handed to the OS the job resolves
//   'unconfirmed' with the reason. Its place in the reply order is kept, so a late reply is
//   counted (stats.lateConfirmations, a warning) and never confirms a later job.
// - Lost replies (garbled line): if a job waits longer than replyTimeoutMs and nothing later in
//   the stream can confirm it, the driver writes a lone GS r 1 "probe". GS r runs in buffer
//   order, so the probe's reply (or any later one) arriving proves the job printed. This keeps
//   confirmations flowing after replies were lost, and never confirms a job early.
// - Refusals (sent=false): print() rejects at once with PrintInterruptedError when the printer is
//   not attached ('disconnected') or known to be out of paper, cover open, offline or in error
//   ('offline'), or unreachable ('offline'). A queued job whose turn comes while the printer is
//   in such a state is refused the same way, before any byte of it is written.
// - Interruption (sent=true): when paper out, cover open or offline (printer-reported) is seen —
//   by ASB or polling — while jobs are in flight, the oldest unconfirmed job (the one printing)
//   rejects with PrintInterruptedError(sent=true); the core reprints it in full with a REPRINT
//   banner when the status is back to ready/degraded. What happens to what the printer still
//   holds depends on `clearBufferOnInterrupt`:
//     false (default, every ESC/POS printer): the printer keeps its buffer and resumes by itself
//       when the fault clears (Epson's default). The rest of the interrupted receipt prints then
//       (a bottom half, before the REPRINT), and jobs behind it stay pending and resolve
//       'printed' when their replies come (or 'unconfirmed' if that takes longer than
//       confirmTimeoutMs; a later reply is counted as late). Nothing is lost, nothing but the
//       interrupted receipt is printed twice.
//     true (printers with Epson's DLE DC4 fn=8 "clear buffers": TM-T20II/III, TM-T88IV–VII,
//       TM-m30 …; not the profiles' business, hence a driver option): the driver sends
//       `10 14 08 01 03 14 01 06 02 08`, writes nothing more until the printer's clear response
//       `37 25 00` arrives (Epson's rule), then every other job in flight rejects sent=true too
//       (the printer dropped them) and the core reprints each. No half receipt comes out. If no
//       clear response comes within confirmTimeoutMs the printer is taken not to support it: a
//       warning, and the false behaviour applies.
//   If the printer goes offline again while only the rest of an interrupted receipt is left,
//   the job after it is taken as printing and interrupted too: a receipt printed twice (marked
//   REPRINT) rather than one lost.
// - No status: on a transport that cannot read (usb-lp without read) or a StarPRNT profile the
//   driver sends no ESC/POS queries, reports 'ready' with a detail saying status is unknown, and
//   every job resolves 'unconfirmed' with the reason once it is handed to the OS.
// - Drawer: from DLE EOT 1 / ASB with the configured polarity; 'drawer' events on change (a
//   closed drawer at attach is not an event); 'drawer-left-open' once per opening after
//   leftOpenAlertMs (0 = never). openDrawer() sends ESC p in buffer order, or the real-time
//   DLE DC4 1 pulse (100 ms units) while the printer holds its buffer (paper out…), because the
//   cashier needs the drawer then. Star profiles get Star's ESC BEL.
// - Garbage on the back channel never throws: each chunk with garbage gives one 'warning' event
//   and the bytes are counted (stats().garbageBytes).
// - Events: 'status' only when the status or its detail changed; listeners that throw are
//   isolated and reported as a process warning.
// - Timers come from `options.timers` (default: the global setTimeout/clearTimeout read at call
//   time, so vitest fake timers work, and Date.now). The background timers (poll, drawer alert,
//   idle flush) are unref'd; the reply and confirmation timers are not.

import { drawerKick, drawerKickRealtime } from '../drawer/drawer-kick.ts';
import type { DrawerPulse } from '../drawer/drawer-kick.ts';
import { abortedOpen, TransportError } from '../transports/byte-transport.ts';
import type { ByteTransport } from '../transports/byte-transport.ts';
import { applyStatusEvent, asBuffer, dleEot, enableAsb, gsR, gsRFunction, READY_STATUS, realtimeQueriesIn, statusSeverity, StatusReader } from './escpos-status.ts';
import type { DleEotN, DrawerPolarity, GsRN, PrinterStatus, StatusEvent, StatusOptions, StatusSeverity } from './escpos-status.ts';
import type { PrinterProfile } from './printer-profiles.ts';
import { starDrawerPulse } from './starprnt.ts';

export interface PrinterTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface DrawerWatch {
  readonly polarity: DrawerPolarity;
  /** 'drawer-left-open' fires once per opening after this long open; 0 = never. */
  readonly leftOpenAlertMs: number;
}

export interface EscPosPrinterOptions {
  readonly profile: PrinterProfile;
  /** DLE EOT polling period, default 1000. */
  readonly pollMs?: number;
  /** A DLE EOT with no reply this long → printer offline/unreachable; default 1000. */
  readonly replyTimeoutMs?: number;
  /** GS r wait before a job is 'unconfirmed', default 15000. */
  readonly confirmTimeoutMs?: number;
  /** null or absent: no drawer is watched (no drawer events; status.drawerOpen stays false). */
  readonly drawer?: DrawerWatch | null;
  /** Clear the printer's buffers with DLE DC4 fn=8 when a job is interrupted (see the header). Default false. */
  readonly clearBufferOnInterrupt?: boolean;
  readonly timers?: PrinterTimers;
}

export type PrinterDriverEvent =
  | { readonly type: 'status'; readonly status: PrinterStatus; readonly severity: StatusSeverity; readonly detail: string }
  | { readonly type: 'drawer'; readonly open: boolean }
  | { readonly type: 'drawer-left-open'; readonly openForMs: number }
  | { readonly type: 'warning'; readonly reason: string };

export type PrintResult = { readonly outcome: 'printed' } | { readonly outcome: 'unconfirmed'; readonly reason: string };

export type PrintInterruptCause = 'paper-out' | 'cover-open' | 'offline' | 'disconnected';

const CAUSE_TEXT: Readonly<Record<PrintInterruptCause, string>> = {
  'paper-out': 'the printer is out of paper',
  'cover-open': 'the printer cover is open',
  offline: 'the printer is offline',
  disconnected: 'the printer is not connected',
};

/** A job that did not print because of the printer's state. `sent`: some of it reached the printer. */
export class PrintInterruptedError extends Error {
  override readonly name = 'PrintInterruptedError';
  override readonly cause: PrintInterruptCause;
  readonly sent: boolean;
  readonly jobId: string;

  constructor(cause: PrintInterruptCause, sent: boolean, jobId: string) {
    super(`print job ${jobId}: ${CAUSE_TEXT[cause]} (${sent ? 'it was sent and cut short' : 'nothing of it was sent'})`);
    this.cause = cause;
    this.sent = sent;
    this.jobId = jobId;
  }
}

export interface EscPosPrinterStats {
  readonly jobsPrinted: number;
  readonly jobsUnconfirmed: number;
  readonly jobsInterrupted: number;
  /** Rejected before any byte was written (sent=false). */
  readonly jobsRefused: number;
  /** Replies for jobs already reported 'unconfirmed'. */
  readonly lateConfirmations: number;
  /** Replies for interrupted jobs whose rest printed after the fault cleared. */
  readonly interruptedRestsPrinted: number;
  readonly warnings: number;
  readonly garbageBytes: number;
  readonly garbageEvents: number;
  /** DLE EOT queries that got no reply. */
  readonly missedReplies: number;
  readonly probes: number;
  readonly buffersCleared: number;
  readonly bytesWritten: number;
  readonly bytesReceived: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// Epson DLE DC4 fn=8 and its clear response (Epson ESC/POS reference, "Clear buffer(s)").
const CLEAR_BUFFERS = Uint8Array.of(0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08);
const CLEAR_RESPONSE = [0x37, 0x25, 0x00] as const;
const ALL_DLE_EOT: readonly DleEotN[] = [1, 2, 3, 4];
const POLL_BYTES = Uint8Array.from(ALL_DLE_EOT.flatMap((n) => [...dleEot(n)]));
const ASB_ALL = enableAsb({ drawer: true, online: true, error: true, paper: true });
const GS_R_PAPER = gsR(1);
// After a poll timed out, the next one waits for this much silence (at most replyTimeoutMs/2).
const QUIET_AFTER_TIMEOUT_MS = 250;
// Silence after which the back channel's current burst is over.
const IDLE_FLUSH_MS = 50;
// Pipelined jobs queued back to back go out in writes of up to this many bytes (about two dozen
// plain receipts): large enough that the per-write and per-reply cost leaves a backlog most of
// the link's speed (16 KiB measured print_link_ratio 0.70–0.78, 32 KiB 0.84–0.87: each reply
// costs a wake-up in three processes), small enough that a fault reprints few. Printers take
// it in their receive buffer or hold it back with flow control; either way it is one batch.
export const MAX_COALESCED_BYTES = 32 * 1024;
const UNREACHABLE_DETAIL = {
  silent: 'offline: the printer does not answer',
  garbled: "offline: the printer's replies are garbled (check the baud rate and the cable)",
} as const;

type JobState = 'queued' | 'writing' | 'written' | 'settled';

interface Job {
  readonly id: string;
  /** The caller's bytes, not copied (see print()). */
  readonly bytes: Uint8Array;
  /** The bytes already end with GS r 1; else the driver appends one when the job goes last in its write. */
  readonly closed: boolean;
  /** Bytes this job adds to a write when it goes last (with its closing GS r 1). */
  readonly size: number;
  state: JobState;
  outcome: 'printed' | 'unconfirmed' | 'interrupted' | 'refused' | null;
  writtenAt: number;
  /** The confirmation timer of the write it went out in, shared by the jobs of that write. */
  batch: WriteBatch | null;
  readonly resolve: (result: PrintResult) => void;
  readonly reject: (error: Error) => void;
}

/** Jobs waiting for one write step. */
interface PendingBatch {
  readonly gen: number;
  readonly jobs: Job[];
  size: number;
}

interface WriteBatch {
  timer: unknown;
  /** Jobs of the write not settled yet: the timer is cleared when none is left. */
  open: number;
}

/** What a GS r reply confirms: the jobs it ends (none for a probe or a GS r inside a job). */
interface GsROwner {
  readonly confirms: readonly Job[];
}

interface PollCycle {
  readonly handshake: boolean;
  remaining: number;
  readonly events: StatusEvent[];
  timer: unknown;
  /** bytesReceived when the poll was written: anything after it proves the printer is there. */
  rxMark: number;
  ahead: readonly Job[];
  done: boolean;
}

interface Clearing {
  readonly cause: PrintInterruptCause;
  timer: unknown;
  /** Bytes that may be the start of the clear response. */
  held: number[];
}

const DEFAULT_TIMERS: PrinterTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

function positive(field: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new RangeError(`EscPosPrinter: ${field} must be a finite number of ms > 0; got ${String(value)}`);
  return v;
}

/** Cashier-readable status, the worst thing first (the same words the core shows). */
export function describePrinterStatus(s: PrinterStatus): string {
  if (s.paperOut) return 'paper out';
  if (s.coverOpen) return 'cover open';
  if (s.errors.autocutter) return 'cutter error';
  if (s.errors.mechanical || s.errors.unrecoverable || s.errors.autoRecoverable) return 'printer error';
  if (!s.online) return 'offline';
  if (s.paperNearEnd) return 'paper near end';
  return 'ready';
}

/** The GS r queries (`1D 72 n`, n 1/2/'1'/'2') a byte scan finds in a job, in order. */
const GS_R_PREFIX = Buffer.from([0x1d, 0x72]);

export function gsRQueriesIn(bytes: Uint8Array): GsRN[] {
  const found: GsRN[] = [];
  // A native two-byte substring search, as realtimeQueriesIn does for DLE EOT.
  const buf = asBuffer(bytes);
  for (let i = buf.indexOf(GS_R_PREFIX); i >= 0 && i + 2 < buf.length; i = buf.indexOf(GS_R_PREFIX, i + 1)) {
    const f = gsRFunction(buf[i + 2] ?? 0);
    if (f !== null) {
      found.push(f);
      i += 2;
    }
  }
  return found;
}

function endsWithGsR1(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 3 && bytes[n - 3] === 0x1d && bytes[n - 2] === 0x72 && gsRFunction(bytes[n - 1] ?? 0) === 1;
}

function unref(handle: unknown): void {
  (handle as { unref?: () => void } | null)?.unref?.();
}

export class EscPosPrinter {
  readonly #profile: PrinterProfile;
  readonly #pollMs: number;
  readonly #replyTimeoutMs: number;
  readonly #confirmTimeoutMs: number;
  readonly #drawer: DrawerWatch | null;
  readonly #clearOnInterrupt: boolean;
  readonly #timers: PrinterTimers;
  readonly #statusOptions: StatusOptions;
  readonly #listeners = new Set<(e: PrinterDriverEvent) => void>();
  readonly #stats: Mutable<EscPosPrinterStats> = {
    jobsPrinted: 0,
    jobsUnconfirmed: 0,
    jobsInterrupted: 0,
    jobsRefused: 0,
    lateConfirmations: 0,
    interruptedRestsPrinted: 0,
    warnings: 0,
    garbageBytes: 0,
    garbageEvents: 0,
    missedReplies: 0,
    probes: 0,
    buffersCleared: 0,
    bytesWritten: 0,
    bytesReceived: 0,
  };

  // Per attachment; #gen invalidates callbacks of an earlier one.
  #gen = 0;
  #transport: ByteTransport | null = null;
  #unsubscribe: (() => void)[] = [];
  #reader = new StatusReader();
  #mode: 'status' | 'no-status' = 'status';
  #noStatusReason = '';
  #chain: Promise<void> = Promise.resolve();
  /** The last write step queued, while it can still take more jobs. */
  #openBatch: PendingBatch | null = null;
  #jobs: Job[] = [];
  #gsROwners = new Map<string, GsROwner>();
  #dleOwners: (PollCycle | null)[] = [];
  #querySeq = 0;
  #cycle: PollCycle | null = null;
  #handshake: { resolve: () => void; reject: (e: Error) => void } | null = null;
  #pollTimer: unknown = null;
  /** After a poll timed out: ticks skipped so far waiting for a quiet line (at most one). */
  #afterTimeout: number | null = null;
  #lastRxAt = 0;
  #idleTimer: unknown = null;
  #lastGsRWrittenAt = 0;
  #clearing: Clearing | null = null;
  readonly #abandon = new Set<() => void>();

  // What is known about the printer.
  #status: PrinterStatus = { ...READY_STATUS, online: false };
  /** Why the last poll got no valid reply at all: the printer is then taken as offline. */
  #unreachable: 'silent' | 'garbled' | null = null;
  #wasHolding = false;
  #lastEmitted: string | null = null;
  #drawerShown = false;
  #drawerOpenedAt = 0;
  #drawerAlerted = false;
  #drawerTimer: unknown = null;
  #jobSeq = 0;
  #missStreak = 0;

  constructor(options: EscPosPrinterOptions) {
    if (options === null || typeof options !== 'object' || typeof options.profile !== 'object' || options.profile === null) {
      throw new TypeError('EscPosPrinter needs { profile } (a PrinterProfile from printer-profiles.ts)');
    }
    this.#profile = options.profile;
    this.#pollMs = positive('pollMs', options.pollMs, 1000);
    this.#replyTimeoutMs = positive('replyTimeoutMs', options.replyTimeoutMs, 1000);
    this.#confirmTimeoutMs = positive('confirmTimeoutMs', options.confirmTimeoutMs, 15_000);
    const drawer = options.drawer ?? null;
    if (drawer !== null) {
      if (drawer.polarity !== 'high-is-open' && drawer.polarity !== 'high-is-closed') {
        throw new RangeError(`EscPosPrinter: drawer.polarity must be 'high-is-open' or 'high-is-closed'; got ${String(drawer.polarity)}`);
      }
      if (!(Number.isFinite(drawer.leftOpenAlertMs) && drawer.leftOpenAlertMs >= 0)) {
        throw new RangeError(`EscPosPrinter: drawer.leftOpenAlertMs must be a finite number of ms >= 0 (0 = never); got ${String(drawer.leftOpenAlertMs)}`);
      }
    }
    this.#drawer = drawer;
    this.#clearOnInterrupt = options.clearBufferOnInterrupt ?? false;
    this.#timers = options.timers ?? DEFAULT_TIMERS;
    this.#statusOptions = {
      drawer: drawer?.polarity ?? 'high-is-open',
      ...(this.#profile.dleEot3Bit2IsMechanical !== undefined ? { dleEot3Bit2IsMechanical: this.#profile.dleEot3Bit2IsMechanical } : {}),
    };
  }

  /** The last known status; offline while detached or unreachable. */
  get status(): PrinterStatus {
    return this.#effectiveStatus();
  }

  get attached(): boolean {
    return this.#transport !== null;
  }

  onEvent(listener: (e: PrinterDriverEvent) => void): () => void {
    const entry = (e: PrinterDriverEvent): void => listener(e);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  stats(): EscPosPrinterStats {
    return { ...this.#stats };
  }

  /**
   * Handshake on an OPEN transport: enable ASB, read DLE EOT 1–4, start polling. Resolves with the
   * first status (offline if the printer does not answer within replyTimeoutMs).
   */
  async attach(transport: ByteTransport, signal?: AbortSignal): Promise<PrinterStatus> {
    if (!transport.isOpen) throw new TransportError('closed', `${transport.id}: attach() needs an open transport; open it first`);
    if (signal?.aborted) throw abortedOpen(transport.id, signal);
    this.detach();
    const gen = ++this.#gen;
    this.#transport = transport;
    this.#reader = new StatusReader();
    this.#chain = Promise.resolve();
    this.#status = { ...READY_STATUS, drawerOpen: this.#drawerShown };
    this.#unreachable = null;
    this.#wasHolding = false;
    this.#afterTimeout = null;
    this.#lastRxAt = this.#timers.now();
    this.#lastGsRWrittenAt = this.#timers.now();
    this.#unsubscribe = [
      transport.onData((bytes) => this.#receive(gen, bytes)),
      transport.onClose(() => {
        if (gen === this.#gen) this.detach();
      }),
    ];

    if (this.#profile.language === 'star-prnt') {
      this.#mode = 'no-status';
      this.#noStatusReason = `${this.#profile.name} speaks StarPRNT, which has no ESC/POS status, so the driver cannot confirm that a job printed`;
    } else if (!transport.capabilities.readable) {
      this.#mode = 'no-status';
      this.#noStatusReason = `${transport.id} cannot read replies from the printer, so the driver cannot confirm that a job printed`;
    } else {
      this.#mode = 'status';
    }
    if (this.#mode === 'no-status') {
      this.#evaluate();
      return this.status;
    }

    const handshake = new Promise<void>((resolve, reject) => {
      this.#handshake = { resolve, reject };
    });
    const onAbort = (): void => {
      if (gen !== this.#gen) return;
      const waiter = this.#handshake;
      this.#handshake = null;
      this.detach();
      waiter?.reject(abortedOpen(transport.id, signal ?? new AbortController().signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.#startCycle(gen, true);
      await handshake;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (gen !== this.#gen) throw new TransportError('closed', `${transport.id}: the link closed during the printer handshake`);
    this.#schedulePoll(gen);
    return this.status;
  }

  /** The transport is gone: pending jobs reject with PrintInterruptedError('disconnected'), timers stop. */
  detach(): void {
    const transport = this.#transport;
    if (transport === null) return;
    this.#gen += 1;
    this.#transport = null;
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#clearTimer(this.#pollTimer);
    this.#pollTimer = null;
    if (this.#cycle !== null) this.#clearTimer(this.#cycle.timer);
    this.#cycle = null;
    if (this.#clearing !== null) this.#clearTimer(this.#clearing.timer);
    this.#clearing = null;
    this.#clearTimer(this.#drawerTimer);
    this.#drawerTimer = null;
    this.#clearTimer(this.#idleTimer);
    this.#idleTimer = null;
    this.#gsROwners.clear();
    this.#dleOwners = [];
    const jobs = this.#jobs;
    this.#jobs = [];
    for (const job of jobs) this.#fail(job, new PrintInterruptedError('disconnected', job.state !== 'queued', job.id), job.state === 'queued' ? 'refused' : 'interrupted');
    const abandoned = [...this.#abandon];
    this.#abandon.clear();
    for (const abandon of abandoned) abandon();
    this.#lastEmitted = null;
    const waiter = this.#handshake;
    this.#handshake = null;
    waiter?.reject(new TransportError('closed', `${transport.id}: the link closed during the printer handshake`));
  }

  print(job: Uint8Array, options: { readonly jobId?: string } = {}): Promise<PrintResult> {
    if (!(job instanceof Uint8Array) || job.length === 0) return Promise.reject(new TypeError('print() needs the job as a non-empty Uint8Array'));
    const id = options.jobId ?? `job-${++this.#jobSeq}`;
    const gen = this.#gen;
    if (this.#transport === null) {
      this.#stats.jobsRefused += 1;
      return Promise.reject(new PrintInterruptedError('disconnected', false, id));
    }
    if (this.#mode === 'no-status') return this.#printBlind(gen, id, job.slice());
    const refusal = this.#refusal();
    if (refusal !== null) {
      this.#stats.jobsRefused += 1;
      return Promise.reject(new PrintInterruptedError(refusal, false, id));
    }
    const closed = endsWithGsR1(job);
    const size = closed ? job.length : job.length + GS_R_PAPER.length;
    return new Promise<PrintResult>((resolve, reject) => {
      const entry: Job = {
        id,
        bytes: job,
        closed,
        size,
        state: 'queued',
        outcome: null,
        writtenAt: 0,
        batch: null,
        resolve,
        reject,
      };
      this.#jobs.push(entry);
      // Jobs queued back to back share one write step, while it has not started and has room.
      const open = this.#openBatch;
      if (open !== null && open.gen === gen && open.size + size <= MAX_COALESCED_BYTES) {
        open.jobs.push(entry);
        open.size += size;
        return;
      }
      const batch: PendingBatch = { gen, jobs: [entry], size };
      this.#enqueue(gen, () => this.#writeBatch(gen, batch));
      this.#openBatch = batch;
    });
  }

  /** Kicks the drawer; resolves when the pulse command is handed to the OS. */
  async openDrawer(pulse: DrawerPulse): Promise<void> {
    if (!this.#profile.drawer) throw new RangeError(`printer profile "${this.#profile.id}" has no drawer port; no drawer pulse can be sent`);
    let bytes: Uint8Array;
    if (this.#profile.language === 'star-prnt') bytes = starDrawerPulse(pulse);
    else {
      bytes = drawerKick(pulse);
      // A printer holding its buffer (paper out, cover open) would keep ESC p until the fault is
      // fixed; the real-time pulse fires at once. Its unit is 100 ms (1–8).
      if (this.#mode === 'status' && this.#holding()) bytes = drawerKickRealtime({ pin: pulse.pin, pulseMs: Math.min(800, Math.max(100, Math.round(pulse.onMs / 100) * 100)) });
    }
    if (this.#transport === null) throw new PrintInterruptedError('disconnected', false, 'drawer-pulse');
    await this.#run(this.#gen, 'drawer-pulse', (transport) => this.#write(transport, bytes));
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  #enqueue(gen: number, step: () => Promise<void>): void {
    this.#chain = this.#chain.then(() => (gen === this.#gen ? step() : undefined)).catch(() => undefined);
    // Anything queued after this step (a drawer pulse, a poll) closes the open batch: a job
    // printed later goes into a new one, so the pulse keeps its place between the receipts.
    this.#openBatch = null;
  }

  /** One step in write order, for a caller that waits: rejects 'disconnected' if detached before it ran. */
  #run<T>(gen: number, id: string, step: (transport: ByteTransport) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const abandon = (): void => reject(new PrintInterruptedError('disconnected', false, id));
      this.#abandon.add(abandon);
      this.#enqueue(gen, async () => {
        if (!this.#abandon.delete(abandon)) return;
        const transport = this.#transport;
        if (transport === null) return abandon();
        try {
          resolve(await step(transport));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }

  async #write(transport: ByteTransport, bytes: Uint8Array): Promise<void> {
    await transport.write(bytes);
    this.#stats.bytesWritten += bytes.length;
  }

  async #printBlind(gen: number, id: string, bytes: Uint8Array): Promise<PrintResult> {
    try {
      await this.#run(gen, id, (transport) => this.#write(transport, bytes));
    } catch (error) {
      this.#stats.jobsInterrupted += 1;
      // A failed write may have delivered part of the job.
      throw error instanceof PrintInterruptedError ? error : new PrintInterruptedError('disconnected', true, id);
    }
    this.#stats.jobsUnconfirmed += 1;
    return { outcome: 'unconfirmed', reason: this.#noStatusReason };
  }

  /** Writes a batch of jobs queued back to back (see print()) in one write. */
  async #writeBatch(gen: number, pending: PendingBatch): Promise<void> {
    if (this.#openBatch === pending) this.#openBatch = null;
    const batch = pending.jobs.filter((j) => j.state === 'queued');
    const job = batch[0];
    if (job === undefined) return;
    const transport = this.#transport;
    const refusal = this.#refusal();
    if (transport === null || refusal !== null) {
      for (const j of batch) this.#fail(j, new PrintInterruptedError(refusal ?? 'disconnected', false, j.id), 'refused');
      return;
    }
    // Every job ends with GS r 1 (its own, or the one appended here). In a batch only the last
    // one is sent: the printer answers it after printing everything before it, so it confirms
    // the whole batch. The queries inside each job are registered in write order.
    const bodies: Uint8Array[] = [];
    let size = 0;
    for (const j of batch) {
      const body = j.closed ? j.bytes.subarray(0, j.bytes.length - GS_R_PAPER.length) : j.bytes;
      for (const n of realtimeQueriesIn(body)) {
        this.#reader.expect({ kind: 'dle-eot', n });
        this.#dleOwners.push(null);
      }
      for (const n of gsRQueriesIn(body)) {
        const key = this.#newKey();
        this.#gsROwners.set(key, { confirms: [] });
        this.#reader.expect({ kind: 'gs-r', n, jobId: key });
      }
      bodies.push(body);
      size += body.length;
      j.state = 'writing';
    }
    const confirmKey = this.#newKey();
    this.#gsROwners.set(confirmKey, { confirms: batch });
    this.#reader.expect({ kind: 'gs-r', n: 1, jobId: confirmKey });
    const last = batch[batch.length - 1];
    // A lone job that already ends with GS r 1 goes out as it is; anything else is one copy.
    const bytes = batch.length === 1 && last?.closed ? last.bytes : concatAll([...bodies, GS_R_PAPER], size + GS_R_PAPER.length);
    try {
      await this.#write(transport, bytes);
    } catch {
      // Some of it may have reached the printer: reprinting with a REPRINT banner is the safe side.
      for (const j of batch) {
        if ((j.state as JobState) !== 'settled') this.#fail(j, new PrintInterruptedError('disconnected', true, j.id), 'interrupted');
      }
      return;
    }
    if (gen !== this.#gen) return;
    const writtenAt = this.#timers.now();
    this.#lastGsRWrittenAt = writtenAt;
    const open = batch.filter((j) => (j.state as JobState) !== 'settled');
    if (open.length === 0) return;
    const shared: WriteBatch = { timer: null, open: open.length };
    for (const j of open) {
      j.state = 'written';
      j.writtenAt = writtenAt;
      j.batch = shared;
    }
    shared.timer = this.#timers.setTimeout(() => {
      for (const j of open) this.#confirmTimedOut(j);
    }, this.#confirmTimeoutMs);
  }

  #newKey(): string {
    this.#querySeq += 1;
    return `q${this.#querySeq}`;
  }

  #confirmTimedOut(job: Job): void {
    if (job.state === 'settled') return;
    let reason = `the printer did not confirm the job (GS r) within ${this.#confirmTimeoutMs} ms`;
    if (this.#unreachable !== null) reason += `; ${UNREACHABLE_DETAIL[this.#unreachable]}`;
    else if (this.#holding()) reason += `; the printer reports ${describePrinterStatus(this.#status)} and holds the job: it prints by itself once that is fixed`;
    this.#settle(job, 'unconfirmed');
    this.#stats.jobsUnconfirmed += 1;
    job.resolve({ outcome: 'unconfirmed', reason });
  }

  #settle(job: Job, outcome: NonNullable<Job['outcome']>): void {
    job.state = 'settled';
    job.outcome = outcome;
    const batch = job.batch;
    job.batch = null;
    if (batch !== null) {
      batch.open -= 1;
      if (batch.open === 0) this.#clearTimer(batch.timer);
    }
    // Jobs settle in order nearly always: the first one is a cheap shift.
    if (this.#jobs[0] === job) this.#jobs.shift();
    else {
      const at = this.#jobs.indexOf(job);
      if (at >= 0) this.#jobs.splice(at, 1);
    }
  }

  #fail(job: Job, error: PrintInterruptedError, outcome: 'refused' | 'interrupted'): void {
    if (job.state === 'settled') return;
    this.#settle(job, outcome);
    if (outcome === 'refused') this.#stats.jobsRefused += 1;
    else this.#stats.jobsInterrupted += 1;
    job.reject(error);
  }

  // -------------------------------------------------------------------------------------------
  // Polling

  #startCycle(gen: number, handshake: boolean): void {
    const cycle: PollCycle = { handshake, remaining: ALL_DLE_EOT.length, events: [], timer: null, rxMark: 0, ahead: [], done: false };
    this.#cycle = cycle;
    this.#enqueue(gen, async () => {
      const transport = this.#transport;
      if (transport === null || this.#cycle !== cycle) return;
      for (const n of ALL_DLE_EOT) {
        this.#reader.expect({ kind: 'dle-eot', n });
        this.#dleOwners.push(cycle);
      }
      cycle.rxMark = this.#stats.bytesReceived;
      cycle.ahead = this.#jobs.filter((j) => j.state === 'writing' || j.state === 'written');
      try {
        await this.#write(transport, handshake ? concat(ASB_ALL, POLL_BYTES) : POLL_BYTES);
      } catch {
        return; // the transport is going away; its close detaches the driver
      }
      if (gen !== this.#gen || cycle.done) return;
      cycle.timer = this.#timers.setTimeout(() => this.#cycleTimedOut(gen, cycle), this.#replyTimeoutMs);
    });
  }

  #cycleTimedOut(gen: number, cycle: PollCycle): void {
    if (gen !== this.#gen || cycle.done) return;
    if (cycle.ahead.some((j) => j.state !== 'settled')) {
      // The poll may be waiting behind a job's bytes on a slow link.
      cycle.timer = this.#timers.setTimeout(() => this.#cycleTimedOut(gen, cycle), this.#replyTimeoutMs);
      return;
    }
    const missing = cycle.remaining;
    this.#reader.cancel('dle-eot');
    this.#dleOwners = [];
    this.#stats.missedReplies += missing;
    this.#afterTimeout = 0;
    const heardAnything = this.#stats.bytesReceived > cycle.rxMark;
    this.#finishCycle(cycle);
    if (missing === ALL_DLE_EOT.length) {
      // Not one valid reply: the state is unknown, and a printer whose every reply is garbled
      // (wrong baud rate) must not pass for ready.
      this.#unreachable = heardAnything ? 'garbled' : 'silent';
      this.#missStreak += 1;
      if (this.#missStreak === 1) this.#warn(`no valid reply to a status query within ${this.#replyTimeoutMs} ms: ${UNREACHABLE_DETAIL[this.#unreachable]}`);
    } else {
      this.#warn(`${missing} of ${ALL_DLE_EOT.length} status replies missing (garbled line?)`);
    }
    this.#evaluate();
  }

  #finishCycle(cycle: PollCycle): void {
    cycle.done = true;
    this.#clearTimer(cycle.timer);
    cycle.timer = null;
    if (this.#cycle === cycle) this.#cycle = null;
    for (const event of cycle.events) this.#status = applyStatusEvent(this.#status, event, this.#statusOptions);
    if (cycle.handshake) {
      const waiter = this.#handshake;
      this.#handshake = null;
      waiter?.resolve();
    }
  }

  #schedulePoll(gen: number): void {
    this.#pollTimer = this.#timers.setTimeout(() => this.#tick(gen), this.#pollMs);
    unref(this.#pollTimer);
  }

  #tick(gen: number): void {
    if (gen !== this.#gen) return;
    const now = this.#timers.now();
    if (this.#cycle === null && this.#clearing === null) {
      // After a timeout, a late reply must not be taken for the new poll's: wait for a quiet
      // line, but only one tick, so a line that never goes quiet (noise) is still polled.
      const quiet = now - this.#lastRxAt >= Math.min(QUIET_AFTER_TIMEOUT_MS, this.#replyTimeoutMs / 2);
      if (this.#afterTimeout === null || quiet || this.#afterTimeout >= 1) {
        this.#afterTimeout = null;
        this.#startCycle(gen, false);
      } else this.#afterTimeout += 1;
    }
    this.#maybeProbe(gen, now);
    this.#schedulePoll(gen);
  }

  #maybeProbe(gen: number, now: number): void {
    if (this.#clearing !== null || this.#holding() || this.#unreachable !== null) return;
    if (now - this.#lastGsRWrittenAt < this.#replyTimeoutMs) return;
    const waiting = this.#jobs.some((j) => j.state === 'written' && now - j.writtenAt >= this.#replyTimeoutMs);
    if (!waiting) return;
    this.#lastGsRWrittenAt = now;
    this.#stats.probes += 1;
    this.#enqueue(gen, async () => {
      const transport = this.#transport;
      if (transport === null || this.#holding()) return;
      const key = this.#newKey();
      this.#gsROwners.set(key, { confirms: [] });
      this.#reader.expect({ kind: 'gs-r', n: 1, jobId: key });
      await this.#write(transport, GS_R_PAPER).catch(() => undefined);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  #receive(gen: number, bytes: Uint8Array): void {
    if (gen !== this.#gen || bytes.length === 0) return;
    this.#stats.bytesReceived += bytes.length;
    this.#lastRxAt = this.#timers.now();
    if (this.#mode === 'no-status') return;
    if (this.#idleTimer === null) this.#armIdleFlush(gen, IDLE_FLUSH_MS);
    const clearing = this.#clearing;
    if (clearing === null) {
      this.#handle(this.#reader.push(bytes));
      return;
    }
    // Look for the clear response. Bytes before it are replies the printer sent before it
    // cleared; a possible start of it at the end of a chunk is held back for the next chunk.
    const ordinary: number[] = [];
    for (let i = 0; i < bytes.length; i += 1) {
      const b = bytes[i] ?? 0;
      if (b === CLEAR_RESPONSE[clearing.held.length]) {
        clearing.held.push(b);
        if (clearing.held.length < CLEAR_RESPONSE.length) continue;
        this.#handle(this.#reader.push(Uint8Array.from(ordinary)));
        this.#cleared(clearing);
        if (i + 1 < bytes.length) this.#handle(this.#reader.push(bytes.subarray(i + 1)));
        return;
      }
      ordinary.push(...clearing.held);
      clearing.held = [];
      if (b === CLEAR_RESPONSE[0]) clearing.held.push(b);
      else ordinary.push(b);
    }
    this.#handle(this.#reader.push(Uint8Array.from(ordinary)));
  }

  // The printer sends ASB frames back to back; once the line has been idle a moment, a partial
  // frame or an orphaned frame tail is over (StatusReader.flush), so a later status byte is read
  // as the GS r reply it is instead of as the tail of damaged bytes long gone.
  #armIdleFlush(gen: number, ms: number): void {
    this.#idleTimer = this.#timers.setTimeout(() => {
      this.#idleTimer = null;
      if (gen !== this.#gen) return;
      const idleFor = this.#timers.now() - this.#lastRxAt;
      if (idleFor < IDLE_FLUSH_MS) this.#armIdleFlush(gen, IDLE_FLUSH_MS - idleFor);
      else this.#handle(this.#reader.flush());
    }, ms);
    unref(this.#idleTimer);
  }

  #handle(events: StatusEvent[]): void {
    if (events.length === 0) return;
    let garbage = 0;
    const reasons = new Set<string>();
    for (const event of events) {
      switch (event.kind) {
        case 'garbage':
          garbage += event.bytes.length;
          reasons.add(event.reason);
          this.#stats.garbageEvents += 1;
          break;
        case 'dle-eot': {
          this.#unreachable = null;
          this.#missStreak = 0;
          const owner = this.#dleOwners.shift() ?? null;
          if (owner !== null && !owner.done) {
            owner.events.push(event);
            owner.remaining -= 1;
            if (owner.remaining === 0) this.#finishCycle(owner);
          } else this.#status = applyStatusEvent(this.#status, event, this.#statusOptions);
          break;
        }
        case 'asb':
          this.#unreachable = null;
          this.#status = applyStatusEvent(this.#status, event, this.#statusOptions);
          break;
        case 'gs-r':
          this.#status = applyStatusEvent(this.#status, event, this.#statusOptions);
          this.#confirmed(event.jobId);
          break;
        case 'xon':
        case 'xoff':
          break;
      }
    }
    if (garbage > 0) {
      this.#stats.garbageBytes += garbage;
      this.#warn(`${garbage} unexpected byte${garbage === 1 ? '' : 's'} from the printer (${[...reasons].join(', ')})`);
    }
    this.#evaluate();
  }

  #confirmed(key: string | null): void {
    const owner = key === null ? undefined : this.#gsROwners.get(key);
    if (key !== null) this.#gsROwners.delete(key);
    for (const job of owner?.confirms ?? []) this.#confirmJob(job);
  }

  #confirmJob(job: Job): void {
    if (job.state !== 'settled') {
      this.#settle(job, 'printed');
      this.#stats.jobsPrinted += 1;
      job.resolve({ outcome: 'printed' });
    } else if (job.outcome === 'unconfirmed') {
      this.#stats.lateConfirmations += 1;
      this.#warn(`print job ${job.id} was confirmed ${this.#timers.now() - job.writtenAt} ms after it was written, after it had been reported unconfirmed`);
    } else if (job.outcome === 'interrupted') {
      this.#stats.interruptedRestsPrinted += 1;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Status, interruptions, drawer

  #effectiveStatus(): PrinterStatus {
    let status = this.#status;
    if (this.#drawer === null && status.drawerOpen) status = { ...status, drawerOpen: false };
    if (this.#transport === null || this.#unreachable !== null) status = { ...status, online: false };
    return status;
  }

  /** The printer itself reports a state in which it holds its buffer instead of printing. */
  #holding(): boolean {
    return this.#mode === 'status' && this.#unreachable === null && statusSeverity(this.#status) === 'fault';
  }

  #refusal(): PrintInterruptCause | null {
    if (this.#transport === null) return 'disconnected';
    if (this.#mode === 'no-status') return null;
    if (this.#clearing !== null) return this.#clearing.cause;
    if (this.#unreachable !== null) return 'offline';
    return this.#holding() ? causeOf(this.#status) : null;
  }

  #evaluate(): void {
    const status = this.#effectiveStatus();
    const severity = statusSeverity(status);
    const detail =
      this.#mode === 'no-status' ? `ready (no status: ${this.#noStatusReason})` : this.#unreachable !== null ? UNREACHABLE_DETAIL[this.#unreachable] : describePrinterStatus(status);
    const key = JSON.stringify([status, detail]);
    if (key !== this.#lastEmitted && this.#transport !== null && this.#cycle?.handshake !== true) {
      this.#lastEmitted = key;
      this.#emit({ type: 'status', status, severity, detail });
    }
    this.#watchDrawer();
    // While unreachable nothing is known: the next valid reply is compared with what was known before.
    if (this.#unreachable !== null) return;
    const holding = this.#holding();
    if (holding && !this.#wasHolding) this.#interrupt(causeOf(this.#status));
    this.#wasHolding = holding;
  }

  #interrupt(cause: PrintInterruptCause): void {
    const inFlight = this.#jobs.filter((j) => j.state === 'writing' || j.state === 'written');
    const printing = inFlight[0];
    if (printing === undefined) return;
    this.#fail(printing, new PrintInterruptedError(cause, true, printing.id), 'interrupted');
    if (!this.#clearOnInterrupt) return;
    const clearing: Clearing = { cause, timer: null, held: [] };
    this.#clearing = clearing;
    const gen = this.#gen;
    this.#enqueue(gen, async () => {
      const transport = this.#transport;
      if (transport === null || this.#clearing !== clearing) return;
      try {
        await this.#write(transport, CLEAR_BUFFERS);
      } catch {
        return;
      }
      if (gen !== this.#gen || this.#clearing !== clearing) return;
      clearing.timer = this.#timers.setTimeout(() => this.#clearTimedOut(clearing), this.#confirmTimeoutMs);
    });
  }

  #cleared(clearing: Clearing): void {
    this.#clearTimer(clearing.timer);
    this.#clearing = null;
    this.#stats.buffersCleared += 1;
    // Every reply the printer sent before clearing came before its response; nothing it held
    // will answer now.
    this.#reader.cancel();
    this.#gsROwners.clear();
    this.#dleOwners = [];
    if (this.#cycle !== null) this.#finishCycle(this.#cycle);
    for (const job of this.#jobs.filter((j) => j.state === 'writing' || j.state === 'written')) {
      this.#fail(job, new PrintInterruptedError(clearing.cause, true, job.id), 'interrupted');
    }
    this.#evaluate();
  }

  #clearTimedOut(clearing: Clearing): void {
    if (this.#clearing !== clearing) return;
    this.#clearing = null;
    if (clearing.held.length > 0) this.#handle(this.#reader.push(Uint8Array.from(clearing.held)));
    this.#warn(
      `the printer did not answer the buffer clear (DLE DC4 fn=8) within ${this.#confirmTimeoutMs} ms: it probably does not support it (turn clearBufferOnInterrupt off for it); what it holds prints when the fault is fixed`,
    );
  }

  #watchDrawer(): void {
    if (this.#drawer === null) return;
    const open = this.#effectiveStatus().drawerOpen;
    if (this.#transport === null) return;
    if (open === this.#drawerShown) {
      // Still open after a reconnect: the alert for this opening is still due.
      if (open && this.#drawerTimer === null) this.#armDrawerAlert();
      return;
    }
    this.#drawerShown = open;
    this.#clearTimer(this.#drawerTimer);
    this.#drawerTimer = null;
    if (open) {
      this.#drawerOpenedAt = this.#timers.now();
      this.#drawerAlerted = false;
      this.#armDrawerAlert();
    }
    this.#emit({ type: 'drawer', open });
  }

  #armDrawerAlert(): void {
    const alertMs = this.#drawer?.leftOpenAlertMs ?? 0;
    if (alertMs <= 0 || this.#drawerAlerted || !this.#drawerShown) return;
    const gen = this.#gen;
    this.#drawerTimer = this.#timers.setTimeout(() => {
      this.#drawerTimer = null;
      if (gen !== this.#gen || !this.#drawerShown || this.#drawerAlerted) return;
      this.#drawerAlerted = true;
      this.#emit({ type: 'drawer-left-open', openForMs: this.#timers.now() - this.#drawerOpenedAt });
    }, Math.max(0, this.#drawerOpenedAt + alertMs - this.#timers.now()));
    unref(this.#drawerTimer);
  }

  #warn(reason: string): void {
    this.#stats.warnings += 1;
    this.#emit({ type: 'warning', reason });
  }

  #emit(event: PrinterDriverEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'PrinterListenerError');
      }
    }
  }

  #clearTimer(handle: unknown): void {
    if (handle !== null && handle !== undefined) this.#timers.clearTimeout(handle);
  }
}

function causeOf(s: PrinterStatus): PrintInterruptCause {
  if (s.paperOut) return 'paper-out';
  if (s.coverOpen) return 'cover-open';
  return 'offline';
}

function concatAll(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
