// The PosApi as a surface sees it: a training terminal (simulated devices on socat ptys, the
// sandbox gateway) driven only through PosHost.handle and its events.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPosHost, type PosHost } from '../../../src/core/api/pos-host.ts';
import { openTerminalApp, type TerminalApp } from '../../../src/core/terminal-app.ts';
import { formatMoney } from '../../../src/domain/money.ts';
import type { CheckoutView, CustomerView, DeviceView, EventMessage, Notice, RecentSale, ReceiptPreview, TerminalInfo } from '../../../src/shared/api.ts';
import { until } from '../../support/until.ts';

let root: string;
let app: TerminalApp;
let host: PosHost;
let nextId = 1;
const events: EventMessage[] = [];

type Reply = Awaited<ReturnType<PosHost['handle']>>;

async function call(name: string, params: unknown = {}): Promise<Reply> {
  return host.handle({ t: 'req', id: nextId++, name, params });
}

/** The result of a request that must succeed. */
async function ok<T>(name: string, params: unknown = {}): Promise<T> {
  const r = await call(name, params);
  if (!r.ok) throw new Error(`${name} answered ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const send = (command: unknown) => ok<CheckoutView>('checkout.send', { command });
const lastEvent = <T>(name: string): T | undefined => events.filter((e) => e.name === name).at(-1)?.payload as T | undefined;

/** Waits for the checkout to settle, through the API only. */
async function settled(what: string, check: (v: CheckoutView) => boolean = () => true, ms = 5000): Promise<CheckoutView> {
  let view: CheckoutView | null = null;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    view = await ok<CheckoutView>('checkout.view');
    if (!view.busy && check(view)) return view;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}; the checkout is ${JSON.stringify(view?.state)} (${view?.error ?? 'no error'})`);
}

/** EAN-13s of active items sold each, as the demo catalog has them. */
function eachCodes(n: number): string[] {
  const codes = app.db
    .prepare(
      `SELECT min(b.code) FROM products p JOIN barcodes b ON b.sku = p.sku
       WHERE p.active = 1 AND p.unit = 'each' AND length(b.code) = 14 GROUP BY p.sku ORDER BY p.sku LIMIT ?`,
    )
    .pluck()
    .all(n) as string[];
  return codes.map((c) => c.replace(/^0/, ''));
}

const rows = (table: string) => app.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const money = (amount: number) => formatMoney({ amount, currency: 'CNY' });

async function sim(path: string, body?: unknown): Promise<unknown> {
  const url = `${app.sim?.controlUrl ?? 'no-sim'}${path}`;
  const res = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`sim ${path}: ${res.status} ${await res.text()}`);
  return (res.headers.get('content-type') ?? '').startsWith('application/json') ? res.json() : res.text();
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kassa-pos-host-'));
  const dir = join(root, 'training');
  mkdirSync(dir);
  // Poll the sandbox every second so the QR sale does not wait 4 s for its first query.
  writeFileSync(join(dir, 'kassa.config.json'), JSON.stringify({ language: 'en', payments: { timing: { pollSeconds: 1 } } }));
  app = await openTerminalApp({ dataDir: dir, mode: 'training', log: 'silent', demoProducts: 120, sandbox: { ledger: ':memory:' }, drawerClosesAfterMs: 200 });
  host = createPosHost(app, { host: 'browser', customerHoldMs: 300 });
  host.subscribe((e) => events.push(e));
}, 30_000);

afterAll(async () => {
  await host?.close();
  await app?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('PosHost: a cash sale', () => {
  it('says hello with what the cashier screen needs', async () => {
    const info = await ok<TerminalInfo>('terminal.hello', { surface: 'cashier' });
    expect(info).toMatchObject({ protocol: 1, terminalId: 'T01', currency: 'CNY', language: 'en', training: true, host: 'browser' });
    expect(info.wallets).toEqual(['alipay', 'wechat']);
    expect(info.quickCash).toEqual([1000, 2000, 5000, 10000]);
    // Training without quick keys configured: the first 8 active products.
    expect(info.quickKeys).toHaveLength(8);
    const first = app.catalog.findBySku(info.quickKeys[0]?.sku ?? '');
    expect(first?.active).toBe(true);
    expect(info.quickKeys[0]).toEqual({ sku: first?.sku, label: first?.nameEn, price: first?.price.amount, unit: first?.unit });
  });

  it('scans three items, takes cash, and the stored sale and its receipt match the cart', async () => {
    const salesBefore = rows('sales');
    const [a, b, c] = eachCodes(3);
    for (const code of [a, b, c]) await send({ type: 'SCAN', data: code });
    const cart = await settled('three lines', (v) => v.lines.length === 3);
    expect(cart.phase).toBe('selling');
    expect(cart.error).toBeNull();
    const lines = cart.lines.map((l) => ({ name: l.name, due: l.due }));
    const total = cart.totals.total;
    expect(lines.reduce((s, l) => s + l.due, 0)).toBe(total);

    const tendering = await send({ type: 'TENDER' });
    expect(tendering.phase).toBe('tendering');
    expect(tendering.due).toEqual({ remaining: total, cashDue: total, paid: 0 });
    const received = Math.ceil(total / 10_000) * 10_000 + 10_000;
    await send({ type: 'TENDER_CASH', received });
    const done = await settled('the sale to finish', (v) => v.phase === 'idle' && v.lastSale !== null);
    expect(done.lastSale).toMatchObject({ receiptNo: 1, total, change: received - total, receipt: 'printed' });
    expect(rows('sales')).toBe(salesBefore + 1);

    const recent = await ok<RecentSale[]>('sales.recent', { limit: 5 });
    expect(recent[0]).toMatchObject({ saleId: done.lastSale?.saleId, receiptNo: 1, total, currency: 'CNY', receipt: 'printed', training: true });
    expect(recent[0]?.tenders).toEqual([{ method: 'cash', amount: total, reference: null }]);

    const preview = await ok<ReceiptPreview>('sales.receipt', { saleId: done.lastSale?.saleId });
    const text = preview.text.join('\n');
    for (const l of lines) {
      expect(text).toContain(l.name);
      expect(text).toContain(money(l.due));
    }
    expect(text).toContain(money(total));
    expect(text).toContain(money(received - total));
    expect(preview.png).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    // The preview is what the (virtual) printer printed for the sale, line for line.
    const printed = (await sim('/printer/receipts/0.txt')) as string;
    expect(preview.text).toEqual(printed.replace(/\n$/, '').split('\n'));
  });

  it('finds products as the cashier types', async () => {
    const product = app.catalog.findBySku(eachCodes(1)[0] ? (app.catalog.findByBarcode(`0${eachCodes(1)[0]}`)?.sku ?? '') : '');
    expect(product).not.toBeNull();
    const word = product?.nameEn.split(' ').at(-2) ?? '';
    const hits = await ok<{ sku: string; name: string }[]>('catalog.search', { query: word, limit: 50 });
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(h.name.toLowerCase()).toContain(word.toLowerCase());
    const byCode = await ok<{ sku: string }[]>('catalog.search', { query: eachCodes(1)[0] });
    expect(byCode[0]?.sku).toBe(product?.sku);
  });
});

describe('PosHost: bad requests', () => {
  it('refuses bad input naming the field, and stores nothing', async () => {
    const before = { sales: rows('sales'), journal: rows('journal'), view: JSON.stringify(await ok<CheckoutView>('checkout.view')) };
    const cases: [unknown, string, RegExp][] = [
      [{ t: 'req', id: 90, name: 'checkout.send', params: { command: { type: 'TENDER_CASH', received: -500 } } }, 'bad-request', /^command\.received: /],
      [{ t: 'req', id: 91, name: 'checkout.send', params: { command: { type: 'TENDER_CASH', received: 12.5 } } }, 'bad-request', /^command\.received: .*int/i],
      [{ t: 'req', id: 92, name: 'checkout.send', params: { command: { type: 'EMPTY_THE_TILL' } } }, 'bad-request', /^command\.type: /],
      [{ t: 'req', id: 93, name: 'checkout.send', params: { command: { type: 'SCAN', data: '123', saleId: 'mine' } } }, 'bad-request', /^command: .*saleId/],
      [{ t: 'req', id: 94, name: 'checkout.send', params: { command: { type: 'VOID_LINE', lineNo: 1, reason: '   ' } } }, 'bad-request', /^command\.reason: give a reason/],
      [{ t: 'req', id: 95, name: 'devices.openDrawer', params: { reason: '' } }, 'bad-request', /^reason: give a reason/],
      [{ t: 'req', id: 96, name: 'sales.recent', params: { limit: 100000 } }, 'bad-request', /^limit: /],
      [{ t: 'req', id: 97, name: 'catalog.search', params: { query: ' ' } }, 'bad-request', /^query: type something to search for/],
      [{ t: 'req', id: 98, name: 'sales.receipt', params: {} }, 'bad-request', /^saleId: /],
      [{ t: 'req', id: 99, name: 'checkout.view', params: { extra: 1 } }, 'bad-request', /^params: .*extra/],
      [{ t: 'req', id: 100, name: 'sales.drop', params: {} }, 'unknown-request', /"sales\.drop"/],
      [{ t: 'req', id: 101, name: 'sales.receipt', params: { saleId: 'NOPE-T01' } }, 'refused', /no sale NOPE-T01/],
      [{ t: 'req', id: 102, name: 'devices.reconnect', params: { id: 'fridge' } }, 'refused', /no device "fridge"/],
      [{ t: 'req', id: 103, name: 'checkout.send', params: { command: { type: 'PAY_WALLET', wallet: 'paypal', mode: 'qr' } } }, 'bad-request', /^command\.wallet: /],
    ];
    for (const [message, code, pattern] of cases) {
      const r = await host.handle(message);
      const id = (message as { id: number }).id;
      expect(r, JSON.stringify(message)).toMatchObject({ t: 'res', id, ok: false, error: { code } });
      if (!r.ok) expect(r.error.message, JSON.stringify(message)).toMatch(pattern);
    }
    // Envelopes that cannot be read: answered under id -1 when there is no id, never thrown.
    for (const junk of [null, 'SCAN 123', 42, [], { t: 'req', name: 'checkout.view' }, { t: 'evt', id: 1, name: 'checkout.view' }]) {
      const r = await host.handle(junk);
      expect(r.ok, JSON.stringify(junk)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('bad-request');
    }
    expect((await host.handle({ t: 'req', name: 'x' })).id).toBe(-1);
    expect((await host.handle({ t: 'req', id: 104 })).id).toBe(104);
    expect({ sales: rows('sales'), journal: rows('journal'), view: JSON.stringify(await ok<CheckoutView>('checkout.view')) }).toEqual(before);
  });
});

describe('PosHost: events', () => {
  it('sends one checkout event for commands applied in the same tick, and customer events with it', async () => {
    const [a, b] = eachCodes(2);
    await send({ type: 'SCAN', data: a });
    await send({ type: 'SCAN', data: b });
    await settled('two lines', (v) => v.lines.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    const mark = events.length;
    await Promise.all([
      send({ type: 'SET_QUANTITY', lineNo: 1, quantityMilli: 3000 }),
      send({ type: 'LINE_DISCOUNT', lineNo: 2, discount: { percentBps: 1000 }, reason: 'damaged box' }),
      send({ type: 'VOID_LINE', lineNo: 1, reason: 'changed mind' }),
    ]);
    await new Promise((r) => setTimeout(r, 20));
    const after = events.slice(mark);
    expect(after.filter((e) => e.name === 'checkout')).toHaveLength(1);
    const view = after.find((e) => e.name === 'checkout')?.payload as CheckoutView;
    expect(view.lines[0]).toMatchObject({ quantityMilli: 3000, voided: true, voidReason: 'changed mind' });
    expect(view.lines[1]).toMatchObject({ discountReason: 'damaged box' });
    const customer = after.find((e) => e.name === 'customer')?.payload as CustomerView;
    expect(customer.lines).toHaveLength(1);
    expect(customer.total).toBe(view.totals.total);
    await send({ type: 'CANCEL', reason: 'test over' });
    await settled('the cancel', (v) => v.phase === 'idle');
  });

  it('tells every surface when the printer runs out of paper and when it is back, with the device list', async () => {
    const mark = events.length;
    await sim('/printer/paper', { state: 'out' });
    await until(() => events.slice(mark).some((e) => e.name === 'notice' && (e.payload as Notice).level === 'error'), 'a paper-out notice');
    const out = events.slice(mark).find((e) => e.name === 'notice')?.payload as Notice;
    expect(out.message).toMatch(/^the printer: .*paper/i);
    await until(() => lastEvent<DeviceView[]>('devices')?.find((d) => d.id === 'printer')?.state === 'fault', 'the printer in fault');
    const view = await settled('the printer status', (v) => v.printer?.cannotPrint === true);
    expect(view.printer?.detail).toMatch(/paper/i);
    await sim('/printer/paper', { state: 'ok' });
    await until(() => events.slice(mark).some((e) => e.name === 'notice' && /the printer is ready again/.test((e.payload as Notice).message)), 'the printer back');
    await until(() => lastEvent<DeviceView[]>('devices')?.find((d) => d.id === 'printer')?.state === 'ready', 'the printer ready');
  });

  it('runs the manager panel: device list, test print, drawer with a reason (journalled), reconnect', async () => {
    const list = await ok<DeviceView[]>('devices.list');
    expect(list.map((d) => [d.id, d.state])).toEqual([
      ['printer', 'ready'],
      ['scanner', 'ready'],
      ['display', 'ready'],
      ['scale', 'ready'],
    ]);
    const printedBefore = ((await sim('/printer/receipts')) as unknown[]).length;
    expect(await ok('devices.testPrint')).toEqual({ status: 'printed', detail: null });
    const receipts = (await sim('/printer/receipts')) as { lines: string[] }[];
    expect(receipts).toHaveLength(printedBefore + 1);
    expect(receipts.at(-1)?.lines.join('\n')).toMatch(/Kassa test page/);

    const journal = () => app.db.prepare("SELECT count(*) FROM journal WHERE kind = 'drawer.opened'").pluck().get() as number;
    const opened = journal();
    expect(await ok('devices.openDrawer', { reason: 'change for the float' })).toEqual({ opened: true });
    expect(journal()).toBe(opened + 1);
    await until(() => events.some((e) => e.name === 'devices'), 'a devices event');

    const reconnecting = await ok<DeviceView>('devices.reconnect', { id: 'scanner' });
    expect(reconnecting.id).toBe('scanner');
    await until(() => lastEvent<DeviceView[]>('devices')?.find((d) => d.id === 'scanner')?.state === 'ready', 'the scanner back after the reconnect');
    // The reconnected scanner still scans into the checkout.
    await sim('/scanner/scan', { code: eachCodes(1)[0] });
    const view = await settled('the scanned line', (v) => v.lines.length === 1);
    expect(view.lines[0]?.due).toBeGreaterThan(0);
    await send({ type: 'CANCEL', reason: 'test over' });
    await settled('the cancel', (v) => v.phase === 'idle');
  });

  it('reprints a receipt marked as a reprint', async () => {
    const [sale] = await ok<RecentSale[]>('sales.recent', { limit: 1 });
    const r = await ok<{ receiptNo: number; status: string }>('sales.reprint', { saleId: sale?.saleId });
    expect(r).toEqual({ receiptNo: sale?.receiptNo, status: 'printed', detail: null });
    const receipts = (await sim('/printer/receipts')) as { reprintBanner: boolean }[];
    expect(receipts.at(-1)?.reprintBanner).toBe(true);
  });
});

describe('PosHost: a wallet QR sale in training', () => {
  it('shows the QR code on the customer display; paying it with the sandbox wallet completes the sale', async () => {
    const [code] = eachCodes(1);
    await send({ type: 'SCAN', data: code });
    const cart = await settled('the line', (v) => v.lines.length === 1);
    const total = cart.totals.total;
    await send({ type: 'TENDER' });
    const mark = events.length;
    const paying = await send({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'qr' });
    expect(paying.phase).toBe('paying');
    await until(() => events.slice(mark).some((e) => e.name === 'customer' && (e.payload as CustomerView).phase === 'qr'), 'the QR code on the customer display');
    const shown = events.slice(mark).find((e) => e.name === 'customer' && (e.payload as CustomerView).phase === 'qr')?.payload as CustomerView;
    expect(shown.qr).toMatchObject({ wallet: 'alipay', amount: total });
    expect(shown.qr?.payload).toMatch(/^https:\/\/qr\.alipay\.com\/bax/);
    expect(Date.parse(shown.qr?.deadlineAt ?? '')).toBeGreaterThan(Date.now());
    expect(shown.message).toBe('Please scan with Alipay');
    const cashier = await ok<CheckoutView>('checkout.view');
    expect(cashier.payment).toMatchObject({ wallet: 'alipay', mode: 'qr', amount: total, qrCode: shown.qr?.payload, stopping: false });
    expect(await ok<CustomerView>('customer.view')).toEqual(shown);

    // The customer scans the code with the sandbox wallet and pays.
    const walletApi = app.payments?.sandbox?.walletApiUrl ?? '';
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${walletApi}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, path).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const buyer = await post('/buyers', { balanceFen: total + 10_000, name: 'Training customer' });
    const paid = await post('/scan', { qrCode: shown.qr?.payload, buyer: buyer.id });
    expect(paid.outcome).toBe('paid');

    const done = await settled('the wallet sale to finish', (v) => v.phase === 'idle' && v.lastSale !== null && v.lastSale.saleId === cart.saleId, 8000);
    expect(done.lastSale).toMatchObject({ total, change: 0, receipt: 'printed' });
    expect(done.lastPayment).toMatchObject({ kind: 'paid', wallet: 'alipay' });
    await until(() => events.slice(mark).some((e) => e.name === 'notice' && (e.payload as Notice).message === 'Alipay: paid with Alipay'), 'the paid notice');
    await until(() => (lastEvent<CustomerView>('customer')?.phase ?? '') === 'paid', 'the customer display saying paid');
    expect(lastEvent<CustomerView>('customer')).toMatchObject({ total, paid: total, change: 0, qr: null });
    // Then thanks, then the welcome for the next customer (customerHoldMs 300).
    await until(() => lastEvent<CustomerView>('customer')?.phase === 'thanks', 'the thank-you');
    await until(() => lastEvent<CustomerView>('customer')?.phase === 'welcome', 'the welcome');

    const [recent] = await ok<RecentSale[]>('sales.recent', { limit: 1 });
    expect(recent?.saleId).toBe(cart.saleId);
    expect(recent?.tenders).toEqual([{ method: 'alipay', amount: total, reference: (paid.trade as { tradeNo: string }).tradeNo }]);
  });
});

describe('PosHost: closing', () => {
  it('answers unavailable after close and sends no more events', async () => {
    const other = createPosHost(app, { host: 'electron' });
    const seen: EventMessage[] = [];
    other.subscribe((e) => seen.push(e));
    expect(other.info.host).toBe('electron');
    await other.close();
    const r = await other.handle({ t: 'req', id: 5, name: 'checkout.view', params: {} });
    expect(r).toEqual({ t: 'res', id: 5, ok: false, error: { code: 'unavailable', message: 'the terminal is stopping' } });
    await send({ type: 'SCAN', data: eachCodes(1)[0] });
    await settled('the line', (v) => v.lines.length === 1);
    await send({ type: 'CANCEL', reason: 'test over' });
    await settled('the cancel', (v) => v.phase === 'idle');
    expect(seen).toEqual([]);
  });
});
