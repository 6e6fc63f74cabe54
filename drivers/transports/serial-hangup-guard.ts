// Makes serialport notice an unplugged device on Linux and macOS. Hand-written because the
// bug is in serialport itself: @serialport/bindings-cpp 13's unixRead() retries a read that
// returns 0 bytes, but 0 from a tty in raw mode (VMIN=1, O_NONBLOCK, so "no data" is EAGAIN)
// means the line hung up: a USB-serial adapter pulled, or the master side of a pty (socat)
// gone. It then loops forever (bindings-cpp issue #162, fix PR #164 not merged), burning CPU
// and memory, and the port never reports the disconnect. Measured here over socat: 10 of 40
// unplugs went unnoticed, 14 of 15 with debug logging slowing the loop down.
//
// The guard is a binding for SerialPort's `binding` option that opens ports through the
// platform binding and replaces only their read(): the same fs.read + poller wait, but
// 0 bytes is a disconnect error, which the stream turns into 'close' with an error. It needs
// the unix binding's `fd` and `poller`; a port without them (Windows) keeps its own read.
//
// It also fixes the same binding's poller, which lost a waiting write: Poller.once(event) calls
// the native poll(flag), whose uv_poll_start watches ONLY that flag (it records the union but
// does not pass it). A write waiting for room in the tty buffer (EAGAIN) was therefore dropped
// from the watch as soon as a read started waiting for data, and resumed only when another byte
// arrived: a printer that answers one status query while a long receipt waits for room, then
// stays silent, stalled the write for good (found by the print-link bench: a printing backlog
// hung after ~700 receipts). The guard makes poll() ask for every event someone is waiting for.

import { read as fsRead } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';

type SerialBinding = typeof SerialPort.binding;

interface UnixPortInternals {
  readonly isOpen: boolean;
  readonly fd: number | null;
  readonly poller: { once(event: 'readable', callback: (error: Error | null) => void): unknown };
}

type ReadResult = { buffer: Buffer; bytesRead: number };

const readAsync = promisify(fsRead);

/** A drop-in for SerialPort.binding whose ports report a hang-up instead of spinning on it. */
export function hangupSafeBinding(base: SerialBinding = SerialPort.binding): SerialBinding {
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
  return new Proxy(port, {
    get(target, property) {
      if (property === 'read') return read;
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

async function readUntilData(port: UnixPortInternals, buffer: Buffer, offset: number, length: number): Promise<ReadResult> {
  // Each pass returns data, throws, or waits for the poller: no spinning.
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled();
    let bytesRead: number | null = null;
    try {
      ({ bytesRead } = await readAsync(port.fd, buffer, offset, length, null));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw error;
    }
    if (bytesRead === 0) throw Object.assign(new Error('the line hung up (read returned end of file)'), { disconnect: true });
    if (bytesRead !== null) return { buffer, bytesRead };
    if (!port.isOpen) throw canceled();
    await new Promise<void>((resolve, reject) => port.poller.once('readable', (error) => (error ? reject(error) : resolve())));
  }
}

// The stream treats a `canceled` read error as "we closed it", not as a disconnect.
function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}
