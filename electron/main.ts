// Electron main process: one instance; the core in a utilityProcess (electron/core-process.ts);
// the cashier window (kiosk in production) and the customer display window on its own screen;
// the relay between them; the app:// protocol; and the locks every window lives under.
// The decisions are in small pure modules, tested without Electron: windows.ts (window
// options), displays.ts (which screen), ipc-relay.ts (routing), core-supervisor.ts (core life),
// security.ts (origins, paths, CSP), launch.ts (which terminal). This file only wires them.
//
// Decisions a caller must know:
// - Production means a packaged app: kiosk, no devtools, no menu (so no reload or devtools
//   accelerators), and the dev server URL is never trusted.
// - Development loads Forge's Vite dev server (POS_VITE_DEV_SERVER_URL, defined by the Vite
//   plugin for the renderer named "pos"), or KASSA_DEV_SERVER_URL when main is started by hand.
// - Closing the cashier window quits Kassa; quitting stops the core cleanly first.
import { app, BrowserWindow, ipcMain, Menu, net, powerSaveBlocker, protocol, screen, session, shell, utilityProcess } from 'electron';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { coreArgs } from './core-protocol.ts';
import { CoreSupervisor, type CoreChild } from './core-supervisor.ts';
import { chooseCustomerDisplay, planCustomerWindow, type ConfiguredDisplay, type CustomerWindowPlace } from './displays.ts';
import { IPC_MESSAGE, IPC_POST } from './ipc-channel.ts';
import { PosRelay, type WindowRole } from './ipc-relay.ts';
import { planLaunch } from './launch.ts';
import { appFileFor, contentSecurityPolicy, isAppUrl, senderRefusal } from './security.ts';
import { squirrelAction } from './squirrel-startup.ts';
import { cashierWindowOptions, customerWindowOptions, rendererRoots, surfaceUrl } from './windows.ts';

declare const POS_VITE_DEV_SERVER_URL: string | undefined;

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const production = app.isPackaged;
const forgeDevServer = typeof POS_VITE_DEV_SERVER_URL === 'string' ? POS_VITE_DEV_SERVER_URL : undefined;
const devServerUrl = production ? undefined : (forgeDevServer ?? process.env.KASSA_DEV_SERVER_URL ?? undefined);
const buildDir = import.meta.dirname;
const preload = join(buildDir, 'preload.js');
const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();
const rendererRoot = rendererRoots(buildDir, production, join).find((root) => isFile(join(root, 'index.html'))) ?? rendererRoots(buildDir, production, join)[0]!;
const csp = contentSecurityPolicy(devServerUrl);

function log(line: string): void {
  process.stdout.write(`[kassa] ${line}\n`);
}

const relay = new PosRelay({
  toCore: (message) => core.post(message),
  onProblem: (problem) => log(`ipc: ${problem}`),
});

/** The live utilityProcess, wrapped for the supervisor. */
const core = {
  child: null as Electron.UtilityProcess | null,
  post(message: Parameters<CoreChild['postMessage']>[0]): void {
    if (!this.child) throw new Error('the core process is not running');
    this.child.postMessage(message);
  },
};

let cashier: BrowserWindow | null = null;
let customer: { window: BrowserWindow; place: CustomerWindowPlace } | null = null;
let configuredDisplay: ConfiguredDisplay = null;
/** The customer window waits for the core: the display to use is in its config. */
let customerDisplayKnown = false;

function lockDown(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, devServerUrl)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url, devServerUrl)) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    if (production) contents.on('devtools-opened', () => contents.closeDevTools());
  });
  protocol.handle('app', async (request) => {
    const file = appFileFor(rendererRoot, request.url, join, isFile);
    if (!file) return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('content-security-policy', csp);
    headers.set('x-content-type-options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
  ipcMain.on(IPC_POST, (event, message: unknown) => {
    let refusal: string | null;
    try {
      const frame = event.senderFrame;
      refusal = senderRefusal(frame ? { url: frame.url, isTopFrame: frame.parent === null } : null, devServerUrl);
    } catch (err) {
      refusal = `the sending frame cannot be checked (${(err as Error).message})`;
    }
    if (refusal) {
      relay.counters.refused++;
      log(`ipc: refused a message: ${refusal}`);
      return;
    }
    relay.fromWindow(event.sender.id, message);
  });
}

/** Puts a window on the relay; a new page in it forgets what the old page was waiting for. */
function connect(window: BrowserWindow, role: WindowRole): void {
  const contents = window.webContents;
  const id = contents.id;
  relay.attach({
    id,
    role,
    send: (message) => {
      if (!contents.isDestroyed()) contents.send(IPC_MESSAGE, message);
    },
  });
  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) relay.forgetPending(id);
  });
  let lastReload = 0;
  contents.on('render-process-gone', (_event, details) => {
    relay.forgetPending(id);
    // One reload per 10 s at most: a page that crashes as it loads must not spin the CPU.
    if (Date.now() - lastReload < 10_000 || window.isDestroyed()) {
      log(`the ${role} page stopped again (${details.reason}); not reloading it`);
      return;
    }
    log(`the ${role} page stopped (${details.reason}); reloading it`);
    lastReload = Date.now();
    window.reload();
  });
  window.on('closed', () => relay.detach(id));
}

function createCashierWindow(): BrowserWindow {
  const window = new BrowserWindow(cashierWindowOptions({ production, preload, display: screen.getPrimaryDisplay() }));
  connect(window, 'cashier');
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    cashier = null;
    app.quit();
  });
  void window.loadURL(surfaceUrl('cashier', devServerUrl));
  return window;
}

function openCustomerWindow(display: Electron.Display): void {
  const window = new BrowserWindow(customerWindowOptions({ production, preload, display }));
  connect(window, 'customer');
  window.once('ready-to-show', () => window.showInactive());
  window.on('closed', () => {
    if (customer?.window === window) customer = null;
  });
  customer = { window, place: { displayId: display.id, bounds: { ...display.bounds } } };
  void window.loadURL(surfaceUrl('customer', devServerUrl));
}

function closeCustomerWindow(): void {
  const open = customer;
  customer = null;
  if (open && !open.window.isDestroyed()) open.window.destroy();
}

/** Re-decides where the customer display goes (at start and whenever screens change). */
function placeCustomerWindow(trigger: string): void {
  if (!customerDisplayKnown) return;
  const displays = screen.getAllDisplays();
  const choice = chooseCustomerDisplay(displays, screen.getPrimaryDisplay().id, configuredDisplay);
  const action = planCustomerWindow(customer?.place ?? null, choice);
  if (action.kind === 'keep') return;
  log(`customer display (${trigger}): ${action.kind}: ${action.reason}`);
  if (action.kind === 'close' || action.kind === 'move') closeCustomerWindow();
  if (action.kind === 'open' || action.kind === 'move') {
    const display = displays.find((d) => d.id === action.display.id);
    if (display) openCustomerWindow(display);
  }
}

function startCore(): CoreSupervisor {
  const plan = planLaunch({ argv: process.argv, env: process.env, exists: existsSync });
  log(`opening the ${plan.why}`);
  const supervisor = new CoreSupervisor({
    relay,
    log,
    spawn: () => {
      const child = utilityProcess.fork(join(buildDir, 'core-process.js'), coreArgs(plan), { serviceName: 'Kassa core', stdio: 'inherit' });
      core.child = child;
      child.on('exit', () => {
        if (core.child === child) core.child = null;
      });
      return {
        postMessage: (message) => child.postMessage(message),
        onMessage: (listener) => child.on('message', listener),
        onExit: (listener) => child.on('exit', listener),
        kill: () => child.kill(),
      };
    },
    onReady: (ready) => {
      configuredDisplay = ready.customerDisplay;
      customerDisplayKnown = true;
      placeCustomerWindow('core ready');
    },
  });
  supervisor.start();
  return supervisor;
}

const squirrel = squirrelAction(process.argv, process.platform, process.execPath);

if (squirrel.kind === 'update-exe') {
  const updater = spawn(squirrel.updateExe, [...squirrel.args], { detached: true });
  updater.on('close', () => app.quit());
  updater.on('error', () => app.quit());
} else if (squirrel.kind === 'quit') {
  app.quit();
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let supervisor: CoreSupervisor | null = null;
  let quitting: 'no' | 'stopping the core' | 'core stopped' = 'no';
  let blocker: number | null = null;

  app.on('second-instance', () => {
    if (!cashier) return;
    if (cashier.isMinimized()) cashier.restore();
    cashier.focus();
  });

  void app.whenReady().then(() => {
    if (production) Menu.setApplicationMenu(null);
    lockDown();
    blocker = powerSaveBlocker.start('prevent-display-sleep');
    supervisor = startCore();
    cashier = createCashierWindow();
    screen.on('display-added', () => placeCustomerWindow('display-added'));
    screen.on('display-removed', () => placeCustomerWindow('display-removed'));
    screen.on('display-metrics-changed', () => placeCustomerWindow('display-metrics-changed'));
  });

  app.on('before-quit', (event) => {
    if (quitting === 'core stopped' || !supervisor) return;
    event.preventDefault();
    if (quitting === 'stopping the core') return;
    quitting = 'stopping the core';
    void supervisor.stop(5000).finally(() => {
      quitting = 'core stopped';
      app.quit();
    });
  });

  app.on('will-quit', () => {
    if (blocker !== null && powerSaveBlocker.isStarted(blocker)) powerSaveBlocker.stop(blocker);
    closeCustomerWindow();
  });

  app.on('window-all-closed', () => app.quit());
}
