// The receipt printer runs out of paper: before a sale (the cashier is told at once, the sale
// stops at "no paper" when it is paid, and loading paper carries on by itself; or the cashier
// continues without the slip and reprints it later), and in the middle of a receipt (the slip is
// cut short, the sale is saved anyway, and the reprint after loading paper is marked as one).
import type { Page } from '@playwright/test';
import { expect, test, TID } from './fixtures.ts';
import { printed } from './support/money-text.ts';
import type { PosApi } from './support/pos-api.ts';
import { waitForCheckout } from './support/pos-api.ts';
import type { SimControl } from './support/sim-control.ts';
import { scannableProducts } from './support/training-catalog.ts';

/** Scans one item and opens the tender screen's way: F12 (pay). */
async function scanAndPay(page: Page, sim: SimControl, barcode: string): Promise<void> {
  await sim.scan(barcode);
  await expect(page.getByTestId(TID.cartLine(1))).toBeVisible();
  await page.getByTestId(TID.payButton).click();
}

async function payExactCash(page: Page): Promise<void> {
  await expect(page.getByTestId(TID.tenderPanel)).toBeVisible();
  await page.getByTestId(TID.cashExact).click();
  await expect(page.getByTestId(TID.saleDone)).toBeVisible();
}

async function lastSaleId(api: PosApi): Promise<string> {
  const v = await waitForCheckout(api, 'the finished sale', (x) => x.phase === 'idle' && x.lastSale !== null && x.lastSale.receipt !== null);
  return v.lastSale?.saleId ?? '';
}

test('paper out before a sale: every screen says so, paying stops at "no paper", loading paper carries on and the slip prints', async ({ page, managerPage, kassa }) => {
  const [product] = scannableProducts(kassa.trainingDir, 1, { offset: 10 });
  if (!product) throw new Error('no product');
  await kassa.sim.paper('out');

  // The cashier sees it before selling anything; so does the manager's device panel.
  await expect(page.getByTestId(TID.printerStatus)).toBeVisible();
  await expect(page.getByTestId(TID.printerStatus)).toContainText(/paper/i);
  await expect(page.getByTestId(TID.deviceNotice).filter({ hasText: /paper/i }).first()).toBeVisible();
  await expect(managerPage.getByTestId(TID.device('printer'))).toHaveAttribute('data-state', 'fault');

  await scanAndPay(page, kassa.sim, product.barcode);
  await expect(page.getByTestId(TID.noPaperPanel)).toBeVisible();
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'noPaper');
  // A scan now is refused with the reason, not added.
  await kassa.sim.scan(product.barcode);
  await expect(page.getByTestId(TID.errorBanner)).toContainText(/paper/i);

  await kassa.sim.paper('ok');
  await expect(page.getByTestId(TID.tenderPanel)).toBeVisible();
  await expect(managerPage.getByTestId(TID.device('printer'))).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId(TID.printerStatus)).toHaveCount(0);
  await payExactCash(page);
  await expect(page.getByTestId(TID.receiptStatus)).toHaveAttribute('data-status', 'printed');
  const receipts = await kassa.sim.slips();
  expect(receipts).toHaveLength(1);
  expect(receipts[0]?.lines.join('\n')).toContain(product.nameEn);
});

test('paper out before a sale, the cashier continues without the slip, then reprints it once paper is loaded', async ({ page, kassa, api }) => {
  const [product] = scannableProducts(kassa.trainingDir, 1, { offset: 11 });
  if (!product) throw new Error('no product');
  await kassa.sim.paper('out');
  await expect(page.getByTestId(TID.printerStatus)).toBeVisible();

  await scanAndPay(page, kassa.sim, product.barcode);
  await expect(page.getByTestId(TID.noPaperPanel)).toBeVisible();
  await page.getByTestId(TID.continueWithoutReceipt).click();
  await payExactCash(page);
  const status = page.getByTestId(TID.receiptStatus);
  await expect(status).not.toHaveAttribute('data-status', 'printing');
  await expect(status).not.toHaveAttribute('data-status', 'printed');
  const saleId = await lastSaleId(api);
  const [recent] = await api.request('sales.recent', { limit: 1 });
  expect(recent).toMatchObject({ saleId });
  expect(recent?.receipt).not.toBe('printed');
  expect(await kassa.sim.slips()).toHaveLength(0);

  // A slip the cashier chose to go without stays listed: loading paper alone prints nothing.
  await kassa.sim.paper('ok');
  await expect(page.getByTestId(TID.printerStatus)).toHaveCount(0);
  await page.waitForTimeout(1000);
  expect(await kassa.sim.slips()).toHaveLength(0);
  await page.getByTestId(TID.reprintLast).click();
  await expect(page.getByTestId(TID.infoBanner)).toBeVisible();
  const receipts = await kassa.sim.slips();
  expect(receipts).toHaveLength(1);
  expect(receipts[0]?.lines.join('\n')).toContain(product.nameEn);
  const [after] = await api.request('sales.recent', { limit: 1 });
  expect(after).toMatchObject({ saleId, receipt: 'printed' });
});

test('paper runs out in the middle of the receipt: the sale is saved, the slip is cut short, loading paper reprints it whole, and the cashier can reprint again', async ({ page, kassa, api }) => {
  const products = scannableProducts(kassa.trainingDir, 3, { offset: 12 });
  for (const p of products) await kassa.sim.scan(p.barcode);
  await expect(page.getByTestId(TID.cartLine(3))).toBeVisible();
  const cart = await waitForCheckout(api, 'three lines', (v) => v.lines.length === 3);
  // A few lines into the slip: after the header, before the items are all out.
  await kassa.sim.paperOutAfter(4);

  await page.getByTestId(TID.payButton).click();
  await payExactCash(page);
  const status = page.getByTestId(TID.receiptStatus);
  await expect(status).not.toHaveAttribute('data-status', 'printing', { timeout: 15_000 });
  await expect(status).not.toHaveAttribute('data-status', 'printed');
  await expect(page.getByTestId(TID.reprintLast)).toBeVisible();
  await expect(page.getByTestId(TID.printerStatus)).toBeVisible();
  const saleId = await lastSaleId(api);
  const [recent] = await api.request('sales.recent', { limit: 1 });
  expect(recent).toMatchObject({ saleId, total: cart.totals.total });
  expect(recent?.receipt).not.toBe('printed');

  const cut = await kassa.sim.slips();
  expect(cut).toHaveLength(1);
  expect(cut[0]?.interrupted).toBe(true);
  const partial = cut[0]?.lines.join('\n') ?? '';
  expect(cart.lines.every((l) => partial.includes(l.name)), `the cut-short slip cannot hold every item:\n${partial}`).toBe(false);

  // Paper loaded: the terminal reprints the cut-short slip by itself, marked as a reprint.
  await kassa.sim.paper('ok');
  await expect(page.getByTestId(TID.printerStatus)).toHaveCount(0);
  await expect.poll(async () => (await kassa.sim.slips()).filter((r) => r.reprintBanner).length, { message: 'the automatic reprint' }).toBe(1);
  const whole = (await kassa.sim.slips()).find((r) => r.reprintBanner);
  expect(whole?.interrupted).toBe(false);
  const text = whole?.lines.join('\n') ?? '';
  for (const l of cart.lines) expect(text).toContain(l.name);
  expect(text).toContain(printed(cart.totals.total));
  await expect.poll(async () => (await api.request('sales.recent', { limit: 1 }))[0]?.receipt).toBe('printed');

  // And the cashier can reprint it again on demand.
  await page.getByTestId(TID.reprintLast).click();
  await expect(page.getByTestId(TID.infoBanner)).toBeVisible();
  await expect.poll(async () => (await kassa.sim.slips()).filter((r) => r.reprintBanner).length).toBe(2);
  const [after] = await api.request('sales.recent', { limit: 1 });
  expect(after).toMatchObject({ saleId, receipt: 'printed' });
});
