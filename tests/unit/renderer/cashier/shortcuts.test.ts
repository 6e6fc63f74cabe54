import { describe, expect, it } from 'vitest';
import type { CheckoutPhase } from '../../../../src/shared/api.ts';
import { en, zhCN } from '../../../../src/renderer/i18n/messages.ts';
import {
  barFor,
  CASHIER_KEYS,
  CASHIER_SHORTCUTS,
  claimsKey,
  keyFor,
  keyName,
  quickCashIndex,
  screenOf,
  shortcutFor,
  shortcutRows,
  type CashierScreen,
} from '../../../../src/renderer/cashier/shortcuts.ts';

const SCREENS: CashierScreen[] = ['sale', 'tender', 'paying', 'noPaper', 'commitFailed', 'busy'];
const none = { ctrlKey: false, altKey: false, metaKey: false, shiftKey: false };

describe('the shortcut table', () => {
  it.each(SCREENS)('gives each key at most one meaning on the %s screen', (screen) => {
    const keys = CASHIER_SHORTCUTS.filter((s) => s.screens.includes(screen)).map((s) => s.key);
    expect(keys.length).toBe(new Set(keys).size);
  });

  it.each(SCREENS)('has F1 help on the %s screen, in the function bar', (screen) => {
    expect(shortcutFor('F1', none, screen)?.action).toBe('help');
    expect(barFor(screen)[0]?.key).toBe('F1');
  });

  it('uses only keys the page can take from the browser (F1–F12, Ins, PgUp, PgDn and Esc), never F11', () => {
    for (const s of CASHIER_SHORTCUTS) {
      expect(s.key === 'Escape' || claimsKey(s.key)).toBe(true);
      expect(s.key).not.toBe('F11');
    }
  });

  it('labels and explains every shortcut in both languages', () => {
    for (const s of CASHIER_SHORTCUTS) {
      expect(en[s.label]).toBeTruthy();
      expect(zhCN[s.help]).toBeTruthy();
    }
    for (const k of CASHIER_KEYS) expect(zhCN[k.help]).toBeTruthy();
  });

  it('has a way out of every screen the cashier can act on', () => {
    expect(shortcutFor('Escape', none, 'tender')?.action).toBe('back');
    expect(shortcutFor('Escape', none, 'paying')?.action).toBe('stopPayment');
    expect(shortcutFor('Escape', none, 'noPaper')?.action).toBe('back');
    expect(shortcutFor('F12', none, 'noPaper')?.action).toBe('continueWithoutReceipt');
    expect(shortcutFor('F12', none, 'commitFailed')?.action).toBe('retry');
  });
});

describe('looking a key up', () => {
  it('means different things on different screens', () => {
    expect(shortcutFor('F12', none, 'sale')?.action).toBe('pay');
    expect(shortcutFor('F12', none, 'tender')?.action).toBe('cashExact');
    expect(shortcutFor('F2', none, 'tender')?.action).toBe('alipayQr');
    expect(shortcutFor('F5', none, 'tender')?.action).toBe('quickCash1');
    expect(shortcutFor('F4', none, 'paying')).toBeNull();
    expect(shortcutFor('F12', none, 'busy')).toBeNull();
  });

  it('is not a shortcut with a modifier held', () => {
    for (const mod of ['ctrlKey', 'altKey', 'metaKey', 'shiftKey'] as const) expect(shortcutFor('F12', { ...none, [mod]: true }, 'sale')).toBeNull();
  });

  it('finds the key for a button hint', () => {
    expect(keyFor('pay', 'sale')).toBe('F12');
    expect(keyFor('quickCash4', 'tender')).toBe('F8');
    expect(keyFor('pay', 'tender')).toBeNull();
  });

  it('claims every F-key and Ins, PgUp, PgDn from the browser and nothing else', () => {
    for (let n = 1; n <= 12; n++) expect(claimsKey(`F${n}`)).toBe(true);
    for (const k of ['Insert', 'PageUp', 'PageDown']) expect(claimsKey(k)).toBe(true);
    // Keys a one-line field edits with stay the field's.
    for (const k of ['F13', 'F0', 'Enter', 'Escape', 'a', 'f5', 'Home', 'End', 'Delete', 'Backspace', 'ArrowUp']) expect(claimsKey(k)).toBe(false);
  });

  it('puts coupon, member and points on Ins, PgUp, PgDn of the sale screen only, in the function bar', () => {
    expect(shortcutFor('Insert', none, 'sale')?.action).toBe('coupon');
    expect(shortcutFor('PageUp', none, 'sale')?.action).toBe('member');
    expect(shortcutFor('PageDown', none, 'sale')?.action).toBe('redeemPoints');
    for (const screen of SCREENS.filter((x) => x !== 'sale')) for (const k of ['Insert', 'PageUp', 'PageDown']) expect(shortcutFor(k, none, screen)).toBeNull();
    const bar = barFor('sale').map((s) => s.action);
    expect(bar).toEqual(expect.arrayContaining(['coupon', 'member', 'redeemPoints']));
    expect(bar.at(-1)).toBe('pay');
  });

  it('writes keys as printed on the keycaps', () => {
    expect(['Escape', 'Insert', 'PageUp', 'PageDown', 'F7'].map(keyName)).toEqual(['Esc', 'Ins', 'PgUp', 'PgDn', 'F7']);
    const rows = shortcutRows();
    expect(rows.find((r) => r.help === 'help.member')?.keys).toBe('PgUp');
  });

  it('maps every checkout phase to a screen', () => {
    const phases: [CheckoutPhase, CashierScreen][] = [
      ['idle', 'sale'],
      ['selling', 'sale'],
      ['tendering', 'tender'],
      ['paying', 'paying'],
      ['noPaper', 'noPaper'],
      ['commitFailed', 'commitFailed'],
      ['finishing', 'busy'],
      ['cancelling', 'busy'],
    ];
    for (const [phase, screen] of phases) expect(screenOf(phase)).toBe(screen);
  });

  it('numbers the quick-cash keys from the first note', () => {
    expect(['quickCash1', 'quickCash2', 'quickCash3', 'quickCash4'].map((a) => quickCashIndex(a as never))).toEqual([0, 1, 2, 3]);
    expect(quickCashIndex('pay')).toBeNull();
  });
});

describe('the table as people read it', () => {
  it('writes the four quick-cash keys as one row, F5–F8', () => {
    const rows = shortcutRows();
    expect(rows.find((r) => r.help === 'help.quickCash')).toEqual({ keys: 'F5–F8', screens: ['tender'], help: 'help.quickCash' });
    expect(rows.filter((r) => r.help === 'help.quickCash')).toHaveLength(1);
  });

  it('keeps one row per meaning and loses no shortcut', () => {
    const rows = shortcutRows();
    const keysWritten = rows.flatMap((r) => (r.keys.includes('–') ? ['F5', 'F6', 'F7', 'F8'] : r.keys.split(', ')));
    expect(keysWritten).toHaveLength(CASHIER_SHORTCUTS.length);
    expect(rows.find((r) => r.help === 'help.help')?.keys).toBe('F1');
    expect(rows.find((r) => r.help === 'help.stopPayment')?.keys).toBe('Esc');
  });

  it('writes keys that are not a run as a list', () => {
    const two = shortcutRows([
      { key: 'F2', screens: ['sale'], action: 'search', label: 'key.search', help: 'help.search', bar: true },
      { key: 'F4', screens: ['sale'], action: 'search', label: 'key.search', help: 'help.search', bar: true },
      { key: 'Escape', screens: ['sale'], action: 'search', label: 'key.search', help: 'help.search', bar: true },
    ]);
    expect(two).toEqual([{ keys: 'F2, F4, Esc', screens: ['sale'], help: 'help.search' }]);
  });
});
