// Who may talk to `kassa serve`: the rules for the bind address, the Host and Origin headers and
// the bearer token. The WebSocket at /api can ring up sales and open the cash drawer, so a page
// on another site, a rebound DNS name or a device on the shop's Wi-Fi must not reach it.
//
// Decisions (a caller can rely on them):
// - Bound to a loopback address (127.0.0.0/8, ::1, localhost) no token is needed, but the Host
//   header must name loopback (127.0.0.1, localhost, [::1]): a DNS-rebinding page whose name
//   resolves to 127.0.0.1 sends its own name as Host and is refused.
// - Bound to anything else (a LAN address, 0.0.0.0, ::) a token is required for every request,
//   pages included, and any Host is accepted (the token is the guard).
// - A token given by the caller is always required, loopback or not.
// - The token travels as `Authorization: Bearer <token>` (scripts), `?token=<token>` (the URL
//   kassa serve prints, and scripts' WebSocket URLs), or the cookie `kassa_token_<port>`. A
//   browser that opens a page with a valid `?token=` gets the cookie (HttpOnly,
//   SameSite=Strict) and a redirect to the same address without the token, so the token leaves
//   the address bar and history, survives moving between /, /customer and /manager and reloads,
//   and the page's own WebSocket sends it without the page's script ever seeing it. The port is
//   in the cookie name because cookies are shared by every port of a host.
// - Origin (WebSocket only): a browser always sends it; it must be this server as the browser
//   addressed it (http:// or https:// + the Host header), or one of `allowOrigins`. A request
//   without Origin is not from a browser page, and is let through to the token check.
// - Tokens are compared in constant time (both sides hashed first, so lengths do not leak).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** What a token must look like: what generateToken makes, or at least as strong. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{24,256}$/;

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token a server bound to `host` requires: the given one, else a new one unless `host` is loopback. */
export function tokenFor(host: string, given: string | undefined): string | null {
  if (given !== undefined) return given;
  return isLoopbackHost(host) ? null : generateToken();
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export function cookieName(port: number): string {
  return `kassa_token_${port}`;
}

/** The hostname and port of a Host header, or null when it is not one (so it is never echoed). */
export function parseHostHeader(value: string | undefined): { hostname: string; port: number | null } | null {
  if (value === undefined || value.length > 255) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value);
  if (m === null) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && port > 65_535) return null;
  return { hostname: (m[1] ?? '').toLowerCase(), port };
}

export interface AccessPolicy {
  readonly port: number;
  /** null: no token (loopback without one given). */
  readonly token: string | null;
  /** Only loopback names are accepted in Host. */
  readonly loopbackOnly: boolean;
  readonly allowOrigins: readonly string[];
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly status: 400 | 401 | 403 | 421; readonly message: string };

const OK: Verdict = { ok: true };

/** The Host header check every request goes through (see the header). */
export function checkHost(policy: AccessPolicy, hostHeader: string | undefined): Verdict {
  const host = parseHostHeader(hostHeader);
  if (host === null) return { ok: false, status: 400, message: 'missing or malformed Host header' };
  if (policy.loopbackOnly && !['127.0.0.1', 'localhost', '[::1]'].includes(host.hostname)) {
    return { ok: false, status: 421, message: `this terminal answers only to 127.0.0.1, localhost or [::1], not "${host.hostname}"` };
  }
  return OK;
}

/** The WebSocket Origin check (see the header). `hostHeader` has passed checkHost. */
export function checkOrigin(policy: AccessPolicy, origin: string | undefined, hostHeader: string): Verdict {
  if (origin === undefined) return OK;
  const o = origin.toLowerCase();
  const own = hostHeader.toLowerCase();
  if (o === `http://${own}` || o === `https://${own}`) return OK;
  if (policy.allowOrigins.some((a) => a.toLowerCase() === o)) return OK;
  return { ok: false, status: 403, message: `origin ${origin.slice(0, 100)} may not use this terminal's API` };
}

function sameToken(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export interface Credentials {
  readonly authorization: string | undefined;
  readonly cookie: string | undefined;
  /** The `token` query parameter, if any. */
  readonly query: string | null;
}

/** Where the presented token came from, or why there is none that fits. */
export type TokenVerdict =
  | { readonly ok: true; readonly via: 'none-needed' | 'header' | 'query' | 'cookie' }
  | { readonly ok: false; readonly status: 401; readonly message: string };

export function checkToken(policy: AccessPolicy, creds: Credentials): TokenVerdict {
  if (policy.token === null) return { ok: true, via: 'none-needed' };
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(creds.authorization ?? '')?.[1];
  const cookie = readCookie(creds.cookie, cookieName(policy.port));
  const presented: Array<['header' | 'query' | 'cookie', string]> = [];
  if (bearer !== undefined) presented.push(['header', bearer]);
  if (creds.query !== null) presented.push(['query', creds.query]);
  if (cookie !== null) presented.push(['cookie', cookie]);
  if (presented.length === 0) return { ok: false, status: 401, message: 'this terminal needs its access token: open the address kassa serve printed (the one with ?token=)' };
  for (const [via, value] of presented) if (sameToken(policy.token, value)) return { ok: true, via };
  return { ok: false, status: 401, message: 'wrong access token: open the address kassa serve printed when it started (the token changes on every start unless --token-file is used)' };
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * The Set-Cookie value that signs a browser in (see the header). It lasts 400 days (the longest
 * Chrome keeps one) so a kiosk tablet stays signed in across restarts with --token-file; a
 * cookie holding an old token is simply refused like any wrong token.
 */
export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; Max-Age=34560000; HttpOnly; SameSite=Strict`;
}
