// A whole day at the counter (issue 7, end to end), through the PosApi only, on a training
// terminal with its simulated devices on socat ptys and the sandbox wallets:
//   1. a cashier logs in and opens the shift with a counted float;
//   2. 50 sales across cash, Alipay and WeChat Pay, two refunds and a paid-out (each approved
//      in place by the manager's PIN);
//   3. the shift is closed with a blind count 10 CNY short;
//   4. the Z report is printed, and read back through the virtual printer.
// Every figure the test checks is computed here independently, from what the test itself did.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPosHost, type PosHost } from '../../../src/core/api/pos-host.ts';
import { openTerminalApp, type TerminalApp } from '../../../src/core/terminal-app.ts';
import { formatMoney } from '../../../src/domain/money.ts';
import type { CheckoutView, DenominationView, RefundResultView, ReportView, SessionView, ShiftCloseView } from '../../../src/shared/api.ts';
import { SandboxControl } from '../../e2e/support/sandbox-control.ts';

let root: string;
let app: TerminalApp;
let host: PosHost;
let sandbox: SandboxControl;
let nextId = 1;
const MANAGER = { id: '', pin: '8642' };
const CASHIER = { id: '', pin: '2468' };
const manager = () => ({ userId: MANAGER.id, pin: MANAGER.pin });

type Reply = Awaited<ReturnType<PosHost['handle']>>;
const call = (name: string, params: unknown = {}): Promise<Reply> => host.handle({ t: 'req', id: nextId++, name, params });
async function ok<T>(name: string, params: unknown = {}): Promise<T> {
  const r = await call(name, params);
  if (!r.ok) throw new Error(`${name} answered ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}
const yuan = (minor: number) => formatMoney({ amount: minor, currency: 'CNY' });

async function settled(what: string, check: (v: CheckoutView) => boolean, ms = 10_000): Promise<CheckoutView> {
  const deadline = Date.now() + ms;
  let view: CheckoutView | null = null;
  while (Date.now() < deadline) {
    view = await ok<CheckoutView>('checkout.view');
    if (!view.busy && check(view)) return view;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}; the checkout is ${view?.state} (${view?.error ?? 'no error'})`);
}

function eachCodes(n: number): string[] {
  const codes = app.db
    .prepare("SELECT min(b.code) FROM products p JOIN barcodes b ON b.sku = p.sku WHERE p.active = 1 AND p.unit = 'each' AND length(b.code) = 14 GROUP BY p.sku ORDER BY p.sku LIMIT ?")
    .pluck()
    .all(n) as string[];
  return codes.map((c) => c.replace(/^0/, ''));
}

/** The fewest notes and coins making `amount` (every denomination divides the 0.10 step). */
function countOf(amount: number, denominations: readonly DenominationView[]): Record<string, number> {
  let left = amount;
  const counts: Record<string, number> = {};
  for (const d of [...denominations].sort((a, b) => b.value - a.value)) {
    const n = Math.floor(left / d.value);
    if (n > 0) counts[d.key] = n;
    left -= n * d.value;
  }
  if (left !== 0) throw new Error(`cannot count ${amount} in these denominations`);
  return counts;
}

interface Made {
  saleId: string;
  method: 'cash' | 'alipay' | 'wechat';
  /** What the tender took (cash: rounded). */
  amount: number;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kassa-whole-day-'));
  const dir = join(root, 'training');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'kassa.config.json'),
    JSON.stringify({ language: 'en', cashRounding: { step: '0.10', mode: 'half-up' }, payments: { timing: { pollSeconds: 1 } } }),
  );
  app = await openTerminalApp({ dataDir: dir, mode: 'training', log: 'silent', demoProducts: 80, sandbox: { ledger: ':memory:' }, drawerClosesAfterMs: 100 });
  host = createPosHost(app, { host: 'browser', customerHoldMs: 50 });
  const walletApi = app.payments?.sandbox?.walletApiUrl ?? '';
  sandbox = new SandboxControl(walletApi.replace(/\/wallet$/, ''));
  // Setup mode: the first user (a manager) is added without log-in, then a cashier.
  MANAGER.id = (await ok<{ id: string }>('users.add', { name: 'Zhao Min', role: 'manager', pin: MANAGER.pin })).id;
  await ok('session.login', { userId: MANAGER.id, pin: MANAGER.pin });
  CASHIER.id = (await ok<{ id: string }>('users.add', { name: 'Chen Jie', role: 'cashier', pin: CASHIER.pin })).id;
  await ok('session.logout');
}, 60_000);

afterAll(async () => {
  await host?.close();
  await app?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a whole day: shift, 50 sales, refunds, a paid-out, a short count, the Z report on paper', () => {
  const made: Made[] = [];
  let float = 0;
  let denominations: readonly DenominationView[] = [];
  let close: ShiftCloseView;
  const refunds: { method: string; amount: number; cash: number }[] = [];
  const PAID_OUT = 2000;

  it('the cashier logs in and opens the shift with a counted float', async () => {
    await ok('session.login', { userId: CASHIER.id, pin: CASHIER.pin });
    denominations = await ok<DenominationView[]>('shift.denominations');
    const session = await ok<SessionView>('shift.open', { counts: { '100': 2, '10': 4, '1': 10 } });
    float = 20_000 + 4000 + 1000;
    expect(session.shift).toMatchObject({ float, cashier: 'Chen Jie' });
  });

  it('sells 50 times across cash, Alipay and WeChat Pay', async () => {
    const codes = eachCodes(12);
    const buyer = (await sandbox.createBuyer(10_000_000, { name: 'whole day' })) as { id: string };
    for (let i = 0; i < 50; i += 1) {
      const lines = 1 + (i % 3);
      for (let k = 0; k < lines; k += 1) await ok('checkout.send', { command: { type: 'SCAN', data: codes[(i + k * 5) % codes.length] } });
      const cart = await settled(`sale ${i + 1}'s lines`, (v) => v.lines.length === lines);
      const method: Made['method'] = i % 5 === 3 ? 'alipay' : i % 5 === 4 ? 'wechat' : 'cash';
      const tendering = await ok<CheckoutView>('checkout.send', { command: { type: 'TENDER' } });
      if (method === 'cash') {
        const due = tendering.due?.cashDue ?? 0;
        await ok('checkout.send', { command: { type: 'TENDER_CASH', received: Math.ceil(due / 5000) * 5000 + (i % 2) * 5000 } });
        const done = await settled(`sale ${i + 1}`, (v) => v.phase === 'idle' && v.lastSale !== null && !made.some((m) => m.saleId === v.lastSale?.saleId));
        made.push({ saleId: done.lastSale?.saleId ?? '', method, amount: due });
      } else {
        const authCode = await sandbox.paymentCode(buyer.id, method);
        await ok('checkout.send', { command: { type: 'PAY_WALLET', wallet: method, mode: 'barcode', authCode } });
        const done = await settled(`sale ${i + 1} (${method})`, (v) => v.phase === 'idle' && v.lastSale !== null && !made.some((m) => m.saleId === v.lastSale?.saleId), 20_000);
        made.push({ saleId: done.lastSale?.saleId ?? '', method, amount: cart.totals.total });
      }
    }
    expect(made).toHaveLength(50);
    expect(new Set(made.map((m) => m.saleId)).size).toBe(50);
  }, 180_000);

  it('refunds a cash sale and an Alipay sale, each approved by the manager in place', async () => {
    const cashSale = made.find((m) => m.method === 'cash');
    const alipaySale = made.find((m) => m.method === 'alipay');
    if (!cashSale || !alipaySale) throw new Error('no sales to refund');
    // Without approval the cashier is told who must approve.
    expect(await call('sales.refund', { saleId: cashSale.saleId, reason: 'broken seal' })).toMatchObject({ ok: false, error: { code: 'approval-required', permission: 'refund' } });
    const cash = await ok<RefundResultView>('sales.refund', { saleId: cashSale.saleId, reason: 'broken seal', approval: manager() });
    expect(cash).toMatchObject({ amount: cashSale.amount, cash: cashSale.amount, refunded: cashSale.amount, pending: 0 });
    refunds.push({ method: 'cash', amount: cashSale.amount, cash: cash.cash });
    const wallet = await ok<RefundResultView>('sales.refund', { saleId: alipaySale.saleId, reason: 'wrong size', approval: manager() });
    expect(wallet).toMatchObject({ amount: alipaySale.amount, cash: 0, refunded: alipaySale.amount });
    refunds.push({ method: 'alipay', amount: alipaySale.amount, cash: 0 });
  }, 60_000);

  it('pays out 20.00 for the window cleaner, approved by the manager', async () => {
    expect(await call('shift.cash', { kind: 'paid-out', amount: PAID_OUT, reason: 'window cleaner' })).toMatchObject({ ok: false, error: { code: 'approval-required' } });
    const session = await ok<SessionView>('shift.cash', { kind: 'paid-out', amount: PAID_OUT, reason: 'window cleaner', approval: manager() });
    expect(session.shift?.paidOut).toBe(PAID_OUT);
  });

  it('closes the shift with a blind count 10.00 short: over/short and its working', async () => {
    const cashSales = made.filter((m) => m.method === 'cash').reduce((s, m) => s + m.amount, 0);
    const cashRefunds = refunds.reduce((s, r) => s + r.cash, 0);
    const expected = float + cashSales - cashRefunds - PAID_OUT;
    close = await ok<ShiftCloseView>('shift.close', { counts: countOf(expected - 1000, denominations), approval: manager() });
    expect(close).toMatchObject({ expected, counted: expected - 1000, overShort: -1000 });
    // The working adds up to the expected figure.
    expect(close.working.reduce((s, w) => s + w.amount, 0)).toBe(expected);
  });

  it('prints the Z report; read back from the virtual printer it carries the day as the test made it', async () => {
    const z = await ok<ReportView>('report.z', { approval: manager(), print: true });
    const soldTotal = made.reduce((s, m) => s + m.amount, 0);
    const byMethod = (method: string) => made.filter((m) => m.method === method).reduce((s, m) => s + m.amount, 0);
    expect(z).toMatchObject({ kind: 'Z', zNo: 1, sales: { count: 50 }, returns: { count: 2, amount: refunds.reduce((s, r) => s + r.amount, 0) } });
    expect(z.sales.total + z.sales.rounding).toBe(soldTotal);
    for (const method of ['cash', 'alipay', 'wechat'] as const) expect(z.tenders.find((t) => t.method === method)?.amount ?? 0, method).toBe(byMethod(method));
    expect(z.cash.shifts).toHaveLength(1);
    expect(z.cash.shifts[0]).toMatchObject({ overShort: -1000, counted: close.counted, expected: close.expected });
    expect(z.hourly.reduce((s, h) => s + h.count, 0)).toBe(50);

    // The slip, decoded from the ESC/POS bytes the virtual printer received.
    const url = app.sim?.controlUrl ?? '';
    const receipts = (await (await fetch(`${url}/printer/receipts`)).json()) as { lines: string[] }[];
    const slip = receipts.at(-1)?.lines.join('\n') ?? '';
    expect(slip).toMatch(/\bZ\b/);
    expect(slip).toContain(yuan(soldTotal));
    expect(slip).toContain(yuan(-1000));
    expect(slip).toContain('Chen Jie');

    // Asked for twice: refused, nothing stored.
    const again = await call('report.z', { approval: manager() });
    expect(again).toMatchObject({ ok: false, error: { code: 'refused' } });
    expect(app.db.prepare('SELECT count(*) FROM z_reports').pluck().get()).toBe(1);
  }, 30_000);
});
