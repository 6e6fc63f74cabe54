// The store server's HTTP API on node:http (issue 6 §1): terminals push outbox batches, pull
// catalog changes and ask for settlement; the operator registers terminals, publishes catalog
// changes, imports and lists promotions (./promotions.ts), coupons (./coupons.ts) and members
// (./members.ts, with a member's history), and reads settlement; terminals reserve and release
// single-use coupons. Paths, bodies and answers are src/shared/sync-protocol.ts.
// node:http and no framework: a handful of routes with JSON bodies, and the rules that matter (a body
// limit, a cut-off body never applied, refusals before any write) are clearer written out.
//
// Decisions a caller must know:
// - Binds 127.0.0.1 unless told otherwise; for other machines put it behind a TLS reverse
//   proxy (the tokens travel in headers).
// - Every request is checked in this order, and the first failure answers: route (404/405),
//   credentials (401), body size (413), JSON and schema (400), item schema versions (422).
//   Nothing is written before all of them pass.
// - A body that ends early (the terminal or the network went away mid-upload) is never
//   parsed, so nothing of it is stored; it is counted in stats().aborted.
// - A batch's write is one transaction: a storage error in it rolls the batch back whole and
//   answers 503 `unavailable` (the terminal re-sends it); a bug answers 500 `internal`. Both
//   go to onError.
// - Admin routes (/v1/admin/…) need `adminToken`; a server started without one answers 404 there.
// - Terminal requests are noted (./terminal-reports.ts) with the optional Kassa-Terminal-Report
//   header: a pull or a settlement as soon as it is authenticated, a push once its batch is
//   applied. A report header that does not parse refuses the request (400 `malformed`, naming
//   the field): it is built by the terminal's own code, so it is a bug to show, not to guess at.
// - close() stops accepting, lets requests in flight finish (at most 10 s) and resolves when
//   the port is free. It does not close the storage: its owner does.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import {
  MAX_BODY_BYTES,
  SYNC_API_VERSION,
  SYNC_SCHEMA_VERSION,
  TERMINAL_HEADER,
  TERMINAL_REPORT_HEADER,
  catalogPublishRequest,
  decodeTerminalReport,
  catalogPullQuery,
  couponReleaseRequest,
  couponReserveRequest,
  couponsImportRequest,
  membersImportRequest,
  promotionsImportRequest,
  pushRequest,
  registerTerminalRequest,
  settlementQuery,
  storeId as storeIdSchema,
  type ErrorResponse,
  type HealthResponse,
  type SyncErrorCode,
  type TerminalReport,
} from '../../shared/sync-protocol.ts';
import { memberSchema } from '../../domain/members/member.ts';
import { publishCatalog, pullCatalog } from './catalog.ts';
import { couponChangeProblem, importCoupons, listStoreCoupons, releaseCoupon, reserveCoupon } from './coupons.ts';
import { importMembers, listStoreMembers, memberChangeProblem, memberHistory } from './members.ts';
import { importPromotions, listStorePromotions, promotionChangeProblem } from './promotions.ts';
import { applyPush, describeIssues, findUnstorable, refuseNewerSchema } from './push.ts';
import { settlement } from './settlement.ts';
import type { StoreStorage } from './storage.ts';
import { StoreStorageError } from './storage.ts';
import { StoreRefusal } from './refusal.ts';
import { noteTerminal } from './terminal-reports.ts';
import { authenticateTerminal, registerTerminal, storeExists } from './terminals.ts';
import type { AuthenticatedTerminal } from './terminals.ts';

export interface StoreServerOptions {
  readonly storage: StoreStorage;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** The operator's bearer token for /v1/admin/…; without it those routes answer 404. */
  readonly adminToken?: string;
  readonly maxBodyBytes?: number;
  /** The clock (tests). */
  readonly now?: () => Date;
  /** Storage failures and bugs, with what was being done. */
  readonly onError?: (message: string, error: unknown) => void;
}

export interface StoreServerStats {
  requests: number;
  /** Answers of 4xx/5xx by code. */
  refused: Partial<Record<SyncErrorCode, number>>;
  /** Bodies that ended before they were complete (never applied). */
  aborted: number;
  batches: number;
  applied: number;
  duplicates: number;
  rejected: number;
}

export interface StoreServer {
  /** http://host:port */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  stats(): StoreServerStats;
  close(): Promise<void>;
}

const STATUS: Readonly<Record<SyncErrorCode, number>> = {
  malformed: 400,
  'too-large': 413,
  'missing-credentials': 401,
  'unknown-terminal': 401,
  'bad-token': 401,
  'newer-schema': 422,
  conflict: 409,
  'not-found': 404,
  'method-not-allowed': 405,
  unavailable: 503,
  internal: 500,
};

class BodyAborted extends Error {
  override name = 'BodyAborted';
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A storage failure (the database said no, or is unreachable) rather than a bug here. */
function isStorageFailure(err: unknown): boolean {
  if (err instanceof StoreStorageError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' || /connection|terminated|ECONN|timeout/i.test(err.message);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new StoreRefusal('too-large', `the body is ${declared} bytes; at most ${limit} are accepted (send smaller batches)`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new StoreRefusal('too-large', `the body is over ${limit} bytes (send smaller batches)`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof StoreRefusal) throw err;
    throw new BodyAborted(`the body ended early: ${(err as Error).message}`);
  }
  if (!req.complete) throw new BodyAborted('the body ended early');
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new StoreRefusal('malformed', `the body is not JSON: ${(err as Error).message}`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StoreRefusal('malformed', `${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams.entries());
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

type Route = { readonly method: 'GET' | 'POST'; readonly run: (req: IncomingMessage, url: URL, params: readonly string[]) => Promise<unknown> };

export async function startStoreServer(options: StoreServerOptions): Promise<StoreServer> {
  const { storage } = options;
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? (() => undefined);
  const stats: StoreServerStats = { requests: 0, refused: {}, aborted: 0, batches: 0, applied: 0, duplicates: 0, rejected: 0 };

  const terminal = async (req: IncomingMessage): Promise<AuthenticatedTerminal & { readonly report: TerminalReport | null }> => {
    const id = req.headers[TERMINAL_HEADER];
    const who = await authenticateTerminal(storage, typeof id === 'string' ? id : undefined, bearer(req));
    const raw = req.headers[TERMINAL_REPORT_HEADER];
    if (raw === undefined) return { ...who, report: null };
    const decoded = decodeTerminalReport(Array.isArray(raw) ? raw.join(',') : raw);
    if (!decoded.ok) throw new StoreRefusal('malformed', decoded.message);
    return { ...who, report: decoded.report };
  };
  const admin = (req: IncomingMessage): void => {
    if (options.adminToken === undefined) throw new StoreRefusal('not-found', 'this store server was started without an admin token: the admin API is off');
    const token = bearer(req);
    if (token === undefined) throw new StoreRefusal('missing-credentials', 'an admin request needs "Authorization: Bearer <admin token>"');
    if (!sameSecret(token, options.adminToken)) throw new StoreRefusal('bad-token', 'that is not this store server\'s admin token');
  };
  const storeParam = (raw: string | undefined): string => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw ?? '');
    } catch {
      throw new StoreRefusal('malformed', 'the store id in the path is not valid percent-encoding');
    }
    return parseWith(storeIdSchema, decoded, 'store id in the path');
  };
  const memberParam = (raw: string | undefined): string => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw ?? '');
    } catch {
      throw new StoreRefusal('malformed', 'the member number in the path is not valid percent-encoding');
    }
    return parseWith(memberSchema.shape.id, decoded, 'member number in the path');
  };

  const routes: ReadonlyArray<{ readonly pattern: RegExp; readonly routes: readonly Route[] }> = [
    {
      pattern: /^\/v1\/health$/,
      routes: [
        {
          method: 'GET',
          run: async (): Promise<HealthResponse> => ({ ok: true, service: 'kassa-store-server', apiVersion: SYNC_API_VERSION, schemaVersion: SYNC_SCHEMA_VERSION, storage: storage.kind }),
        },
      ],
    },
    {
      pattern: /^\/v1\/sync\/push$/,
      routes: [
        {
          method: 'POST',
          run: async (req) => {
            const who = await terminal(req);
            const raw = parseJson(await readBody(req, limit));
            const newer = refuseNewerSchema(raw);
            if (newer !== null) throw newer;
            const request = parseWith(pushRequest, raw, 'push');
            const answer = await applyPush(storage, who, request, now());
            await noteTerminal(storage, who.terminalId, who.report, now());
            stats.batches += 1;
            stats.applied += answer.applied;
            stats.duplicates += answer.duplicates;
            stats.rejected += answer.rejected;
            return answer;
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/sync\/catalog$/,
      routes: [
        {
          method: 'GET',
          run: async (req, url) => {
            const who = await terminal(req);
            const query = parseWith(catalogPullQuery, queryOf(url), 'catalog query');
            await noteTerminal(storage, who.terminalId, who.report, now());
            return pullCatalog(storage, who.storeId, query.since, query.limit);
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/sync\/settlement$/,
      routes: [
        {
          method: 'GET',
          run: async (req, url) => {
            const who = await terminal(req);
            const query = parseWith(settlementQuery, queryOf(url), 'settlement query');
            await noteTerminal(storage, who.terminalId, who.report, now());
            return settlement(storage, who.storeId, query, now());
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/sync\/coupons\/reserve$/,
      routes: [
        {
          method: 'POST',
          run: async (req) => {
            const who = await terminal(req);
            const request = parseWith(couponReserveRequest, parseJson(await readBody(req, limit)), 'coupon reserve');
            await noteTerminal(storage, who.terminalId, who.report, now());
            return reserveCoupon(storage, who, request);
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/sync\/coupons\/release$/,
      routes: [
        {
          method: 'POST',
          run: async (req) => {
            const who = await terminal(req);
            const request = parseWith(couponReleaseRequest, parseJson(await readBody(req, limit)), 'coupon release');
            await noteTerminal(storage, who.terminalId, who.report, now());
            return releaseCoupon(storage, who, request);
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/admin\/terminals$/,
      routes: [
        {
          method: 'POST',
          run: async (req) => {
            admin(req);
            const request = parseWith(registerTerminalRequest, parseJson(await readBody(req, limit)), 'register');
            return registerTerminal(storage, request, now());
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/admin\/stores\/([^/]+)\/catalog$/,
      routes: [
        {
          method: 'POST',
          run: async (req, _url, [raw]) => {
            admin(req);
            const storeId = storeParam(raw);
            const request = parseWith(catalogPublishRequest, parseJson(await readBody(req, limit)), 'catalog publish');
            const unstorable = findUnstorable(request.changes, 'changes');
            if (unstorable !== null) throw new StoreRefusal('malformed', unstorable);
            const badPromotion = request.changes.map(promotionChangeProblem).find((p) => p !== null);
            if (badPromotion !== undefined) throw new StoreRefusal('malformed', badPromotion);
            const viaImport = request.changes.map((c, i) => couponChangeProblem(c, i) ?? memberChangeProblem(c, i)).find((p) => p !== null);
            if (viaImport !== undefined) throw new StoreRefusal('malformed', viaImport);
            return publishCatalog(storage, storeId, request.changes);
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/admin\/stores\/([^/]+)\/promotions$/,
      routes: [
        {
          method: 'GET',
          run: async (req, _url, [raw]) => {
            admin(req);
            return listStorePromotions(storage, storeParam(raw));
          },
        },
        {
          method: 'POST',
          run: async (req, _url, [raw]) => {
            admin(req);
            const storeId = storeParam(raw);
            const request = parseWith(promotionsImportRequest, parseJson(await readBody(req, limit)), 'promotions import');
            const unstorable = findUnstorable(request.promotions, 'promotions');
            if (unstorable !== null) throw new StoreRefusal('malformed', unstorable);
            return importPromotions(storage, storeId, request.promotions, request.replace);
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/admin\/stores\/([^/]+)\/coupons$/,
      routes: [
        {
          method: 'GET',
          run: async (req, _url, [raw]) => {
            admin(req);
            return listStoreCoupons(storage, storeParam(raw));
          },
        },
        {
          method: 'POST',
          run: async (req, _url, [raw]) => {
            admin(req);
            const storeId = storeParam(raw);
            const request = parseWith(couponsImportRequest, parseJson(await readBody(req, limit)), 'coupons import');
            const unstorable = findUnstorable(request.coupons, 'coupons');
            if (unstorable !== null) throw new StoreRefusal('malformed', unstorable);
            return importCoupons(storage, storeId, request.coupons, request.replace);
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/admin\/stores\/([^/]+)\/members$/,
      routes: [
        {
          method: 'GET',
          run: async (req, _url, [raw]) => {
            admin(req);
            return listStoreMembers(storage, storeParam(raw));
          },
        },
        {
          method: 'POST',
          run: async (req, _url, [raw]) => {
            admin(req);
            const storeId = storeParam(raw);
            const request = parseWith(membersImportRequest, parseJson(await readBody(req, limit)), 'members import');
            const unstorable = findUnstorable(request.members, 'members');
            if (unstorable !== null) throw new StoreRefusal('malformed', unstorable);
            return importMembers(storage, storeId, request.members, request.replace);
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/admin\/stores\/([^/]+)\/members\/([^/]+)$/,
      routes: [
        {
          method: 'GET',
          run: async (req, _url, [rawStore, rawMember]) => {
            admin(req);
            const storeId = storeParam(rawStore);
            return memberHistory(storage, storeId, memberParam(rawMember));
          },
        },
      ],
    },
    {
      pattern: /^\/v1\/admin\/stores\/([^/]+)\/settlement$/,
      routes: [
        {
          method: 'GET',
          run: async (req, url, [raw]) => {
            admin(req);
            const storeId = storeParam(raw);
            const query = parseWith(settlementQuery, queryOf(url), 'settlement query');
            if (!(await storeExists(storage, storeId))) throw new StoreRefusal('not-found', `no store "${storeId}" on this store server`);
            return settlement(storage, storeId, query, now());
          },
        },
      ],
    },
  ];

  const refuse = (req: IncomingMessage, res: ServerResponse, refusal: StoreRefusal, extraHeaders: Record<string, string> = {}): void => {
    stats.refused[refusal.code] = (stats.refused[refusal.code] ?? 0) + 1;
    const body: ErrorResponse = { error: { code: refusal.code, message: refusal.message, ...refusal.details } };
    // A body we did not read to its end would be taken for the next request: close instead.
    const unread = !req.complete;
    if (unread) req.resume();
    send(res, STATUS[refusal.code], body, unread ? { ...extraHeaders, connection: 'close' } : extraHeaders);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests += 1;
    const url = new URL(req.url ?? '/', 'http://store.invalid');
    let params: string[] = [];
    const entry = routes.find((r) => {
      const match = r.pattern.exec(url.pathname);
      if (match) params = match.slice(1);
      return match !== null;
    });
    if (entry === undefined) return refuse(req, res, new StoreRefusal('not-found', `no such path: ${url.pathname}`));
    const route = entry.routes.find((r) => r.method === req.method);
    if (route === undefined) {
      const allow = entry.routes.map((r) => r.method).join(', ');
      return refuse(req, res, new StoreRefusal('method-not-allowed', `${url.pathname} takes ${allow}, not ${req.method ?? '?'}`), { allow });
    }
    try {
      send(res, 200, await route.run(req, url, params));
    } catch (err) {
      if (err instanceof BodyAborted) {
        stats.aborted += 1;
        res.destroy();
      } else if (err instanceof StoreRefusal) {
        refuse(req, res, err);
      } else if (isStorageFailure(err)) {
        onError(`${req.method ?? '?'} ${url.pathname}: storage failed; nothing of this request was kept`, err);
        refuse(req, res, new StoreRefusal('unavailable', `the store's database failed (${(err as Error).message}); nothing of this request was kept: send it again`));
      } else {
        onError(`${req.method ?? '?'} ${url.pathname}: unexpected error`, err);
        refuse(req, res, new StoreRefusal('internal', 'the store server hit an unexpected error; nothing of this request was kept: send it again'));
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      onError('answering a request failed', err);
      res.destroy();
    });
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    stats: () => structuredClone(stats),
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
