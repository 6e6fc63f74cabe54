// Screenshots of the three surfaces in the middle of a real training sale, kept as test
// artifacts (test-results/…/<surface>.png) and, for the README, under docs/screenshots/. The
// README copies are written when missing or when KASSA_E2E_UPDATE_SCREENSHOTS=1, so an ordinary
// run does not rewrite committed images.
import type { Page, TestInfo } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, TID } from './fixtures.ts';
import { MTID } from '../../src/renderer/manager/manager-testids.ts';
import { ROOT } from './support/kassa-serve.ts';
import { waitForCheckout } from './support/pos-api.ts';
import { decodeQrFromPng } from './support/qr-decode.ts';
import { scannableProducts } from './support/training-catalog.ts';

const DOCS = join(ROOT, 'docs', 'screenshots');

async function keep(page: Page, testInfo: TestInfo, name: string): Promise<Buffer> {
  const file = testInfo.outputPath(name);
  const png = await page.screenshot({ path: file, animations: 'disabled' });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
  const docs = join(DOCS, name);
  if (!existsSync(docs) || process.env.KASSA_E2E_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(file, docs);
  }
  return png;
}

async function setLanguage(page: Page, language: 'en' | 'zh-CN'): Promise<void> {
  await page.getByTestId(TID.language(language)).click();
  await expect(page.locator('html')).toHaveAttribute('lang', language);
}

test('the cashier screen, the customer display and the manager screen during a training sale', async ({ page, customerPage, managerPage, kassa, api }, testInfo) => {
  const products = scannableProducts(kassa.trainingDir, 4, { offset: 60, minPrice: 300, maxPrice: 3000 });
  for (const p of products) await kassa.sim.scan(p.barcode);
  await expect(page.getByTestId(TID.cartLine(4))).toBeVisible();
  await api.request('checkout.send', { command: { type: 'SET_QUANTITY', lineNo: 2, quantityMilli: 2000 } });
  await api.request('checkout.send', { command: { type: 'LINE_DISCOUNT', lineNo: 3, discount: { percentBps: 1000 }, reason: 'damaged box' } });
  await waitForCheckout(api, 'the discount', (v) => v.lines[2]?.discount !== 0);
  await expect(page.getByTestId(TID.totalDiscounts)).toBeVisible();
  await expect(customerPage.getByTestId(TID.customerLine(4))).toBeVisible();

  for (const language of ['en', 'zh-CN'] as const) {
    const suffix = language === 'en' ? '' : '.zh-CN';
    await setLanguage(page, language);
    await setLanguage(customerPage, language);
    await setLanguage(managerPage, language);
    await keep(page, testInfo, `cashier${suffix}.png`);
    await keep(customerPage, testInfo, `customer-cart${suffix}.png`);
    await keep(managerPage, testInfo, `manager${suffix}.png`);
  }

  // Paying by QR: the customer display's code, which must still read from the image.
  await setLanguage(page, 'en');
  await page.getByTestId(TID.payButton).click();
  await page.getByTestId(TID.payAlipayQr).click();
  await expect(customerPage.getByTestId(TID.customerQr)).toBeVisible();
  await expect(page.getByTestId(TID.paymentPanel)).toBeVisible();
  for (const language of ['en', 'zh-CN'] as const) {
    const suffix = language === 'en' ? '' : '.zh-CN';
    await setLanguage(customerPage, language);
    const shot = await keep(customerPage, testInfo, `customer-qr${suffix}.png`);
    expect(decodeQrFromPng(shot)).toMatch(/^https:\/\/qr\.alipay\.com\//);
  }
  await keep(page, testInfo, 'cashier-paying.png');
  await setLanguage(customerPage, 'en');
});

test('the manager screen: the X report of the training day with its hourly chart', async ({ page, managerPage, kassa, api }, testInfo) => {
  // Three cash sales, so the report has figures to show.
  for (const [i, p] of scannableProducts(kassa.trainingDir, 3, { offset: 70, minPrice: 300, maxPrice: 3000 }).entries()) {
    await kassa.sim.scan(p.barcode);
    await expect(page.getByTestId(TID.cartLine(1))).toBeVisible();
    await page.getByTestId(TID.payButton).click();
    await page.getByTestId(TID.cashExact).click();
    await waitForCheckout(api, `sale ${i + 1}`, (v) => v.phase === 'idle' && v.lastSale !== null && v.lastSale.receiptNo >= i + 1);
  }
  await setLanguage(managerPage, 'en');
  await managerPage.getByTestId(TID.managerTab('reports')).click();
  await managerPage.getByTestId(MTID.reportXNow).click();
  await expect(managerPage.getByTestId(MTID.reportView)).toHaveAttribute('data-kind', 'X');
  await expect(managerPage.getByTestId(MTID.reportHourly)).toBeVisible();
  // A tall window, so the picture holds the figures and the hourly chart (the screen scrolls inside).
  await managerPage.setViewportSize({ width: 1280, height: 1400 });
  await keep(managerPage, testInfo, 'manager-reports.png');
});
