// Roles at the PosApi (issue 7 §1): with users on the terminal, a cashier's session cannot
// refund, close the shift, open the drawer without a sale or override a price; a manager's PIN
// typed in place lets the same request through, and the approval is journalled. A training
// terminal with simulated devices, driven only through PosHost.handle.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPosHost, type PosHost } from '../../../src/core/api/pos-host.ts';
import { openTerminalApp, type TerminalApp } from '../../../src/core/terminal-app.ts';
import type { CheckoutView, EventMessage, SessionView } from '../../../src/shared/api.ts';

let root: string;
let app: TerminalApp;
let host: PosHost;
let nextId = 1;
const events: EventMessage[] = [];
let managerId = '';
let cashierId = '';
const MANAGER_PIN = '9081';
const CASHIER_PIN = '1357';

type Reply = Awaited<ReturnType<PosHost['handle']>>;
const call = (name: string, params: unknown = {}): Promise<Reply> => host.handle({ t: 'req', id: nextId++, name, params });
async function ok<T>(name: string, params: unknown = {}): Promise<T> {
  const r = await call(name, params);
  if (!r.ok) throw new Error(`${name} answered ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}
const journalCount = (kind: string) => app.db.prepare('SELECT count(*) FROM journal WHERE kind = ?').pluck().get(kind) as number;

async function settled(check: (v: CheckoutView) => boolean, ms = 5000): Promise<CheckoutView> {
  const deadline = Date.now() + ms;
  let view: CheckoutView | null = null;
  while (Date.now() < deadline) {
    view = await ok<CheckoutView>('checkout.view');
    if (!view.busy && check(view)) return view;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out; the checkout is ${view?.state} (${view?.error ?? 'no error'})`);
}

function anyEachCode(): string {
  const code = app.db
    .prepare("SELECT min(b.code) FROM products p JOIN barcodes b ON b.sku = p.sku WHERE p.active = 1 AND p.unit = 'each' AND length(b.code) = 14")
    .pluck()
    .get() as string;
  return code.replace(/^0/, '');
}

async function sellOne(): Promise<CheckoutView> {
  await ok('checkout.send', { command: { type: 'SCAN', data: anyEachCode() } });
  const cart = await settled((v) => v.lines.length === 1);
  await ok('checkout.send', { command: { type: 'TENDER' } });
  await ok('checkout.send', { command: { type: 'TENDER_CASH', received: cart.totals.total + 10_000 } });
  return settled((v) => v.phase === 'idle' && v.lastSale !== null);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kassa-pos-staff-'));
  const dir = join(root, 'training');
  mkdirSync(dir);
  writeFileSync(join(dir, 'kassa.config.json'), JSON.stringify({ language: 'en', staff: { lockout: { attempts: 3, minutes: 15 } } }));
  app = await openTerminalApp({ dataDir: dir, mode: 'training', log: 'silent', demoProducts: 60, sandbox: { ledger: ':memory:' }, drawerClosesAfterMs: 200 });
  host = createPosHost(app, { host: 'browser' });
  host.subscribe((e) => events.push(e));
}, 30_000);

afterAll(async () => {
  await host?.close();
  await app?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('PosHost: users, log-in and approvals', () => {
  it('in setup mode (no users) nobody logs in and everything is allowed', async () => {
    const session = await ok<SessionView>('session.view');
    expect(session).toMatchObject({ usersExist: false, operator: { userId: null, role: 'manager' }, shift: null, users: [] });
    expect(await ok('devices.openDrawer', { reason: 'setup: change for the float' })).toEqual({ opened: true });
  });

  it('the first user is a manager; from then on every request but log-in asks for one', async () => {
    const manager = await ok<{ id: string }>('users.add', { name: 'Wang Fang', role: 'manager', pin: MANAGER_PIN });
    managerId = manager.id;
    const session = await ok<SessionView>('session.view');
    expect(session.usersExist).toBe(true);
    expect(session.operator).toBeNull();
    const refused = await call('checkout.send', { command: { type: 'SCAN', data: anyEachCode() } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'login-required' } });
    // The view a screen draws itself with stays free.
    expect((await call('checkout.view')).ok).toBe(true);
  });

  it('a manager logs in and adds a cashier; the session event follows', async () => {
    const session = await ok<SessionView>('session.login', { userId: managerId, pin: MANAGER_PIN });
    expect(session.operator).toMatchObject({ userId: managerId, name: 'Wang Fang', role: 'manager' });
    const cashier = await ok<{ id: string; role: string }>('users.add', { name: 'Li Lei', role: 'cashier', pin: CASHIER_PIN });
    cashierId = cashier.id;
    expect(cashier.role).toBe('cashier');
    await ok('session.logout');
    await new Promise((r) => setTimeout(r, 0));
    const last = events.filter((e) => e.name === 'session').at(-1)?.payload as SessionView;
    expect(last.operator).toBeNull();
    expect(last.users.map((u) => u.name).sort()).toEqual(['Li Lei', 'Wang Fang']);
  });

  it("a cashier's sales carry the cashier's name", async () => {
    await ok('session.login', { userId: cashierId, pin: CASHIER_PIN });
    const done = await sellOne();
    const sale = app.db.prepare('SELECT cashier FROM sales WHERE id = ?').get(done.lastSale?.saleId) as { cashier: string };
    expect(sale.cashier).toBe('Li Lei');
  });

  it('a cashier cannot open the drawer, refund, override a price or close the shift without approval', async () => {
    const saleId = app.db.prepare('SELECT id FROM sales ORDER BY receipt_no DESC LIMIT 1').pluck().get() as string;
    const drawerBefore = journalCount('drawer.opened');
    const refundsBefore = app.db.prepare('SELECT count(*) FROM refunds').pluck().get();
    for (const [name, params, permission] of [
      ['devices.openDrawer', { reason: 'change' }, 'drawer.no-sale'],
      ['sales.refund', { saleId, reason: 'faulty' }, 'refund'],
      ['shift.close', { counts: {} }, 'shift.close'],
      ['report.z', {}, 'report.z'],
    ] as const) {
      const r = await call(name, params);
      expect(r, name).toMatchObject({ ok: false, error: { code: 'approval-required', permission } });
    }
    await ok('checkout.send', { command: { type: 'SCAN', data: anyEachCode() } });
    await settled((v) => v.lines.length === 1);
    const override = await call('checkout.send', { command: { type: 'OVERRIDE_PRICE', lineNo: 1, unitPrice: 1, reason: 'damaged' } });
    expect(override).toMatchObject({ ok: false, error: { code: 'approval-required', permission: 'price.override' } });
    expect((await ok<CheckoutView>('checkout.view')).lines[0]?.originalUnitPrice).toBeNull();
    // Nothing happened.
    expect(journalCount('drawer.opened')).toBe(drawerBefore);
    expect(app.db.prepare('SELECT count(*) FROM refunds').pluck().get()).toBe(refundsBefore);
  });

  it("the manager's PIN typed in place lets the override through, journalled as an approval", async () => {
    const approvalsBefore = journalCount('approval.granted');
    const view = await ok<CheckoutView>('checkout.send', {
      command: { type: 'OVERRIDE_PRICE', lineNo: 1, unitPrice: 1, reason: 'damaged' },
      approval: { userId: managerId, pin: MANAGER_PIN },
    });
    expect(view.lines[0]).toMatchObject({ unitPrice: 1 });
    expect(journalCount('approval.granted')).toBe(approvalsBefore + 1);
    const row = app.db.prepare("SELECT payload FROM journal WHERE kind = 'approval.granted' ORDER BY seq DESC LIMIT 1").pluck().get() as string;
    expect(JSON.parse(row)).toMatchObject({ permission: 'price.override' });
    expect(row).not.toContain(MANAGER_PIN);
  });

  it('a log-out with a sale open is refused; a cancel before any tender is the cashier\'s own', async () => {
    const r = await call('session.logout');
    expect(r).toMatchObject({ ok: false, error: { code: 'refused' } });
    await ok('checkout.send', { command: { type: 'CANCEL', reason: 'customer left' } });
    await settled((v) => v.phase === 'idle');
  });

  it("a wrong approval PIN is refused and counts toward the approver's lockout", async () => {
    const wrong = await call('devices.openDrawer', { reason: 'change', approval: { userId: managerId, pin: '0000' } });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'refused' } });
    if (!wrong.ok) expect(wrong.error.message).toMatch(/PIN/);
    await call('devices.openDrawer', { reason: 'change', approval: { userId: managerId, pin: '0001' } });
    await call('devices.openDrawer', { reason: 'change', approval: { userId: managerId, pin: '0002' } });
    // Locked now: even the right PIN is refused.
    const locked = await call('devices.openDrawer', { reason: 'change', approval: { userId: managerId, pin: MANAGER_PIN } });
    expect(locked).toMatchObject({ ok: false, error: { code: 'refused' } });
    if (!locked.ok) expect(locked.error.message).toMatch(/locked/);
    expect(journalCount('user.locked')).toBe(1);
  });
});
