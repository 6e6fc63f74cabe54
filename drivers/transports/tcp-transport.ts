// ByteTransport over TCP for network receipt printers (raw port 9100, "JetDirect"). node:net
// does the I/O; hand-written here is what it leaves open: a connect timeout (net has none),
// keepalive, error codes that name the printer, and treating any close we did not ask for
// as the printer going away.
//
// Decisions:
// - Connect timeout default 3 s: a printer on the LAN answers in milliseconds, and a till
//   should say "printer unreachable" before the cashier gives up.
// - Keepalive on (initial delay 5 s) so a printer that lost power is eventually noticed on an
//   idle link. Node 20 cannot set the probe interval or count, so the kernel's defaults
//   decide how long that takes; the printer driver's status polling (DLE EOT) notices sooner.
// - Nagle off: status queries are 3 bytes and must not wait for an ACK.
// - The printer closing the connection (FIN) or resetting it is onClose(error), never null.
// - ECONNREFUSED, EHOSTUNREACH, ENETUNREACH and an unknown host name are 'not-found'.
// - One connection per printer in this process: many 9100 printers accept a single
//   connection at a time, and two drivers interleaving jobs would mix receipts.

import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ByteTransport, TransportCapabilities } from './byte-transport.ts';
import { abortedOpen, TransportError, SingleOpen } from './byte-transport.ts';
import { ListenerSet } from './listener-set.ts';
import type { Claim, PortRegistry } from './port-registry.ts';
import { portRegistry } from './port-registry.ts';

export interface TcpConfig {
  readonly host: string;
  /** Default 9100. */
  readonly port?: number;
  /** Default 3000. */
  readonly connectTimeoutMs?: number;
  /** Idle time before the first keepalive probe (default 5000). */
  readonly keepAliveMs?: number;
  readonly owner?: string;
  readonly registry?: PortRegistry;
}

const TCP_CAPABILITIES: TransportCapabilities = { modemLines: false, flowControl: 'none', readable: true };

export class TcpTransport implements ByteTransport {
  readonly id: string;
  readonly capabilities = TCP_CAPABILITIES;
  private readonly label: string;
  private readonly host: string;
  private readonly port: number;
  private readonly connectTimeoutMs: number;
  private readonly keepAliveMs: number;
  private readonly owner: string;
  private readonly registry: PortRegistry;
  private socket: Socket | null = null;
  private claim: Claim | null = null;
  private readonly opening = new SingleOpen();
  private closing = false;
  private lastError: Error | null = null;
  private readonly data = new ListenerSet<Uint8Array>();
  private readonly closed = new ListenerSet<Error | null>();

  constructor(config: TcpConfig) {
    this.host = config.host;
    this.port = config.port ?? 9100;
    this.connectTimeoutMs = config.connectTimeoutMs ?? 3000;
    this.keepAliveMs = config.keepAliveMs ?? 5000;
    this.registry = config.registry ?? portRegistry;
    const address = this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
    this.id = `tcp:${address}`;
    this.label = `tcp ${address}`;
    this.owner = config.owner ?? 'an unnamed driver';
  }

  get isOpen(): boolean {
    return this.socket !== null && !this.closing;
  }

  open(signal?: AbortSignal): Promise<void> {
    if (this.socket) return Promise.resolve();
    return this.opening.run(() => this.doOpen(signal));
  }

  private async doOpen(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortedOpen(this.label, signal);
    const claim = this.registry.claim(this.id, this.owner);
    let socket: Socket;
    try {
      socket = await this.connect(signal);
    } catch (error) {
      claim.release();
      throw error;
    }
    this.socket = socket;
    this.claim = claim;
    this.closing = false;
    this.lastError = null;
    socket.on('data', (chunk: Buffer) => this.data.emit(chunk));
    socket.on('error', (error) => {
      this.lastError = error;
    });
    socket.on('close', () => this.finish(socket));
  }

  private connect(signal?: AbortSignal): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: this.keepAliveMs });
      const fail = (error: TransportError): void => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onError = (error: Error): void => fail(tcpConnectError(this.label, error));
      const onAbort = (): void => fail(abortedOpen(this.label, signal!));
      const timer = setTimeout(
        () => fail(new TransportError('timeout', `${this.label}: no answer within ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      );
      const onConnect = (): void => {
        cleanup();
        resolve(socket);
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off('connect', onConnect);
        signal?.removeEventListener('abort', onAbort);
      };
      socket.once('error', onError);
      socket.once('connect', onConnect);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    await this.opening.settled();
    const socket = this.socket;
    if (!socket) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      if (socket.closed) return resolve();
      // end() lets queued bytes reach the printer; destroy() after a grace period in case
      // the printer never acknowledges the FIN.
      const grace = setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => {
        clearTimeout(grace);
        resolve();
      });
      socket.end();
    });
    this.finish(socket);
  }

  write(bytes: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket || this.closing || socket.destroyed) {
      return Promise.reject(new TransportError('closed', `${this.label}: not connected`));
    }
    return new Promise<void>((resolve, reject) => {
      // Node calls back once the chunk is handed to the kernel, after any backpressure.
      socket.write(Buffer.from(bytes), (error) => {
        if (error) reject(new TransportError(this.socket === socket ? 'io' : 'closed', `${this.label}: write failed (${error.message})`, { cause: error }));
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

  private finish(socket: Socket): void {
    if (this.socket !== socket) return;
    const byUs = this.closing;
    this.socket = null;
    this.closing = false;
    this.claim?.release();
    this.claim = null;
    socket.destroy();
    let reason: Error | null = null;
    if (!byUs) {
      const cause = this.lastError;
      const code = (cause as NodeJS.ErrnoException | null)?.code;
      reason =
        code === 'ECONNRESET'
          ? new TransportError('io', `${this.label}: connection reset by the printer`, { cause })
          : cause
            ? new TransportError('io', `${this.label}: connection lost (${cause.message})`, { cause })
            : new TransportError('closed', `${this.label}: connection closed by the printer`);
    }
    this.closed.emit(reason);
  }
}

export function tcpConnectError(label: string, error: Error): TransportError {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return new TransportError('not-found', `${label}: connection refused (is the printer on and is this its address?)`, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TransportError('not-found', `${label}: unknown host name`, { cause: error });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return new TransportError('not-found', `${label}: host unreachable`, { cause: error });
    case 'ETIMEDOUT':
      return new TransportError('timeout', `${label}: connection timed out`, { cause: error });
    default:
      return new TransportError('io', `${label}: cannot connect (${error.message})`, { cause: error });
  }
}
