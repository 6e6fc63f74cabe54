// A wallet sale by the customer's payment code when the wallet asks the customer for a
// password: the cashier scans the code on the phone (serial scanner), the gateway answers
// "waiting for the buyer" (Alipay 10003 / WeChat USERPAYING), the cashier screen says so with a
// countdown and a STOP button, the customer types the password, and the terminal's polling
// finds the trade paid.
import { expect, test, TID } from './fixtures.ts';
import { shown } from './support/money-text.ts';
import { waitForCheckout } from './support/pos-api.ts';
import { scannableProducts } from './support/training-catalog.ts';

for (const wallet of ['alipay', 'wechat'] as const) {
  test(`${wallet}: the customer's payment code is scanned, the customer confirms with the password, the sale completes`, async ({ page, customerPage, kassa, api }) => {
    const [product] = scannableProducts(kassa.trainingDir, 1, { offset: wallet === 'alipay' ? 6 : 7 });
    if (!product) throw new Error('no product');
    await kassa.sim.scan(product.barcode);
    await expect(page.getByTestId(TID.cartLine(1))).toBeVisible();
    const cart = await waitForCheckout(api, 'the line', (v) => v.lines.length === 1);
    const total = cart.totals.total;

    const buyer = await kassa.sandbox.createBuyer(total + 5_000, { password: { afterSeconds: null } });
    const code = await kassa.sandbox.paymentCode(buyer.id, wallet);

    await page.getByTestId(TID.payButton).click();
    await expect(page.getByTestId(TID.tenderPanel)).toBeVisible();
    // The cashier scans the code on the customer's phone with the counter scanner.
    await kassa.sim.scan(code);

    const panel = page.getByTestId(TID.paymentPanel);
    await expect(panel).toBeVisible();
    await expect(panel).toHaveAttribute('data-mode', 'barcode');
    await expect(page.getByTestId(TID.stopPayment)).toBeEnabled();
    await expect(page.getByTestId(TID.paymentCountdown)).toContainText(/\d:\d\d/);
    await expect(customerPage.getByTestId(TID.customerScreen)).toHaveAttribute('data-phase', 'paying');

    // The gateway holds the trade until the customer confirms on the phone.
    let pending: Awaited<ReturnType<typeof kassa.sandbox.pending>> = [];
    await expect.poll(async () => (pending = await kassa.sandbox.pending(buyer.id)).length, { message: 'a trade waiting for the password' }).toBe(1);
    const trade = pending[0];
    if (!trade) throw new Error('no pending trade');
    expect(trade.totalFen).toBe(total);
    const view = await api.request('checkout.view', {});
    expect(view.payment).toMatchObject({ wallet, mode: 'barcode', amount: total, outTradeNo: trade.outTradeNo, stopping: false });
    await expect(page.getByTestId(TID.paymentMessage)).toHaveText(view.payment?.message ?? '');
    // Still not paid while the customer has not confirmed.
    await page.waitForTimeout(1500);
    await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'paying');

    const confirmed = await kassa.sandbox.confirm(trade.tradeNo);
    expect(confirmed.outcome).toBe('paid');

    await expect(page.getByTestId(TID.saleDone)).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId(TID.receiptStatus)).toHaveAttribute('data-status', 'printed');
    await expect(customerPage.getByTestId(TID.customerScreen)).toHaveAttribute('data-phase', 'paid');
    await expect(customerPage.getByTestId(TID.customerTotal)).toHaveText(shown(total));
    expect((await kassa.sandbox.buyer(buyer.id)).balanceFen).toBe(5_000);
    const [recent] = await api.request('sales.recent', { limit: 1 });
    expect(recent?.tenders).toEqual([{ method: wallet, amount: total, reference: trade.tradeNo }]);
    expect(await kassa.sim.slips()).toHaveLength(1);
  });
}
