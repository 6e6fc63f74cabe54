// ESC/POS status: the request bytes (DLE EOT, GS a, GS r), parsers for every reply, one merged
// PrinterStatus, and StatusReader, which splits the printer's back channel into events.
// Hand-written: no npm library parses ESC/POS status (receipt-printer-encoder only encodes),
// and the reader's attribution rules below are Kassa's own. Pure: Uint8Array in, plain objects
// out; no I/O, no node:*, so it runs in the core, the simulators and the browser alike.
// Byte layouts: shared/reference/hardware.md §1 (Epson TM-U220/TM-T88III, Citizen CT-S280).
//
// How StatusReader tells the back channel apart. Every byte falls in exactly ONE class, by
// the identification bits (the masks never overlap):
//   0x11 / 0x13                    XON / XOFF
//   (b & 0x93) === 0x12            DLE EOT reply        (0xx1xx10)
//   (b & 0x93) === 0x10            ASB first byte       (0xx1xx00)
//   (b & 0x90) === 0x00            "status byte": ASB bytes 2–4 or a GS r reply (0xx0xxxx)
//   anything else                  unknown (bit 7 set, or 0xx1xx01 / 0xx1xx11 but not XON/XOFF)
// So an ASB first byte and a DLE EOT reply are never confused, whatever is pending: bit 1
// separates them. What the reader has asked only decides how a byte is ATTRIBUTED:
//  1. XON/XOFF are flow events wherever they fall, even inside an ASB frame (a serial UART
//     inserts them between any two bytes), and they leave an open frame open.
//  2. An ASB first byte opens a frame; the next three status bytes complete it. Epson sends
//     the four bytes back to back, so any other byte (reply, new ASB, unknown) arriving
//     inside the frame means bytes were lost: the partial frame becomes garbage
//     ('truncated-asb') and the byte is read afresh. A frame still open at the end of a chunk
//     waits for the next chunk; flush() (call it when the line has gone idle) gives it up.
//  3. A DLE EOT reply answers the OLDEST pending DLE EOT query (the printer answers in the
//     order asked); with none pending it is garbage ('unexpected-dle-eot-reply'). ASB frames
//     and GS r replies may arrive between a query and its reply without disturbing this.
//  4. A status byte outside a frame is a GS r reply to the oldest pending GS r (they run in
//     buffer order, so they confirm print jobs in the order sent); none pending → garbage
//     ('unexpected-status-byte').
//  5. After damage, the next status bytes may be the orphaned tail of an ASB frame whose
//     first byte was corrupted or lost. Taking one for a GS r reply would confirm a job that
//     never printed, so after an unknown byte (up to 3) or a truncated frame (the bytes it
//     was missing), that many status bytes are garbage ('asb-tail'), until an ASB first byte
//     arrives. Erring this way only delays a confirmation: GS r replies come in buffer order,
//     so a later reply confirming an earlier job is still true, and an unconfirmed job stays
//     listed as unprinted.
// Limits the caller must respect: replies carry no label, so register a query with expect()
// BEFORE writing it; a timed-out query must be cancel()ed, and a late reply to it would be
// taken for the next query's (wait for the line to go quiet before asking again). The printer
// also answers a `10 04 n` that occurs inside job data (raster images): pass outgoing jobs
// through realtimeQueriesIn() and expect() each one it finds, in write order.

export const DLE = 0x10;
export const EOT = 0x04;
export const GS = 0x1d;
export const XON = 0x11;
export const XOFF = 0x13;

export type DleEotN = 1 | 2 | 3 | 4;
export type GsRN = 1 | 2;

/** Which level of the drawer-open switch (connector pin 3) means "open": it depends on the drawer. */
export type DrawerPolarity = 'high-is-open' | 'high-is-closed';

// ---------------------------------------------------------------------------------------------
// Requests

/** DLE EOT n `10 04 n`: real-time status, answered with one byte at once, even offline. */
export function dleEot(n: DleEotN): Uint8Array {
  if (n !== 1 && n !== 2 && n !== 3 && n !== 4) throw new RangeError(`DLE EOT n must be 1–4; got ${String(n)}`);
  return Uint8Array.of(DLE, EOT, n);
}

export interface AsbBits {
  readonly drawer?: boolean;
  readonly online?: boolean;
  readonly error?: boolean;
  readonly paper?: boolean;
}

/** GS a n `1D 61 n`: Automatic Status Back on the chosen changes; no bits disables ASB. */
export function enableAsb(bits: AsbBits): Uint8Array {
  const n = (bits.drawer === true ? 0x01 : 0) | (bits.online === true ? 0x02 : 0) | (bits.error === true ? 0x04 : 0) | (bits.paper === true ? 0x08 : 0);
  return Uint8Array.of(GS, 0x61, n);
}

/**
 * GS r n `1D 72 n`: n=1 paper sensor, n=2 drawer. 'ascii' sends n as the digit (`1D 72 31`),
 * the form receiptline uses; printers answer both the same way.
 */
export function gsR(n: GsRN, form: 'binary' | 'ascii' = 'binary'): Uint8Array {
  if (n !== 1 && n !== 2) throw new RangeError(`GS r n must be 1 or 2; got ${String(n)}`);
  return Uint8Array.of(GS, 0x72, form === 'ascii' ? 0x30 + n : n);
}

/** The function a GS r request's n byte selects (1/0x31 paper, 2/0x32 drawer), or null. */
export function gsRFunction(nByte: number): GsRN | null {
  if (nByte === 1 || nByte === 0x31) return 1;
  if (nByte === 2 || nByte === 0x32) return 2;
  return null;
}

/**
 * The DLE EOT queries the printer will see in `bytes` (every `10 04 n`, n 1–4), in order.
 * The printer answers these even inside image data, so a writer expect()s each of them.
 */
const DLE_EOT = Buffer.from([DLE, EOT]);

/** A Buffer over the same memory (no copy), for Buffer's native searches. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function realtimeQueriesIn(bytes: Uint8Array): DleEotN[] {
  const found: DleEotN[] = [];
  // Buffer#indexOf with the two-byte prefix is a native substring search: a job is scanned at
  // memory speed, and image data's stray DLE bytes cost nothing.
  const buf = asBuffer(bytes);
  for (let i = buf.indexOf(DLE_EOT); i >= 0 && i + 2 < buf.length; i = buf.indexOf(DLE_EOT, i + 1)) {
    const n = buf[i + 2];
    if (n === 1 || n === 2 || n === 3 || n === 4) {
      found.push(n);
      i += 2;
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Byte classes and single-reply parsers

export type ByteClass = 'xon' | 'xoff' | 'dle-eot-reply' | 'asb-first' | 'status-byte' | 'unknown';

export function byteClass(b: number): ByteClass {
  if (b === XON) return 'xon';
  if (b === XOFF) return 'xoff';
  if ((b & 0x93) === 0x12) return 'dle-eot-reply';
  if ((b & 0x93) === 0x10) return 'asb-first';
  if ((b & 0x90) === 0x00) return 'status-byte';
  return 'unknown';
}

const bit = (b: number, mask: number): boolean => (b & mask) !== 0;
const isDleEotReply = (b: number): boolean => (b & 0x93) === 0x12;
const isStatusByte = (b: number): boolean => (b & 0x90) === 0;

/** DLE EOT 1, printer status. */
export interface DleEot1Reply {
  readonly drawerPin3High: boolean;
  readonly offline: boolean;
}
/** DLE EOT 2, offline cause. `error` means "ask DLE EOT 3 which". */
export interface DleEot2Reply {
  readonly coverOpen: boolean;
  readonly feedPressed: boolean;
  readonly paperEndStop: boolean;
  readonly error: boolean;
}
/** DLE EOT 3, errors. Bit 2 differs by model (mechanical error, black-mark error, undefined). */
export interface DleEot3Reply {
  readonly modelDependent: boolean;
  readonly autocutter: boolean;
  readonly unrecoverable: boolean;
  readonly autoRecoverable: boolean;
}
/** DLE EOT 4, paper sensors. */
export interface DleEot4Reply {
  readonly paperNearEnd: boolean;
  readonly paperOut: boolean;
}

export function parseDleEot1(b: number): DleEot1Reply | null {
  if (!isDleEotReply(b)) return null;
  return { drawerPin3High: bit(b, 0x04), offline: bit(b, 0x08) };
}

export function parseDleEot2(b: number): DleEot2Reply | null {
  if (!isDleEotReply(b)) return null;
  return { coverOpen: bit(b, 0x04), feedPressed: bit(b, 0x08), paperEndStop: bit(b, 0x20), error: bit(b, 0x40) };
}

export function parseDleEot3(b: number): DleEot3Reply | null {
  if (!isDleEotReply(b)) return null;
  return { modelDependent: bit(b, 0x04), autocutter: bit(b, 0x08), unrecoverable: bit(b, 0x20), autoRecoverable: bit(b, 0x40) };
}

/**
 * Epson sets both bits of a pair (0x0C near end, 0x60 end). Either near-end bit counts: some
 * models have two near-end sensors, one per bit. Paper end is bit 5 alone: models such as
 * Citizen's PPU-231 use bit 6 for a presenter sensor, which is set whenever the presenter is
 * empty.
 */
export function parseDleEot4(b: number): DleEot4Reply | null {
  if (!isDleEotReply(b)) return null;
  return { paperNearEnd: bit(b, 0x0c), paperOut: bit(b, 0x20) };
}

/** ASB frame, all four bytes (byte 4 is reserved). */
export interface AsbReply {
  readonly drawerPin3High: boolean;
  readonly offline: boolean;
  readonly coverOpen: boolean;
  readonly feedPressed: boolean;
  readonly waitingOnlineRecovery: boolean;
  readonly mechanical: boolean;
  readonly autocutter: boolean;
  readonly unrecoverable: boolean;
  readonly autoRecoverable: boolean;
  readonly paperNearEnd: boolean;
  readonly paperOut: boolean;
}

/** Parses the 4-byte ASB frame at `offset`; null if it is short or fails the identification bits. */
export function parseAsb(bytes: Uint8Array, offset = 0): AsbReply | null {
  const [b1, b2, b3, b4] = [bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]];
  if (b1 === undefined || b2 === undefined || b3 === undefined || b4 === undefined) return null;
  if ((b1 & 0x93) !== 0x10 || !isStatusByte(b2) || !isStatusByte(b3) || !isStatusByte(b4)) return null;
  return {
    drawerPin3High: bit(b1, 0x04),
    offline: bit(b1, 0x08),
    coverOpen: bit(b1, 0x20),
    feedPressed: bit(b1, 0x40),
    waitingOnlineRecovery: bit(b2, 0x01),
    mechanical: bit(b2, 0x04),
    autocutter: bit(b2, 0x08),
    unrecoverable: bit(b2, 0x20),
    autoRecoverable: bit(b2, 0x40),
    paperNearEnd: bit(b3, 0x03),
    paperOut: bit(b3, 0x0c),
  };
}

/** GS r 1, paper sensors. */
export interface GsR1Reply {
  readonly paperNearEnd: boolean;
  readonly paperOut: boolean;
}
/** GS r 2, drawer switch. */
export interface GsR2Reply {
  readonly drawerPin3High: boolean;
}

// hardware.md gives no identification bits for GS r; (b & 0x90) === 0 is Epson's rule for
// "other" status bytes, the same as ASB bytes 2–4.
export function parseGsR1(b: number): GsR1Reply | null {
  if (!isStatusByte(b)) return null;
  return { paperNearEnd: bit(b, 0x03), paperOut: bit(b, 0x0c) };
}

export function parseGsR2(b: number): GsR2Reply | null {
  if (!isStatusByte(b)) return null;
  return { drawerPin3High: bit(b, 0x01) };
}

// ---------------------------------------------------------------------------------------------
// The merged status the device machine sees

export interface PrinterErrors {
  readonly autocutter: boolean;
  readonly unrecoverable: boolean;
  readonly autoRecoverable: boolean;
  readonly mechanical: boolean;
}

export interface PrinterStatus {
  readonly online: boolean;
  readonly coverOpen: boolean;
  readonly paperNearEnd: boolean;
  readonly paperOut: boolean;
  /** The drawer switch with the drawer's polarity applied. */
  readonly drawerOpen: boolean;
  readonly feedPressed: boolean;
  readonly errors: PrinterErrors;
}

export type StatusSeverity = 'ready' | 'degraded' | 'fault';

export const READY_STATUS: PrinterStatus = {
  online: true,
  coverOpen: false,
  paperNearEnd: false,
  paperOut: false,
  drawerOpen: false,
  feedPressed: false,
  errors: { autocutter: false, unrecoverable: false, autoRecoverable: false, mechanical: false },
};

export interface StatusOptions {
  readonly drawer: DrawerPolarity;
  /** Map DLE EOT 3 bit 2 to errors.mechanical (true for models that document it so). Default false. */
  readonly dleEot3Bit2IsMechanical?: boolean;
}

export function drawerOpenFromPin3(pin3High: boolean, polarity: DrawerPolarity): boolean {
  return polarity === 'high-is-open' ? pin3High : !pin3High;
}

/** Fault: offline, cover open, paper out or any error. Degraded: only paper near end. */
export function statusSeverity(s: PrinterStatus): StatusSeverity {
  const e = s.errors;
  if (!s.online || s.coverOpen || s.paperOut || e.autocutter || e.unrecoverable || e.autoRecoverable || e.mechanical) return 'fault';
  return s.paperNearEnd ? 'degraded' : 'ready';
}

/**
 * Folds one reader event into the known status; each event overwrites only what it reports.
 * DLE EOT 2's paper-end-stop can only set paperOut (printing stopped for paper): the paper
 * sensors (DLE EOT 4, GS r 1, ASB) are what clear it. DLE EOT 2's error bit is left to DLE EOT 3
 * (the printer is also offline then, which DLE EOT 1 reports). Flow and garbage change nothing.
 */
export function applyStatusEvent(status: PrinterStatus, event: StatusEvent, options: StatusOptions): PrinterStatus {
  switch (event.kind) {
    case 'dle-eot':
      return applyDleEot(status, event, options);
    case 'asb': {
      const r = event.reply;
      return {
        online: !r.offline,
        coverOpen: r.coverOpen,
        paperNearEnd: r.paperNearEnd,
        paperOut: r.paperOut,
        drawerOpen: drawerOpenFromPin3(r.drawerPin3High, options.drawer),
        feedPressed: r.feedPressed,
        errors: { autocutter: r.autocutter, unrecoverable: r.unrecoverable, autoRecoverable: r.autoRecoverable, mechanical: r.mechanical },
      };
    }
    case 'gs-r':
      if (event.n === 1) return { ...status, paperNearEnd: event.reply.paperNearEnd, paperOut: event.reply.paperOut };
      return { ...status, drawerOpen: drawerOpenFromPin3(event.reply.drawerPin3High, options.drawer) };
    case 'xon':
    case 'xoff':
    case 'garbage':
      return status;
  }
}

function applyDleEot(status: PrinterStatus, event: Extract<StatusEvent, { kind: 'dle-eot' }>, options: StatusOptions): PrinterStatus {
  switch (event.n) {
    case 1:
      return { ...status, online: !event.reply.offline, drawerOpen: drawerOpenFromPin3(event.reply.drawerPin3High, options.drawer) };
    case 2:
      return { ...status, coverOpen: event.reply.coverOpen, feedPressed: event.reply.feedPressed, paperOut: status.paperOut || event.reply.paperEndStop };
    case 3: {
      const r = event.reply;
      const mechanical = options.dleEot3Bit2IsMechanical === true ? r.modelDependent : status.errors.mechanical;
      return { ...status, errors: { autocutter: r.autocutter, unrecoverable: r.unrecoverable, autoRecoverable: r.autoRecoverable, mechanical } };
    }
    case 4:
      return { ...status, paperNearEnd: event.reply.paperNearEnd, paperOut: event.reply.paperOut };
  }
}

// ---------------------------------------------------------------------------------------------
// StatusReader

export type Expectation = { readonly kind: 'dle-eot'; readonly n: DleEotN } | { readonly kind: 'gs-r'; readonly n: GsRN; readonly jobId?: string };

export type GarbageReason = 'unknown-byte' | 'unexpected-dle-eot-reply' | 'unexpected-status-byte' | 'truncated-asb' | 'asb-tail';

export type StatusEvent =
  | { readonly kind: 'dle-eot'; readonly n: 1; readonly byte: number; readonly reply: DleEot1Reply }
  | { readonly kind: 'dle-eot'; readonly n: 2; readonly byte: number; readonly reply: DleEot2Reply }
  | { readonly kind: 'dle-eot'; readonly n: 3; readonly byte: number; readonly reply: DleEot3Reply }
  | { readonly kind: 'dle-eot'; readonly n: 4; readonly byte: number; readonly reply: DleEot4Reply }
  | { readonly kind: 'asb'; readonly bytes: Uint8Array; readonly reply: AsbReply }
  | { readonly kind: 'gs-r'; readonly n: 1; readonly jobId: string | null; readonly byte: number; readonly reply: GsR1Reply }
  | { readonly kind: 'gs-r'; readonly n: 2; readonly jobId: string | null; readonly byte: number; readonly reply: GsR2Reply }
  | { readonly kind: 'xon' }
  | { readonly kind: 'xoff' }
  | { readonly kind: 'garbage'; readonly bytes: Uint8Array; readonly reason: GarbageReason };

export interface StatusReaderStats {
  readonly bytes: number;
  readonly dleEotReplies: number;
  readonly asbFrames: number;
  readonly gsRReplies: number;
  readonly flowBytes: number;
  readonly garbageEvents: number;
  readonly garbageBytes: number;
}

type MutableStats = { -readonly [K in keyof StatusReaderStats]: StatusReaderStats[K] };

// Null only for a byte that fails the identification bits, which the reader has already checked.
function dleEotEvent(n: DleEotN, byte: number): StatusEvent | null {
  switch (n) {
    case 1: {
      const reply = parseDleEot1(byte);
      return reply && { kind: 'dle-eot', n, byte, reply };
    }
    case 2: {
      const reply = parseDleEot2(byte);
      return reply && { kind: 'dle-eot', n, byte, reply };
    }
    case 3: {
      const reply = parseDleEot3(byte);
      return reply && { kind: 'dle-eot', n, byte, reply };
    }
    case 4: {
      const reply = parseDleEot4(byte);
      return reply && { kind: 'dle-eot', n, byte, reply };
    }
  }
}

function gsREvent(n: GsRN, jobId: string | null, byte: number): StatusEvent | null {
  if (n === 1) {
    const reply = parseGsR1(byte);
    return reply && { kind: 'gs-r', n, jobId, byte, reply };
  }
  const reply = parseGsR2(byte);
  return reply && { kind: 'gs-r', n, jobId, byte, reply };
}

/** Splits the printer's back channel into events. push() never throws. */
export class StatusReader {
  #dleEot: DleEotN[] = [];
  #gsR: { n: GsRN; jobId: string | null }[] = [];
  #frame: number[] | null = null;
  // Status bytes still to be read as the orphaned tail of a damaged ASB frame (rule 5 above).
  #tail = 0;
  // Adjacent garbage of one reason within one push() is one event, so noise on the line is
  // not an event per byte; the run is built as a plain array and copied once when it ends.
  #run: { reason: GarbageReason; bytes: number[] } | null = null;
  #stats: MutableStats = { bytes: 0, dleEotReplies: 0, asbFrames: 0, gsRReplies: 0, flowBytes: 0, garbageEvents: 0, garbageBytes: 0 };

  /** Registers a query before it is written; replies are matched to queries in order, per kind. */
  expect(expectation: Expectation): void {
    if (expectation.kind === 'dle-eot') {
      if (![1, 2, 3, 4].includes(expectation.n)) throw new RangeError(`DLE EOT n must be 1–4; got ${String(expectation.n)}`);
      this.#dleEot.push(expectation.n);
    } else {
      if (expectation.n !== 1 && expectation.n !== 2) throw new RangeError(`GS r n must be 1 or 2; got ${String(expectation.n)}`);
      this.#gsR.push({ n: expectation.n, jobId: expectation.jobId ?? null });
    }
  }

  /** Queries still waiting for a reply: DLE EOT ones first, then GS r ones, each oldest first. */
  pending(): Expectation[] {
    return [
      ...this.#dleEot.map((n): Expectation => ({ kind: 'dle-eot', n })),
      ...this.#gsR.map(({ n, jobId }): Expectation => (jobId === null ? { kind: 'gs-r', n } : { kind: 'gs-r', n, jobId })),
    ];
  }

  /** Drops pending queries (after a timeout or a disconnect) and returns them, e.g. to mark jobs unconfirmed. */
  cancel(kind?: Expectation['kind']): Expectation[] {
    const dropped = this.pending().filter((e) => kind === undefined || e.kind === kind);
    if (kind === undefined || kind === 'dle-eot') this.#dleEot = [];
    if (kind === undefined || kind === 'gs-r') this.#gsR = [];
    return dropped;
  }

  stats(): StatusReaderStats {
    return { ...this.#stats };
  }

  push(bytes: Uint8Array): StatusEvent[] {
    const out: StatusEvent[] = [];
    for (const b of bytes) {
      this.#stats.bytes += 1;
      this.#byte(b, out);
    }
    this.#endRun(out);
    return out;
  }

  /** Ends the current burst: a partial ASB frame becomes garbage. Call when the line goes idle. */
  flush(): StatusEvent[] {
    const out: StatusEvent[] = [];
    if (this.#frame !== null) this.#garbage(out, this.#frame, 'truncated-asb');
    this.#frame = null;
    this.#tail = 0;
    this.#endRun(out);
    return out;
  }

  #byte(b: number, out: StatusEvent[]): void {
    if (b === XON || b === XOFF) {
      this.#stats.flowBytes += 1;
      this.#emit(out, { kind: b === XON ? 'xon' : 'xoff' });
      return;
    }
    const frame = this.#frame;
    if (frame !== null) {
      if (isStatusByte(b)) {
        frame.push(b);
        if (frame.length === 4) {
          this.#frame = null;
          const bytes = Uint8Array.from(frame);
          const reply = parseAsb(bytes);
          if (reply === null) this.#garbage(out, frame, 'truncated-asb');
          else {
            this.#stats.asbFrames += 1;
            this.#emit(out, { kind: 'asb', bytes, reply });
          }
        }
        return;
      }
      this.#frame = null;
      this.#garbage(out, frame, 'truncated-asb');
      this.#tail = Math.max(this.#tail, 4 - frame.length);
    }
    switch (byteClass(b)) {
      case 'asb-first':
        this.#frame = [b];
        this.#tail = 0;
        return;
      case 'dle-eot-reply': {
        const n = this.#dleEot.shift();
        const event = n === undefined ? null : dleEotEvent(n, b);
        if (event === null) this.#garbage(out, [b], 'unexpected-dle-eot-reply');
        else {
          this.#stats.dleEotReplies += 1;
          this.#emit(out, event);
        }
        return;
      }
      case 'status-byte': {
        if (this.#tail > 0) {
          this.#tail -= 1;
          this.#garbage(out, [b], 'asb-tail');
          return;
        }
        const pending = this.#gsR.shift();
        const event = pending === undefined ? null : gsREvent(pending.n, pending.jobId, b);
        if (event === null) this.#garbage(out, [b], 'unexpected-status-byte');
        else {
          this.#stats.gsRReplies += 1;
          this.#emit(out, event);
        }
        return;
      }
      default:
        this.#garbage(out, [b], 'unknown-byte');
        this.#tail = 3;
    }
  }

  #garbage(out: StatusEvent[], bytes: readonly number[], reason: GarbageReason): void {
    this.#stats.garbageBytes += bytes.length;
    if (this.#run !== null && this.#run.reason !== reason) this.#endRun(out);
    if (this.#run === null) this.#run = { reason, bytes: [] };
    this.#run.bytes.push(...bytes);
  }

  #emit(out: StatusEvent[], event: StatusEvent): void {
    this.#endRun(out);
    out.push(event);
  }

  #endRun(out: StatusEvent[]): void {
    if (this.#run === null) return;
    this.#stats.garbageEvents += 1;
    out.push({ kind: 'garbage', bytes: Uint8Array.from(this.#run.bytes), reason: this.#run.reason });
    this.#run = null;
  }
}
