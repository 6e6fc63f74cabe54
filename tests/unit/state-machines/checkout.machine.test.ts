import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { verifySaleRecord } from '../../../src/domain/tender.ts';
import { checkoutMachine, checkoutMachineVersion, provideCheckout } from '../../../state-machines/checkout.machine.ts';
import type { CommitInput, LookupInput } from '../../../state-machines/checkout.machine.ts';
import { providePayment } from '../../../state-machines/payment.machine.ts';
import type { CancelOutcome, CloseOutcome, PayOutcome, PrecreateOutcome, QueryOutcome } from '../../../src/domain/payment.ts';
import { fakes, flush, INPUT, lookup } from './checkout-fakes.ts';

const COLA = '6901234567892';
const RICE = '6909876543210';
const AT = '2025-05-01T10:00:00.000Z';
const PAID_AT = '2025-05-01T10:05:00.000Z';
const open = { saleId: 'S1-T1', at: AT };

function start(f = fakes()) {
  const actor = createActor(f.machine, { input: INPUT }).start();
  return { actor, ...f };
}
const snap = (a: { getSnapshot(): { value: unknown } }) => a.getSnapshot().value;

async function withItems(f = fakes()) {
  const t = start(f);
  t.actor.send({ type: 'SCAN', data: COLA, ...open });
  await waitFor(t.actor, (s) => s.matches({ inSale: 'ready' }));
  t.actor.send({ type: 'SCAN', data: RICE });
  await waitFor(t.actor, (s) => s.matches({ inSale: 'ready' }) && s.context.cart.lines.length === 2);
  return t; // cola 3.50 + rice 88.88 = 92.38
}

/** What was asked of lookupItem, without the sale id and coupon spend the machine adds to every lookup. */
function asked(calls: readonly unknown[]): LookupInput[] {
  return (calls as LookupInput[]).map(({ saleId: _saleId, spend: _spend, ...rest }) => rest);
}

describe('checkout machine: opening a sale', () => {
  it('starts idle with an empty cart and the terminal settings', () => {
    const { actor } = start();
    expect(snap(actor)).toBe('idle');
    expect(actor.getSnapshot().context).toMatchObject({
      saleId: null,
      cart: { currency: 'CNY', lines: [] },
      rounding: { step: 10, mode: 'half-up' },
      limits: { maxLines: 500 },
    });
    expect(checkoutMachineVersion).toBe(1);
  });

  it('a scan from idle opens the sale with the id and time the host passed, and adds the item', async () => {
    const { actor, calls } = start();
    actor.send({ type: 'SCAN', data: COLA, ...open });
    expect(snap(actor)).toEqual({ inSale: 'lookingUp' });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    const c = actor.getSnapshot().context;
    expect(c.saleId).toBe('S1-T1');
    expect(c.startedAt).toBe(AT);
    expect(c.cart.lines).toHaveLength(1);
    expect(c.cart.lines[0]).toMatchObject({ sku: 'COLA', source: COLA });
    expect(asked(calls.lookupItem)).toEqual([{ data: COLA }]);
    expect(calls.lookupItem[0]).toMatchObject({ saleId: expect.any(String), spend: 0 });
  });

  it('START opens an empty sale; ADD opens one and looks up by sku with the quantity', async () => {
    const { actor } = start();
    actor.send({ type: 'START', ...open });
    expect(snap(actor)).toEqual({ inSale: 'ready' });
    const b = start();
    b.actor.send({ type: 'ADD', sku: 'COLA', quantityMilli: 4000, ...open });
    await waitFor(b.actor, (s) => s.matches({ inSale: 'ready' }));
    expect(b.actor.getSnapshot().context.cart.lines[0]?.quantityMilli).toBe(4000);
    expect(asked(b.calls.lookupItem)).toEqual([{ sku: 'COLA', quantityMilli: 4000 }]);
  });

  it('refuses to open a sale without an id from the host', () => {
    const { actor } = start();
    actor.send({ type: 'SCAN', data: COLA });
    expect(snap(actor)).toBe('idle');
    expect(actor.getSnapshot().context.lastError).toMatch(/host must pass saleId and at/);
    actor.send({ type: 'CLEAR_ERROR' });
    expect(actor.getSnapshot().context.lastError).toBeNull();
  });

  it('the sale id stays the same while the sale is open, whatever later events carry', async () => {
    const { actor } = await withItems();
    actor.send({ type: 'SCAN', data: COLA, saleId: 'OTHER', at: 'x' });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    expect(actor.getSnapshot().context.saleId).toBe('S1-T1');
  });
});

describe('checkout machine: the cart', () => {
  it('scanning the same item 3 times makes one line of 3', async () => {
    const { actor } = start();
    actor.send({ type: 'SCAN', data: COLA, ...open });
    for (let i = 0; i < 2; i++) {
      await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
      actor.send({ type: 'SCAN', data: COLA });
    }
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }) && s.context.cart.lines[0]?.quantityMilli === 3000);
    expect(actor.getSnapshot().context.cart.lines).toHaveLength(1);
  });

  it('scans during a slow lookup are queued, not lost, and looked up in order', async () => {
    const f = fakes({ hold: ['lookupItem'] });
    const { actor } = start(f);
    actor.send({ type: 'SCAN', data: COLA, ...open });
    actor.send({ type: 'SCAN', data: RICE });
    actor.send({ type: 'SCAN', data: COLA });
    expect(actor.getSnapshot().context.lookupQueue).toEqual([{ data: RICE }, { data: COLA }]);
    f.settle('lookupItem', lookup({ data: COLA }));
    await flush();
    f.settle('lookupItem', lookup({ data: RICE }));
    await flush();
    f.settle('lookupItem', lookup({ data: COLA }));
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    expect(asked(f.calls.lookupItem)).toEqual([{ data: COLA }, { data: RICE }, { data: COLA }]);
    expect(actor.getSnapshot().context.cart.lines.map((l) => [l.sku, l.quantityMilli])).toEqual([
      ['COLA', 2000],
      ['RICE', 1000],
    ]);
  });

  it('an unknown barcode or a failing lookup sets lastError and leaves the cart alone', async () => {
    const { actor } = await withItems();
    const before = actor.getSnapshot().context.cart;
    actor.send({ type: 'SCAN', data: '000' });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    expect(actor.getSnapshot().context.lastError).toBe('unknown barcode 000');
    expect(actor.getSnapshot().context.cart).toEqual(before);

    const f = fakes({ fail: { lookupItem: 'database is locked' } });
    const b = start(f);
    b.actor.send({ type: 'SCAN', data: COLA, ...open });
    await waitFor(b.actor, (s) => s.matches({ inSale: 'ready' }));
    expect(b.actor.getSnapshot().context.lastError).toBe('lookup failed: database is locked');
    expect(b.actor.getSnapshot().context.cart.lines).toEqual([]);
  });

  it('cart errors land in lastError with the cart unchanged', async () => {
    const { actor } = await withItems();
    const before = actor.getSnapshot().context.cart;
    const cases: [Parameters<typeof actor.send>[0], RegExp][] = [
      [{ type: 'SET_QUANTITY', lineNo: 1, quantityMilli: 0 }, /^quantity 0 is not allowed: enter at least 1$/],
      [{ type: 'SET_QUANTITY', lineNo: 1, quantityMilli: 100_000_000 }, /above the limit of 9999/],
      [{ type: 'SET_QUANTITY', lineNo: 9, quantityMilli: 1000 }, /there is no line 9/],
      [{ type: 'VOID_LINE', lineNo: 1, reason: '' }, /reason is required to void line 1/],
      [{ type: 'LINE_DISCOUNT', lineNo: 1, discount: { amount: 351 }, reason: 'x' }, /larger than line 1's amount 3.50/],
      [{ type: 'BASKET_DISCOUNT', discount: { amount: 1 }, reason: '' }, /reason is required/],
      [{ type: 'OVERRIDE_PRICE', lineNo: 2, unitPrice: -1, reason: 'x' }, /price -1 is not valid/],
    ];
    for (const [event, msg] of cases) {
      actor.send(event);
      expect(actor.getSnapshot().context.lastError).toMatch(msg);
      expect(actor.getSnapshot().context.cart).toEqual(before);
      expect(snap(actor)).toEqual({ inSale: 'ready' });
    }
  });

  it('applies quantity, void, discounts and price override', async () => {
    const { actor } = await withItems();
    actor.send({ type: 'SET_QUANTITY', lineNo: 1, quantityMilli: 2000 });
    actor.send({ type: 'LINE_DISCOUNT', lineNo: 2, discount: { percentBps: 1000 }, reason: 'promo' });
    actor.send({ type: 'OVERRIDE_PRICE', lineNo: 1, unitPrice: 300, reason: 'price match' });
    actor.send({ type: 'BASKET_DISCOUNT', discount: { amount: 100 }, reason: 'loyalty' });
    let c = actor.getSnapshot().context;
    expect(c.lastError).toBeNull();
    expect(c.cart.lines[0]).toMatchObject({ quantityMilli: 2000, unitPrice: 300, originalUnitPrice: 350 });
    expect(c.cart.lines[1]?.lineDiscount).toMatchObject({ amount: 889, percentBps: 1000 });
    expect(c.cart.basketDiscount?.amount).toBe(100);
    actor.send({ type: 'BASKET_DISCOUNT', discount: null, reason: '' });
    actor.send({ type: 'LINE_DISCOUNT', lineNo: 2, discount: null, reason: '' });
    actor.send({ type: 'VOID_LINE', lineNo: 1, reason: 'damaged' });
    c = actor.getSnapshot().context;
    expect(c.cart.basketDiscount).toBeNull();
    expect(c.cart.lines[1]?.lineDiscount).toBeNull();
    expect(c.cart.lines[0]).toMatchObject({ voided: true, voidReason: 'damaged' });
  });

  it('search shows hits; adding one from the hits looks it up by sku', async () => {
    const { actor, calls } = await withItems();
    actor.send({ type: 'SEARCH', query: 'ban' });
    expect(snap(actor)).toEqual({ inSale: 'searching' });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    expect(actor.getSnapshot().context.searchResults).toEqual([{ sku: 'BANANA', name: 'Bananas', price: 698, unit: 'kg' }]);
    expect(calls.searchCatalog).toEqual([{ query: 'ban' }]);
    actor.send({ type: 'ADD', sku: 'BANANA', quantityMilli: 512 });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }) && s.context.cart.lines.length === 3);
    expect(actor.getSnapshot().context.cart.lines[2]).toMatchObject({ sku: 'BANANA', unit: 'kg', quantityMilli: 512, source: 'search' });
    expect(actor.getSnapshot().context.searchResults).toEqual([]);
  });

  it('a search from idle opens the sale, and an item picked from the hits is added to it', async () => {
    const { actor, calls } = start();
    actor.send({ type: 'SEARCH', query: 'ban', ...open });
    expect(snap(actor)).toEqual({ inSale: 'searching' });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    expect(actor.getSnapshot().context.saleId).toBe(open.saleId);
    expect(calls.searchCatalog).toEqual([{ query: 'ban' }]);
    actor.send({ type: 'ADD', sku: 'BANANA', quantityMilli: 512 });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }) && s.context.cart.lines.length === 1);
  });

  it('a search from idle without a sale id is refused', () => {
    const { actor } = start();
    actor.send({ type: 'SEARCH', query: 'ban' });
    expect(snap(actor)).toBe('idle');
    expect(actor.getSnapshot().context.lastError).toMatch(/saleId and at/);
  });

  it('a scan during a search wins', async () => {
    const f = fakes({ hold: ['searchCatalog'] });
    const { actor } = start(f);
    actor.send({ type: 'START', ...open });
    actor.send({ type: 'SEARCH', query: 'co' });
    actor.send({ type: 'SCAN', data: COLA });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }) && s.context.cart.lines.length === 1);
  });
});

describe('checkout machine: paying', () => {
  it('refuses to tender an empty sale', () => {
    const { actor } = start();
    actor.send({ type: 'START', ...open });
    actor.send({ type: 'TENDER', at: PAID_AT });
    expect(snap(actor)).toEqual({ inSale: 'ready' });
    expect(actor.getSnapshot().context.lastError).toBe('the sale has no items to pay for');
  });

  it('BACK returns to the sale while nothing is paid, not after', async () => {
    const { actor } = await withItems();
    actor.send({ type: 'TENDER', at: PAID_AT });
    expect(snap(actor)).toBe('tendering');
    actor.send({ type: 'SCAN', data: COLA });
    expect(actor.getSnapshot().context.lastError).toMatch(/being paid/);
    actor.send({ type: 'BACK' });
    expect(snap(actor)).toEqual({ inSale: 'ready' });
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 5000, at: PAID_AT });
    actor.send({ type: 'BACK' });
    expect(snap(actor)).toBe('tendering');
    expect(actor.getSnapshot().context.lastError).toMatch(/payment was already taken/);
  });

  it('split cash tenders, rounding and change; commits the full record, prints, returns to idle', async () => {
    const f = fakes({ hold: ['commitSale', 'printReceipt'], receiptNo: 7 });
    const { actor } = await withItems(f);
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 5000, at: PAID_AT });
    expect(snap(actor)).toBe('tendering');
    expect(actor.getSnapshot().context.tenders).toHaveLength(1);
    actor.send({ type: 'TENDER_CASH', received: 0, at: PAID_AT });
    expect(actor.getSnapshot().context.lastError).toMatch(/cash received 0.00 is not allowed/);
    actor.send({ type: 'TENDER_CASH', received: 5000, at: PAID_AT });
    expect(snap(actor)).toBe('completing');
    const commit = f.calls.commitSale[0] as CommitInput;
    expect(commit.sale).toMatchObject({
      id: 'S1-T1',
      terminalId: 'T1',
      cashier: 'alice',
      startedAt: AT,
      completedAt: PAID_AT,
      total: 9238,
      rounding: 2,
      tendered: 9240,
      change: 760,
      training: false,
    });
    expect('receiptNo' in commit.sale).toBe(false);
    expect(verifySaleRecord({ ...commit.sale, receiptNo: 7 }, INPUT.rounding)).toEqual([]);
    expect(actor.getSnapshot().context.pendingCommit).toEqual(commit);

    f.settle('commitSale', { receiptNo: 7 });
    await waitFor(actor, (s) => s.matches('receipt'));
    expect(actor.getSnapshot().context.lastSale).toEqual({ id: 'S1-T1', receiptNo: 7, change: 760, total: 9238, rounding: 2, receiptDeferred: false });
    expect(actor.getSnapshot().context.cart.lines).toEqual([]);
    expect(f.calls.printReceipt).toEqual([{ saleId: 'S1-T1', deferred: false }]);
    f.settle('printReceipt', { status: 'printed' });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(actor.getSnapshot().context.lastSale?.receipt).toBe('printed');
    expect(actor.getSnapshot().context.notice).toBeNull();
    expect(actor.getSnapshot().context).toMatchObject({ saleId: null, tenders: [], pendingCommit: null, lastError: null });
  });

  it('wallet tenders may not exceed what is due; after one, cancel is refused', async () => {
    const { actor } = await withItems();
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_WALLET', method: 'alipay', amount: 9239, reference: 'A1', at: PAID_AT });
    expect(actor.getSnapshot().context.lastError).toBe('alipay 92.39 is more than the 92.38 still to pay');
    actor.send({ type: 'TENDER_WALLET', method: 'alipay', amount: 5000, reference: 'A1', at: PAID_AT });
    actor.send({ type: 'CANCEL', reason: 'customer left' });
    expect(snap(actor)).toBe('tendering');
    expect(actor.getSnapshot().context.lastError).toMatch(/refund it before cancelling/);
    actor.send({ type: 'TENDER_WALLET', method: 'wechat', amount: 4238, reference: 'W1', at: PAID_AT });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(actor.getSnapshot().context.lastSale).toMatchObject({ receiptNo: 1, change: 0, rounding: 0 });
  });

  it('a sale discounted to zero completes on TENDER', async () => {
    const { actor, calls } = await withItems();
    actor.send({ type: 'BASKET_DISCOUNT', discount: { percentBps: 10_000 }, reason: 'giveaway' });
    actor.send({ type: 'TENDER', at: PAID_AT });
    await waitFor(actor, (s) => s.matches('idle'));
    expect((calls.commitSale[0] as CommitInput).sale).toMatchObject({ total: 0, tenders: [], completedAt: PAID_AT });
  });

  it('a failed commit keeps the sale and retries with the same input', async () => {
    const f = fakes({ hold: ['commitSale'] });
    const { actor } = await withItems(f);
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 10_000, at: PAID_AT });
    f.failHeld('commitSale', 'disk I/O error');
    await waitFor(actor, (s) => s.matches('commitFailed'));
    expect(actor.getSnapshot().context.lastError).toBe('the sale could not be saved: disk I/O error');
    expect(actor.getSnapshot().context.saleId).toBe('S1-T1');
    actor.send({ type: 'CANCEL', reason: 'x' });
    expect(snap(actor)).toBe('commitFailed');
    actor.send({ type: 'RETRY' });
    expect(snap(actor)).toBe('completing');
    expect(f.calls.commitSale[1]).toEqual(f.calls.commitSale[0]);
    f.settle('commitSale', { receiptNo: 3 });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(actor.getSnapshot().context.lastSale?.receiptNo).toBe(3);
  });

  it('a printer fault never loses the sale: idle with lastError, lastSale kept', async () => {
    const f = fakes({ fail: { printReceipt: 'paper out' } });
    const { actor } = await withItems(f);
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 10_000, at: PAID_AT });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(f.calls.commitSale).toHaveLength(1);
    expect(actor.getSnapshot().context.lastError).toBe('receipt 1 did not print: paper out; the sale is saved, reprint it');
    expect(actor.getSnapshot().context.lastSale?.id).toBe('S1-T1');
  });
});

describe('checkout machine: park, resume, cancel', () => {
  it('parks the sale and resumes it with the same id and cart', async () => {
    const { actor } = await withItems();
    const cart = actor.getSnapshot().context.cart;
    actor.send({ type: 'PARK', at: PAID_AT });
    expect(snap(actor)).toBe('idle');
    expect(actor.getSnapshot().context.parked).toEqual([{ saleId: 'S1-T1', startedAt: AT, parkedAt: PAID_AT, cart }]);
    expect(actor.getSnapshot().context.cart.lines).toEqual([]);
    // serve another customer meanwhile
    actor.send({ type: 'SCAN', data: RICE, saleId: 'S2-T1', at: PAID_AT });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    actor.send({ type: 'PARK' });
    actor.send({ type: 'RESUME', saleId: 'S1-T1' });
    expect(snap(actor)).toEqual({ inSale: 'ready' });
    expect(actor.getSnapshot().context).toMatchObject({ saleId: 'S1-T1', startedAt: AT, cart });
    expect(actor.getSnapshot().context.parked.map((p) => p.saleId)).toEqual(['S2-T1']);
  });

  it('refuses to park an empty sale or resume an unknown one', () => {
    const { actor } = start();
    actor.send({ type: 'RESUME', saleId: 'nope' });
    expect(actor.getSnapshot().context.lastError).toBe('there is no parked sale nope');
    actor.send({ type: 'START', ...open });
    actor.send({ type: 'PARK' });
    expect(snap(actor)).toEqual({ inSale: 'ready' });
    expect(actor.getSnapshot().context.lastError).toBe('the sale has no items to park');
  });

  it('cancel journals the sale and its cart, then goes idle', async () => {
    const { actor, calls } = await withItems();
    const cart = actor.getSnapshot().context.cart;
    actor.send({ type: 'CANCEL', reason: 'customer left' });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(calls.journalCancel).toEqual([{ saleId: 'S1-T1', reason: 'customer left', cart, tenders: [] }]);
    expect(actor.getSnapshot().context.cart.lines).toEqual([]);
    expect(actor.getSnapshot().context.saleId).toBeNull();
  });

  it('cancel from tendering with cash taken passes the tenders (cash to hand back)', async () => {
    const { actor, calls } = await withItems();
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 2000, at: PAID_AT });
    actor.send({ type: 'CANCEL', reason: 'card declined, no cash' });
    await waitFor(actor, (s) => s.matches('idle'));
    expect((calls.journalCancel[0] as { tenders: unknown[] }).tenders).toHaveLength(1);
  });

  it('a cancel that cannot be recorded keeps the sale', async () => {
    const f = fakes({ fail: { journalCancel: 'disk full' } });
    const { actor } = await withItems(f);
    actor.send({ type: 'CANCEL', reason: 'x' });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    expect(actor.getSnapshot().context.cart.lines).toHaveLength(2);
    expect(actor.getSnapshot().context.lastError).toBe('the cancellation could not be recorded: disk full');
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 100, at: PAID_AT });
    actor.send({ type: 'CANCEL', reason: 'x' });
    await waitFor(actor, (s) => s.matches('tendering') && s.context.lastError !== null);
    expect(actor.getSnapshot().context.tenders).toHaveLength(1);
  });
});

describe('checkout machine: host wiring and persistence', () => {
  it('a missing effect is loud', async () => {
    const actor = createActor(checkoutMachine, { input: INPUT }).start();
    actor.send({ type: 'SCAN', data: COLA, ...open });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    expect(actor.getSnapshot().context.lastError).toMatch(/the host did not provide the "lookupItem" actor/);
  });

  it('provideCheckout plugs plain async functions in', async () => {
    const seen: string[] = [];
    const machine = provideCheckout({
      lookupItem: async (input) => lookup(input),
      searchCatalog: async () => [],
      commitSale: async (input) => {
        seen.push(`commit ${input.sale.id}`);
        return { receiptNo: 99 };
      },
      printReceipt: async ({ saleId }) => {
        seen.push(`print ${saleId}`);
        return { status: 'printed' };
      },
      journalCancel: async () => undefined,
    });
    const actor = createActor(machine, { input: INPUT }).start();
    actor.send({ type: 'SCAN', data: COLA, ...open });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 350, at: PAID_AT });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(seen).toEqual(['commit S1-T1', 'print S1-T1']);
    expect(actor.getSnapshot().context.lastSale?.receiptNo).toBe(99);
  });

  it('a persisted snapshot (through JSON) restores the same sale', async () => {
    const { actor } = await withItems();
    actor.send({ type: 'SET_QUANTITY', lineNo: 1, quantityMilli: 3000 });
    actor.send({ type: 'PARK' });
    actor.send({ type: 'START', saleId: 'S2', at: AT });
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    actor.stop();
    const restored = createActor(fakes().machine, { snapshot: persisted, input: INPUT }).start();
    expect(restored.getSnapshot().value).toEqual({ inSale: 'ready' });
    expect(restored.getSnapshot().context).toEqual(actor.getSnapshot().context);
    restored.send({ type: 'PARK' });
    expect(restored.getSnapshot().context.lastError).toBe('the sale has no items to park');
  });

  it('a snapshot taken while completing re-runs the commit with the same input', async () => {
    const first = fakes({ hold: ['commitSale'] });
    const { actor } = await withItems(first);
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 10_000, at: PAID_AT });
    expect(snap(actor)).toBe('completing');
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    actor.stop(); // the terminal crashes before the commit answers

    const second = fakes({ receiptNo: 5 });
    const restored = createActor(second.machine, { snapshot: persisted, input: INPUT }).start();
    await waitFor(restored, (s) => s.matches('idle'));
    expect(second.calls.commitSale).toEqual(first.calls.commitSale);
    expect((second.calls.commitSale[0] as CommitInput).sale.id).toBe('S1-T1');
    expect(restored.getSnapshot().context.lastSale).toMatchObject({ id: 'S1-T1', receiptNo: 5 });
  });
});

describe('checkout machine: the receipt printer', () => {
  const PAPER_OUT = { type: 'PRINTER.STATUS', printer: { cannotPrint: true, detail: 'paper out' } } as const;
  const PAPER_BACK = { type: 'PRINTER.STATUS', printer: { cannotPrint: false, detail: 'ready' } } as const;

  it('paying with the printer out of paper asks first; continuing without a receipt lists it', async () => {
    const f = fakes();
    const { actor } = await withItems(f);
    actor.send(PAPER_OUT);
    actor.send({ type: 'TENDER', at: PAID_AT });
    expect(snap(actor)).toBe('noPaper');
    actor.send({ type: 'SCAN', data: COLA });
    expect(actor.getSnapshot().context.lastError).toMatch(/out of paper/);
    actor.send({ type: 'CONTINUE_WITHOUT_RECEIPT' });
    expect(snap(actor)).toBe('tendering');
    actor.send({ type: 'TENDER_CASH', received: 10_000, at: PAID_AT });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(f.calls.printReceipt).toEqual([{ saleId: 'S1-T1', deferred: true }]);
    const c = actor.getSnapshot().context;
    expect(c.lastSale).toMatchObject({ receiptNo: 1, receiptDeferred: true, receipt: 'deferred' });
    expect(c.notice).toBe('sale saved without a receipt: receipt 1 is listed to reprint');
    expect(c.lastError).toBeNull();
  });

  it('paper loaded while the question is open carries on to payment, with a receipt', async () => {
    const f = fakes();
    const { actor } = await withItems(f);
    actor.send(PAPER_OUT);
    actor.send({ type: 'TENDER', at: PAID_AT });
    expect(snap(actor)).toBe('noPaper');
    actor.send(PAPER_OUT);
    expect(snap(actor)).toBe('noPaper');
    actor.send(PAPER_BACK);
    expect(snap(actor)).toBe('tendering');
    actor.send({ type: 'TENDER_CASH', received: 10_000, at: PAID_AT });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(f.calls.printReceipt).toEqual([{ saleId: 'S1-T1', deferred: false }]);
    expect(actor.getSnapshot().context.notice).toBeNull();
  });

  it('BACK from the question returns to the sale; the next sale asks again', async () => {
    const { actor } = await withItems();
    actor.send(PAPER_OUT);
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'BACK' });
    expect(snap(actor)).toEqual({ inSale: 'ready' });
    expect(actor.getSnapshot().context.cart.lines).toHaveLength(2);
    actor.send({ type: 'TENDER', at: PAID_AT });
    expect(snap(actor)).toBe('noPaper');
  });

  it('a terminal whose printer is fine (or that has none) is never asked', async () => {
    const { actor } = await withItems();
    actor.send({ type: 'TENDER', at: PAID_AT });
    expect(snap(actor)).toBe('tendering');
    const b = await withItems();
    b.actor.send(PAPER_BACK);
    b.actor.send({ type: 'TENDER', at: PAID_AT });
    expect(snap(b.actor)).toBe('tendering');
  });

  it('a slip cut short or unconfirmed is told to the cashier as a notice, not an error', async () => {
    const f = fakes({ hold: ['printReceipt'] });
    const { actor } = await withItems(f);
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 10_000, at: PAID_AT });
    await waitFor(actor, (s) => s.matches('receipt'));
    f.settle('printReceipt', { status: 'interrupted', detail: 'paper out' });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(actor.getSnapshot().context.notice).toBe('receipt 1 was cut short (paper out): it reprints when the printer is ready');
    expect(actor.getSnapshot().context.lastSale?.receipt).toBe('interrupted');
    expect(actor.getSnapshot().context.lastError).toBeNull();
    // the next sale clears it
    actor.send({ type: 'SCAN', data: COLA, saleId: 'S2-T1', at: AT });
    expect(actor.getSnapshot().context.notice).toBeNull();
  });
});

describe('checkout machine: wallet payments', () => {
  const WALLETS = { storeId: 'S01', subject: 'Kassa T1', timing: { pollIntervalMs: 10, deadlineMs: 200, queryDelayMs: 5, cancelRetryMs: 5 } };
  const CODE = '283456789012345678';
  type Outcomes = { pay?: PayOutcome[]; query?: QueryOutcome[]; cancel?: CancelOutcome[] };

  function walletCheckout(outcomes: Outcomes) {
    const calls: string[] = [];
    const next = <T,>(list: T[] | undefined, name: string): T => {
      calls.push(name);
      const o = list?.shift();
      if (o === undefined) throw new Error(`no scripted ${name} outcome`);
      return o;
    };
    const payment = providePayment({
      pay: async () => next(outcomes.pay, 'pay'),
      precreate: async () => next<PrecreateOutcome>([], 'precreate'),
      query: async () => next(outcomes.query, 'query'),
      cancel: async () => next(outcomes.cancel, 'cancel'),
      close: async () => next<CloseOutcome>([], 'close'),
    });
    const f = fakes();
    const machine = f.machine.provide({ actors: { payment } });
    const actor = createActor(machine, { input: { ...INPUT, wallets: WALLETS } }).start();
    return { actor, calls, f };
  }

  async function itemsIn(actor: ReturnType<typeof walletCheckout>['actor']) {
    actor.send({ type: 'SCAN', data: COLA, ...open });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    actor.send({ type: 'TENDER', at: PAID_AT });
  }

  it('a barcode payment that succeeds at once pays the sale with the trade number as reference', async () => {
    const { actor, calls, f } = walletCheckout({ pay: [{ kind: 'paid', tradeNo: '2025050122001', amount: 350, buyer: 'b***', paidAt: null }] });
    await itemsIn(actor);
    actor.send({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'barcode', authCode: CODE, outTradeNo: 'T1_0001', at: PAID_AT });
    await waitFor(actor, (s) => s.matches('idle'));
    expect(calls).toEqual(['pay']);
    const commit = f.calls.commitSale[0] as CommitInput;
    expect(commit.sale.tenders).toEqual([{ seq: 1, method: 'alipay', amount: 350, received: 350, reference: '2025050122001' }]);
    expect(actor.getSnapshot().context.lastPayment).toMatchObject({ kind: 'paid', outTradeNo: 'T1_0001' });
  });

  it('10003: polls until the customer confirms, then pays; part cash, part Alipay', async () => {
    const { actor, calls, f } = walletCheckout({
      pay: [{ kind: 'waiting', tradeNo: null }],
      query: [{ kind: 'waiting' }, { kind: 'paid', tradeNo: 'T9', amount: 200, buyer: null, paidAt: null }],
    });
    await itemsIn(actor);
    actor.send({ type: 'TENDER_CASH', received: 150, at: PAID_AT }); // 1.50 in cash first
    actor.send({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'barcode', authCode: CODE, outTradeNo: 'T1_0002', at: PAID_AT });
    expect(actor.getSnapshot().value).toBe('walletPaying');
    expect(actor.getSnapshot().context.payment?.amount).toBe(200);
    await waitFor(actor, (s) => s.matches('idle'), { timeout: 2000 });
    expect(calls).toEqual(['pay', 'query', 'query']);
    expect((f.calls.commitSale[0] as CommitInput).sale.tenders.map((t) => [t.method, t.amount])).toEqual([
      ['cash', 150],
      ['alipay', 200],
    ]);
  });

  it('a refused code goes back to paying with the reason; nothing is tendered', async () => {
    const { actor } = walletCheckout({
      pay: [{ kind: 'failed', code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', message: 'the payment code has expired: ask the customer to refresh it', retryWithNewCode: true }],
    });
    await itemsIn(actor);
    actor.send({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'barcode', authCode: CODE, outTradeNo: 'T1_0003', at: PAID_AT });
    await waitFor(actor, (s) => s.matches('tendering'));
    expect(actor.getSnapshot().context).toMatchObject({ lastError: 'the payment code has expired: ask the customer to refresh it', tenders: [], payment: null });
  });

  it('the cashier stops a payment waiting for the customer: it is cancelled, the sale stays open', async () => {
    const { actor, calls } = walletCheckout({ pay: [{ kind: 'waiting', tradeNo: null }], query: [{ kind: 'waiting' }, { kind: 'waiting' }, { kind: 'waiting' }], cancel: [{ kind: 'cancelled', action: 'close' }] });
    await itemsIn(actor);
    actor.send({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'barcode', authCode: CODE, outTradeNo: 'T1_0004', at: PAID_AT });
    await new Promise((r) => setTimeout(r, 15));
    actor.send({ type: 'CANCEL', reason: 'left' });
    expect(actor.getSnapshot().context.lastError).toBe('a wallet payment is in progress: stop it first');
    actor.send({ type: 'STOP_PAYMENT' });
    await waitFor(actor, (s) => s.matches('tendering'), { timeout: 2000 });
    expect(calls.at(-1)).toBe('cancel');
    expect(actor.getSnapshot().context.lastPayment?.kind).toBe('cancelled');
    expect(actor.getSnapshot().context.tenders).toEqual([]);
  });

  it('refuses wallet payments that are not set up, or larger than what is due', async () => {
    const f = fakes();
    const actor = createActor(f.machine, { input: INPUT }).start();
    actor.send({ type: 'SCAN', data: COLA, ...open });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'barcode', authCode: CODE, outTradeNo: 'T1_0005', at: PAID_AT });
    expect(actor.getSnapshot().context.lastError).toBe('wallet payments are not set up on this terminal: take cash');
    const w = walletCheckout({});
    await itemsIn(w.actor);
    w.actor.send({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'barcode', authCode: CODE, amount: 999, outTradeNo: 'T1_0006', at: PAID_AT });
    expect(w.actor.getSnapshot().value).toBe('tendering');
    expect(w.actor.getSnapshot().context.lastError).toBe('alipay 9.99 is more than the 3.50 still to pay');
  });
});

describe('checkout machine: a cashier change (issue 7)', () => {
  it('between sales, the next sale records the new cashier', async () => {
    const f = fakes();
    const { actor } = start(f);
    actor.send({ type: 'SET_CASHIER', cashier: 'Li Na' });
    actor.send({ type: 'SCAN', data: COLA, ...open });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 500, at: PAID_AT });
    await waitFor(actor, () => f.calls.commitSale.length === 1);
    expect((f.calls.commitSale[0] as CommitInput).sale.cashier).toBe('Li Na');
  });

  it('is ignored while a sale is open: the open sale keeps the cashier who started it', async () => {
    const f = fakes();
    const { actor } = start(f);
    actor.send({ type: 'SCAN', data: COLA, ...open });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }));
    actor.send({ type: 'SET_CASHIER', cashier: 'Li Na' });
    expect(actor.getSnapshot().context.terminal.cashier).toBe(INPUT.terminal.cashier);
  });
});
