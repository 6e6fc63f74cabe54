// Promotions, coupons and members at the counter (issue 8), driven by the keys a cashier uses:
// PgUp identifies a member with no sale open (that opens the sale), a scanned item shows its
// promotion under the line, Ins takes a typed coupon (an unknown one is refused and changes
// nothing), and the cash payment takes what is left. PgDn (redeem points) is greyed out and says
// why: a training terminal never redeems points (the core gives its sales a point value of 0),
// and e2e specs run on a training terminal, so the redeem dialog itself is covered by the unit
// tests (commands.test.ts, cashier-model.test.ts) and not here. The customer display
// shows the promotion, "you save" and greets the member; the manager's Members tab finds the
// member by phone and says plainly when nobody matches. A second test removes the coupon and the
// member with their keys (each asks first) and shows a coupon whose minimum spend is no longer
// reached after a line is voided.
//
// Seeding: the store's promotions, coupons and members reach a terminal through catalog sync;
// a training terminal does not sync, so the spec writes them into the terminal's own database
// with the same repository functions catalog sync uses (src/core/db), as training-catalog.ts
// reads products from it. The terminal reads coupons and members on every lookup and re-reads
// its promotions when the table changes (src/core/loyalty/checkout-loyalty.ts).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { upsertCoupon } from '../../src/core/db/coupons.ts';
import { upsertMember } from '../../src/core/db/members.ts';
import { upsertPromotion } from '../../src/core/db/promotions.ts';
import { MTID } from '../../src/renderer/manager/manager-testids.ts';
import { expect, test, TID } from './fixtures.ts';
import { shown } from './support/money-text.ts';
import { waitForCheckout } from './support/pos-api.ts';
import { scannableProducts, type ScannableProduct } from './support/training-catalog.ts';

const PROMO_OFF = 100; // ¥1.00 off the promoted item
const COUPON = { code: 'E2E-FIVE', name: 'Five off', off: 500 } as const;
const MEMBER = { id: 'E2E-M1', name: 'Wang Fang', phone: '13900001111', card: 'E2ECARD0001', points: 800 } as const;

/** Writes the spec's promotion, coupons and member into the running terminal's database. */
function seedLoyalty(trainingDir: string, promoted: ScannableProduct, minSpendCoupon: { code: string; minSpend: number }): void {
  const db = new Database(join(trainingDir, 'kassa.db'), { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const at = new Date().toISOString();
    db.transaction(() => {
      upsertPromotion(
        db,
        {
          id: 'E2E-PROMO',
          name: 'E2E one off',
          kind: 'amount_off',
          amount: PROMO_OFF,
          target: { kind: 'item', skus: [promoted.sku] },
          memberOnly: false,
          stacking: 'stackable',
          group: null,
          priority: 0,
          window: { weekdays: null, hours: [], from: null, until: null },
        },
        { at },
      );
      upsertCoupon(db, { code: COUPON.code, name: COUPON.name, use: 'multi', from: null, until: null, minSpend: 0, amount: COUPON.off, percentBps: null }, { at });
      upsertCoupon(db, { code: minSpendCoupon.code, name: 'Big spender', use: 'multi', from: null, until: null, minSpend: minSpendCoupon.minSpend, amount: 200, percentBps: null }, { at });
      upsertMember(db, { id: MEMBER.id, name: MEMBER.name, phone: MEMBER.phone, codes: [MEMBER.card], points: MEMBER.points, active: true }, { at });
    })();
  } finally {
    db.close();
  }
}

test.describe.configure({ mode: 'serial' });

let products: ScannableProduct[] = [];

test.beforeEach(({ kassa }) => {
  if (products.length > 0) return;
  products = scannableProducts(kassa.trainingDir, 2, { minPrice: 1500, maxPrice: 5000 });
  const [a, b] = products;
  if (!a || !b) throw new Error('two products wanted');
  seedLoyalty(kassa.trainingDir, a, { code: 'E2E-BIG', minSpend: a.price + b.price - PROMO_OFF });
});

test('a member, a promotion and a typed coupon on one sale, on both screens and in the Members tab', async ({ page, customerPage, managerPage, kassa, api }) => {
  const [promoted] = products;
  if (!promoted) throw new Error('no product');

  // PgUp with no sale open: the member by phone opens the sale.
  await page.keyboard.press('PageUp');
  const memberDialog = page.getByTestId(TID.memberDialog);
  await expect(memberDialog).toBeVisible();
  await memberDialog.getByTestId(TID.dialogInput).fill(MEMBER.phone);
  await memberDialog.getByTestId(TID.dialogInput).press('Enter');
  await expect(memberDialog).toBeHidden();
  const member = page.getByTestId(TID.cartMember);
  await expect(member).toHaveAttribute('data-member', MEMBER.id);
  await expect(member).toContainText(MEMBER.name);
  await expect(page.getByTestId(TID.cartMemberPoints)).toContainText(String(MEMBER.points));
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'selling');

  // The promoted item: its promotion under the line, as a saving.
  await kassa.sim.scan(promoted.barcode);
  await expect(page.getByTestId(TID.cartLine(1))).toHaveAttribute('data-sku', promoted.sku);
  await expect(page.getByTestId(TID.linePromotion(1, 'E2E-PROMO'))).toContainText(`−${shown(PROMO_OFF)}`);
  await expect(page.getByTestId(TID.totalPromotions)).toContainText(shown(PROMO_OFF));

  // Ins: an unknown coupon is refused in the error banner and the cart is unchanged.
  await page.keyboard.press('Insert');
  const couponDialog = page.getByTestId(TID.couponDialog);
  await couponDialog.getByTestId(TID.dialogInput).fill('NO-SUCH-COUPON');
  await couponDialog.getByTestId(TID.dialogInput).press('Enter');
  await expect(page.getByTestId(TID.errorBanner)).toContainText('NO-SUCH-COUPON');
  await expect(page.getByTestId(TID.cartCoupon)).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId(TID.errorBanner)).toBeHidden();

  // Ins: the real one, typed in lower case.
  await page.keyboard.press('Insert');
  await couponDialog.getByTestId(TID.dialogInput).fill(COUPON.code.toLowerCase());
  await couponDialog.getByTestId(TID.dialogInput).press('Enter');
  const coupon = page.getByTestId(TID.cartCoupon);
  await expect(coupon).toHaveAttribute('data-state', 'applied');
  await expect(coupon).toHaveAttribute('data-code', COUPON.code);
  await expect(coupon).toContainText(`−${shown(COUPON.off)}`);

  // PgDn: greyed out on a training terminal, and the key says why instead of doing nothing.
  await expect(page.getByTestId(TID.fkey('redeemPoints'))).toBeDisabled();
  await page.keyboard.press('PageDown');
  await expect(page.getByTestId(TID.redeemDialog)).toHaveCount(0);
  await expect(page.getByTestId(TID.errorBanner)).toContainText('training');
  await page.keyboard.press('Escape');

  // What the core computed is what both screens show.
  const view = await waitForCheckout(api, 'the coupon on the sale', (v) => v.coupon?.amount === COUPON.off);
  expect(view.member?.redeemable).toBe(0);
  expect(view.totals.total).toBe(promoted.price - PROMO_OFF - COUPON.off);
  await expect(page.getByTestId(TID.totalAmount)).toHaveText(shown(view.totals.total));
  // The coupon's share is not noted again under the line as a "discount".
  await expect(page.getByTestId(TID.cartLine(1))).not.toContainText(shown(COUPON.off));
  await expect(customerPage.getByTestId(TID.customerLinePromotion(1, 1))).toContainText(`−${shown(PROMO_OFF)}`);
  await expect(customerPage.getByTestId(TID.customerSavings)).toContainText(shown(PROMO_OFF + COUPON.off));
  await expect(customerPage.getByTestId(TID.customerMember)).toContainText(MEMBER.name);
  await expect(customerPage.getByTestId(TID.customerTotal)).toHaveText(shown(view.totals.total));

  // Paid in cash, exactly.
  await page.keyboard.press('F12');
  await expect(page.getByTestId(TID.dueAmount)).toHaveText(shown(view.totals.total));
  await page.keyboard.press('F12');
  await expect(page.getByTestId(TID.saleDone)).toBeVisible();

  // The Members tab finds the member by phone; a training sale is not among their purchases.
  await managerPage.getByTestId(TID.managerTab('members')).click();
  await managerPage.getByTestId(MTID.membersQuery).fill(MEMBER.phone);
  await managerPage.getByTestId(MTID.membersQuery).press('Enter');
  const details = managerPage.getByTestId(MTID.membersDetails);
  await expect(details).toHaveAttribute('data-member', MEMBER.id);
  await expect(managerPage.getByTestId(MTID.membersFact('name'))).toHaveText(MEMBER.name);
  await expect(managerPage.getByTestId(MTID.membersFact('points'))).toHaveText(String(MEMBER.points));
  await expect(managerPage.getByTestId(MTID.membersNoPurchases)).toBeVisible();

  // Nobody by that number: said plainly, and the last member is no longer shown.
  await managerPage.getByTestId(MTID.membersQuery).fill('00000');
  await managerPage.getByTestId(MTID.membersQuery).press('Enter');
  await expect(managerPage.getByTestId(MTID.membersNotFound)).toContainText('00000');
  await expect(details).toBeHidden();
});

test('removing the coupon and the member asks first; a voided line leaves a coupon below its minimum spend', async ({ page, kassa, api }) => {
  const [a, b] = products;
  if (!a || !b) throw new Error('two products wanted');
  await kassa.sim.scan(a.barcode);
  await expect(page.getByTestId(TID.cartLine(1))).toBeVisible();
  await kassa.sim.scan(b.barcode);
  await expect(page.getByTestId(TID.cartLine(2))).toBeVisible();

  // The member's card scanned like any barcode.
  await kassa.sim.scan(MEMBER.card);
  await expect(page.getByTestId(TID.cartMember)).toHaveAttribute('data-member', MEMBER.id);

  // A coupon whose minimum is exactly what the two items come to after the promotion.
  await page.keyboard.press('Insert');
  await page.getByTestId(TID.couponDialog).getByTestId(TID.dialogInput).fill('E2E-BIG');
  await page.getByTestId(TID.couponDialog).getByTestId(TID.dialogInput).press('Enter');
  await expect(page.getByTestId(TID.cartCoupon)).toHaveAttribute('data-state', 'applied');

  // Void line 2: the coupon stays on the sale but takes nothing, and says why.
  await page.getByTestId(TID.cartLine(2)).click();
  await page.keyboard.press('F4');
  await page.getByTestId(TID.dialogReason).fill('e2e');
  await page.getByTestId(TID.dialogReason).press('Enter');
  await expect(page.getByTestId(TID.cartCoupon)).toHaveAttribute('data-state', 'belowMinimum');
  await expect(page.getByTestId(TID.cartCouponMinimum)).toBeVisible();
  await expect(page.getByTestId(TID.cartCoupon)).toContainText(shown(0));

  // Ins with a coupon on the sale: remove it, after a confirmation (Esc keeps it).
  await page.keyboard.press('Insert');
  await expect(page.getByTestId(TID.removeCouponDialog)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId(TID.cartCoupon)).toBeVisible();
  await page.keyboard.press('Insert');
  await page.getByTestId(TID.removeCouponDialog).getByTestId(TID.dialogConfirm).click();
  await expect(page.getByTestId(TID.cartCoupon)).toHaveCount(0);

  // PgUp with a member on the sale: remove them, after a confirmation.
  await page.keyboard.press('PageUp');
  await page.getByTestId(TID.removeMemberDialog).getByTestId(TID.dialogConfirm).click();
  await expect(page.getByTestId(TID.cartMember)).toHaveCount(0);
  const view = await waitForCheckout(api, 'no coupon and no member', (v) => v.coupon === null && v.member === null);
  expect(view.totals.total).toBe(a.price - PROMO_OFF);
});
