// The wallet (wallet.ts) over HTTP, JSON in and out, for trainers, UI tests and scripts:
//   POST /wallet/buyers                 {"balance": "100.00" | "balanceFen": 10000, "id"?, "name"?,
//                                        "password"?: {"afterSeconds": number | null} | null}  → buyer
//   GET  /wallet/buyers/{id}            → buyer
//   POST /wallet/buyers/{id}/balance    {"balance" | "balanceFen"}  sets it → buyer
//   POST /wallet/buyers/{id}/password   {"afterSeconds": number | null}, or {} for no password → buyer
//   GET  /wallet/buyers/{id}/pending    → {"trades": [trade…]} waiting for this buyer's password
//   POST /wallet/codes                  {"buyer", "wallet": "alipay"|"wechat", "count"?: 1–10000,
//                                        "password"?: …}  → {"codes": [{code, wallet, buyerId, expiresAt, password}]}
//   POST /wallet/scan                   {"qrCode", "buyer", "confirm"?: true}  → {"outcome", "trade"}
//   POST /wallet/confirm                {"tradeNo"}  → {"outcome": "paid"|"balance-not-enough", "trade"}
//   POST /wallet/decline                {"tradeNo"}  → {"trade"}
// A buyer is {id, name, balance: "88.88", balanceFen, alipayUserId, alipayLogonId, wechatOpenid,
// password}; a trade is {tradeNo, wallet, merchant, outTradeNo, kind, status, closeReason,
// total: "88.88", totalFen, refundedFen, buyerId, createdAt, paidAt}.
// Errors are JSON {"error"} with 400 (bad body or field), 404 (no such buyer, trade, QR code or
// route), 409 (the state does not allow it), 405 (wrong method).
import { formatMoney, MoneyError, parseMoney } from '../../domain/money.ts';
import { describe, HttpError } from './http-util.ts';
import type { TradeRow } from './ledger.ts';
import type { PasswordSetting, SandboxWallet } from './wallet.ts';
import { WalletError } from './wallet.ts';

export function tradeJson(t: TradeRow): Record<string, unknown> {
  return {
    tradeNo: t.tradeNo,
    wallet: t.wallet,
    merchant: t.merchant,
    outTradeNo: t.outTradeNo,
    kind: t.kind,
    status: t.status,
    closeReason: t.closeReason,
    total: formatMoney({ amount: t.totalFen, currency: 'CNY' }),
    totalFen: t.totalFen,
    refundedFen: t.refundedFen,
    buyerId: t.buyerId,
    createdAt: t.createdAt,
    paidAt: t.paidAt,
  };
}

type Body = Record<string, unknown>;

function str(b: Body, key: string): string {
  const v = b[key];
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `"${key}" must be a non-empty string, got ${describe(v)}`);
  return v;
}

function balanceOf(b: Body): number {
  if (b.balance !== undefined && b.balanceFen !== undefined) throw new HttpError(400, 'give "balance" or "balanceFen", not both');
  if (b.balanceFen !== undefined) {
    if (typeof b.balanceFen !== 'number' || !Number.isSafeInteger(b.balanceFen)) throw new HttpError(400, `"balanceFen" must be a whole number, got ${describe(b.balanceFen)}`);
    return b.balanceFen;
  }
  if (typeof b.balance !== 'string') throw new HttpError(400, `"balance" must be an amount such as "100.00", got ${describe(b.balance)}`);
  try {
    return parseMoney(b.balance, 'CNY').amount;
  } catch (err) {
    if (err instanceof MoneyError) throw new HttpError(400, `"balance": ${err.message}`);
    throw err;
  }
}

function passwordOf(v: unknown, what: string): PasswordSetting | null | undefined {
  if (v === undefined || v === null) return v as null | undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !('afterSeconds' in v)) throw new HttpError(400, `${what} must be {"afterSeconds": number | null} or null, got ${describe(v)}`);
  const s = (v as { afterSeconds: unknown }).afterSeconds;
  if (s !== null && typeof s !== 'number') throw new HttpError(400, `${what}.afterSeconds must be a number or null, got ${describe(s)}`);
  return { afterSeconds: s };
}

const STATUS: Record<WalletError['code'], number> = { 'not-found': 404, conflict: 409, 'bad-input': 400 };

/**
 * Answers one /wallet/… request. `body` reads and parses the JSON body when a route needs it.
 * Returns null when the path is not a wallet route.
 */
export async function walletRoute(wallet: SandboxWallet, method: string, path: string, body: () => Promise<Body>): Promise<{ status: number; json: unknown } | null> {
  const routes: Array<[string, RegExp, (m: RegExpMatchArray) => Promise<unknown> | unknown]> = [
    ['POST', /^\/wallet\/buyers$/, async () => {
      const b = await body();
      const password = passwordOf(b.password, '"password"');
      return wallet.createBuyer({
        balanceFen: balanceOf(b),
        ...(b.id === undefined ? {} : { id: str(b, 'id') }),
        ...(b.name === undefined ? {} : { name: str(b, 'name') }),
        ...(password === undefined ? {} : { password }),
      });
    }],
    ['GET', /^\/wallet\/buyers\/([^/]+)$/, (m) => wallet.buyer(decodeURIComponent(m[1] ?? ''))],
    ['POST', /^\/wallet\/buyers\/([^/]+)\/balance$/, async (m) => wallet.setBalance(decodeURIComponent(m[1] ?? ''), balanceOf(await body()))],
    ['POST', /^\/wallet\/buyers\/([^/]+)\/password$/, async (m) => {
      const b = await body();
      const setting = Object.keys(b).length === 0 ? null : passwordOf(b, 'the body');
      return wallet.setPassword(decodeURIComponent(m[1] ?? ''), setting ?? null);
    }],
    ['GET', /^\/wallet\/buyers\/([^/]+)\/pending$/, (m) => ({ trades: wallet.pending(decodeURIComponent(m[1] ?? '')).map(tradeJson) })],
    ['POST', /^\/wallet\/codes$/, async () => {
      const b = await body();
      const w = str(b, 'wallet');
      if (w !== 'alipay' && w !== 'wechat') throw new HttpError(400, `"wallet" must be "alipay" or "wechat", got ${describe(w)}`);
      const count = b.count === undefined ? 1 : b.count;
      if (typeof count !== 'number') throw new HttpError(400, `"count" must be a number, got ${describe(count)}`);
      const password = passwordOf(b.password, '"password"');
      return { codes: wallet.issueCodes(str(b, 'buyer'), w, count, password === undefined ? {} : { password }) };
    }],
    ['POST', /^\/wallet\/scan$/, async () => {
      const b = await body();
      if (b.confirm !== undefined && typeof b.confirm !== 'boolean') throw new HttpError(400, `"confirm" must be true or false, got ${describe(b.confirm)}`);
      const r = wallet.scan(str(b, 'qrCode'), str(b, 'buyer'), { confirm: b.confirm !== false });
      return { outcome: r.kind, trade: tradeJson(r.trade) };
    }],
    ['POST', /^\/wallet\/confirm$/, async () => {
      const r = wallet.confirm(str(await body(), 'tradeNo'));
      return { outcome: r.kind, trade: tradeJson(r.trade) };
    }],
    ['POST', /^\/wallet\/decline$/, async () => ({ trade: tradeJson(wallet.decline(str(await body(), 'tradeNo'))) })],
  ];
  let allowed: string | null = null;
  for (const [verb, pattern, handle] of routes) {
    const m = pattern.exec(path);
    if (m === null) continue;
    if (verb !== method) {
      allowed = verb;
      continue;
    }
    try {
      return { status: 200, json: await handle(m) };
    } catch (err) {
      if (err instanceof WalletError) return { status: STATUS[err.code], json: { error: err.message } };
      throw err;
    }
  }
  if (allowed !== null) throw new HttpError(405, `${path} takes ${allowed}`);
  return path.startsWith('/wallet/') ? { status: 404, json: { error: `no wallet route ${path}` } } : null;
}
