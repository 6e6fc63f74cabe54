// The sandbox payment gateway: one node:http server on 127.0.0.1 that is Alipay's v2 gateway,
// WeChat Pay's v2 micropay API, the buyers' wallet and a control panel for faults, over one
// SQLite ledger. Training mode points the terminal at it; every payment test runs against it.
//
// Routes:
//   POST /gateway.do                   Alipay OpenAPI v2 (alipay-gateway.ts)
//   GET  /downloadBillFile.resource    bill zips behind the URLs the gateway hands out (bill.ts)
//   POST /pay/micropay, /pay/orderquery, /secapi/pay/reverse, /secapi/pay/refund, /pay/refundquery
//                                      WeChat Pay v2 (wechat-micropay.ts)
//   /wallet/…                          the buyers (wallet-api.ts)
//   GET  /sandbox/info                 gateway URL, app ids, WeChat merchant ids (never keys)
//   GET  /sandbox/ledger               {snapshot, totals, problems} (ledger.ts)
//   GET  /sandbox/faults               {"rules": [...]}; POST one rule (faults.ts) → the rule;
//   DELETE /sandbox/faults             removes all; DELETE /sandbox/faults/{id} removes one
//
// Decisions:
// - Bound to 127.0.0.1 only: it moves (play) money and exposes a ledger. Port 0 = any free port.
// - Bodies are limited to `maxBodyBytes` (default 256 KiB): 413 beyond.
// - close() stops listening, cuts open connections (including answers held back by latency
//   faults) and closes the ledger if the server opened it.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipayGateway } from './alipay-gateway.ts';
import type { AlipayApp } from './alipay-gateway.ts';
import type { PrivateKeyInput } from './alipay-signing.ts';
import { BILL_PATH, BillService } from './bill.ts';
import { FaultInjector, FaultRuleError } from './faults.ts';
import type { FaultRuleInput } from './faults.ts';
import { HttpError, parseJsonObject, readBody, send, sendJson } from './http-util.ts';
import { Ledger } from './ledger.ts';
import { merchantPid } from './ids.ts';
import { TradeBook } from './trade-book.ts';
import { SandboxWallet } from './wallet.ts';
import { walletRoute } from './wallet-api.ts';
import { WECHAT_PATHS, WechatMicropay } from './wechat-micropay.ts';
import type { WechatMerchant } from './wechat-micropay.ts';

export type { AlipayApp } from './alipay-gateway.ts';
export type { WechatMerchant } from './wechat-micropay.ts';

export interface SandboxOptions {
  /** Default 0: any free port. */
  readonly port?: number;
  /** A ledger file, ':memory:' (default), or an open Ledger (left open by close()). */
  readonly ledger?: string | Ledger;
  /** The gateway's private key (PKCS1 or PKCS8 PEM): it signs every Alipay response. */
  readonly gatewayPrivateKey: PrivateKeyInput;
  /** Apps allowed to call the Alipay gateway, each with its public key. */
  readonly alipayApps: readonly AlipayApp[];
  readonly wechatMerchants?: readonly WechatMerchant[];
  /** Default Date.now; tests move time with their own. */
  readonly clock?: () => number;
  /** Payment codes stay valid this long. Default 120 000 ms. */
  readonly codeTtlMs?: number;
  /** Largest total_amount accepted, in fen. Default 100 000 000 yuan (Alipay's limit). */
  readonly maxTotalFen?: number;
  /** WeChat's automatic revoke of an unpaid micropay. Default 45 000 ms. */
  readonly wechatRevokeAfterMs?: number;
  /** TRADE_SUCCESS becomes TRADE_FINISHED after this. Default 90 days. */
  readonly refundWindowMs?: number;
  readonly maxBodyBytes?: number;
  /** Told about the sandbox's own bugs (answered HTTP 500). Default: printed on stderr. */
  readonly onInternalError?: (err: unknown) => void;
}

export interface SandboxServer {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** http://127.0.0.1:<port>/gateway.do: alipay-sdk's `gateway`. */
  readonly gatewayUrl: string;
  readonly ledger: Ledger;
  readonly book: TradeBook;
  readonly wallet: SandboxWallet;
  readonly faults: FaultInjector;
  readonly bills: BillService;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startSandbox(options: SandboxOptions): Promise<SandboxServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port must be a whole number 0–65535, got ${port}`);
  if (options.alipayApps.length === 0 && (options.wechatMerchants ?? []).length === 0) throw new RangeError('the sandbox needs at least one Alipay app or WeChat merchant');
  const maxBody = options.maxBodyBytes ?? 256 * 1024;
  const clock = options.clock ?? Date.now;
  const ownLedger = !(options.ledger instanceof Ledger);
  const ledger = options.ledger instanceof Ledger ? options.ledger : new Ledger(options.ledger ?? ':memory:');
  const onInternalError = options.onInternalError ?? ((err: unknown) => process.stderr.write(`kassa sandbox: internal error: ${(err as Error)?.stack ?? String(err)}\n`));
  const maxTotalFen = options.maxTotalFen ?? 10_000_000_000;
  try {
    ledger.transaction(() => {
      for (const app of options.alipayApps) ledger.ensureMerchant({ wallet: 'alipay', id: app.appId, pid: merchantPid(), name: app.name ?? `Sandbox app ${app.appId}` });
      for (const m of options.wechatMerchants ?? []) ledger.ensureMerchant({ wallet: 'wechat', id: m.mchId, pid: m.mchId, name: m.name ?? `Sandbox merchant ${m.mchId}` });
    });
  } catch (err) {
    if (ownLedger) ledger.close();
    throw err;
  }
  const book = new TradeBook(ledger, { clock, ...(options.refundWindowMs === undefined ? {} : { refundWindowMs: options.refundWindowMs }) });
  const wallet = new SandboxWallet(book, options.codeTtlMs === undefined ? {} : { codeTtlMs: options.codeTtlMs });
  const faults = new FaultInjector();
  let baseUrl = '';
  const bills = new BillService({ ledger, clock, baseUrl: () => baseUrl });
  const alipay = new AlipayGateway({ apps: options.alipayApps, privateKey: options.gatewayPrivateKey, book, ledger, bills, faults, maxTotalFen, onInternalError });
  const wechat = new WechatMicropay({
    merchants: options.wechatMerchants ?? [],
    book,
    ledger,
    faults,
    maxTotalFen,
    onInternalError,
    ...(options.wechatRevokeAfterMs === undefined ? {} : { revokeAfterMs: options.wechatRevokeAfterMs }),
  });
  const shutdown = new AbortController();

  const control = async (method: string, path: string, body: () => Promise<Record<string, unknown>>): Promise<{ status: number; json: unknown } | null> => {
    if (path === '/sandbox/info') {
      if (method !== 'GET') throw new HttpError(405, `${path} takes GET`);
      return {
        status: 200,
        json: {
          url: baseUrl,
          gatewayUrl: `${baseUrl}/gateway.do`,
          alipayAppIds: options.alipayApps.map((a) => a.appId),
          wechatMerchants: (options.wechatMerchants ?? []).map((m) => ({ appid: m.appid, mchId: m.mchId })),
          ledger: ledger.file,
        },
      };
    }
    if (path === '/sandbox/ledger') {
      if (method !== 'GET') throw new HttpError(405, `${path} takes GET`);
      book.settleNow();
      return { status: 200, json: { snapshot: ledger.snapshot(), totals: ledger.totals(), problems: ledger.check() } };
    }
    if (path === '/sandbox/faults') {
      if (method === 'GET') return { status: 200, json: { rules: faults.list() } };
      if (method === 'DELETE') {
        faults.clear();
        return { status: 200, json: { rules: [] } };
      }
      if (method !== 'POST') throw new HttpError(405, `${path} takes GET, POST or DELETE`);
      try {
        return { status: 200, json: faults.add((await body()) as unknown as FaultRuleInput) };
      } catch (err) {
        if (err instanceof FaultRuleError) throw new HttpError(400, err.message);
        throw err;
      }
    }
    const one = /^\/sandbox\/faults\/(\d+)$/.exec(path);
    if (one !== null) {
      if (method !== 'DELETE') throw new HttpError(405, `${path} takes DELETE`);
      if (!faults.remove(Number(one[1]))) throw new HttpError(404, `no fault rule ${one[1]}`);
      return { status: 200, json: { rules: faults.list() } };
    }
    return null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/gateway.do' || WECHAT_PATHS[path] !== undefined) {
      if (method !== 'POST') throw new HttpError(405, `${path} takes POST`);
      const raw = await readBody(req, maxBody);
      if (shutdown.signal.aborted) return;
      if (path === '/gateway.do') await alipay.handle(res, url, raw, shutdown.signal);
      else await wechat.handle(res, path, raw, shutdown.signal);
      return;
    }
    if (path === BILL_PATH) {
      if (method !== 'GET') throw new HttpError(405, `${path} takes GET`);
      const got = bills.download(url.searchParams.get('fileId') ?? '');
      if (!got.ok) {
        send(res, got.status, 'text/plain;charset=utf-8', got.reason);
        return;
      }
      send(res, 200, 'application/zip', got.file.zip, { 'content-disposition': `attachment; filename="${got.file.fileName}"` });
      return;
    }
    let parsed: Record<string, unknown> | null = null;
    const body = async () => (parsed ??= parseJsonObject(await readBody(req, maxBody)));
    const answer = (await walletRoute(wallet, method, path, body)) ?? (await control(method, path, body));
    if (answer === null) throw new HttpError(404, `no route ${method} ${path}`);
    sendJson(res, answer.status, answer.json);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        sendJson(res, err.status, { error: err.message });
        if (err.status === 413) req.socket.destroy();
        return;
      }
      onInternalError(err);
      sendJson(res, 500, { error: `sandbox bug: ${(err as Error)?.message ?? String(err)}` });
    });
  });
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if (ownLedger) ledger.close();
    throw err;
  }
  const actual = (server.address() as AddressInfo).port;
  baseUrl = `http://${HOST}:${actual}`;
  let closed: Promise<void> | null = null;
  return {
    port: actual,
    url: baseUrl,
    gatewayUrl: `${baseUrl}/gateway.do`,
    ledger,
    book,
    wallet,
    faults,
    bills,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        shutdown.abort();
        server.close(() => {
          if (ownLedger) ledger.close();
          resolve();
        });
        server.closeAllConnections();
      })),
  };
}
