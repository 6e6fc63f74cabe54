// Issue 7 on the screens: the manager's Shift tab (counted float, paid-out, blind close with
// over/short and the working lines), then users: the log-in screen on the cashier surface, a
// wrong PIN answered with the core's message, a no-sale drawer opening (F10) approved in place
// by a manager's PIN, an approval cancelled with Esc, log-out, and the manager's own log-in.
//
// The first test runs in setup mode (a fresh training terminal has no users: the manager screen
// says so and nothing needs approving). The second adds the users through the API (the first, a
// manager, as anyone may in setup mode; the next with that manager logged in), so the core
// pushes the new session to the open surfaces; it must stay the last test of this file, because
// from then on the terminal wants a log-in.
import { expect, test, TID } from './fixtures.ts';
import { shown } from './support/money-text.ts';

const HUMAN = { delay: 90 };
const CASHIER_PIN = '1111';
const MANAGER_PIN = '9999';

test('setup mode: open a shift with a counted float, pay out, close blind 10 short', async ({ managerPage: m }) => {
  await expect(m.getByTestId(TID.setupBanner)).toBeVisible();
  await m.getByTestId(TID.managerTab('shift')).click();
  const panel = m.getByTestId(TID.shiftPanel);
  await expect(panel).toHaveAttribute('data-shift', 'closed');

  // The float, counted by note: 2 × ¥100; the running total follows the typing.
  await m.getByTestId(TID.floatModeCount).click();
  await m.getByTestId(TID.countInput('float', '100')).fill('2');
  await expect(m.getByTestId(TID.countTotal('float'))).toHaveText(shown(20_000));
  await m.getByTestId(TID.countInput('float', '100')).press('Enter');
  await expect(panel).toHaveAttribute('data-shift', 'open');
  await expect(m.getByTestId(TID.shiftFact('float'))).toHaveText(shown(20_000));

  // Paid-out ¥25 with a reason.
  await m.getByTestId(TID.cashKind('paid-out')).click();
  await m.getByTestId(TID.cashAmount).fill('25');
  await m.getByTestId(TID.cashMovementForm).getByTestId(TID.dialogReason).fill('milk supplier');
  await m.getByTestId(TID.cashSubmit).click();
  await expect(m.getByTestId(TID.shiftFact('paid-out'))).toHaveText(shown(2500));

  // Blind close: the expected amount is nowhere on the screen before the count is in.
  await expect(m.getByTestId(TID.shiftExpected)).toHaveCount(0);
  await expect(panel).not.toContainText(shown(17_500));
  // Expected 200 − 25 = 175; counted 100 + 50 + 10 + 5 = 165: short by 10.
  for (const [key, pieces] of [['100', '1'], ['50', '1'], ['10', '1'], ['5', '1']] as const) {
    await m.getByTestId(TID.countInput('close', key)).fill(pieces);
  }
  await expect(m.getByTestId(TID.countTotal('close'))).toHaveText(shown(16_500));
  await m.getByTestId(TID.shiftClose).click();
  const result = m.getByTestId(TID.shiftCloseResult);
  await expect(result).toHaveAttribute('data-over-short', 'short');
  await expect(m.getByTestId(TID.shiftCounted)).toHaveText(shown(16_500));
  await expect(m.getByTestId(TID.shiftExpected)).toHaveText(shown(17_500));
  await expect(m.getByTestId(TID.shiftOverShort)).toContainText(shown(1000));
  await expect(m.getByTestId(TID.shiftWorking)).toContainText(shown(20_000));
  await expect(m.getByTestId(TID.shiftWorking)).toContainText(shown(2500));
  await m.getByTestId(TID.shiftCloseDone).click();
  await expect(panel).toHaveAttribute('data-shift', 'closed');
});

test('log in by PIN, approve a no-sale opening in place, cancel one, log out (keyboard only on the till)', async ({ page, managerPage: m, api }) => {
  // The first user must be a manager (someone must be able to add and unlock the others); once
  // one exists, adding another needs that manager logged in.
  const zhao = await api.request('users.add', { name: 'Zhao Min', role: 'manager', pin: MANAGER_PIN });
  await api.request('session.login', { userId: zhao.id, pin: MANAGER_PIN });
  const li = await api.request('users.add', { name: 'Li Na', role: 'cashier', pin: CASHIER_PIN });
  await api.request('session.logout', {});

  // Users exist and nobody is logged in: both surfaces ask for a log-in.
  const cashier = page.getByTestId(TID.cashierScreen);
  await expect(cashier).toHaveAttribute('data-phase', 'login');
  await expect(page.getByTestId(TID.loginScreen)).toBeVisible();
  await expect(m.getByTestId(TID.managerScreen)).toHaveAttribute('data-session', 'login');
  await expect(m.getByTestId(TID.setupBanner)).toHaveCount(0);

  // Choose Li Na with the arrows, a wrong PIN first: the core's message, still on the log-in screen.
  const choose = async (userId: string) => {
    for (let i = 0; i < 4 && (await page.getByTestId(TID.userChoice(userId)).getAttribute('class'))?.includes('on') !== true; i++) {
      await page.keyboard.press('ArrowDown');
    }
    for (let i = 0; i < 4 && (await page.getByTestId(TID.userChoice(userId)).getAttribute('class'))?.includes('on') !== true; i++) {
      await page.keyboard.press('ArrowUp');
    }
    await expect(page.getByTestId(TID.userChoice(userId))).toHaveClass(/\bon\b/);
  };
  await expect(page.getByTestId(TID.pinInput)).toBeFocused();
  await choose(li.id);
  await page.keyboard.type('0000', HUMAN);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId(TID.loginError)).toBeVisible();
  await expect(page.getByTestId(TID.loginError)).not.toBeEmpty();
  await expect(cashier).toHaveAttribute('data-phase', 'login');

  await page.keyboard.type(CASHIER_PIN, HUMAN);
  await page.keyboard.press('Enter');
  await expect(cashier).toHaveAttribute('data-phase', 'idle');
  await expect(page.getByTestId(TID.operator)).toContainText('Li Na');
  await expect(page.getByTestId(TID.operator)).toHaveAttribute('data-user', li.id);

  // F10 with no sale open: open the drawer without a sale. A cashier may not: a manager approves.
  await page.keyboard.press('F10');
  await expect(page.getByTestId(TID.noSaleDialog)).toBeVisible();
  await page.keyboard.type('change for a customer', HUMAN);
  await page.keyboard.press('Enter');
  const approval = page.getByTestId(TID.approvalDialog);
  await expect(approval).toBeVisible();
  await expect(approval).toContainText('open the drawer (no sale)');
  await expect(approval.getByTestId(TID.userChoice(zhao.id))).toBeVisible();
  await expect(approval.getByTestId(TID.userChoice(li.id))).toHaveCount(0);
  await expect(page.getByTestId(TID.approvalPin)).toBeFocused();

  // A wrong PIN: the core's words in the dialog, which stays open for another try.
  await page.keyboard.type('1234', HUMAN);
  await page.keyboard.press('Enter');
  await expect(approval.locator('.field-error')).toBeVisible();
  await expect(approval).toBeVisible();
  await page.keyboard.type(MANAGER_PIN, HUMAN);
  await page.keyboard.press('Enter');
  await expect(approval).toBeHidden();
  await expect(page.getByTestId(TID.noSaleDialog)).toBeHidden();
  await expect(page.getByTestId(TID.infoBanner)).toBeVisible();

  // Again, but Esc on the approval: nothing is done, the reason dialog is still there.
  await page.keyboard.press('F10');
  await page.keyboard.type('float top-up', HUMAN);
  await page.keyboard.press('Enter');
  await expect(approval).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(approval).toBeHidden();
  await expect(page.getByTestId(TID.errorBanner)).toBeVisible();
  await expect(page.getByTestId(TID.noSaleDialog)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId(TID.noSaleDialog)).toBeHidden();

  // Log out: back to the log-in screen.
  await page.getByTestId(TID.logout).click();
  await expect(cashier).toHaveAttribute('data-phase', 'login');

  // The manager logs in on the manager screen and gets the tabs, without the setup banner.
  await m.getByTestId(TID.userChoice(zhao.id)).click();
  await m.getByTestId(TID.pinInput).fill(MANAGER_PIN);
  await m.getByTestId(TID.loginSubmit).click();
  await expect(m.getByTestId(TID.managerScreen)).toHaveAttribute('data-session', 'ready');
  await expect(m.getByTestId(TID.operator)).toContainText('Zhao Min');
  await expect(m.getByTestId(TID.managerTab('shift'))).toBeVisible();
  await expect(m.getByTestId(TID.setupBanner)).toHaveCount(0);
  await m.getByTestId(TID.logout).click();
  await expect(m.getByTestId(TID.managerScreen)).toHaveAttribute('data-session', 'login');
});
