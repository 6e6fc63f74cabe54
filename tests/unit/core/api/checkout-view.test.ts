import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { checkoutPhase, checkoutView, readCheckout, type CheckoutViewInput, type PaymentProgress } from '../../../../src/core/api/checkout-view.ts';
import { customerView } from '../../../../src/core/api/customer-view.ts';
import { fakes, INPUT } from '../../state-machines/checkout-fakes.ts';

// Cola 3.50 and rice 88.88 (VAT 13 % inclusive), bananas 6.98/kg; cash rounds to 0.10 (INPUT).
const COLA = '6901234567892';
const RICE = '6909876543210';
const open = { saleId: 'S1-T1', at: '2025-05-01T10:00:00.000Z' };
const PAID_AT = '2025-05-01T10:05:00.000Z';

function start(f = fakes()) {
  const actor = createActor(f.machine, { input: INPUT }).start();
  return { actor, ...f };
}

type Actor = ReturnType<typeof start>['actor'];

const view = (actor: Actor, extra: Partial<CheckoutViewInput> = {}) => checkoutView({ ...readCheckout(actor.getSnapshot()), paymentDeadlineAt: null, ...extra });
const ready = (actor: Actor, lines: number) => waitFor(actor, (s) => s.matches({ inSale: 'ready' }) && s.context.cart.lines.length === lines);

async function colaAndRice(f = fakes()) {
  const t = start(f);
  t.actor.send({ type: 'SCAN', data: COLA, ...open });
  await ready(t.actor, 1);
  t.actor.send({ type: 'SCAN', data: RICE });
  await ready(t.actor, 2);
  return t;
}

describe('checkout view', () => {
  it('shows an idle terminal with no sale, nothing due and nothing running', () => {
    const { actor } = start();
    const v = view(actor);
    expect(v).toMatchObject({ state: 'idle', phase: 'idle', busy: false, saleId: null, currency: 'CNY', lines: [], due: null, payment: null, error: null });
    expect(v.totals).toEqual({ gross: 0, discounts: 0, promotions: 0, tax: 0, total: 0, lineCount: 0 });
  });

  it('is busy while a scan is looked up, then lists the lines with what each costs and the tax in the total', async () => {
    const { actor } = start(fakes({ hold: ['lookupItem'] }));
    actor.send({ type: 'SCAN', data: COLA, ...open });
    expect(view(actor)).toMatchObject({ state: 'inSale.lookingUp', phase: 'selling', busy: true, saleId: 'S1-T1', lines: [] });

    const { actor: a2 } = await colaAndRice();
    const v = view(a2);
    expect(v.busy).toBe(false);
    expect(v.lines.map((l) => [l.lineNo, l.name, l.quantityMilli, l.unitPrice, l.due])).toEqual([
      [1, 'Cola', 1000, 350, 350],
      [2, 'Rice 5kg', 1000, 8888, 8888],
    ]);
    // 92.38 inclusive of 13 %: 3.50 → 0.40, 88.88 → 10.23.
    expect(v.totals).toEqual({ gross: 9238, discounts: 0, promotions: 0, tax: 40 + 1023, total: 9238, lineCount: 2 });
    expect(v.due).toEqual({ remaining: 9238, cashDue: 9240, paid: 0 });
  });

  it("puts the checkout's refusal in error and keeps the cart", async () => {
    const { actor } = await colaAndRice();
    actor.send({ type: 'SCAN', data: '6900000000000' });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }) && s.context.lastError !== null);
    const v = view(actor);
    expect(v.error).toMatch(/unknown barcode 6900000000000/);
    expect(v.lines).toHaveLength(2);
  });

  it("gives each line its own discount plus its share of the basket discount, with the reason that applies", async () => {
    const { actor } = await colaAndRice();
    actor.send({ type: 'LINE_DISCOUNT', lineNo: 2, discount: { amount: 888 }, reason: 'dented bag' });
    actor.send({ type: 'BASKET_DISCOUNT', discount: { amount: 100 }, reason: 'loyal customer' });
    const v = view(actor);
    const [cola, rice] = v.lines;
    expect(cola?.discount).toBeGreaterThan(0);
    expect(cola?.discountReason).toBe('loyal customer');
    expect(rice?.discountReason).toBe('dented bag');
    expect((cola?.discount ?? 0) + (rice?.discount ?? 0)).toBe(888 + 100);
    expect(v.basketDiscount).toEqual({ amount: 100, reason: 'loyal customer' });
    expect(v.totals.discounts).toBe(988);
    expect(v.totals.total).toBe(9238 - 988);
    expect(v.lines.reduce((s, l) => s + l.due, 0)).toBe(v.totals.total);
  });

  it('keeps a voided line on the list with its reason but charges nothing for it', async () => {
    const { actor } = await colaAndRice();
    actor.send({ type: 'VOID_LINE', lineNo: 1, reason: 'customer changed mind' });
    const v = view(actor);
    expect(v.lines[0]).toMatchObject({ lineNo: 1, voided: true, voidReason: 'customer changed mind', due: 0 });
    expect(v.totals).toMatchObject({ total: 8888, lineCount: 1 });
  });

  it('shows what is still due in cash (rounded) and what was paid while tendering', async () => {
    const { actor } = await colaAndRice();
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 5000, at: PAID_AT });
    const v = view(actor);
    expect(v.phase).toBe('tendering');
    expect(v.tenders).toEqual([{ method: 'cash', amount: 5000, reference: null }]);
    expect(v.due).toEqual({ remaining: 4238, cashDue: 4240, paid: 5000 });
  });

  it('after a cash sale shows the receipt number, the change and the receipt outcome, and no open sale', async () => {
    const { actor } = await colaAndRice();
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 10000, at: PAID_AT });
    await waitFor(actor, (s) => s.matches('idle'));
    const v = view(actor);
    expect(v).toMatchObject({ phase: 'idle', saleId: null, lines: [], due: null });
    expect(v.lastSale).toEqual({ saleId: 'S1-T1', receiptNo: 1, total: 9238, change: 10000 - 9240, receipt: 'printed' });
  });

  it('lists parked sales with their size and total', async () => {
    const { actor } = await colaAndRice();
    actor.send({ type: 'PARK', at: PAID_AT });
    const v = view(actor);
    expect(v.phase).toBe('idle');
    expect(v.parked).toEqual([{ saleId: 'S1-T1', parkedAt: PAID_AT, lineCount: 2, total: 9238 }]);
  });

  it('names the phase of every checkout state', () => {
    expect(
      ['idle', 'inSale.ready', 'inSale.lookingUp', 'noPaper', 'tendering', 'walletPaying', 'completing', 'receipt', 'commitFailed', 'cancelling'].map(checkoutPhase),
    ).toEqual(['idle', 'selling', 'selling', 'noPaper', 'tendering', 'paying', 'finishing', 'finishing', 'commitFailed', 'cancelling']);
  });
});

describe('checkout view: a wallet payment', () => {
  async function paying() {
    const { actor } = await colaAndRice();
    actor.send({ type: 'TENDER', at: PAID_AT });
    const base = readCheckout(actor.getSnapshot());
    const context = {
      ...base.context,
      payment: {
        wallet: 'alipay' as const,
        mode: 'qr' as const,
        outTradeNo: 'T1_01HZX0000000000000000002',
        amount: 9238,
        currency: 'CNY',
        subject: 'Kassa',
        storeId: 'S1',
        terminalId: 'T1',
        operatorId: 'alice',
        startedAt: PAID_AT,
      },
    };
    return (payment: PaymentProgress | null, deadline: string | null = null): CheckoutViewInput => ({
      state: 'walletPaying',
      busy: true,
      context,
      payment,
      paymentDeadlineAt: deadline,
    });
  }
  const progress = (state: string, extra: Partial<PaymentProgress> = {}): PaymentProgress => ({
    state,
    qrCode: 'https://qr.alipay.com/bax00000000000000000001',
    message: 'showing the QR code: waiting for the customer to scan and pay',
    stopping: false,
    deadlineMs: 60_000,
    ...extra,
  });

  it('shows the QR code only while it is on show, with the deadline the host stamped', async () => {
    const input = await paying();
    const v = checkoutView(input(progress('qr.showing.waiting'), '2025-05-01T10:06:00.000Z'));
    expect(v.phase).toBe('paying');
    expect(v.payment).toEqual({
      wallet: 'alipay',
      mode: 'qr',
      amount: 9238,
      outTradeNo: 'T1_01HZX0000000000000000002',
      qrCode: 'https://qr.alipay.com/bax00000000000000000001',
      message: 'showing the QR code: waiting for the customer to scan and pay',
      startedAt: PAID_AT,
      deadlineAt: '2025-05-01T10:06:00.000Z',
      stopping: false,
    });
    // Being closed after the cashier pressed stop: the code is kept in context, never shown.
    const closing = checkoutView(input(progress('qr.closing', { stopping: true, message: 'stopping: closing the QR code' })));
    expect(closing.payment).toMatchObject({ qrCode: null, stopping: true, message: 'stopping: closing the QR code' });
    expect(checkoutView(input(progress('qr.creating', { qrCode: null }))).payment?.qrCode).toBeNull();
  });

  it('has no payment outside walletPaying', async () => {
    const input = await paying();
    expect(checkoutView({ ...input(progress('qr.showing.waiting')), state: 'tendering' }).payment).toBeNull();
  });
});

describe('checkout and customer views agree', () => {
  it('on the total and the lines, for any cart', async () => {
    const codes = [COLA, RICE];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ code: fc.integer({ min: 0, max: 1 }), quantity: fc.integer({ min: 1, max: 20 }) }), { minLength: 1, maxLength: 6 }),
        fc.option(fc.integer({ min: 1, max: 5000 })),
        async (items, basket) => {
          const { actor } = start();
          for (const item of items) actor.send({ type: 'SCAN', data: codes[item.code] ?? COLA, ...open });
          await waitFor(actor, (s) => s.matches({ inSale: 'ready' }) && s.context.lookupQueue.length === 0 && s.context.lookup === null);
          items.forEach((item, i) => actor.send({ type: 'SET_QUANTITY', lineNo: i + 1, quantityMilli: item.quantity * 1000 }));
          if (basket !== null) actor.send({ type: 'BASKET_DISCOUNT', discount: { amount: basket }, reason: 'promo' });
          const input = { ...readCheckout(actor.getSnapshot()), paymentDeadlineAt: null };
          const cashier = checkoutView(input);
          const customer = customerView({ ...input, afterSale: 'over', lastPaymentSaleId: null });
          expect(customer.phase).toBe('cart');
          expect(customer.total).toBe(cashier.totals.total);
          expect(customer.lines.map((l) => l.due)).toEqual(cashier.lines.filter((l) => !l.voided).map((l) => l.due));
          expect(customer.lines.reduce((s, l) => s + l.due, 0)).toBe(cashier.totals.total);
          actor.stop();
        },
      ),
      { numRuns: 40 },
    );
  });
});
