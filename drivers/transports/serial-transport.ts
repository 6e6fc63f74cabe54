// ByteTransport over serialport: RS-232 printers, scales and displays, USB CDC-ACM and
// USB-serial adapters, and socat pseudo-terminals in tests. serialport does the I/O; what is
// hand-written here is what it leaves to the caller: mapping its string-only errors to codes
// that name the port, probing modem lines, one owner per port, and rejecting writes that
// would otherwise wait forever for an 'open' that never comes.
//
// Decisions (reference/hardware.md §6):
// - Modem lines are probed once after open with `port.get()`. ENOTTY ("Inappropriate ioctl
//   for device", what every pty answers) means `modemLines: false`, not a failure. A port that
//   has no modem lines cannot do rtscts (a pty even accepts CRTSCTS silently), so open fails
//   with a clear error instead of a printer that never gets flow control.
// - `lock: true` (the default) takes serialport's flock(LOCK_EX|LOCK_NB) on Linux: a second
//   open of the same device, from any process or from this one, fails with 'busy'. The
//   in-process registry claim is keyed by the resolved path, so a /dev/serial/by-id link and
//   the /dev/ttyUSB0 it points to count as one port.
// - `write` resolves from serialport's write callback, which fires when the bytes are in the
//   kernel's tty buffer. port.drain() (tcdrain) is not used: it blocks a libuv pool thread for
//   as long as the printer holds XOFF/CTS, and four such ports would stall all fs I/O.
// - A write on a closed port is rejected here: serialport itself would queue it until a
//   later 'open' and never call back.
// - serialport's messages are plain strings (no errno), so they are matched by their text.
// - Ports are opened through unixSafeBinding() (serial-unix-binding.ts), which fixes three
//   things in serialport 13's unix binding: it spins forever on a pulled USB-serial adapter or a
//   killed socat, a read waiting for data can strand a write waiting for room, and every read
//   and write takes a trip through the thread pool.
// - A disconnect shows up once a read fails. A port that nobody reads still has serialport's
//   read running (this transport always listens for data), so it is noticed within a poll.

import { realpath } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import type { ByteTransport, FlowControl, TransportCapabilities } from './byte-transport.ts';
import { abortedOpen, TransportError, SingleOpen } from './byte-transport.ts';
import { ListenerSet } from './listener-set.ts';
import { unixSafeBinding } from './serial-unix-binding.ts';
import type { Claim, PortRegistry } from './port-registry.ts';
import { portRegistry } from './port-registry.ts';

export type Parity = 'none' | 'even' | 'odd';

export interface SerialConfig {
  readonly path: string;
  /** Default 9600 (most receipt printers, scanners and scales ship at 9600 8N1). */
  readonly baudRate?: number;
  readonly dataBits?: 5 | 6 | 7 | 8;
  readonly parity?: Parity;
  readonly stopBits?: 1 | 2;
  readonly flowControl?: FlowControl;
  /** Who holds the port, as the busy message shows it: 'the scale driver'. */
  readonly owner?: string;
  readonly registry?: PortRegistry;
  /** Take the cross-process flock (default true). */
  readonly lock?: boolean;
}

export class SerialTransport implements ByteTransport {
  readonly id: string;
  private readonly label: string;
  private readonly config: Required<Omit<SerialConfig, 'registry'>> & { registry: PortRegistry };
  private port: SerialPort | null = null;
  private claim: Claim | null = null;
  private readonly opening = new SingleOpen();
  private closing = false;
  private modemLines = false;
  private lastError: Error | null = null;
  private readonly pending = new Set<(error: Error) => void>();
  private readonly data = new ListenerSet<Uint8Array>();
  private readonly closed = new ListenerSet<Error | null>();

  constructor(config: SerialConfig) {
    this.config = {
      path: config.path,
      baudRate: config.baudRate ?? 9600,
      dataBits: config.dataBits ?? 8,
      parity: config.parity ?? 'none',
      stopBits: config.stopBits ?? 1,
      flowControl: config.flowControl ?? 'none',
      owner: config.owner ?? 'an unnamed driver',
      registry: config.registry ?? portRegistry,
      lock: config.lock ?? true,
    };
    this.id = serialId(config.path);
    this.label = `serial ${config.path}`;
  }

  get capabilities(): TransportCapabilities {
    return { modemLines: this.modemLines, flowControl: this.config.flowControl, readable: true };
  }

  get isOpen(): boolean {
    return this.port !== null && !this.closing;
  }

  open(signal?: AbortSignal): Promise<void> {
    if (this.port) return Promise.resolve();
    return this.opening.run(() => this.doOpen(signal));
  }

  private async doOpen(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortedOpen(this.label, signal);
    const resolved = await realpath(this.config.path).catch(() => this.config.path);
    const claim = this.config.registry.claim(serialId(resolved), this.config.owner);
    const c = this.config;
    const options = {
      binding: unixSafeBinding(),
      path: c.path,
      baudRate: c.baudRate,
      dataBits: c.dataBits,
      parity: c.parity,
      stopBits: c.stopBits,
      rtscts: c.flowControl === 'rtscts',
      xon: c.flowControl === 'xonxoff',
      xoff: c.flowControl === 'xonxoff',
      lock: c.lock,
      autoOpen: false,
    };
    // `binding` is a SerialPortStream option that SerialPort's types leave out; passing the
    // options as a variable (not a literal) keeps the rest type-checked.
    const port = new SerialPort(options);
    // serialport emits 'error' for failed writes and closes; without a listener it throws.
    port.on('error', (error) => {
      this.lastError = error;
    });
    try {
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      claim.release();
      throw serialOpenError(this.config.path, error);
    }
    try {
      if (signal?.aborted) throw abortedOpen(this.label, signal);
      this.modemLines = await probeModemLines(port, this.label);
      if (c.flowControl === 'rtscts' && !this.modemLines) {
        throw new TransportError(
          'io',
          `${this.label}: the port has no modem lines (RTS/CTS), so rtscts flow control cannot work; use xonxoff or none`,
        );
      }
    } catch (error) {
      await closePort(port);
      claim.release();
      throw error;
    }
    this.port = port;
    this.claim = claim;
    this.closing = false;
    this.lastError = null;
    port.on('data', (chunk: Buffer) => this.data.emit(chunk));
    // The stream can emit 'close' twice after a failed write (autoDestroy, then serialport's
    // own close with the DisconnectedError); finish() keeps the first.
    port.on('close', (error?: Error | null) => this.finish(port, error ?? null));
  }

  async close(): Promise<void> {
    await this.opening.settled();
    const port = this.port;
    if (!port) return;
    this.closing = true;
    await closePort(port);
    this.finish(port, null);
  }

  write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port || this.closing || !port.isOpen) {
      return Promise.reject(new TransportError('closed', `${this.label}: not open`));
    }
    return new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => {
        this.pending.delete(fail);
        reject(error);
      };
      this.pending.add(fail);
      // A view, not a copy: callers hand over the bytes and never change them afterwards.
      port.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error) => {
        if (!this.pending.has(fail)) return;
        this.pending.delete(fail);
        if (error) reject(new TransportError('io', `${this.label}: write failed (${error.message})`, { cause: error }));
        else resolve();
      });
    });
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (reason: Error | null) => void): () => void {
    return this.closed.add(listener);
  }

  private finish(port: SerialPort, streamError: Error | null): void {
    if (this.port !== port) return;
    const byUs = this.closing;
    this.port = null;
    this.closing = false;
    this.claim?.release();
    this.claim = null;
    const cause = streamError ?? this.lastError;
    for (const fail of [...this.pending]) {
      fail(new TransportError('closed', `${this.label}: closed before the write finished`, { cause }));
    }
    if (!byUs && port.isOpen) void closePort(port);
    const reason = byUs
      ? null
      : new TransportError('io', `${this.label}: device disconnected (${cause?.message ?? 'port closed'})`, { cause });
    this.closed.emit(reason);
  }
}

export function serialId(path: string): string {
  return `serial:${path}`;
}

/** Maps a serialport open error (text only, see the header) to a TransportError naming the path. */
export function serialOpenError(path: string, error: unknown): TransportError {
  const message = error instanceof Error ? error.message : String(error);
  const label = `serial ${path}`;
  if (/No such file or directory|ENOENT|No such device|ENODEV|ENXIO/i.test(message)) {
    return new TransportError('not-found', `${label}: no such port`, { cause: error });
  }
  if (/Cannot lock port|Resource temporarily unavailable/i.test(message)) {
    return new TransportError('busy', `${label}: locked by another program or another open of the same port`, { cause: error });
  }
  if (/Device or resource busy|EBUSY|Access denied/i.test(message)) {
    return new TransportError('busy', `${label}: the port is busy (another program has it open)`, { cause: error });
  }
  if (/Permission denied|EACCES/i.test(message)) {
    return new TransportError('io', `${label}: permission denied (add the user to the dialout group)`, { cause: error });
  }
  return new TransportError('io', `${label}: cannot open (${message})`, { cause: error });
}

async function probeModemLines(port: SerialPort, label: string): Promise<boolean> {
  try {
    await new Promise<void>((resolve, reject) => port.get((error) => (error ? reject(error) : resolve())));
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Inappropriate ioctl|ENOTTY/i.test(message)) return false;
    throw new TransportError('io', `${label}: cannot read modem lines (${message})`, { cause: error });
  }
}

function closePort(port: SerialPort): Promise<void> {
  if (!port.isOpen) return Promise.resolve();
  // A close error means the device is already gone; the fd is released either way.
  return new Promise((resolve) => port.close(() => resolve()));
}
