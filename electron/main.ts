// Electron main process: single instance, hardened windows, the app:// protocol with a
// traversal check, and the core started beside it. The cashier and customer windows and
// the core's utilityProcess host arrive with the terminal app; this file holds the parts
// every window depends on.
import { app, BrowserWindow, net, protocol, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY, hardenedWebPreferences, isAppUrl, resolveAppPath } from './security.ts';

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const devServerUrl = process.env.KASSA_DEV_SERVER_URL;
const rendererRoot = join(import.meta.dirname, '..', 'renderer');

function lockDown(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
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
  });
  protocol.handle('app', (request) => {
    const file = resolveAppPath(rendererRoot, request.url, join);
    if (!file) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
}

function createCashierWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    autoHideMenuBar: true,
    show: false,
    webPreferences: hardenedWebPreferences(join(import.meta.dirname, 'preload.js')),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(devServerUrl ?? 'app://pos/index.html');
  return win;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  void app.whenReady().then(() => {
    lockDown();
    createCashierWindow();
  });
  app.on('window-all-closed', () => app.quit());
}
