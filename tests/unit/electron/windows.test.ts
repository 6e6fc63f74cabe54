import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cashierWindowOptions, customerWindowOptions, rendererRoots, surfaceUrl } from '../../../electron/windows.ts';

const secondScreen = { id: 2, bounds: { x: 1920, y: 0, width: 1024, height: 768 } };
const primary = { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } };
const hardened = { contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true };

describe('cashier window', () => {
  it('is a kiosk, fullscreen on the primary display, without devtools, in production', () => {
    const o = cashierWindowOptions({ production: true, preload: '/b/preload.js', display: primary });
    expect(o).toMatchObject({ kiosk: true, fullscreen: true, x: 0, y: 0, show: false, autoHideMenuBar: true });
    expect(o.webPreferences).toMatchObject({ ...hardened, preload: '/b/preload.js', devTools: false });
  });

  it('is an ordinary window with devtools in development', () => {
    const o = cashierWindowOptions({ production: false, preload: '/b/preload.js', display: primary });
    expect(o).toMatchObject({ kiosk: false, fullscreen: false, width: 1280, height: 800 });
    expect(o.webPreferences).toMatchObject({ ...hardened, devTools: true });
  });
});

describe('customer window', () => {
  it('covers its display, has no frame and never takes the focus from the cashier', () => {
    const o = customerWindowOptions({ production: true, preload: '/b/preload.js', display: secondScreen });
    expect(o).toMatchObject({ x: 1920, y: 0, width: 1024, height: 768, fullscreen: true, frame: false, focusable: false, skipTaskbar: true, show: false });
    expect(o.webPreferences).toMatchObject({ ...hardened, preload: '/b/preload.js', devTools: false });
  });

  it('keeps the same hardening in development', () => {
    expect(customerWindowOptions({ production: false, preload: '/p.js', display: secondScreen }).webPreferences).toMatchObject(hardened);
  });
});

describe('surface URLs', () => {
  it('uses app://pos in production and the dev server origin in development', () => {
    expect(surfaceUrl('cashier')).toBe('app://pos/');
    expect(surfaceUrl('customer')).toBe('app://pos/customer');
    expect(surfaceUrl('manager')).toBe('app://pos/manager');
    expect(surfaceUrl('customer', 'http://localhost:5173/')).toBe('http://localhost:5173/customer');
  });
});

describe('renderer folder', () => {
  it("serves Forge's build when packaged, and may fall back to dist/renderer when not", () => {
    expect(rendererRoots('/app/.vite/build', true, join)).toEqual(['/app/.vite/renderer/pos']);
    expect(rendererRoots('/repo/.vite/build', false, join)).toEqual(['/repo/.vite/renderer/pos', '/repo/dist/renderer']);
  });
});
