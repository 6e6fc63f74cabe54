import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { readCheckout, type PaymentProgress } from '../../../../src/core/api/checkout-view.ts';
import { customerView, type CustomerViewInput } from '../../../../src/core/api/customer-view.ts';
import type { CheckoutInput } from '../../../../state-machines/checkout.machine.ts';
import type { PaymentResult } from '../../../../state-machines/payment.machine.ts';
import { fakes, INPUT } from '../../state-machines/checkout-fakes.ts';

const COLA = '6901234567892';
const RICE = '6909876543210';
const open = { saleId: 'S1-T1', at: '2025-05-01T10:00:00.000Z' };
const PAID_AT = '2025-05-01T10:05:00.000Z';
const QR_CODE = 'https://qr.alipay.com/bax00000000000000000001';

function start(input: CheckoutInput = INPUT, f = fakes()) {
  return createActor(f.machine, { input }).start();
}
type Actor = ReturnType<typeof start>;

function input(actor: Actor, extra: Partial<CustomerViewInput> = {}): CustomerViewInput {
  return { ...readCheckout(actor.getSnapshot()), paymentDeadlineAt: null, afterSale: 'over', lastPaymentSaleId: null, ...extra };
}

async function colaAndRice(actor: Actor = start()): Promise<Actor> {
  actor.send({ type: 'SCAN', data: COLA, ...open });
  actor.send({ type: 'SCAN', data: RICE });
  await waitFor(actor, (s) => s.matches({ inSale: 'ready' }) && s.context.cart.lines.length === 2);
  return actor;
}

/** The customer display while a QR payment of the whole sale runs, in `paymentState`. */
async function qrPayment(paymentState: string, lang: 'en' | 'zh-CN' = 'en', extra: Partial<PaymentProgress> = {}): Promise<CustomerViewInput> {
  const actor = await colaAndRice(start({ ...INPUT, terminal: { ...INPUT.terminal, lang } }));
  actor.send({ type: 'TENDER', at: PAID_AT });
  const base = input(actor);
  return {
    ...base,
    state: 'walletPaying',
    busy: true,
    context: {
      ...base.context,
      payment: { wallet: 'alipay', mode: 'qr', outTradeNo: 'T1_01HZX0000000000000000002', amount: 9238, currency: 'CNY', subject: 'Kassa', storeId: 'S1', terminalId: 'T1', operatorId: 'alice' },
    },
    payment: { state: paymentState, qrCode: QR_CODE, message: 'showing the QR code', stopping: false, deadlineMs: 60_000, ...extra },
    paymentDeadlineAt: '2025-05-01T10:06:00.000Z',
  };
}

describe('customer view', () => {
  it('welcomes the customer when no sale is open', () => {
    const v = customerView(input(start()));
    expect(v).toEqual({ phase: 'welcome', currency: 'CNY', lines: [], total: 0, paid: 0, change: null, qr: null, message: 'Welcome' });
  });

  it('lists the items as scanned, newest last, without voided ones, and the total', async () => {
    const actor = await colaAndRice();
    actor.send({ type: 'SCAN', data: COLA });
    await waitFor(actor, (s) => s.matches({ inSale: 'ready' }) && s.context.cart.lines.length >= 2 && s.context.lookup === null);
    actor.send({ type: 'VOID_LINE', lineNo: 1, reason: 'wrong item' });
    const v = customerView(input(actor));
    expect(v.phase).toBe('cart');
    expect(v.lines.map((l) => l.name)).toEqual(actor.getSnapshot().context.cart.lines.filter((l) => !l.voided).map((l) => l.name));
    expect(v.lines[0]?.name).toBe('Rice 5kg');
    expect(v.total).toBe(v.lines.reduce((s, l) => s + l.due, 0));
    expect(v.message).toBeNull();
  });

  it('shows the QR code with its amount and deadline while it is on show', async () => {
    const v = customerView(await qrPayment('qr.showing.waiting'));
    expect(v.phase).toBe('qr');
    expect(v.qr).toEqual({ wallet: 'alipay', payload: QR_CODE, amount: 9238, deadlineAt: '2025-05-01T10:06:00.000Z' });
    expect(v.message).toBe('Please scan with Alipay');
    expect(v.lines).toHaveLength(2);
    expect(customerView(await qrPayment('qr.showing.querying', 'zh-CN')).message).toBe('请使用支付宝扫码付款');
  });

  it('never shows a code that is being closed or not made yet', async () => {
    for (const v of [
      customerView(await qrPayment('qr.closing', 'en', { stopping: true })),
      customerView(await qrPayment('qr.creating', 'en', { qrCode: null })),
    ]) {
      expect(v.phase).toBe('paying');
      expect(v.qr).toBeNull();
    }
  });

  it("shows a failed wallet payment only for the sale it belonged to", async () => {
    const actor = await colaAndRice();
    actor.send({ type: 'TENDER', at: PAID_AT });
    const failed: PaymentResult = { kind: 'failed', outTradeNo: 'T1_X', wallet: 'alipay', message: 'the balance is not enough', code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', retryWithNewCode: false };
    const base = input(actor);
    const withResult = { ...base, context: { ...base.context, lastPayment: failed } };
    const v = customerView({ ...withResult, lastPaymentSaleId: 'S1-T1' });
    expect(v.phase).toBe('failed');
    expect(v.message).toMatch(/did not go through/);
    expect(v.message).not.toMatch(/balance/);
    expect(customerView({ ...withResult, lastPaymentSaleId: 'S0-T1' }).phase).toBe('cart');
  });

  it('after a sale shows what was paid and the change, then thanks, then welcomes the next customer', async () => {
    const actor = await colaAndRice();
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 10000, at: PAID_AT });
    await waitFor(actor, (s) => s.matches('idle'));
    // 92.38 rounds to 92.40 in cash; 100.00 handed over.
    const paid = customerView(input(actor, { afterSale: 'paid' }));
    expect(paid).toMatchObject({ phase: 'paid', total: 9240, paid: 10000, change: 760, message: 'Paid, thank you', lines: [] });
    expect(customerView(input(actor, { afterSale: 'thanks' }))).toMatchObject({ phase: 'thanks', change: 760, message: 'Thank you, see you again' });
    expect(customerView(input(actor, { afterSale: 'over' })).phase).toBe('welcome');
  });

  it('says the payment is being saved while the paid sale is committed', async () => {
    const f = fakes({ hold: ['commitSale'] });
    const actor = await colaAndRice(start(INPUT, f));
    actor.send({ type: 'TENDER', at: PAID_AT });
    actor.send({ type: 'TENDER_CASH', received: 9240, at: PAID_AT });
    expect(actor.getSnapshot().value).toBe('completing');
    expect(customerView(input(actor))).toMatchObject({ phase: 'paid', total: 9240, paid: 9240, change: 0, message: 'Paid, one moment please' });
  });
});
