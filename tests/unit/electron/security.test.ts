import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hardenedWebPreferences, isAppUrl, resolveAppPath } from '../../../electron/security.ts';

describe('window hardening', () => {
  it('isolates and sandboxes every renderer with no Node access', () => {
    const prefs = hardenedWebPreferences('/app/preload.js');
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
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
