// A cash sale as it happens at the counter: three items scanned on the serial scanner (the
// virtual one, over a socat pty, through the real serial driver), paid in cash, and the slip the
// virtual printer decoded from the ESC/POS bytes matches what the cashier saw in the cart.
import { expect, test, TID } from './fixtures.ts';
import { waitForCheckout } from './support/pos-api.ts';
import { printed, shown } from './support/money-text.ts';
import { scannableProducts } from './support/training-catalog.ts';

test('three items scanned on the serial scanner, paid in cash: the printed receipt matches the cart', async ({ page, customerPage, kassa, api }) => {
  const products = scannableProducts(kassa.trainingDir, 3);
  for (const [i, p] of products.entries()) {
    await kassa.sim.scan(p.barcode);
    const line = page.getByTestId(TID.cartLine(i + 1));
    await expect(line).toBeVisible();
    await expect(line).toHaveAttribute('data-sku', p.sku);
    await expect(line).toContainText(p.nameEn);
  }
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'selling');

  // The cart as the core holds it is what both screens show.
  const cart = await waitForCheckout(api, 'three lines', (v) => v.lines.length === 3);
  const total = cart.totals.total;
  expect(cart.lines.map((l) => l.sku)).toEqual(products.map((p) => p.sku));
  for (const l of cart.lines) {
    await expect(page.getByTestId(TID.cartLine(l.lineNo))).toContainText(shown(l.due));
    const onDisplay = customerPage.getByTestId(TID.customerLine(l.lineNo));
    await expect(onDisplay).toContainText(l.name);
    await expect(onDisplay).toContainText(shown(l.due));
  }
  await expect(page.getByTestId(TID.totalAmount)).toHaveText(shown(total));
  await expect(customerPage.getByTestId(TID.customerScreen)).toHaveAttribute('data-phase', 'cart');
  await expect(customerPage.getByTestId(TID.customerTotal)).toHaveText(shown(total));

  // The pole display (serial, 2 × 20 characters) shows the last item scanned.
  const last = cart.lines[2];
  await expect.poll(async () => (await kassa.sim.display()).line1.trimEnd()).toBe(last?.name.slice(0, 20).trimEnd());
  expect((await kassa.sim.display()).line2).toContain(printed(last?.due ?? -1));

  // Pay in cash: the total rounded up to the next ¥100.
  await page.getByTestId(TID.payButton).click();
  await expect(page.getByTestId(TID.tenderPanel)).toBeVisible();
  await expect(page.getByTestId(TID.dueAmount)).toHaveText(shown(total));
  const received = (Math.floor(total / 10_000) + 1) * 10_000;
  const change = received - total;
  await page.getByTestId(TID.cashInput).fill(printed(received));
  await page.getByTestId(TID.cashInput).press('Enter');

  await expect(page.getByTestId(TID.saleDone)).toBeVisible();
  await expect(page.getByTestId(TID.changeAmount)).toHaveText(shown(change));
  await expect(page.getByTestId(TID.receiptStatus)).toHaveAttribute('data-status', 'printed');
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'idle');
  await expect(customerPage.getByTestId(TID.customerScreen)).toHaveAttribute('data-phase', 'paid');
  await expect(customerPage.getByTestId(TID.customerChange)).toContainText(shown(change));

  // The pole display: what was paid, then the change.
  await expect.poll(async () => (await kassa.sim.display()).line1).toContain(printed(received));
  expect((await kassa.sim.display()).line2).toContain(printed(change));

  // The slip, as the virtual printer decoded it from the bytes on the serial line.
  const receipts = await kassa.sim.slips();
  expect(receipts).toHaveLength(1);
  const slip = receipts[0];
  if (!slip) throw new Error('no receipt');
  expect(slip.interrupted).toBe(false);
  expect(slip.reprintBanner).toBe(false);
  expect(slip.cutKind).not.toBeNull();
  const text = slip.lines.join('\n');
  for (const l of cart.lines) {
    const at = slip.lines.findIndex((s) => s.includes(l.name));
    expect(at, `"${l.name}" on the receipt:\n${text}`).toBeGreaterThanOrEqual(0);
    // The amount is on the item's line or the next one (a long name wraps).
    expect(slip.lines.slice(at, at + 2).join(' '), `the amount of "${l.name}" on the receipt:\n${text}`).toContain(printed(l.due));
  }
  expect(slip.lines.filter((s) => cart.lines.some((l) => s.includes(l.name))), text).toHaveLength(3);
  for (const amount of [total, received, change]) expect(text, `${printed(amount)} on the receipt`).toContain(printed(amount));

  // F9: the sale heads the recent sales, its slip shown as the printer prints it.
  await page.keyboard.press('F9');
  const recent = page.getByTestId(TID.recentSales);
  await expect(recent).toBeVisible();
  const preview = page.getByTestId(TID.receiptPreviewImage);
  await expect(preview).toBeVisible();
  const alt = (await preview.getAttribute('alt')) ?? '';
  for (const l of cart.lines) expect(alt).toContain(l.name);
  expect(alt).toContain(printed(total));
  await page.keyboard.press('Escape');
  await expect(recent).toBeHidden();
});
