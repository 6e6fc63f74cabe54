// A whole terminal started as the app hosts start it: training (own folder, demo catalog,
// simulated devices on socat ptys, the sandbox gateway) and configured (kassa.config.json as
// it is), restarted, and closed.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPosHost, type PosHost } from '../../../src/core/api/pos-host.ts';
import { importCatalog } from '../../../src/core/catalog-import.ts';
import { ConfigError } from '../../../src/core/config.ts';
import { demoBarcodeFor, writeDemoCatalog } from '../../../src/core/demo-data.ts';
import { openTerminalApp, type TerminalApp } from '../../../src/core/terminal-app.ts';
import type { CheckoutView, EventMessage, RecentSale, SyncView, TerminalInfo } from '../../../src/shared/api.ts';
import { startStoreServer } from '../../../src/server/store/http-api.ts';
import { openStoreStorage } from '../../../src/server/store/storage.ts';
import { registerTerminal } from '../../../src/server/store/terminals.ts';
import { until } from '../../support/until.ts';

let root: string;
const opened: { close(): Promise<void> }[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kassa-app-'));
});

afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
  rmSync(root, { recursive: true, force: true });
});

async function open(options: Partial<Parameters<typeof openTerminalApp>[0]> & { dataDir: string }): Promise<{ app: TerminalApp; host: PosHost; progress: string[] }> {
  const progress: string[] = [];
  const app = await openTerminalApp({ mode: 'training', log: 'silent', demoProducts: 60, sandbox: { ledger: ':memory:' }, onProgress: (m) => progress.push(m), ...options });
  opened.push(app);
  const host = createPosHost(app, { host: 'browser' });
  opened.push(host);
  return { app, host, progress };
}

function client(host: PosHost) {
  let id = 1;
  const ok = async <T>(name: string, params: unknown = {}): Promise<T> => {
    const r = await host.handle({ t: 'req', id: id++, name, params });
    if (!r.ok) throw new Error(`${name}: ${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };
  const refused = async (name: string, params: unknown = {}): Promise<string> => {
    const r = await host.handle({ t: 'req', id: id++, name, params });
    if (r.ok || r.error.code !== 'refused') throw new Error(`${name} was not refused: ${JSON.stringify(r)}`);
    return r.error.message;
  };
  const settled = async (what: string, check: (v: CheckoutView) => boolean): Promise<CheckoutView> => {
    let v: CheckoutView | null = null;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      v = await ok<CheckoutView>('checkout.view');
      if (!v.busy && check(v)) return v;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v?.state)} ${v?.error ?? ''}`);
  };
  return { ok, refused, settled, send: (command: unknown) => ok<CheckoutView>('checkout.send', { command }) };
}

/** EAN-13 of an active demo product sold each (the demo catalog's product 1 is one). */
function activeEachCode(app: TerminalApp): string {
  const code = app.db
    .prepare("SELECT min(b.code) FROM products p JOIN barcodes b ON b.sku = p.sku WHERE p.active = 1 AND p.unit = 'each' AND length(b.code) = 14")
    .pluck()
    .get() as string;
  return code.replace(/^0/, '');
}

describe('training mode', () => {
  it('makes its folder and demo catalog on first start, runs simulated devices on socat ptys, and sells from the virtual scanner', async () => {
    const dir = join(root, 'training');
    const { app, host, progress } = await open({ dataDir: dir });
    expect(existsSync(join(dir, 'kassa.db'))).toBe(true);
    expect(progress.join('\n')).toMatch(/making a training folder[\s\S]*making a training catalog of 60 products[\s\S]*loaded a training catalog of 60 products/);
    expect(app.mode).toBe('training');
    expect(app.config.training).toBe(true);
    expect(app.catalog.countProducts()).toBe(60);
    expect(app.payments?.gateway).toBe('sandbox');

    // The devices are the rig's, on links in <training>/sim, driven by the real serial drivers.
    expect(app.sim?.links).toBe('socat');
    expect(app.config.devices.map((d) => [d.id, d.transport, 'path' in d ? d.path : null])).toEqual(
      ['printer', 'scanner', 'display', 'scale'].map((id) => [id, 'serial', join(dir, 'sim', id)]),
    );
    expect(app.devices?.list().map((d) => d.state)).toEqual(['ready', 'ready', 'ready', 'ready']);
    const status = (await (await fetch(`${app.sim?.controlUrl}/status`)).json()) as { devices: Record<string, { state: string }> };
    expect(Object.values(status.devices).map((d) => d.state)).toEqual(['plugged', 'plugged', 'plugged', 'plugged']);

    // A scan on the virtual scanner (the control API, as the e2e tests do) reaches the cashier's
    // screen as a 'checkout' event: measured from the POST to the event.
    const api = client(host);
    const code = activeEachCode(app);
    const events: { at: number; view: CheckoutView }[] = [];
    host.subscribe((e: EventMessage) => {
      if (e.name === 'checkout') events.push({ at: performance.now(), view: e.payload as CheckoutView });
    });
    // Each scan reaches the screen as its own 'checkout' event. How fast is the bench's job
    // (scan_to_screen_p95_ms in npm run bench), not a timed assertion here.
    for (let i = 1; i <= 30; i += 1) {
      const t0 = performance.now();
      const res = await fetch(`${app.sim?.controlUrl}/scanner/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      expect(res.status).toBe(200);
      await until(() => events.some((e) => e.at >= t0 && e.view.lines[0]?.quantityMilli === i * 1000 && !e.view.busy), `scan ${i} on the screen`);
    }
    const view = await api.settled('the scanned item', (v) => v.lines.length === 1);
    expect(view.lines[0]?.quantityMilli).toBe(30_000);
    await api.send({ type: 'CANCEL', reason: 'test over' });
    await api.settled('the cancel', (v) => v.phase === 'idle');

    const info = await api.ok<TerminalInfo>('terminal.hello', { surface: 'manager' });
    const first8 = app.db.prepare('SELECT sku FROM products WHERE active = 1 ORDER BY sku LIMIT 8').pluck().all();
    expect(info.quickKeys.map((k) => k.sku)).toEqual(first8);

    // Closing stops the rig: the links are gone and the control API no longer answers.
    const controlUrl = app.sim?.controlUrl ?? '';
    await app.close();
    await app.close();
    expect(existsSync(join(dir, 'sim', 'printer'))).toBe(false);
    await expect(fetch(`${controlUrl}/status`)).rejects.toThrow();
  });

  it('on restart keeps its catalog and sales, restores the sale left open, and numbers receipts on', async () => {
    const dir = join(root, 'training');
    const first = await open({ dataDir: dir });
    const api1 = client(first.host);
    const code = activeEachCode(first.app);
    await api1.send({ type: 'SCAN', data: code });
    await api1.send({ type: 'TENDER' });
    await api1.send({ type: 'TENDER_CASH', received: 100_000 });
    const sold = await api1.settled('the first sale', (v) => v.lastSale !== null);
    expect(sold.lastSale?.receiptNo).toBe(1);
    await api1.send({ type: 'SCAN', data: code });
    await api1.send({ type: 'SCAN', data: code });
    const left = await api1.settled('the open sale', (v) => v.lines[0]?.quantityMilli === 2000);
    await first.host.close();
    await first.app.close();

    const second = await open({ dataDir: dir });
    expect(second.progress.join('\n')).not.toMatch(/training catalog/);
    expect(second.progress.join('\n')).toMatch(/a sale left open by the last run was restored/);
    const api2 = client(second.host);
    const restored = await api2.ok<CheckoutView>('checkout.view');
    expect(restored).toMatchObject({ phase: 'selling', saleId: left.saleId });
    expect(restored.lines.map((l) => l.quantityMilli)).toEqual([2000]);
    await api2.send({ type: 'TENDER' });
    await api2.send({ type: 'TENDER_CASH', received: 100_000 });
    const again = await api2.settled('the second sale', (v) => v.lastSale !== null);
    expect(again.lastSale?.receiptNo).toBe(2);
    expect((await api2.ok<RecentSale[]>('sales.recent')).map((s) => s.receiptNo)).toEqual([2, 1]);
  });

  it('runs the same virtual devices on in-memory links when socat is missing', async () => {
    const { app, host, progress } = await open({ dataDir: join(root, 'training'), socatPath: join(root, 'no-such-socat'), drawerClosesAfterMs: 300 });
    expect(progress.join('\n')).toMatch(/socat is not installed: the simulated devices run on in-memory links/);
    expect(app.sim).toMatchObject({ links: 'memory', controlUrl: null, rig: null });
    await until(() => app.devices?.list().every((d) => d.state === 'ready') === true, 'the devices ready');
    const api = client(host);
    await app.sim?.scan(activeEachCode(app));
    const cart = await api.settled('the scanned line', (v) => v.lines.length === 1);
    await api.send({ type: 'TENDER' });
    await api.send({ type: 'TENDER_CASH', received: cart.totals.total });
    const done = await api.settled('the sale', (v) => v.lastSale !== null);
    expect(done.lastSale?.receipt).toBe('printed');
    const slip = app.sim?.printer?.printer.receipts().at(-1);
    expect(slip?.lines.join('\n')).toContain(cart.lines[0]?.name ?? '?');
    expect(slip?.pulses.some((p) => p.opened)).toBe(true);
    // The training drawer is pushed shut after a while, as a cashier would.
    await until(() => app.sim?.printer?.printer.drawerOpen === false, 'the drawer pushed shut', 6000);
  });

  it('can run without simulated devices', async () => {
    const { app } = await open({ dataDir: join(root, 'training'), simulateDevices: false });
    expect(app.sim).toBeNull();
    expect(app.devices).toBeNull();
    expect(app.config.devices).toEqual([]);
  });
});

describe('configured mode', () => {
  async function catalogFor(app: TerminalApp): Promise<void> {
    const csv = join(root, 'catalog.csv');
    await writeDemoCatalog(csv, { products: 40, seed: 3, currency: 'CNY' });
    await importCatalog(app.db, csv, { currency: 'CNY', taxClasses: app.config.taxClasses, defaultTaxClass: app.config.defaultTaxClass });
  }

  it("uses kassa.config.json as it is: no devices and no wallets mean cash only, and the rules refuse what is not there", async () => {
    const dir = join(root, 'terminal');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'kassa.config.json'),
      JSON.stringify({ terminalId: 'T07', language: 'en', storeName: 'Corner Shop', ui: { quickKeys: [{ sku: 'P0000001', label: 'Fish' }, { sku: 'NO-SUCH' }], quickCash: ['50', '100'] } }),
    );
    const { app, host } = await open({ dataDir: dir, mode: 'configured' });
    expect(app).toMatchObject({ mode: 'configured', sim: null, devices: null, payments: null });
    expect(app.config.training).toBe(false);
    await catalogFor(app);
    const api = client(host);
    const info = await api.ok<TerminalInfo>('terminal.hello', { surface: 'cashier' });
    expect(info).toMatchObject({ terminalId: 'T07', training: false, wallets: [], quickCash: [5000, 10000] });
    // The unknown SKU is left out, not shown as a dead key.
    expect(info.quickKeys).toEqual([{ sku: 'P0000001', label: 'Fish', price: app.catalog.findBySku('P0000001')?.price.amount, unit: 'each' }]);

    await api.send({ type: 'SCAN', data: demoBarcodeFor(1) });
    const cart = await api.settled('the line', (v) => v.lines.length === 1);
    expect(cart.error).toBeNull();
    await api.send({ type: 'TENDER' });
    expect(await api.refused('checkout.send', { command: { type: 'PAY_WALLET', wallet: 'alipay', mode: 'qr' } })).toBe('Alipay is not enabled: this terminal takes cash only');
    await api.send({ type: 'TENDER_CASH', received: cart.totals.total });
    const done = await api.settled('the sale', (v) => v.lastSale !== null);
    expect(done.lastSale).toMatchObject({ receiptNo: 1, receipt: 'none' });
    const [sale] = await api.ok<RecentSale[]>('sales.recent');
    expect(sale).toMatchObject({ receipt: 'none', training: false });
    // No printer: nothing to reprint on, but the preview still shows the slip.
    expect(await api.refused('sales.reprint', { saleId: sale?.saleId })).toMatch(/no receipt printer is configured/);
    const preview = await api.ok<{ text: string[] }>('sales.receipt', { saleId: sale?.saleId });
    expect(preview.text.join('\n')).toContain('Corner Shop');
    expect(await api.refused('devices.testPrint')).toMatch(/no devices are configured/);
    expect(await api.refused('devices.openDrawer', { reason: 'float' })).toMatch(/no devices are configured/);
    expect(await api.ok('devices.list')).toEqual([]);
  });

  it('with a sync block it syncs to the store server, and the screens see the backlog and the state', async () => {
    const storage = await openStoreStorage({ dataDir: join(root, 'store') });
    opened.push(storage);
    const registered = await registerTerminal(storage, { storeId: 'S01', terminalId: 'T09' }, new Date());
    // A port nobody listens on yet: the store server is down when the terminal starts.
    const probe = await startStoreServer({ storage });
    const port = probe.port;
    await probe.close();
    const dir = join(root, 'terminal');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'kassa.config.json'),
      JSON.stringify({ terminalId: 'T09', language: 'en', sync: { serverUrl: `http://127.0.0.1:${port}`, token: registered.token, pollSeconds: 1 } }),
    );
    const { app, host } = await open({ dataDir: dir, mode: 'configured' });
    expect(app.sync).not.toBeNull();
    await catalogFor(app);
    const api = client(host);
    const events: SyncView[] = [];
    host.subscribe((e: EventMessage) => {
      if (e.name === 'sync') events.push(e.payload as SyncView);
    });
    await api.send({ type: 'SCAN', data: demoBarcodeFor(1) });
    const cart = await api.settled('the line', (v) => v.lines.length === 1);
    await api.send({ type: 'TENDER' });
    await api.send({ type: 'TENDER_CASH', received: cart.totals.total });
    await api.settled('the sale', (v) => v.lastSale !== null);
    await until(() => events.some((v) => v.state === 'offline' && v.backlog >= 1), 'the screens hear that the sale waits for an offline store server', 8000);
    const waiting = await api.ok<SyncView>('sync.view');
    expect(waiting).toMatchObject({ state: 'offline' });
    expect(waiting.backlog).toBeGreaterThanOrEqual(1);
    expect(waiting.lastError).toMatch(/./);

    // The store server comes up on that port: the backlog drains and the screens see it.
    const server = await startStoreServer({ storage, port });
    opened.push(server);
    app.sync?.syncNow();
    await until(() => events.some((v) => v.state === 'idle' && v.backlog === 0), 'the backlog to drain', 15_000);
    expect(await api.ok<SyncView>('sync.view')).toMatchObject({ state: 'idle', backlog: 0, deadLetters: 0 });
  });

  it('a terminal without a sync block answers sync.view with null', async () => {
    const dir = join(root, 'terminal');
    mkdirSync(dir);
    writeFileSync(join(dir, 'kassa.config.json'), JSON.stringify({ terminalId: 'T08' }));
    const { app, host } = await open({ dataDir: dir, mode: 'configured' });
    expect(app.sync).toBeNull();
    expect(await client(host).ok('sync.view')).toBeNull();
  });

  it('refuses a bad kassa.config.json naming the field, before anything is created', async () => {
    const dir = join(root, 'terminal');
    mkdirSync(dir);
    writeFileSync(join(dir, 'kassa.config.json'), JSON.stringify({ ui: { quickCash: ['10.005'] } }));
    const error = await openTerminalApp({ dataDir: dir, mode: 'configured', log: 'silent' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^ui\.quickCash\.0: "10\.005" has 3 decimals/);
    expect(existsSync(join(dir, 'kassa.db'))).toBe(false);
  });
});
