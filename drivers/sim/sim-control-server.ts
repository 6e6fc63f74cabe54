// The HTTP control API of `kassa sim` (issue 3 §9): what a trainer, a UI test or a shell script
// uses to play the customer and the hardware: scan a code, put a weight on the scale, pull the
// paper, open the cover, pull a cable, and read back what the printer printed and what the
// pole display shows. Hand-written on node:http: a dozen JSON routes need no framework, and
// the project has no HTTP server dependency to reuse.
//
// Decisions (a caller can rely on them):
// - Bound to 127.0.0.1 only, never another interface: it can open the cash drawer's status and
//   read receipts. Port 0 picks a free port; `url` reports the one in use.
// - Request bodies are JSON objects of at most `maxBodyBytes` (default 16 KiB); larger ones get
//   413. Routes that need no body ignore one.
// - Errors are JSON `{"error": "..."}` naming what was wrong: 400 bad body or field, 404 unknown
//   path, receipt or a device the rig does not run, 405 wrong method (with Allow), 409 the
//   device is unplugged (or the rig stopped), 413 body too large (the connection is closed),
//   500 anything else (a renderer failure included). Successes are 200 JSON (text
//   and PNG receipts excepted).
// - Receipts are numbered from 0 in print order; the open receipt (not cut yet) is the last.
// - Numbers JSON cannot hold come out as null: paperRemainingLines is null on an endless roll.
// - /printer/garble inverts every reply byte (DLE EOT, GS r, ASB), which no status parser can
//   read as a valid reply, so a driver must count it as garbage and carry on.
//
// Routes:
//   GET  /status                      every device: link path, state, counters, device state
//   POST /scanner/scan                {"code": string, "aim"?: "]E0" | null}
//   POST /scale/weight                {"grams": number, "motion"?: boolean}
//   POST /scale/overload              over capacity until the next weight
//   POST /printer/paper               {"state": "ok" | "near-end" | "out"}
//   POST /printer/paper-out-after     {"lines": integer >= 0}
//   POST /printer/cover               {"open": boolean}
//   POST /printer/online              {"online": boolean}
//   POST /printer/drawer/close        pushes the cash drawer shut
//   POST /printer/garble              {"on": boolean}
//   POST /printer/slow                {"bytesPerSecond": number > 0 | null}
//   POST /printer/reset               fresh roll, no faults, no receipts (between tests)
//   POST /{device}/unplug             kill that device's socat (device: printer, scanner, display, scale)
//   POST /{device}/replug             start it again on the same link paths
//   GET  /printer/receipts            [{index, lines, qrs, barcodes, cutKind, reprintBanner, interrupted, pulses}]
//   GET  /printer/receipts/{n}.txt    the receipt as plain text (renderText)
//   GET  /printer/receipts/{n}.png    the receipt as a PNG image
//   GET  /display                     {"line1", "line2"}

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTransportError } from '../transports/byte-transport.ts';
import { renderReceiptPng } from './receipt-png.ts';
import { renderText } from './virtual-printer.ts';
import type { PaperState, PrintedReceipt } from './virtual-printer.ts';
import { SIM_DEVICE_NAMES, SimRigError } from './sim-rig.ts';
import type { SimDeviceName, SimRig } from './sim-rig.ts';

export interface SimControlServerOptions {
  /** Default 0: a free port. */
  readonly port?: number;
  /** Default 16 KiB. */
  readonly maxBodyBytes?: number;
  /** Renders a receipt as PNG; default renderReceiptPng (./receipt-png.ts). */
  readonly renderPng?: (receipt: PrintedReceipt) => Uint8Array;
}

export interface SimControlServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const PAPER_STATES: readonly PaperState[] = ['ok', 'near-end', 'out'];

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

type Body = Readonly<Record<string, unknown>>;
type Reply = { readonly json: unknown } | { readonly type: string; readonly body: string | Uint8Array };

interface Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly handle: (match: RegExpMatchArray, body: () => Promise<Body>) => Promise<Reply> | Reply;
}

const invert = (reply: Uint8Array): Uint8Array => reply.map((b) => b ^ 0xff);

export async function startSimControlServer(rig: SimRig, options: SimControlServerOptions = {}): Promise<SimControlServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port must be an integer 0–65535, got ${port}`);
  const maxBody = options.maxBodyBytes ?? 16 * 1024;
  let garbling = false;
  const renderPng = options.renderPng ?? ((r: PrintedReceipt) => renderReceiptPng(r));

  const printer = () => {
    if (rig.printer === null) throw new HttpError(404, 'this simulator runs no printer');
    return rig.printer;
  };
  const scale = () => {
    if (rig.scale === null) throw new HttpError(404, 'this simulator runs no scale');
    return rig.scale;
  };
  const receipt = (match: RegExpMatchArray): PrintedReceipt => {
    const index = Number(match[1]);
    const all = printer().printer.receipts();
    const found = all[index];
    if (found === undefined) throw new HttpError(404, `no receipt ${index}: the printer has printed ${all.length} (numbered from 0)`);
    return found;
  };
  const ok = (extra: Record<string, unknown> = {}): Reply => ({ json: { ok: true, ...extra } });

  const routes: Route[] = [
    { method: 'GET', pattern: /^\/status$/, handle: () => ({ json: status(rig) }) },
    {
      method: 'POST',
      pattern: /^\/scanner\/scan$/,
      handle: async (_m, body) => {
        if (rig.scanner === null) throw new HttpError(404, 'this simulator runs no scanner');
        const b = await body();
        const code = b.code;
        if (typeof code !== 'string' || code.length === 0) throw new HttpError(400, `"code" must be a non-empty string, got ${describe(code)}`);
        const aim = b.aim;
        if (aim !== undefined && aim !== null && typeof aim !== 'string') throw new HttpError(400, `"aim" must be an AIM id such as "]E0" or null, got ${describe(aim)}`);
        try {
          await rig.scan(code, aim);
        } catch (error) {
          if (error instanceof RangeError) throw new HttpError(400, error.message);
          throw error;
        }
        return ok({ scans: rig.scanner.counters.scans });
      },
    },
    {
      method: 'POST',
      pattern: /^\/scale\/weight$/,
      handle: async (_m, body) => {
        const s = scale();
        const b = await body();
        const grams = b.grams;
        if (typeof grams !== 'number' || !Number.isFinite(grams)) throw new HttpError(400, `"grams" must be a finite number, got ${describe(grams)}`);
        const motion = optionalBoolean(b, 'motion') ?? false;
        s.place(grams);
        s.setMotion(motion);
        return { json: s.state() };
      },
    },
    {
      method: 'POST',
      pattern: /^\/scale\/overload$/,
      handle: () => {
        const s = scale();
        s.overload();
        return { json: s.state() };
      },
    },
    {
      method: 'POST',
      pattern: /^\/printer\/paper$/,
      handle: async (_m, body) => {
        const p = printer();
        const state = (await body()).state;
        if (typeof state !== 'string' || !PAPER_STATES.includes(state as PaperState)) {
          throw new HttpError(400, `"state" must be one of ${PAPER_STATES.map((s) => `"${s}"`).join(', ')}, got ${describe(state)}`);
        }
        p.setPaper(state as PaperState);
        return ok({ paper: p.printer.paperState });
      },
    },
    {
      method: 'POST',
      pattern: /^\/printer\/paper-out-after$/,
      handle: async (_m, body) => {
        const p = printer();
        const lines = (await body()).lines;
        if (typeof lines !== 'number' || !Number.isInteger(lines) || lines < 0) throw new HttpError(400, `"lines" must be an integer >= 0, got ${describe(lines)}`);
        p.outOfPaperAfterLines(lines);
        return ok({ paper: p.printer.paperState, paperRemainingLines: p.printer.paperRemainingLines });
      },
    },
    {
      method: 'POST',
      pattern: /^\/printer\/cover$/,
      handle: async (_m, body) => {
        const p = printer();
        if (requiredBoolean(await body(), 'open')) p.openCover();
        else p.closeCover();
        return ok({ coverOpen: p.printer.status().coverOpen });
      },
    },
    {
      method: 'POST',
      pattern: /^\/printer\/online$/,
      handle: async (_m, body) => {
        const p = printer();
        if (requiredBoolean(await body(), 'online')) p.goOnline();
        else p.goOffline();
        return ok({ online: p.printer.status().online });
      },
    },
    {
      method: 'POST',
      pattern: /^\/printer\/drawer\/close$/,
      handle: () => {
        const p = printer();
        p.closeDrawer();
        return ok({ drawerOpen: p.printer.drawerOpen });
      },
    },
    {
      method: 'POST',
      pattern: /^\/printer\/garble$/,
      handle: async (_m, body) => {
        const p = printer();
        garbling = requiredBoolean(await body(), 'on');
        p.garbleReplies(garbling ? invert : null);
        return ok({ garble: garbling });
      },
    },
    {
      method: 'POST',
      pattern: /^\/printer\/slow$/,
      handle: async (_m, body) => {
        const p = printer();
        const b = await body();
        const rate = b.bytesPerSecond;
        if (!('bytesPerSecond' in b) || (rate !== null && (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0))) {
          throw new HttpError(400, `"bytesPerSecond" must be a number > 0 or null, got ${describe(rate)}`);
        }
        p.slowLink(rate);
        return ok({ bytesPerSecond: p.bytesPerSecond });
      },
    },
    {
      method: 'POST',
      pattern: /^\/printer\/reset$/,
      handle: () => {
        const p = printer();
        p.printer.reset();
        garbling = false;
        return ok();
      },
    },
    {
      method: 'POST',
      pattern: /^\/(printer|scanner|display|scale)\/(unplug|replug)$/,
      handle: async (match) => {
        const device = match[1] as SimDeviceName;
        if (!rig.has(device)) throw new HttpError(404, `this simulator runs no ${device}`);
        const link = match[2] === 'unplug' ? await rig.unplug(device) : await rig.replug(device);
        return { json: link };
      },
    },
    {
      method: 'GET',
      pattern: /^\/printer\/receipts$/,
      handle: () => ({ json: printer().printer.receipts().map(receiptSummary) }),
    },
    {
      method: 'GET',
      pattern: /^\/printer\/receipts\/(\d{1,9})\.txt$/,
      handle: (match) => ({ type: 'text/plain; charset=utf-8', body: renderText(receipt(match)) }),
    },
    {
      method: 'GET',
      pattern: /^\/printer\/receipts\/(\d{1,9})\.png$/,
      handle: (match) => ({ type: 'image/png', body: renderPng(receipt(match)) }),
    },
    {
      method: 'GET',
      pattern: /^\/display$/,
      handle: () => {
        if (rig.display === null) throw new HttpError(404, 'this simulator runs no display');
        return { json: rig.display.screen() };
      },
    },
  ];

  const server: Server = createServer((req, res) => {
    void serve(routes, maxBody, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://${HOST}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(routes: readonly Route[], maxBody: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const path = new URL(req.url ?? '/', `http://${HOST}`).pathname;
    const candidates = routes.flatMap((route) => {
      const match = path.match(route.pattern);
      return match === null ? [] : [{ route, match }];
    });
    if (candidates.length === 0) throw new HttpError(404, `no such path: ${req.method ?? ''} ${path} (see GET /status and the module comment for the routes)`);
    const hit = candidates.find((c) => c.route.method === req.method);
    if (hit === undefined) {
      const allow = [...new Set(candidates.map((c) => c.route.method))].join(', ');
      throw new HttpError(405, `${path} takes ${allow}, not ${req.method ?? '?'}`, { Allow: allow });
    }
    const reply = await hit.route.handle(hit.match, () => readJson(req, maxBody));
    if ('json' in reply) send(res, 200, 'application/json; charset=utf-8', JSON.stringify(reply.json));
    else send(res, 200, reply.type, reply.body);
  } catch (error) {
    const status = errorStatus(error);
    const message = error instanceof Error ? error.message : String(error);
    const headers = error instanceof HttpError ? error.headers : {};
    if (status === 413) res.shouldKeepAlive = false;
    send(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: message }), headers);
  } finally {
    // A body nobody read (GET, or a route without one) must not hold the connection.
    if (!req.complete) req.resume();
  }
}

function errorStatus(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof SimRigError) return error.code === 'no-device' ? 404 : error.code === 'bad-option' ? 400 : 409;
  // A write that failed because the link went down while it was under way.
  if (isTransportError(error)) return 409;
  return 500;
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) return;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  // Connection: close — a test or script calls now and then, seconds apart: a kept-alive socket
  // would be reused just as the server's keep-alive timer closes it ("other side closed").
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(bytes.length), 'Cache-Control': 'no-store', Connection: 'close', ...headers });
  res.end(bytes);
}

async function readJson(req: IncomingMessage, maxBody: number): Promise<Body> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBody) throw new HttpError(413, `request body is ${declared} bytes; at most ${maxBody} allowed`);
  // Listeners, not for-await: leaving a for-await early destroys the socket before the 413 is sent.
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBody) {
        over = true;
        reject(new HttpError(413, `request body is over ${maxBody} bytes; at most ${maxBody} allowed`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
  const text = raw.toString('utf8').trim();
  if (text === '') throw new HttpError(400, 'expected a JSON object body, got an empty body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, `expected a JSON object body, got ${describe(value)}`);
  return value as Body;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function requiredBoolean(body: Body, name: string): boolean {
  const value = body[name];
  if (typeof value !== 'boolean') throw new HttpError(400, `"${name}" must be true or false, got ${describe(value)}`);
  return value;
}

function optionalBoolean(body: Body, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new HttpError(400, `"${name}" must be true or false when given, got ${describe(value)}`);
  return value;
}

function receiptSummary(r: PrintedReceipt, index: number) {
  return {
    index,
    lines: r.lines,
    qrs: r.qrs,
    barcodes: r.barcodes.map((b) => ({ type: b.type, data: b.data })),
    cutKind: r.cutKind,
    reprintBanner: r.reprintBanner,
    interrupted: r.interrupted,
    pulses: r.pulses.map((p) => ({ pin: p.pin, onMs: p.onMs, offMs: p.offMs, realtime: p.realtime, atMs: p.atMs, opened: p.opened })),
    images: r.images.length,
    unknownCommands: r.unknown.length,
  };
}

function status(rig: SimRig) {
  const links = new Map(rig.links().map((l) => [l.device, l]));
  const devices: Record<string, unknown> = {};
  for (const name of SIM_DEVICE_NAMES) {
    const link = links.get(name);
    if (link === undefined) continue;
    devices[name] = { ...link, ...deviceState(rig, name) };
  }
  return { dir: rig.dir, devices };
}

function deviceState(rig: SimRig, name: SimDeviceName): Record<string, unknown> {
  switch (name) {
    case 'printer': {
      const p = rig.printer;
      if (p === null) return {};
      return {
        profile: rig.printerProfile.id,
        columns: p.printer.columns,
        printer: p.printer.status(),
        paper: p.printer.paperState,
        paperRemainingLines: p.printer.paperRemainingLines,
        heldItems: p.printer.heldItems,
        receipts: p.printer.receipts().length,
        bytesPerSecond: p.bytesPerSecond,
        pendingBytes: p.pendingBytes,
        counters: { ...p.counters },
      };
    }
    case 'scanner':
      return rig.scanner === null ? {} : { suffix: rig.scannerSuffix, aim: rig.scannerAim, counters: { ...rig.scanner.counters } };
    case 'display':
      return rig.display === null ? {} : { commandSet: rig.displayCommandSet, charset: rig.displayCharset, screen: rig.display.screen(), counters: { ...rig.display.display.counters } };
    case 'scale':
      return rig.scale === null ? {} : { unit: rig.scaleUnit, scale: rig.scale.state(), counters: { ...rig.scale.counters } };
  }
}
