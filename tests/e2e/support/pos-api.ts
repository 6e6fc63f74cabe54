// The PosApi (src/shared/api.ts) from the test's side: the same requests the pages make, typed
// from `posRequests`, for what a spec must set up, read or clean up without going through a
// screen (the sale's trade number, putting the checkout back to idle between tests). Two
// carriers, one interface, like the renderer's: the WebSocket of `kassa serve` (Node's `ws`
// client) and, under Electron, the page's own `window.pos` channel.
//
// Decisions a caller must know:
// - Every request is answered within `timeoutMs` (default 10 s) or fails naming it.
// - A refused request rejects with PosApiError carrying the core's code and message.
// - `upgradeVerdict` opens (and closes) one raw WebSocket and reports the HTTP status of a
//   refusal, for the security spec: the carrier above always sends a valid handshake.
import WebSocket from 'ws';
import type { Page } from '@playwright/test';
import type { CheckoutView, EventMessage, HostMessage, ParamsOf, RequestName, ResultOf } from '../../../src/shared/api.ts';

export class PosApiError extends Error {
  override name = 'PosApiError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PosApi {
  request<N extends RequestName>(name: N, params: ParamsOf<N>): Promise<ResultOf<N>>;
  /** Events seen since the connection opened (browser carrier) or since the last call (Electron). */
  readonly events: readonly EventMessage[];
  close(): Promise<void>;
}

/** The WebSocket carrier: `url` is ws://127.0.0.1:<port>/api (plus ?token= when needed). */
export function connectPosSocket(url: string, options: { readonly timeoutMs?: number; readonly headers?: Record<string, string> } = {}): Promise<PosApi> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5000, ...(options.headers ? { headers: options.headers } : {}) });
    const waiting = new Map<number, { resolve: (m: HostMessage) => void; timer: NodeJS.Timeout }>();
    const events: EventMessage[] = [];
    let nextId = 1;
    ws.on('unexpected-response', (_req, res) => reject(new Error(`the API WebSocket at ${url} was refused: HTTP ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as HostMessage;
      if (message.t === 'evt') {
        events.push(message);
        if (events.length > 2000) events.splice(0, 1000);
        return;
      }
      const w = waiting.get(message.id);
      if (w) {
        waiting.delete(message.id);
        clearTimeout(w.timer);
        w.resolve(message);
      }
    });
    ws.on('open', () => {
      ws.off('error', reject);
      ws.on('error', () => undefined);
      resolve({
        events,
        request<N extends RequestName>(name: N, params: ParamsOf<N>): Promise<ResultOf<N>> {
          const id = nextId++;
          return new Promise<ResultOf<N>>((done, fail) => {
            const timer = setTimeout(() => {
              waiting.delete(id);
              fail(new Error(`${name} was not answered within ${timeoutMs} ms`));
            }, timeoutMs);
            waiting.set(id, {
              timer,
              resolve: (m) => {
                if (m.t !== 'res') return;
                if (m.ok) done(m.result as ResultOf<N>);
                else fail(new PosApiError(m.error.code, `${name}: ${m.error.code}: ${m.error.message}`));
              },
            });
            ws.send(JSON.stringify({ t: 'req', id, name, params }));
          });
        },
        close: () =>
          new Promise<void>((done) => {
            if (ws.readyState === WebSocket.CLOSED) return done();
            const guard = setTimeout(() => {
              ws.terminate();
              done();
            }, 2000);
            ws.once('close', () => {
              clearTimeout(guard);
              done();
            });
            ws.close(1000);
          }),
      });
    });
  });
}

/**
 * The Electron carrier: requests go through the page's `window.pos` (the preload's channel).
 * The page functions are strings because the root tsconfig has no DOM types.
 */
export function windowPosApi(page: Page, options: { readonly timeoutMs?: number } = {}): PosApi {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let nextId = 1_000_000;
  return {
    events: [],
    async request<N extends RequestName>(name: N, params: ParamsOf<N>): Promise<ResultOf<N>> {
      const id = nextId++;
      const reply = (await page.evaluate(
        `new Promise((resolve) => {
          const pos = window.pos;
          const timer = setTimeout(() => { off(); resolve({ t: 'res', id: ${id}, ok: false, error: { code: 'unavailable', message: 'no answer within ${timeoutMs} ms' } }); }, ${timeoutMs});
          const off = pos.subscribe((m) => { if (m.t === 'res' && m.id === ${id}) { clearTimeout(timer); off(); resolve(m); } });
          pos.post({ t: 'req', id: ${id}, name: ${JSON.stringify(name)}, params: ${JSON.stringify(params)} });
        })`,
      )) as HostMessage;
      if (reply.t !== 'res') throw new Error(`${name}: not a reply`);
      if (!reply.ok) throw new PosApiError(reply.error.code, `${name}: ${reply.error.code}: ${reply.error.message}`);
      return reply.result as ResultOf<N>;
    },
    close: async () => undefined,
  };
}

/** The HTTP answer to one WebSocket upgrade: 'open' when it was accepted (then closed again). */
export function upgradeVerdict(url: string, headers: Record<string, string> = {}): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 5000, headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve('open');
      ws.close(1000);
    });
    ws.on('error', (err) => reject(err));
  });
}

/**
 * Polls checkout.view until `check` holds and the core is not busy (or, with `whileBusy`, even
 * though it is: a wallet payment keeps it busy until it ends); bounded.
 */
export async function waitForCheckout(api: PosApi, what: string, check: (v: CheckoutView) => boolean, options: { readonly ms?: number; readonly whileBusy?: boolean } = {}): Promise<CheckoutView> {
  const ms = options.ms ?? 10_000;
  const deadline = Date.now() + ms;
  let view: CheckoutView | null = null;
  while (Date.now() < deadline) {
    view = await api.request('checkout.view', {});
    if ((options.whileBusy === true || !view.busy) && check(view)) return view;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}; the checkout is in ${view?.state ?? '?'} (${view?.phase ?? '?'}), error: ${view?.error ?? 'none'}`);
}

/**
 * Puts the checkout back to idle whatever a test left behind: stops a wallet payment, cancels
 * an open sale, retries a failed commit, clears the error. Bounded (20 s).
 */
export async function resetCheckout(api: PosApi): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const v = await api.request('checkout.view', {});
    if (v.phase === 'idle' && !v.busy) {
      if (v.error !== null) await api.request('checkout.send', { command: { type: 'CLEAR_ERROR' } });
      return;
    }
    if (!v.busy || v.phase === 'paying') {
      const command =
        v.phase === 'paying'
          ? v.payment?.stopping
            ? null
            : ({ type: 'STOP_PAYMENT' } as const)
          : v.phase === 'commitFailed'
            ? ({ type: 'RETRY' } as const)
            : v.phase === 'selling' || v.phase === 'tendering' || v.phase === 'noPaper'
              ? ({ type: 'CANCEL', reason: 'e2e: reset between tests' } as const)
              : null;
      if (command) await api.request('checkout.send', { command }).catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const v = await api.request('checkout.view', {});
  throw new Error(`could not put the checkout back to idle within 20 s: it is in ${v.state} (${v.phase})`);
}
