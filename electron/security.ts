// Hardening for every Kassa window, per Electron's security checklist (see
// ../shared/reference/architecture.md §3): isolated, sandboxed renderers with no Node, no
// navigation away from the app, no new windows, no permission grants. Kept apart from
// main.ts so the rules are unit-tested without an Electron binary.
import type { WebPreferences } from 'electron';

/** The only origin our windows may show: the app's own protocol (and the dev server in development). */
export const APP_ORIGIN = 'app://pos';

export function hardenedWebPreferences(preload: string): WebPreferences {
  return {
    preload,
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

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
