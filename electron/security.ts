// Hardening for every Kassa window, per Electron's security checklist (see
// ../shared/reference/architecture.md §3): isolated, sandboxed renderers with no Node, no
// navigation away from the app, no new windows, no permission grants, and every IPC message
// checked for where it came from. Kept apart from main.ts so the rules are unit-tested without
// an Electron binary.
//
// Decisions a caller must know:
// - Origins are compared after URL parsing, never with string prefixes, so look-alikes
//   (`app://pos.evil`, `app://pos@evil`, `http://localhost:5173.evil.com`) are refused.
// - The dev server origin is trusted only when the caller passes it (main does so only when
//   the app is not packaged).
// - Only a window's top frame may talk to the core: a sub-frame, even of our own origin, may not.
// - app:// paths without an extension that name no file (`/customer`, `/manager`) are the
//   single-page app's routes and get index.html; anything else missing is a 404.
import type { WebPreferences } from 'electron';

/** The only origin our windows may show: the app's own protocol (and the dev server in development). */
export const APP_ORIGIN = 'app://pos';

export function hardenedWebPreferences(preload: string, options: { devTools?: boolean } = {}): WebPreferences {
  return {
    preload,
    devTools: options.devTools ?? false,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    spellcheck: false,
  };
}

/** True when `url` belongs to the app itself (or to the given dev server origin). */
export function isAppUrl(url: string, devServerUrl?: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'app:' && parsed.host === 'pos') return true;
  if (devServerUrl) {
    try {
      return parsed.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Maps an app:// request path to a file under `root`, refusing anything that would escape it
 * (`..`, encoded slashes, absolute paths). Returns null when refused.
 */
export function resolveAppPath(root: string, requestUrl: string, join: (...p: string[]) => string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const parts = pathname.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return null;
  return join(root, ...(parts.length ? parts : ['index.html']));
}

/**
 * Maps an app:// request to the file to serve: the file itself when it exists, index.html for
 * an extension-less route that names no file (the SPA's `/customer`, `/manager`), else null.
 */
export function appFileFor(root: string, requestUrl: string, join: (...p: string[]) => string, isFile: (path: string) => boolean): string | null {
  if (!isAppUrl(requestUrl)) return null;
  const file = resolveAppPath(root, requestUrl, join);
  if (!file) return null;
  if (isFile(file)) return file;
  const last = new URL(requestUrl).pathname.split('/').pop() ?? '';
  if (last.includes('.')) return null;
  const index = join(root, 'index.html');
  return isFile(index) ? index : null;
}

/** The frame an IPC message came from, as Electron's `event.senderFrame` describes it. */
export interface SenderFrame {
  readonly url: string;
  /** False for an iframe inside the window. */
  readonly isTopFrame: boolean;
}

/**
 * Why an IPC message must be refused, or null when its sender is one of our pages: the top
 * frame of a window showing app://pos (or the dev server in development). See GHSA-mq8j-3h7h-p8g7.
 */
export function senderRefusal(frame: SenderFrame | null | undefined, devServerUrl?: string): string | null {
  if (!frame) return 'the sending frame is gone';
  if (!frame.isTopFrame) return `sent from a sub-frame (${originOf(frame.url)})`;
  if (!isAppUrl(frame.url, devServerUrl)) return `sent from ${originOf(frame.url)}, which is not the app`;
  return null;
}

function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin !== 'null' ? parsed.origin : `${parsed.protocol}//${parsed.host}`;
  } catch {
    return JSON.stringify(url.slice(0, 80));
  }
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The policy for a page. Vite's dev server needs an inline preamble script (React refresh) and
 * its HMR WebSocket, so development relaxes exactly those two; production is the strict policy.
 */
export function contentSecurityPolicy(devServerUrl?: string): string {
  if (!devServerUrl) return CONTENT_SECURITY_POLICY;
  const dev = new URL(devServerUrl);
  const ws = `${dev.protocol === 'https:' ? 'wss' : 'ws'}://${dev.host}`;
  return CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", `connect-src 'self' ${ws}`);
}
