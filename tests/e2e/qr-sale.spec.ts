// A wallet sale by QR code: the customer display shows the payment QR, the customer's phone
// (here: jsQR on a screenshot of the display) reads it, the sandbox wallet pays it, and both
// screens say so; the receipt prints with the wallet tender on it.
import { expect, test, TID } from './fixtures.ts';
import { shown, printed } from './support/money-text.ts';
import { waitForCheckout } from './support/pos-api.ts';
import { decodeQrFromPng } from './support/qr-decode.ts';
import { scannableProducts } from './support/training-catalog.ts';

test('the customer scans the QR code on the customer display with Alipay and the sale completes on both screens', async ({ page, customerPage, kassa, api }) => {
  const products = scannableProducts(kassa.trainingDir, 2, { offset: 3 });
  for (const p of products) await kassa.sim.scan(p.barcode);
  await expect(page.getByTestId(TID.cartLine(2))).toBeVisible();
  const cart = await waitForCheckout(api, 'two lines', (v) => v.lines.length === 2);
  const total = cart.totals.total;

  await page.getByTestId(TID.payButton).click();
  await page.getByTestId(TID.payAlipayQr).click();
  const payment = page.getByTestId(TID.paymentPanel);
  await expect(payment).toBeVisible();
  await expect(payment).toHaveAttribute('data-mode', 'qr');
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'paying');

  // The customer display: the code, the amount, a countdown.
  await expect(customerPage.getByTestId(TID.customerScreen)).toHaveAttribute('data-phase', 'qr');
  const qr = customerPage.getByTestId(TID.customerQr);
  await expect(qr).toBeVisible();
  await expect(customerPage.getByTestId(TID.customerQrAmount)).toHaveText(shown(total));
  await expect(customerPage.getByTestId(TID.customerCountdown)).toContainText(/\d:\d\d/);

  // What a phone camera would see: the whole screen, decoded from pixels.
  const screen = await customerPage.screenshot({ path: test.info().outputPath('customer-display-qr.png') });
  const payload = decodeQrFromPng(screen);
  expect(payload, 'a QR code readable from a screenshot of the customer display').not.toBeNull();
  expect(payload).toMatch(/^https:\/\/qr\.alipay\.com\//);
  const paying = await api.request('checkout.view', {});
  expect(payload).toBe(paying.payment?.qrCode);

  const buyer = await kassa.sandbox.createBuyer(total + 10_000);
  const scanned = await kassa.sandbox.scanQr(payload ?? '', buyer.id);
  expect(scanned.outcome).toBe('paid');

  // Both screens: paid.
  await expect(page.getByTestId(TID.saleDone)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId(TID.changeAmount)).toHaveText(shown(0));
  await expect(page.getByTestId(TID.receiptStatus)).toHaveAttribute('data-status', 'printed');
  await expect(customerPage.getByTestId(TID.customerScreen)).toHaveAttribute('data-phase', 'paid');
  await expect(customerPage.getByTestId(TID.customerTotal)).toHaveText(shown(total));
  await expect(customerPage.getByTestId(TID.customerQr)).toHaveCount(0);
  expect((await kassa.sandbox.buyer(buyer.id)).balanceFen).toBe(10_000);

  // The slip names the wallet and the amount; the sandbox's trade number is on the sale.
  const done = await waitForCheckout(api, 'the sale', (v) => v.phase === 'idle' && v.lastSale !== null);
  expect(done.lastPayment).toMatchObject({ kind: 'paid', wallet: 'alipay' });
  const [recent] = await api.request('sales.recent', { limit: 1 });
  expect(recent?.tenders).toEqual([{ method: 'alipay', amount: total, reference: scanned.trade.tradeNo }]);
  const receipts = await kassa.sim.slips();
  expect(receipts).toHaveLength(1);
  const text = receipts[0]?.lines.join('\n') ?? '';
  expect(text).toMatch(/alipay/i);
  expect(text).toContain(printed(total));
  for (const l of cart.lines) expect(text).toContain(l.name);
});
