// A whole sale without touching the mouse: search as you type, a keyboard-wedge scan (a USB
// scanner that types), a quantity change, the help, paying cash, and the recent sales, using
// only the documented shortcuts (src/renderer/cashier/shortcuts.ts). Keys are typed at a
// person's pace (90 ms apart) unless they play a scanner (as fast as the browser takes them).
import { expect, test, TID } from './fixtures.ts';
import { printed, shown } from './support/money-text.ts';
import { waitForCheckout } from './support/pos-api.ts';
import { scannableProducts } from './support/training-catalog.ts';

const HUMAN = { delay: 90 };

test('search, wedge scan, quantity, help, cash and recent sales with the keyboard alone', async ({ page, kassa, api }) => {
  const [searched, scanned] = scannableProducts(kassa.trainingDir, 2, { offset: 30 });
  if (!searched || !scanned) throw new Error('no products');
  const search = page.getByTestId(TID.searchInput);

  // F1: the shortcut help, closed with Esc; focus then goes to the search box.
  await page.keyboard.press('F1');
  await expect(page.getByTestId(TID.helpOverlay)).toBeVisible();
  await expect(page.getByTestId(TID.helpOverlay)).toContainText('F12');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId(TID.helpOverlay)).toBeHidden();
  await expect(search).toBeFocused();

  // Search as you type, pick the hit with the arrows, Enter adds it.
  await page.keyboard.type(searched.nameEn, HUMAN);
  await expect(search).toHaveValue(searched.nameEn);
  const hit = page.getByTestId(TID.searchHit(searched.sku));
  await expect(hit).toBeVisible();
  const hits = page.getByTestId(TID.searchResults).locator('[data-testid^="search-hit-"]');
  const ids = await hits.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
  const index = ids.indexOf(TID.searchHit(searched.sku));
  expect(index).toBeGreaterThanOrEqual(0);
  for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId(TID.searchResults).locator('[aria-selected="true"]')).toContainText(searched.nameEn);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId(TID.cartLine(1))).toHaveAttribute('data-sku', searched.sku);
  await expect(search).toHaveValue('');

  // A keyboard-wedge scanner types the code and Enter within milliseconds: a scan, not text.
  await page.keyboard.type(scanned.barcode);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId(TID.cartLine(2))).toHaveAttribute('data-sku', scanned.sku);
  await expect(search).toHaveValue('');

  // F3 on the selected (last added) line: quantity 3.
  await expect(page.getByTestId(TID.cartLine(2))).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('F3');
  await expect(page.getByTestId(TID.dialog)).toBeVisible();
  await expect(page.getByTestId(TID.dialogInput)).toBeFocused();
  await page.keyboard.type('3', HUMAN);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId(TID.dialog)).toBeHidden();
  const cart = await waitForCheckout(api, 'quantity 3 on line 2', (v) => v.lines[1]?.quantityMilli === 3000);
  await expect(page.getByTestId(TID.cartLine(2))).toContainText(shown(cart.lines[1]?.due ?? -1));
  await expect(page.getByTestId(TID.totalAmount)).toHaveText(shown(cart.totals.total));

  // F12: pay. The cash box has focus; the amount typed, Enter takes it.
  await page.keyboard.press('F12');
  await expect(page.getByTestId(TID.tenderPanel)).toBeVisible();
  await expect(page.getByTestId(TID.cashInput)).toBeFocused();
  const received = (Math.floor(cart.totals.total / 10_000) + 1) * 10_000;
  await page.keyboard.type(printed(received), HUMAN);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId(TID.saleDone)).toBeVisible();
  await expect(page.getByTestId(TID.changeAmount)).toHaveText(shown(received - cart.totals.total));
  await expect(page.getByTestId(TID.receiptStatus)).toHaveAttribute('data-status', 'printed');
  const [sale] = await api.request('sales.recent', { limit: 1 });
  expect(sale?.tenders).toEqual([{ method: 'cash', amount: cart.totals.total, reference: null }]);

  // F9: recent sales, the new one first with its slip; Esc back to an empty sale screen.
  await page.keyboard.press('F9');
  await expect(page.getByTestId(TID.recentSales)).toBeVisible();
  await expect(page.getByTestId(TID.recentSale(sale?.saleId ?? '?'))).toBeVisible();
  await expect(page.getByTestId(TID.receiptPreviewImage)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId(TID.recentSales)).toBeHidden();
  await expect(search).toBeFocused();

  // F5 on the sale screen is the line discount, never the browser's reload: the page stays.
  const marker = await page.evaluate(() => performance.timeOrigin);
  await page.keyboard.press('F5');
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => performance.timeOrigin)).toBe(marker);
});
