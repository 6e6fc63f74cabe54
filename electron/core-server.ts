// The core process's conversation with main over `process.parentPort`: open the terminal, say
// ready, answer every request through the PosHost, push its events, close everything on stop.
// Kept apart from core-process.ts (which only wires the real TerminalApp and PosHost) so the
// protocol is tested without Electron.
//
// Decisions a caller must know:
// - Requests before the terminal is open, or while it closes, are answered `unavailable`
//   (main holds requests until ready, so this only happens when main is wrong).
// - A stop that arrives while the terminal is still opening waits for it, then closes it.
// - A failure to open is reported once as `failed` with the error's own message (a bad config
//   names the field) and the process exits 1.
import type { EventMessage, ReplyMessage } from '../src/shared/api.ts';
import type { CoreReady } from './core-supervisor.ts';
import type { CoreToMain } from './core-protocol.ts';

export interface PortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: CoreToMain): void;
}

/** The part of the PosHost (src/core/api/pos-host.ts) the process needs. */
export interface CoreHostLike {
  handle(message: unknown): Promise<ReplyMessage>;
  subscribe(listener: (event: EventMessage) => void): () => void;
}

export interface OpenedCore {
  readonly host: CoreHostLike;
  readonly ready: Omit<CoreReady, 't'>;
  /** Closes the host, then the terminal app (reverse order of opening). */
  close(): Promise<void>;
}

export type OpenCore = (progress: (message: string) => void) => Promise<OpenedCore>;

function errorReplyTo(raw: unknown, code: 'unavailable' | 'internal', message: string): ReplyMessage | null {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) ? { t: 'res', id, ok: false, error: { code, message } } : null;
}

/** Runs the core until it is stopped; resolves after `exit` was called. */
export async function serveCore(port: PortLike, open: OpenCore, exit: (code: number) => void): Promise<void> {
  let phase: 'opening' | 'open' | 'closing' = 'opening';
  let opened: OpenedCore | null = null;
  let unsubscribe: (() => void) | null = null;
  let stopRequested = false;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });

  const post = (message: CoreToMain): void => port.postMessage(message);

  const close = async (): Promise<void> => {
    phase = 'closing';
    unsubscribe?.();
    let code = 0;
    try {
      await opened?.close();
      post({ t: 'stopped' });
    } catch (err) {
      post({ t: 'failed', message: `closing the terminal failed: ${(err as Error).message}` });
      code = 1;
    }
    exit(code);
    finished();
  };

  port.on('message', (event) => {
    const data = event.data;
    if (typeof data !== 'object' || data === null) return;
    const t = (data as { t?: unknown }).t;
    if (t === 'stop') {
      if (phase === 'open') void close();
      else stopRequested = true;
      return;
    }
    if (t !== 'req') return;
    if (phase !== 'open' || !opened) {
      const reply = errorReplyTo(data, 'unavailable', phase === 'opening' ? 'the terminal is still opening' : 'the terminal is closing');
      if (reply) post(reply);
      return;
    }
    opened.host.handle(data).then(post, (err: unknown) => {
      const reply = errorReplyTo(data, 'internal', `the core failed on this request: ${(err as Error).message}`);
      if (reply) post(reply);
    });
  });

  try {
    opened = await open((message) => post({ t: 'progress', message }));
  } catch (err) {
    post({ t: 'failed', message: (err as Error).message });
    exit(1);
    finished();
    return done;
  }
  unsubscribe = opened.host.subscribe((event) => post(event));
  phase = 'open';
  post({ t: 'ready', ...opened.ready });
  if (stopRequested) void close();
  return done;
}
