// The one byte-stream contract every device driver talks to (ARCHITECTURE.md §4), so a
// printer, scanner, display or scale driver runs unchanged over serial, /dev/usb/lp*, TCP 9100
// or the in-memory pair the simulators use. Hand-written: serialport, node:net and fs each have
// their own stream/event shapes and error styles; none is a transport-neutral contract.
//
// Decisions:
// - `write` resolves once the bytes are handed to the OS (kernel tty/socket/device buffer),
//   not when they reach the wire: waiting for the UART (tcdrain) can block forever while a
//   printer holds XOFF or CTS, and the device protocols confirm delivery themselves (GS r).
// - Every failure is a `TransportError` with one of five codes, and its message names the
//   port, so a device machine can branch on `code` and a cashier-facing message needs no
//   rewording ("serial /dev/ttyUSB0: no such port").
// - `onClose(null)` means we closed it; `onClose(error)` means the device went away.

export type FlowControl = 'none' | 'xonxoff' | 'rtscts';

export interface TransportCapabilities {
  /** DTR/DSR/RTS/CTS exist (false on pseudo-terminals, TCP, usblp and memory). */
  readonly modemLines: boolean;
  readonly flowControl: FlowControl;
  /** The device can send bytes back (status replies, scans, weights). */
  readonly readable: boolean;
}

export interface ByteTransport {
  /** Kind and address, e.g. 'serial:/dev/ttyUSB0', 'tcp:10.0.0.7:9100', 'usb-lp:/dev/usb/lp0'. */
  readonly id: string;
  readonly capabilities: TransportCapabilities;
  open(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the bytes are handed to the OS; rejects with a TransportError. */
  write(bytes: Uint8Array): Promise<void>;
  /** Returns the unsubscribe function. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** `null`: closed by us. An Error: the device or link went away. */
  onClose(listener: (reason: Error | null) => void): () => void;
  readonly isOpen: boolean;
}

export type TransportErrorCode = 'not-found' | 'busy' | 'closed' | 'io' | 'timeout';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isTransportError(value: unknown, code?: TransportErrorCode): value is TransportError {
  return value instanceof TransportError && (code === undefined || value.code === code);
}

/** The error an `open(signal)` rejects with when the signal fires first. */
export function abortedOpen(label: string, signal: AbortSignal): TransportError {
  return new TransportError('closed', `${label}: open aborted`, { cause: signal.reason });
}

/**
 * One open at a time: callers that ask while an open is under way share its promise, and
 * `close()` can wait for it to settle before tearing down.
 */
export class SingleOpen {
  private pending: Promise<void> | null = null;

  run(start: () => Promise<void>): Promise<void> {
    this.pending ??= start().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Resolves once no open is in flight (whatever its outcome). */
  async settled(): Promise<void> {
    if (this.pending) await this.pending.catch(() => undefined);
  }
}
