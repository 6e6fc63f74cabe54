// ByteTransport over Linux usblp character devices (/dev/usb/lp0): USB printer class
// receipt printers. Hand-written: no npm package opens usblp; the rest of the ecosystem goes
// through libusb (detaching usblp) or CUPS, and both would take the printer's status replies
// away from the driver.
//
// Decisions:
// - The device is opened with O_RDWR|O_NONBLOCK through fs.promises.open (a FileHandle), and
//   both directions poll. A blocking read on usblp waits until the printer sends something,
//   which it does only when asked; that read would pin a libuv pool thread forever, and
//   close() cannot interrupt it. fs.createReadStream on the fd has the same problem, and
//   net.Socket refuses character devices. With O_NONBLOCK usblp answers EAGAIN at once, so
//   the read loop sleeps `pollMs` (default 50 ms) when idle: cheap, and fast enough for
//   status replies.
// - Non-blocking writes on usblp may be partial or EAGAIN while the previous USB transfer is
//   in flight (the printer is busy or out of paper). The loop retries with a short backoff
//   (2 → 50 ms) and gives up with 'timeout' after `writeTimeoutMs` (default 30 s) with no
//   progress, so a stuck printer becomes a status, not a hung sale.
// - Writes are serialised: usblp has no framing, and two interleaved jobs would mix receipts.
// - EBUSY on open ('busy') is usblp's own one-open-at-a-time rule: CUPS or another program
//   has the printer. In this process the port registry says which driver has it.
// - Unplugging shows as ENODEV/EIO from read or write: onClose(error). With `read: false`
//   (a printer that never answers) it is noticed at the next write.

import { constants } from 'node:fs';
import { open as openFile, realpath } from 'node:fs/promises';
import type { ByteTransport, TransportCapabilities } from './byte-transport.ts';
import { abortedOpen, TransportError, SingleOpen } from './byte-transport.ts';
import { ListenerSet } from './listener-set.ts';
import type { Claim, PortRegistry } from './port-registry.ts';
import { portRegistry } from './port-registry.ts';

/** The FileHandle subset used here, so tests can stand in for a device that cannot exist in CI. */
export interface UsbLpFile {
  read(buffer: Uint8Array, offset: number, length: number, position: null): Promise<{ bytesRead: number }>;
  write(buffer: Uint8Array, offset: number, length: number, position: null): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

export interface UsbLpConfig {
  /** e.g. /dev/usb/lp0 */
  readonly path: string;
  /** Run the read loop for status replies (default true). */
  readonly read?: boolean;
  /** Idle read poll interval (default 50). */
  readonly pollMs?: number;
  /** Give up on a write that made no progress for this long (default 30 000). */
  readonly writeTimeoutMs?: number;
  readonly owner?: string;
  readonly registry?: PortRegistry;
  /** Opens the device; defaults to fs.promises.open. For tests. */
  readonly openFile?: (path: string, flags: number) => Promise<UsbLpFile>;
}

const OPEN_FLAGS = constants.O_RDWR | constants.O_NONBLOCK;
const READ_SIZE = 512;

export class UsbLpTransport implements ByteTransport {
  readonly id: string;
  readonly capabilities: TransportCapabilities;
  private readonly label: string;
  private readonly path: string;
  private readonly reads: boolean;
  private readonly pollMs: number;
  private readonly writeTimeoutMs: number;
  private readonly owner: string;
  private readonly registry: PortRegistry;
  private readonly openDevice: (path: string, flags: number) => Promise<UsbLpFile>;
  private file: UsbLpFile | null = null;
  private claim: Claim | null = null;
  private readonly opening = new SingleOpen();
  private closing = false;
  private readLoop: Promise<void> = Promise.resolve();
  private writeChain: Promise<void> = Promise.resolve();
  private idle: { timer: ReturnType<typeof setTimeout>; wake: () => void } | null = null;
  private readonly data = new ListenerSet<Uint8Array>();
  private readonly closed = new ListenerSet<Error | null>();

  constructor(config: UsbLpConfig) {
    this.path = config.path;
    this.id = `usb-lp:${config.path}`;
    this.label = `usb-lp ${config.path}`;
    this.reads = config.read ?? true;
    this.pollMs = config.pollMs ?? 50;
    this.writeTimeoutMs = config.writeTimeoutMs ?? 30_000;
    this.owner = config.owner ?? 'an unnamed driver';
    this.registry = config.registry ?? portRegistry;
    this.openDevice = config.openFile ?? ((path, flags) => openFile(path, flags));
    this.capabilities = { modemLines: false, flowControl: 'none', readable: this.reads };
  }

  get isOpen(): boolean {
    return this.file !== null && !this.closing;
  }

  open(signal?: AbortSignal): Promise<void> {
    if (this.file) return Promise.resolve();
    return this.opening.run(() => this.doOpen(signal));
  }

  private async doOpen(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortedOpen(this.label, signal);
    const resolved = await realpath(this.path).catch(() => this.path);
    const claim = this.registry.claim(`usb-lp:${resolved}`, this.owner);
    let file: UsbLpFile;
    try {
      file = await this.openDevice(this.path, OPEN_FLAGS);
    } catch (error) {
      claim.release();
      throw usbLpError(this.path, error, 'open');
    }
    if (signal?.aborted) {
      await file.close().catch(() => undefined);
      claim.release();
      throw abortedOpen(this.label, signal);
    }
    this.file = file;
    this.claim = claim;
    this.closing = false;
    this.writeChain = Promise.resolve();
    if (this.reads) this.readLoop = this.runReadLoop(file);
  }

  async close(): Promise<void> {
    await this.opening.settled();
    const file = this.file;
    if (!file || this.closing) return;
    this.closing = true;
    this.wakeIdle();
    // Let the read loop and the write in progress see `closing` before the fd goes away.
    await Promise.all([this.readLoop, this.writeChain.catch(() => undefined)]);
    await file.close().catch(() => undefined);
    this.finish(file, null);
  }

  write(bytes: Uint8Array): Promise<void> {
    const file = this.file;
    if (!file || this.closing) return Promise.reject(new TransportError('closed', `${this.label}: not open`));
    const copy = Uint8Array.from(bytes);
    const result = this.writeChain.catch(() => undefined).then(() => this.writeAll(file, copy));
    this.writeChain = result;
    return result;
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (reason: Error | null) => void): () => void {
    return this.closed.add(listener);
  }

  private live(file: UsbLpFile): boolean {
    return this.file === file && !this.closing;
  }

  private async writeAll(file: UsbLpFile, bytes: Uint8Array): Promise<void> {
    let offset = 0;
    let stalledMs = 0;
    let pauseMs = 2;
    // Bounded: every pass either writes bytes or adds its pause to stalledMs, capped by writeTimeoutMs.
    while (offset < bytes.length) {
      if (!this.live(file)) throw new TransportError('closed', `${this.label}: closed before the write finished`);
      let written = 0;
      try {
        ({ bytesWritten: written } = await file.write(bytes, offset, bytes.length - offset, null));
      } catch (error) {
        if (!isWouldBlock(error)) {
          const mapped = usbLpError(this.path, error, 'io');
          this.lose(file, mapped);
          throw mapped;
        }
      }
      if (written > 0) {
        offset += written;
        stalledMs = 0;
        pauseMs = 2;
        continue;
      }
      if (stalledMs >= this.writeTimeoutMs) {
        throw new TransportError('timeout', `${this.label}: the printer accepted nothing for ${this.writeTimeoutMs} ms (offline or out of paper?)`);
      }
      await delay(pauseMs);
      stalledMs += pauseMs;
      pauseMs = Math.min(pauseMs * 2, 50);
    }
  }

  private async runReadLoop(file: UsbLpFile): Promise<void> {
    const buffer = new Uint8Array(READ_SIZE);
    // Ends when the transport closes or the device fails.
    while (this.live(file)) {
      let bytesRead = 0;
      try {
        ({ bytesRead } = await file.read(buffer, 0, buffer.length, null));
      } catch (error) {
        if (!isWouldBlock(error)) {
          if (this.live(file)) this.lose(file, usbLpError(this.path, error, 'io'));
          return;
        }
      }
      if (bytesRead > 0) {
        if (this.live(file)) this.data.emit(buffer.slice(0, bytesRead));
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.idle = null;
          resolve();
        }, this.pollMs);
        this.idle = { timer, wake: resolve };
      });
    }
  }

  private wakeIdle(): void {
    if (!this.idle) return;
    clearTimeout(this.idle.timer);
    this.idle.wake();
    this.idle = null;
  }

  private lose(file: UsbLpFile, reason: TransportError): void {
    if (!this.live(file)) return;
    this.closing = true;
    this.wakeIdle();
    void file.close().catch(() => undefined);
    this.finish(file, reason);
  }

  private finish(file: UsbLpFile, reason: Error | null): void {
    if (this.file !== file) return;
    this.file = null;
    this.closing = false;
    this.claim?.release();
    this.claim = null;
    this.closed.emit(reason);
  }
}

/** Maps an fs error from usblp to a TransportError naming the device. */
export function usbLpError(path: string, error: unknown, during: 'open' | 'io'): TransportError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const label = `usb-lp ${path}`;
  if (code === 'EBUSY') {
    return new TransportError('busy', `${label}: busy (another program, such as CUPS, has the printer open)`, { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new TransportError('io', `${label}: permission denied (add the user to the lp group)`, { cause: error });
  }
  if (code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO') {
    return during === 'open'
      ? new TransportError('not-found', `${label}: no such device`, { cause: error })
      : new TransportError('io', `${label}: device disconnected (${code})`, { cause: error });
  }
  if (code === 'EIO' && during === 'io') {
    return new TransportError('io', `${label}: device disconnected or failed (EIO)`, { cause: error });
  }
  return new TransportError('io', `${label}: ${during === 'open' ? 'cannot open' : 'I/O error'} (${message})`, { cause: error });
}

function isWouldBlock(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
