// The network to the payment gateway goes down in the middle of a wallet payment (the sandbox
// resets every connection: fault injection, src/payments/sandbox/faults.ts). Whatever happens,
// the trade must close its loop: paid and recorded, or cancelled (and refunded if the customer
// paid meanwhile), and the cashier must be told what is going on.
//
// Timing is shortened in this spec's terminal: poll every second, one query/cancel retry per
// second (3 retries), the background cancel queue after 1, 2 and 3 s.
import type { Page } from '@playwright/test';
import { expect, test, TID } from './fixtures.ts';
import { waitForCheckout, type PosApi } from './support/pos-api.ts';
import type { SandboxControl } from './support/sandbox-control.ts';
import type { SimControl } from './support/sim-control.ts';
import { scannableProducts } from './support/training-catalog.ts';

test.use({
  kassaOptions: {
    config: {
      payments: {
        timing: { pollSeconds: 1, queryDelaySeconds: 1, cancelRetrySeconds: 1, cancelRetries: 3 },
        cancelQueue: { retrySeconds: [1, 2, 3] },
      },
    },
  },
});

interface Started {
  readonly buyerId: string;
  readonly tradeNo: string;
  readonly outTradeNo: string;
  readonly total: number;
}

const BALANCE = 100_000;

/** One item, paid by the customer's Alipay code; the wallet waits for the customer's password. */
async function startBarcodePayment(page: Page, sim: SimControl, sandbox: SandboxControl, api: PosApi, barcode: string): Promise<Started> {
  await sim.scan(barcode);
  await expect(page.getByTestId(TID.cartLine(1))).toBeVisible();
  const buyer = await sandbox.createBuyer(BALANCE, { password: { afterSeconds: null } });
  const code = await sandbox.paymentCode(buyer.id, 'alipay');
  await page.getByTestId(TID.payButton).click();
  await expect(page.getByTestId(TID.tenderPanel)).toBeVisible();
  await sim.scan(code);
  await expect(page.getByTestId(TID.paymentPanel)).toBeVisible();
  let trades: Awaited<ReturnType<SandboxControl['pending']>> = [];
  await expect.poll(async () => (trades = await sandbox.pending(buyer.id)).length, { message: 'the trade waiting for the password' }).toBe(1);
  const trade = trades[0];
  if (!trade) throw new Error('no trade');
  const view = await api.request('checkout.view', {});
  expect(view.payment?.outTradeNo).toBe(trade.outTradeNo);
  return { buyerId: buyer.id, tradeNo: trade.tradeNo, outTradeNo: trade.outTradeNo, total: trade.totalFen };
}

async function cutTheNetwork(sandbox: SandboxControl): Promise<void> {
  await sandbox.addFault({ method: '*', fault: { kind: 'reset' }, every: 1 });
}

test('a short cut while the customer confirms: the terminal keeps asking, and once the network is back it finds the payment and completes the sale', async ({ page, customerPage, kassa, api }) => {
  const [product] = scannableProducts(kassa.trainingDir, 1, { offset: 20 });
  if (!product) throw new Error('no product');
  const started = await startBarcodePayment(page, kassa.sim, kassa.sandbox, api, product.barcode);

  await cutTheNetwork(kassa.sandbox);
  // Several polls fail; the payment is still running, never given up as failed or paid.
  await page.waitForTimeout(3000);
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'paying');
  await expect(page.getByTestId(TID.stopPayment)).toBeEnabled();
  expect((await kassa.sandbox.trade(started.outTradeNo))?.status).toBe('WAIT_BUYER_PAY');

  await kassa.sandbox.clearFaults();
  await kassa.sandbox.confirm(started.tradeNo);
  await expect(page.getByTestId(TID.saleDone)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId(TID.deviceNotice).filter({ hasText: /paid/i }).first()).toBeVisible();
  await expect(customerPage.getByTestId(TID.customerScreen)).toHaveAttribute('data-phase', 'paid');
  const [sale] = await api.request('sales.recent', { limit: 1 });
  expect(sale?.tenders).toEqual([{ method: 'alipay', amount: started.total, reference: started.tradeNo }]);
  expect((await kassa.sandbox.trade(started.outTradeNo))?.status).toBe('TRADE_SUCCESS');
  expect((await kassa.sandbox.ledger()).problems).toEqual([]);
});

for (const customerPaid of [false, true]) {
  test(`the network stays down and the cashier stops${customerPaid ? ' after the customer paid on the phone' : ''}: the cashier is warned, and once the network is back the trade is cancelled${customerPaid ? ' and the money goes back' : ''}`, async ({
    page,
    customerPage,
    kassa,
    api,
  }) => {
    const [product] = scannableProducts(kassa.trainingDir, 1, { offset: customerPaid ? 22 : 21 });
    if (!product) throw new Error('no product');
    const started = await startBarcodePayment(page, kassa.sim, kassa.sandbox, api, product.barcode);

    await cutTheNetwork(kassa.sandbox);
    if (customerPaid) {
      // The phone has its own network: the money leaves the customer's wallet.
      expect((await kassa.sandbox.confirm(started.tradeNo)).outcome).toBe('paid');
      expect((await kassa.sandbox.buyer(started.buyerId)).balanceFen).toBe(BALANCE - started.total);
    }
    await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'paying');
    // The next status query fails: the cashier reads that Alipay cannot be reached, not "waiting".
    await expect(page.getByTestId(TID.paymentMessage)).toContainText(/cannot be reached/i, { timeout: 15_000 });

    // The cashier gives up waiting (Esc = STOP while paying).
    await page.keyboard.press('Escape');
    // What the terminal is doing, in the payment panel while it tries to cancel…
    await expect(page.getByTestId(TID.paymentMessage)).toContainText(/connection|reach|network/i);
    // …then, back at the tender screen, a warning that stays until the cashier dismisses it.
    const warning = page.getByTestId(TID.noticeBanner);
    await expect(warning).toContainText(/background/i, { timeout: 15_000 });
    await expect(warning).toContainText(/not .*paid/i);
    await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'tendering');
    await expect(customerPage.getByTestId(TID.customerScreen)).toHaveAttribute('data-phase', 'failed');
    const view = await api.request('checkout.view', {});
    expect(view.lastPayment).toMatchObject({ kind: 'cancelPending', wallet: 'alipay' });
    expect(view.tenders).toEqual([]);
    expect((await kassa.sandbox.trade(started.outTradeNo))?.status).toBe(customerPaid ? 'TRADE_SUCCESS' : 'WAIT_BUYER_PAY');

    // The network comes back: the background queue's cancel gets through.
    await kassa.sandbox.clearFaults();
    await expect
      .poll(async () => (await kassa.sandbox.trade(started.outTradeNo))?.status, { message: 'the trade closed by the cancel queue', timeout: 20_000 })
      .toBe('TRADE_CLOSED');
    const closed = await kassa.sandbox.trade(started.outTradeNo);
    expect(closed?.closeReason).toBe('cancelled');
    expect(closed?.refundedFen).toBe(customerPaid ? started.total : 0);
    expect((await kassa.sandbox.buyer(started.buyerId)).balanceFen).toBe(BALANCE);
    expect((await kassa.sandbox.ledger()).problems).toEqual([]);
    // …and the cashier hears the end of it.
    await expect(page.getByText(/in the background: the customer keeps their money/)).toBeVisible({ timeout: 10_000 });

    // The customer pays cash instead; the sale records cash only.
    await page.getByTestId(TID.cashExact).click();
    await expect(page.getByTestId(TID.saleDone)).toBeVisible();
    const done = await waitForCheckout(api, 'the sale', (v) => v.phase === 'idle' && v.lastSale !== null);
    const [sale] = await api.request('sales.recent', { limit: 1 });
    expect(sale?.saleId).toBe(done.lastSale?.saleId);
    expect(sale?.tenders).toEqual([{ method: 'cash', amount: started.total, reference: null }]);
  });
}
