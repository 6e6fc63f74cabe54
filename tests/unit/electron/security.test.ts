import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appFileFor, contentSecurityPolicy, CONTENT_SECURITY_POLICY, hardenedWebPreferences, isAppUrl, resolveAppPath, senderRefusal } from '../../../electron/security.ts';

describe('window hardening', () => {
  it('isolates and sandboxes every renderer with no Node access, and no devtools unless asked', () => {
    const prefs = hardenedWebPreferences('/app/preload.js');
    expect(prefs).toMatchObject({
      preload: '/app/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      devTools: false,
    });
    expect(hardenedWebPreferences('/p.js', { devTools: true }).devTools).toBe(true);
  });

  it('allows navigation only inside the app (and the dev server when given)', () => {
    expect(isAppUrl('app://pos/index.html')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('https://example.com/')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
    expect(isAppUrl('http://localhost:5173/x', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/x', 'http://localhost:5173')).toBe(false);
  });

  it('maps app:// paths under the renderer root and refuses traversal', () => {
    expect(resolveAppPath('/r', 'app://pos/', join)).toBe('/r/index.html');
    expect(resolveAppPath('/r', 'app://pos/assets/a.js', join)).toBe('/r/assets/a.js');
    expect(resolveAppPath('/r', 'app://pos/../../etc/passwd', join)).toBe('/r/etc/passwd'); // URL parsing already collapses ..
    expect(resolveAppPath('/r', 'app://pos/%2e%2e/%2e%2e/etc/passwd', join)).toBe('/r/etc/passwd'); // so does percent-encoded ..
    expect(resolveAppPath('/r', 'app://pos/a/%252e%252e/b', join)).toBe('/r/a/%2e%2e/b'); // double-encoded stays a name
    expect(resolveAppPath('/r', 'app://pos/a%5c..%5cb', join)).toBeNull();
    expect(resolveAppPath('/r', 'app://pos/a%00b', join)).toBeNull();
  });
});

describe('app:// files', () => {
  const files = new Set(['/r/index.html', '/r/assets/app.js']);
  const isFile = (p: string) => files.has(p);

  it('serves existing files, and index.html for the surfaces the page routes itself', () => {
    expect(appFileFor('/r', 'app://pos/', join, isFile)).toBe('/r/index.html');
    expect(appFileFor('/r', 'app://pos/assets/app.js', join, isFile)).toBe('/r/assets/app.js');
    expect(appFileFor('/r', 'app://pos/customer', join, isFile)).toBe('/r/index.html');
    expect(appFileFor('/r', 'app://pos/manager?lang=en', join, isFile)).toBe('/r/index.html');
  });

  it('answers 404 (null) for missing assets, other hosts and traversal', () => {
    expect(appFileFor('/r', 'app://pos/assets/missing.js', join, isFile)).toBeNull();
    expect(appFileFor('/r', 'app://evil/index.html', join, isFile)).toBeNull();
    expect(appFileFor('/r', 'app://pos/a%5c..%5cindex.html', join, isFile)).toBeNull();
    expect(appFileFor('/r', 'app://pos/x%00', join, isFile)).toBeNull();
  });
});

describe('IPC sender check', () => {
  const top = (url: string) => ({ url, isTopFrame: true });

  it('accepts the top frame of our own pages', () => {
    expect(senderRefusal(top('app://pos/'))).toBeNull();
    expect(senderRefusal(top('app://pos/customer'))).toBeNull();
    expect(senderRefusal(top('http://localhost:5173/'), 'http://localhost:5173')).toBeNull();
  });

  it('refuses other origins, including look-alike hosts', () => {
    for (const url of [
      'app://pos.evil/',
      'app://pos@evil/',
      'app://evil/pos',
      'app://POS.evil/',
      'https://pos/',
      'file:///work/main/.vite/renderer/pos/index.html',
      'http://localhost:5173/',
      'data:text/html,<script>',
      'about:blank',
      '',
    ]) {
      expect(senderRefusal(top(url)), url).not.toBeNull();
    }
  });

  it('refuses look-alikes of the dev server', () => {
    const dev = 'http://localhost:5173';
    for (const url of ['http://localhost:51730/', 'http://localhost:5173.evil.com/', 'http://localhost.evil.com:5173/', 'https://localhost:5173/', 'http://127.0.0.1:5173/', 'http://evil.com/?http://localhost:5173']) {
      expect(senderRefusal(top(url), dev), url).not.toBeNull();
    }
  });

  it('refuses sub-frames, even of our own origin, and a frame that is gone', () => {
    expect(senderRefusal({ url: 'app://pos/', isTopFrame: false })).toMatch(/sub-frame/);
    expect(senderRefusal(null)).toMatch(/gone/);
    expect(senderRefusal(undefined)).toMatch(/gone/);
  });

  it('says where a refused message came from', () => {
    expect(senderRefusal(top('https://evil.example/x'))).toBe('sent from https://evil.example, which is not the app');
  });
});

describe('content security policy', () => {
  it('is strict in production: own scripts only, no inline script, no remote connections', () => {
    expect(contentSecurityPolicy()).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self';");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it("relaxes only what Vite's dev server needs in development", () => {
    const dev = contentSecurityPolicy('http://localhost:5173');
    expect(dev).toContain("script-src 'self' 'unsafe-inline';");
    expect(dev).toContain("connect-src 'self' ws://localhost:5173;");
    expect(dev).not.toContain('unsafe-eval');
  });
});
