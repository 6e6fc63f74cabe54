// The sale lives in the core, not in the page: reloading the cashier screen (or the customer
// display) in the middle of a sale brings back exactly where it was, and the sale carries on.
import type { Page } from '@playwright/test';
import { expect, test, TID } from './fixtures.ts';
import { shown } from './support/money-text.ts';
import { waitForCheckout } from './support/pos-api.ts';
import { scannableProducts } from './support/training-catalog.ts';

async function reloadCashier(page: Page): Promise<void> {
  await page.reload();
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', /.+/);
}

test('a reload while selling brings back the lines, the quantity and the totals; the sale then completes', async ({ page, customerPage, kassa, api }) => {
  const products = scannableProducts(kassa.trainingDir, 4, { offset: 40 });
  for (const p of products.slice(0, 3)) await kassa.sim.scan(p.barcode);
  await expect(page.getByTestId(TID.cartLine(3))).toBeVisible();
  await api.request('checkout.send', { command: { type: 'SET_QUANTITY', lineNo: 2, quantityMilli: 2000 } });
  const before = await waitForCheckout(api, 'quantity 2', (v) => v.lines[1]?.quantityMilli === 2000);

  await reloadCashier(page);
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'selling');
  for (const l of before.lines) {
    const row = page.getByTestId(TID.cartLine(l.lineNo));
    await expect(row).toHaveAttribute('data-sku', l.sku);
    await expect(row).toContainText(shown(l.due));
  }
  await expect(page.getByTestId(TID.cartLine(4))).toHaveCount(0);
  await expect(page.getByTestId(TID.totalAmount)).toHaveText(shown(before.totals.total));
  expect((await api.request('checkout.view', {})).saleId).toBe(before.saleId);

  // The customer display too.
  await customerPage.reload();
  await expect(customerPage.getByTestId(TID.customerTotal)).toHaveText(shown(before.totals.total));
  await expect(customerPage.getByTestId(TID.customerLine(3))).toBeVisible();

  // And it goes on: one more scan, paid.
  await kassa.sim.scan(products[3]?.barcode ?? '');
  await expect(page.getByTestId(TID.cartLine(4))).toBeVisible();
  await page.getByTestId(TID.payButton).click();
  await page.getByTestId(TID.cashExact).click();
  await expect(page.getByTestId(TID.saleDone)).toBeVisible();
  const done = await waitForCheckout(api, 'the sale', (v) => v.phase === 'idle' && v.lastSale !== null);
  expect(done.lastSale?.saleId).toBe(before.saleId);
});

test('a reload after part of the money was taken keeps the tender screen, the cash already taken and what is still due', async ({ page, kassa, api }) => {
  const products = scannableProducts(kassa.trainingDir, 2, { offset: 43, minPrice: 2000, maxPrice: 5000 });
  for (const p of products) await kassa.sim.scan(p.barcode);
  await expect(page.getByTestId(TID.cartLine(2))).toBeVisible();
  await page.getByTestId(TID.payButton).click();
  await expect(page.getByTestId(TID.tenderPanel)).toBeVisible();
  // A first note of ¥10 (split tender: the rest comes after the reload).
  await api.request('checkout.send', { command: { type: 'TENDER_CASH', received: 1000 } });
  const before = await waitForCheckout(api, 'the first tender', (v) => v.tenders.length === 1);
  expect(before.due?.paid).toBe(1000);

  await reloadCashier(page);
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'tendering');
  await expect(page.getByTestId(TID.tenderPanel)).toBeVisible();
  await expect(page.getByTestId(TID.dueAmount)).toHaveText(shown(before.due?.remaining ?? -1));
  await expect(page.getByTestId(TID.paidAmount)).toContainText(shown(1000));
  await expect(page.getByTestId(TID.tenderList)).toContainText(shown(1000));

  await page.getByTestId(TID.cashExact).click();
  await expect(page.getByTestId(TID.saleDone)).toBeVisible();
  const [sale] = await api.request('sales.recent', { limit: 1 });
  expect(sale?.tenders.map((t) => t.amount)).toEqual([1000, before.totals.total - 1000]);
});

test('a reload during a QR payment shows the running payment again, and paying the code completes the sale', async ({ page, customerPage, kassa, api }) => {
  const [product] = scannableProducts(kassa.trainingDir, 1, { offset: 46 });
  if (!product) throw new Error('no product');
  await kassa.sim.scan(product.barcode);
  await expect(page.getByTestId(TID.cartLine(1))).toBeVisible();
  await page.getByTestId(TID.payButton).click();
  await page.getByTestId(TID.payAlipayQr).click();
  await expect(customerPage.getByTestId(TID.customerQr)).toBeVisible();
  const paying = await waitForCheckout(api, 'the QR code', (v) => v.payment?.qrCode != null, { whileBusy: true });

  await reloadCashier(page);
  await customerPage.reload();
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'paying');
  await expect(page.getByTestId(TID.paymentPanel)).toBeVisible();
  await expect(page.getByTestId(TID.stopPayment)).toBeEnabled();
  const qr = customerPage.getByTestId(TID.customerQr);
  await expect(qr).toBeVisible();
  await expect(qr).toHaveAttribute('data-payload', paying.payment?.qrCode ?? '?');

  const buyer = await kassa.sandbox.createBuyer(paying.totals.total);
  expect((await kassa.sandbox.scanQr(paying.payment?.qrCode ?? '', buyer.id)).outcome).toBe('paid');
  await expect(page.getByTestId(TID.saleDone)).toBeVisible({ timeout: 15_000 });
  await expect(customerPage.getByTestId(TID.customerScreen)).toHaveAttribute('data-phase', 'paid');
});
