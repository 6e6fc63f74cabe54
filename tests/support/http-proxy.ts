// HTTP proxies that sit between a terminal's sync and the store server in tests and break the
// link at exact points, so a test of exactly-once delivery does not depend on timing:
// - lossyProxy loses answers: the server got and applied the push, the terminal never hears;
// - killingProxy SIGKILLs a child process (a terminal) at one exact point of a push.
// Both forward whole requests (read to the end first) and record what passed through. They
// listen on 127.0.0.1 only. Hand-written on node:http: a proxy library would hide exactly the
// moment these cut the connection.
import type { ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SYNC_PATHS } from '../../src/shared/sync-protocol.ts';

interface Upstream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** Sends the request on to `target` and reads the whole answer (rejects when the target is gone). */
function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const out = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      const parts: Buffer[] = [];
      answer.on('data', (c: Buffer) => parts.push(c));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(parts) }));
      answer.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

function reply(res: ServerResponse, upstream: Upstream): void {
  res.writeHead(upstream.status, upstream.headers);
  res.end(upstream.body);
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void>): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handler(req, res, Buffer.concat(chunks)).catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface LossyProxy {
  readonly url: string;
  /** Lose the answers to the next `n` pushes the server answered 200 (default 1). */
  loseNext(n?: number): void;
  /** The seqs of every item pushed through, in arrival order (re-sends included). */
  readonly seqs: number[];
  close(): Promise<void>;
}

/**
 * A proxy in front of the store server that can lose answers: with `loseNext` set, it forwards
 * the next push to the server, lets the server apply it, and then cuts the terminal's
 * connection instead of answering. Only an answer the server gave can be lost: a push that
 * never reached it (the server is down) is cut like any other failed connection.
 */
export async function lossyProxy(target: string): Promise<LossyProxy> {
  const upstream = new URL(target);
  let lose = 0;
  const seqs: number[] = [];
  const proxy = await listen(async (req, res, body) => {
    const isPush = req.url === SYNC_PATHS.push;
    if (isPush) for (const item of (JSON.parse(body.toString('utf8')) as { items: { seq: number }[] }).items) seqs.push(item.seq);
    const answer = await forward(upstream, req, body);
    if (isPush && answer.status === 200 && lose > 0) {
      lose -= 1;
      req.socket.destroy();
      return;
    }
    reply(res, answer);
  });
  return {
    url: proxy.url,
    loseNext: (n = 1) => {
      lose = n;
    },
    seqs,
    close: proxy.close,
  };
}

export interface KillAt {
  /** Which push of this run (1-based). */
  readonly atPush: number;
  /** Kill as the body arrives, or after the server answered it. */
  readonly when: 'before-server' | 'after-server';
}

export interface KillingProxy {
  readonly url: string;
  /** Pushes seen since it started. */
  pushes(): number;
  /** For the next run: kill `child` at `at` (null: pass everything through). Resets the run's push count. */
  arm(child: ChildProcess, at: KillAt | null): void;
  close(): Promise<void>;
}

/**
 * A proxy in front of the store server that SIGKILLs the syncing child at one exact point of a
 * push, then cuts the connection: the dead child can hear nothing either way.
 */
export async function killingProxy(target: string): Promise<KillingProxy> {
  const upstream = new URL(target);
  let pushes = 0;
  let runPushes = 0;
  let child: ChildProcess | null = null;
  let plan: KillAt | null = null;
  const kill = async (): Promise<void> => {
    const c = child;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await gone;
  };
  const proxy = await listen(async (req, res, body) => {
    let killHere: KillAt['when'] | null = null;
    if (req.url === SYNC_PATHS.push) {
      pushes += 1;
      runPushes += 1;
      if (plan !== null && plan.atPush === runPushes) killHere = plan.when;
    }
    if (killHere === 'before-server') {
      await kill();
      req.socket.destroy();
      return;
    }
    const answer = await forward(upstream, req, body);
    if (killHere === 'after-server') {
      if (answer.status !== 200) throw new Error(`the server answered the push with ${answer.status}`);
      await kill();
      req.socket.destroy();
      return;
    }
    reply(res, answer);
  });
  return {
    url: proxy.url,
    pushes: () => pushes,
    arm(c, at) {
      child = c;
      plan = at;
      runPushes = 0;
    },
    close: proxy.close,
  };
}
