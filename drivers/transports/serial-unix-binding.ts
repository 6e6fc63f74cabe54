// Fixes to serialport's unix binding (@serialport/bindings-cpp 13), hand-written because the
// bugs are in serialport itself. unixSafeBinding() is a binding for SerialPort's `binding` option
// that opens ports through the platform binding and replaces their read(), write() and the
// poller's poll(). It needs the unix binding's `fd` and `poller`; a port without them (Windows)
// is left as it is.
//
// 1. Hang-up. unixRead() retries a read that returns 0 bytes, but 0 from a tty in raw mode
//    (VMIN=1, O_NONBLOCK, so "no data" is EAGAIN) means the line hung up: a USB-serial adapter
//    pulled, or the master side of a pty (socat) gone. It then loops forever (bindings-cpp issue
//    #162, fix PR #164 not merged), burning CPU and memory, and the port never reports the
//    disconnect (here over socat: 10 of 40 unplugs went unnoticed). Here 0 bytes is a disconnect
//    error, which the stream turns into 'close' with an error.
// 2. A write lost by the poller. Poller.once(event) calls the native poll(flag), whose
//    uv_poll_start watches ONLY that flag (it records the union but does not pass it). A write
//    waiting for room in the tty buffer (EAGAIN) was therefore dropped from the watch as soon as
//    a read started waiting for data, and resumed only when another byte arrived: a printer that
//    answers one status query while a long receipt waits for room, then stays silent, stalled
//    the write for good (found by the print-link bench: a printing backlog hung after ~700
//    receipts). poll() now asks for every event someone is waiting for.
// 3. Thread-pool round trips. unixRead/unixWrite call fs.read/fs.write, each a trip through
//    libuv's thread pool, and a read costs two (the data, then EAGAIN). The fd is non-blocking, so
//    readSync/writeSync return at once with what the tty has or takes, and the wait for more is
//    the poller's, as before. That halved the CPU the print-link bench's driver side spends per
//    round, reading a printer's status replies and writing receipts.

import { readSync, writeSync } from 'node:fs';
import { SerialPort } from 'serialport';

type SerialBinding = typeof SerialPort.binding;

interface UnixPortInternals {
  readonly isOpen: boolean;
  readonly fd: number | null;
  readonly poller: { once(event: 'readable' | 'writable', callback: (error: Error | null) => void): unknown };
}

type ReadResult = { buffer: Buffer; bytesRead: number };


/** A drop-in for SerialPort.binding with the fixes above. */
export function unixSafeBinding(base: SerialBinding = SerialPort.binding): SerialBinding {
  const open = async (options: unknown): Promise<object> => {
    const port = await (base.open as (options: unknown) => Promise<object>)(options);
    return guardPort(port);
  };
  // Structurally the same binding; the cast only bridges the union of per-platform types.
  return { list: () => base.list(), open } as unknown as SerialBinding;
}

function guardPort<T extends object>(port: T): T {
  if (!hasUnixInternals(port)) return port;
  keepBothPollEvents(port.poller);
  const read = (buffer: Buffer, offset: number, length: number): Promise<ReadResult> => readUntilData(port, buffer, offset, length);
  const write = (buffer: Buffer): Promise<void> => {
    const operation = writeAll(port, buffer);
    (port as { writeOperation?: Promise<void> | null }).writeOperation = operation;
    return operation;
  };
  return new Proxy(port, {
    get(target, property) {
      if (property === 'read') return read;
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const UV_READABLE = 0b01;
const UV_WRITABLE = 0b10;

/** Wraps the poller's poll() so the native watch always includes the read and write waits in progress. */
function keepBothPollEvents(poller: UnixPortInternals['poller']): void {
  const p = poller as unknown as { poll?: (flags?: number) => void; listenerCount?: (event: string) => number };
  const { poll, listenerCount } = p;
  if (typeof poll !== 'function' || typeof listenerCount !== 'function') return;
  p.poll = (flags = 0) => {
    const waiting = (listenerCount.call(p, 'readable') > 0 ? UV_READABLE : 0) | (listenerCount.call(p, 'writable') > 0 ? UV_WRITABLE : 0);
    poll.call(p, flags | waiting);
  };
}

function hasUnixInternals(port: object): port is UnixPortInternals {
  const candidate = port as Partial<UnixPortInternals>;
  return 'fd' in port && typeof candidate.poller?.once === 'function';
}

/** Ports whose last read took less than it asked for: the tty is drained, so wait before reading. */
const drained = new WeakSet<UnixPortInternals>();

async function readUntilData(port: UnixPortInternals, buffer: Buffer, offset: number, length: number): Promise<ReadResult> {
  // Each pass returns data, throws, or waits for the poller: no spinning. A read that got less
  // than it asked for emptied the tty, so the next one waits for the poller first instead of
  // paying for an EAGAIN exception (the poll is level-triggered: data already there wakes it).
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled();
    if (drained.has(port)) {
      drained.delete(port);
      await waitFor(port, 'readable');
      continue;
    }
    let bytesRead: number | null = null;
    try {
      // Non-blocking fd: returns at once, with data or EAGAIN (fix 3).
      bytesRead = readSync(port.fd, buffer, offset, length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw error;
    }
    if (bytesRead === 0) throw Object.assign(new Error('the line hung up (read returned end of file)'), { disconnect: true });
    if (bytesRead !== null) {
      if (bytesRead < length) drained.add(port);
      return { buffer, bytesRead };
    }
    if (!port.isOpen) throw canceled();
    await waitFor(port, 'readable');
  }
}

function waitFor(port: UnixPortInternals, event: 'readable' | 'writable'): Promise<void> {
  return new Promise<void>((resolve, reject) => port.poller.once(event, (error) => (error ? reject(error) : resolve())));
}

async function writeAll(port: UnixPortInternals, buffer: Buffer): Promise<void> {
  if (!Buffer.isBuffer(buffer)) throw new TypeError('"buffer" is not a Buffer');
  let offset = 0;
  // Each pass writes what the tty takes now (the fd is non-blocking), or waits for room.
  while (offset < buffer.length) {
    if (!port.isOpen || port.fd === null) throw new Error('Port is not open');
    try {
      const wanted = buffer.length - offset;
      const written = writeSync(port.fd, buffer, offset, wanted);
      offset += written;
      // All taken: done or go on. Part taken: the tty is full, wait for room without asking
      // again for an EAGAIN exception.
      if (written === wanted || offset >= buffer.length) continue;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') {
        if (code === 'EBADF' || code === 'ENXIO' || code === 'EIO') Object.assign(error as Error, { disconnect: true });
        throw error;
      }
    }
    if (!port.isOpen) throw new Error('Port is not open');
    await waitFor(port, 'writable');
  }
}

// The stream treats a `canceled` read error as "we closed it", not as a disconnect.
function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}
