// The options of Kassa's two windows and the URLs they load. Pure, so the window factory's
// settings are unit-tested (issue 5: "a unit test checks the window factory's settings").
//
// Decisions a caller must know:
// - Production (a packaged app) runs the cashier window in kiosk mode, fullscreen on the primary
//   display, with devtools off. Development gets an ordinary 1280x800 window with devtools.
// - The customer window is fullscreen and frameless on its display, and cannot take focus, so a
//   keyboard wedge scanner and the cashier's keys always reach the cashier window.
// - Both windows share the hardened web preferences (sandbox, context isolation, no Node).
// - The page path picks the surface (`/`, `/customer`, `/manager`), the same as in browser mode.
import type { BrowserWindowConstructorOptions } from 'electron';
import type { DisplayLike } from './displays.ts';
import { APP_ORIGIN, hardenedWebPreferences } from './security.ts';

export type WindowSurface = 'cashier' | 'customer' | 'manager';

const SURFACE_PATH: Record<WindowSurface, string> = { cashier: '/', customer: '/customer', manager: '/manager' };

/** The page of a surface: app://pos/… in production, the Vite dev server in development. */
export function surfaceUrl(surface: WindowSurface, devServerUrl?: string): string {
  const base = devServerUrl ? new URL(devServerUrl).origin : APP_ORIGIN;
  return `${base}${SURFACE_PATH[surface]}`;
}

export interface CashierWindowInput {
  readonly production: boolean;
  readonly preload: string;
  /** The primary display: production puts the kiosk window there. */
  readonly display?: DisplayLike;
}

export function cashierWindowOptions(input: CashierWindowInput): BrowserWindowConstructorOptions {
  const common: BrowserWindowConstructorOptions = {
    title: 'Kassa',
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#111111',
    webPreferences: hardenedWebPreferences(input.preload, { devTools: !input.production }),
  };
  if (!input.production) return { ...common, width: 1280, height: 800, kiosk: false, fullscreen: false };
  const at = input.display ? { x: input.display.bounds.x, y: input.display.bounds.y } : {};
  return { ...common, ...at, kiosk: true, fullscreen: true, frame: false, resizable: false, minimizable: false };
}

export interface CustomerWindowInput {
  readonly production: boolean;
  readonly preload: string;
  readonly display: DisplayLike;
}

export function customerWindowOptions(input: CustomerWindowInput): BrowserWindowConstructorOptions {
  const { x, y, width, height } = input.display.bounds;
  return {
    title: 'Kassa customer display',
    show: false,
    x,
    y,
    width,
    height,
    fullscreen: true,
    frame: false,
    focusable: false,
    skipTaskbar: true,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    autoHideMenuBar: true,
    backgroundColor: '#000000',
    webPreferences: hardenedWebPreferences(input.preload, { devTools: !input.production }),
  };
}

/**
 * Where the built renderer may be, best first: Forge's Vite build puts it in
 * `.vite/renderer/pos` beside `.vite/build/main.js`; an unpackaged run may also use
 * `dist/renderer` from `npm run build:renderer`.
 */
export function rendererRoots(buildDir: string, isPackaged: boolean, join: (...p: string[]) => string): string[] {
  const forge = join(buildDir, '..', 'renderer', 'pos');
  return isPackaged ? [forge] : [forge, join(buildDir, '..', '..', 'dist', 'renderer')];
}
