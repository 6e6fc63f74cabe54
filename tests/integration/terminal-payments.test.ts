// Wallet payments for a running terminal against the real sandbox gateway (HTTP on 127.0.0.1,
// port 0, alipay-sdk and RSA2 both ways, a ledger file that outlives each "run"): training pays a
// sale part cash, part Alipay with a code from the sandbox wallet; after a crash, start-up
// recovery closes the loop of every attempt left open (a payment taken with no sale is reversed,
// a waiting one cancelled, one never sent marked failed) while the restored checkout resumes its
// own attempt untouched; a cancel the gateway refuses at start-up is finished by the queue.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importCatalog } from '../../src/core/catalog-import.ts';
import { startCheckout, type CheckoutService, type CheckoutSnapshot } from '../../src/core/checkout-service.ts';
import { parseConfig, type KassaConfig } from '../../src/core/config.ts';
import { callsFor, getAttempt, listOpenAttempts, recordAttempt } from '../../src/core/db/payment-attempts.ts';
import { getSale } from '../../src/core/db/sales.ts';
import { newOutTradeNo } from '../../src/core/payment-service.ts';
import { dataPaths } from '../../src/core/paths.ts';
import { openTerminal, type Terminal } from '../../src/core/runtime.ts';
import { openPayments, type TerminalPayments } from '../../src/core/terminal-payments.ts';
import type { PayRequest } from '../../src/domain/payment.ts';
import { until } from '../support/until.ts';

const CATALOG_CSV = ['sku,name_zh,name_en,price,unit,tax_class,department,active,barcodes', 'RICE,东北大米 5kg,Northeast Rice 5kg,49.90,each,standard,Grain,1,6900000000021', ''].join('\n');
const RICE_EAN = '6900000000021';

/** Fast machine timing so a waiting payment is resolved in seconds, and a 1 s queue backoff. */
const TRAINING = { training: true, payments: { timing: { pollSeconds: 1, deadlineSeconds: 10, queryDelaySeconds: 1, cancelRetrySeconds: 1, cancelRetries: 0 }, cancelQueue: { retrySeconds: [1] } } };

let dir: string;
let config: KassaConfig;
let terminal: Terminal | null = null;
let payments: TerminalPayments | null = null;
let checkout: CheckoutService | null = null;

async function open(): Promise<{ terminal: Terminal; payments: TerminalPayments }> {
  terminal = await openTerminal(dataPaths(dir), { config, log: 'silent' });
  payments = await openPayments({ db: terminal.db, config, logger: terminal.logger, dataDir: dir, sandboxDir: join(dir, 'sandbox') });
  if (!payments) throw new Error('expected wallet payments in training mode');
  return { terminal, payments };
}

async function closeAll(): Promise<void> {
  checkout?.stop();
  checkout = null;
  await payments?.close();
  payments = null;
  await terminal?.close();
  terminal = null;
}

async function step(service: CheckoutService, event: Parameters<CheckoutService['send']>[0]): Promise<CheckoutSnapshot> {
  service.send(event);
  return service.settle(30_000);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-terminal-payments-'));
  config = parseConfig(TRAINING);
  const t = await openTerminal(dataPaths(dir), { config, log: 'silent' });
  const csv = join(dir, 'catalog.csv');
  writeFileSync(csv, CATALOG_CSV);
  await importCatalog(t.db, csv, { currency: 'CNY', taxClasses: t.config.taxClasses, defaultTaxClass: t.config.defaultTaxClass });
  await t.close();
});

afterEach(async () => {
  await closeAll();
  rmSync(dir, { recursive: true, force: true });
});

function payRequest(p: TerminalPayments, authCode: string, amount: number): PayRequest {
  return { wallet: 'alipay', outTradeNo: newOutTradeNo('T01'), authCode, amount, currency: 'CNY', subject: p.settings.subject, storeId: p.settings.storeId, terminalId: 'T01', operatorId: 'cashier' };
}

describe('wallet payments on a terminal', () => {
  it('a cash-only terminal gets none; one that lost its wallet config logs the attempts left open', async () => {
    const t = await openTerminal(dataPaths(dir), { config: parseConfig({}), log: 'silent' });
    const errors: string[] = [];
    const logger = Object.assign(Object.create(t.logger) as typeof t.logger, { error: (_o: unknown, msg: string) => void errors.push(msg) });
    expect(await openPayments({ db: t.db, config: parseConfig({}), logger, dataDir: dir })).toBeNull();
    expect(errors).toEqual([]);
    recordAttempt(t.db, { outTradeNo: 'T01_LEFT', saleId: 'S1', terminalId: 'T01', wallet: 'alipay', mode: 'barcode', amount: 100, currency: 'CNY', at: new Date().toISOString() });
    // Training that asks for the configured gateways, with none configured: cash only as well.
    expect(await openPayments({ db: t.db, config: parseConfig({ training: true, payments: { training: 'configured' } }), logger, dataDir: dir })).toBeNull();
    expect(errors[0]).toMatch(/unresolved but no wallet is configured/);
    await t.close();
  });

  it('training pays a sale part cash, part Alipay, with a code the sandbox wallet issues; the keys are made once', async () => {
    const first = await open();
    expect(first.payments.gateway).toBe('sandbox');
    expect(first.payments.sandbox?.keysCreated).toBe(true);
    expect(first.payments.service.wallets).toEqual(['alipay', 'wechat']);
    expect(await first.payments.start()).toEqual([]);
    checkout = startCheckout({ db: first.terminal.db, config, logger: first.terminal.logger, printer: null, payments: first.payments });
    await step(checkout, { type: 'SCAN', data: RICE_EAN });
    await step(checkout, { type: 'TENDER' });
    await step(checkout, { type: 'TENDER_CASH', received: 1000 });
    // The customer's phone: a buyer and an Alipay payment code, over the wallet API.
    const api = first.payments.sandbox?.walletApiUrl ?? '';
    const post = async (path: string, body: unknown) => (await (await fetch(`${api}${path}`, { method: 'POST', body: JSON.stringify(body) })).json()) as Record<string, unknown>;
    const buyer = await post('/buyers', { balance: '100.00' });
    const codes = (await post('/codes', { buyer: buyer.id, wallet: 'alipay' })).codes as Array<{ code: string }>;
    const snap = await step(checkout, { type: 'SCAN', data: codes[0]?.code ?? '' });
    expect(snap.context.lastError).toBeNull();
    expect(snap.context.lastPayment).toMatchObject({ kind: 'paid', trade: { amount: 3990 } });
    const sale = getSale(first.terminal.db, snap.context.lastSale?.id ?? '');
    expect(sale?.tenders.map((t) => [t.method, t.amount])).toEqual([
      ['cash', 1000],
      ['alipay', 3990],
    ]);
    expect(first.payments.sandbox?.server.wallet.buyer(String(buyer.id)).balanceFen).toBe(100_00 - 3990);
    // WeChat Pay micropay goes to the same sandbox.
    const wxCode = first.payments.sandbox?.server.wallet.issueCode(String(buyer.id), 'wechat').code ?? '';
    const wx = await first.payments.providers.get('wechat')?.pay({ ...payRequest(first.payments, wxCode, 500), wallet: 'wechat' });
    expect(wx).toMatchObject({ kind: 'paid', amount: 500 });
    expect(first.payments.sandbox?.server.wallet.buyer(String(buyer.id)).balanceFen).toBe(100_00 - 3990 - 500);
    await closeAll();
    const again = await open();
    expect(again.payments.sandbox?.keysCreated).toBe(false);
  });

  it('start-up recovery closes the loop of every attempt left open, except the one the restored checkout resumes', async () => {
    // First run: the checkout waits for a customer who must confirm on the phone...
    const run1 = await open();
    await run1.payments.start();
    const wallet = () => payments?.sandbox?.server.wallet;
    const confirmer = wallet()?.createBuyer({ balanceFen: 100_00, password: { afterSeconds: null } });
    const paidNoSale = wallet()?.createBuyer({ balanceFen: 100_00 });
    const waiting = wallet()?.createBuyer({ balanceFen: 100_00, password: { afterSeconds: null } });
    if (!confirmer || !paidNoSale || !waiting) throw new Error('no sandbox wallet');
    checkout = startCheckout({ db: run1.terminal.db, config, logger: run1.terminal.logger, printer: null, payments: run1.payments });
    await step(checkout, { type: 'SCAN', data: RICE_EAN });
    await step(checkout, { type: 'TENDER' });
    checkout.send({ type: 'SCAN', data: wallet()?.issueCode(confirmer.id, 'alipay').code ?? '' });
    const resumed = checkout.actor.getSnapshot().context.payment?.outTradeNo ?? '';
    await until(() => callsFor(run1.terminal.db, resumed).some((c) => c.call === 'pay' && c.response !== null), 'the pay call to be answered');
    // ...and other attempts are left open as a crash would leave them: one paid with no sale yet,
    // one waiting for the customer's password, one recorded but never sent.
    const taken = payRequest(run1.payments, wallet()?.issueCode(paidNoSale.id, 'alipay').code ?? '', 3000);
    expect(await run1.payments.service.effects(() => 'S-TAKEN').pay(taken, new AbortController().signal)).toMatchObject({ kind: 'paid' });
    const unconfirmed = payRequest(run1.payments, wallet()?.issueCode(waiting.id, 'alipay').code ?? '', 2000);
    expect(await run1.payments.service.effects(() => 'S-WAITING').pay(unconfirmed, new AbortController().signal)).toMatchObject({ kind: 'waiting' });
    const neverSent = newOutTradeNo('T01');
    recordAttempt(run1.terminal.db, { outTradeNo: neverSent, saleId: 'S-NEVER', terminalId: 'T01', wallet: 'alipay', mode: 'barcode', amount: 500, currency: 'CNY', at: new Date().toISOString() });
    expect(wallet()?.buyer(paidNoSale.id).balanceFen).toBe(100_00 - 3000);
    // The power goes.
    await closeAll();

    // Second run: the checkout comes back in walletPaying and resumes its own attempt.
    const run2 = await open();
    checkout = startCheckout({ db: run2.terminal.db, config, logger: run2.terminal.logger, printer: null, payments: run2.payments });
    expect(checkout.recovery).toMatchObject({ restored: true, state: 'walletPaying' });
    const recovered = await run2.payments.start(checkout);
    expect(Object.fromEntries(recovered.map((a) => [a.outTradeNo, a.state]))).toEqual({ [taken.outTradeNo]: 'cancelled', [unconfirmed.outTradeNo]: 'cancelled', [neverSent]: 'cancelled' });
    // The one never sent is cancelled too, so its number can never be charged if a pay was on its way.
    expect(getAttempt(run2.terminal.db, neverSent)?.detail).toContain('can never be charged');
    expect(getAttempt(run2.terminal.db, taken.outTradeNo)?.detail).toBe('it had been paid with no sale: the money went back');
    expect(wallet()?.buyer(paidNoSale.id).balanceFen).toBe(100_00);
    // The resumed payment is the machine's alone: one cancel, made by it, and the sale is still open.
    const snap = await checkout.settle(30_000);
    expect(snap.context.lastPayment).toMatchObject({ kind: 'cancelled', outTradeNo: resumed });
    expect(snap.matches('tendering')).toBe(true);
    expect(getAttempt(run2.terminal.db, resumed)?.state).toBe('cancelled');
    expect(callsFor(run2.terminal.db, resumed).filter((c) => c.call === 'cancel')).toHaveLength(1);
    expect(wallet()?.buyer(confirmer.id).balanceFen).toBe(100_00);
    expect(listOpenAttempts(run2.terminal.db)).toEqual([]);
    // The gateway agrees: nothing left waiting, the books balance.
    const ledger = run2.payments.sandbox?.server.ledger;
    expect(ledger?.snapshot().trades.filter((t) => t.status === 'WAIT_BUYER_PAY')).toEqual([]);
    expect(ledger?.check()).toEqual([]);
  });

  it('a cancel the gateway cannot take at start-up is finished by the cancel queue', async () => {
    const run1 = await open();
    const buyer = run1.payments.sandbox?.server.wallet.createBuyer({ balanceFen: 50_00 });
    const code = run1.payments.sandbox?.server.wallet.issueCode(buyer?.id ?? '', 'alipay').code ?? '';
    const taken = payRequest(run1.payments, code, 1234);
    expect(await run1.payments.service.effects(() => 'S-LOST').pay(taken, new AbortController().signal)).toMatchObject({ kind: 'paid' });
    await closeAll();

    const run2 = await open();
    run2.payments.sandbox?.server.faults.add({ method: 'alipay.trade.cancel', fault: { kind: 'system-error' }, count: 1 });
    const recovered = await run2.payments.start();
    expect(recovered.map((a) => a.state)).toEqual(['cancel-pending']);
    expect(run2.payments.queue.pending().map((p) => p.outTradeNo)).toEqual([taken.outTradeNo]);
    await until(() => getAttempt(run2.terminal.db, taken.outTradeNo)?.state === 'cancelled', 'the queue to finish the cancel', 15_000);
    expect(run2.payments.sandbox?.server.wallet.buyer(buyer?.id ?? '').balanceFen).toBe(50_00);
    expect(callsFor(run2.terminal.db, taken.outTradeNo).map((c) => c.call)).toEqual(['pay', 'query', 'cancel', 'query', 'cancel']);
  });
});
