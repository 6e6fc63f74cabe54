import { describe, expect, it } from 'vitest';
import { dictionaries, LANGUAGES, placeholders, translate } from '../../../../src/renderer/i18n/i18n.ts';
import { en, shellEn, zhCN, type MessageKey } from '../../../../src/renderer/i18n/messages.ts';
import { managerEn } from '../../../../src/renderer/i18n/manager-messages.ts';

const keys = Object.keys(en) as MessageKey[];

describe('every string in both languages', () => {
  it('has the same keys in English and Chinese', () => {
    expect(Object.keys(zhCN).sort()).toEqual([...keys].sort());
  });

  it.each(LANGUAGES)('%s has no empty or untrimmed text', (lang) => {
    const bad = keys.filter((k) => {
      const text = dictionaries[lang][k];
      return text.trim() === '' || text !== text.trim();
    });
    expect(bad).toEqual([]);
  });

  it('uses the same {placeholders} in both languages', () => {
    const differ = keys.filter((k) => placeholders(en[k]).join() !== placeholders(zhCN[k]).join());
    expect(differ).toEqual([]);
  });

  it('translates the Chinese strings (no English left in the zh-CN dictionary by mistake)', () => {
    // Brand, SKU-like and key names may stay Latin; sentences may not.
    const sameAsEnglish = keys.filter((k) => zhCN[k] === en[k] && /[a-z]{3,} [a-z]{3,}/i.test(en[k]));
    expect(sameAsEnglish).toEqual([]);
  });

  it('has every key the screens build from data (device types and states, wallets, receipt statuses)', () => {
    const needed = [
      ...['printer', 'scanner', 'display', 'scale', 'drawer'].map((x) => `device.type.${x}`),
      ...['disconnected', 'connecting', 'ready', 'degraded', 'fault', 'reconnecting'].map((x) => `device.state.${x}`),
      ...['cash', 'alipay', 'wechat'].map((x) => `method.${x}`),
      ...['printed', 'unconfirmed', 'deferred', 'interrupted', 'failed', 'none', 'unknown'].map((x) => `receipt.status.${x}`),
    ];
    expect(needed.filter((k) => !(k in en))).toEqual([]);
  });
});

describe('the manager panels\' strings merged into the tables', () => {
  it('shares no key with the shell, so neither replaces the other', () => {
    expect(Object.keys(managerEn).filter((k) => k in shellEn)).toEqual([]);
    expect(Object.keys(en)).toHaveLength(Object.keys(shellEn).length + Object.keys(managerEn).length);
  });

  it('looks a manager key up like any other, in both languages', () => {
    const key = Object.keys(managerEn)[0] as MessageKey;
    expect(translate('en', key)).toBe(managerEn[key as keyof typeof managerEn]);
    expect(translate('zh-CN', key)).toBe(zhCN[key]);
  });

  it('has a label for every manager tab', () => {
    const tabs = ['devices', 'shift', 'reports', 'reconcile', 'history', 'users', 'store'];
    expect(tabs.filter((id) => !(`manager.tab.${id}` in en))).toEqual([]);
  });
});

describe('translate', () => {
  it('fills placeholders in either language', () => {
    expect(translate('en', 'app.terminal', { id: 'T01' })).toBe('Terminal T01');
    expect(translate('zh-CN', 'app.terminal', { id: 'T01' })).toBe('收银机 T01');
    expect(translate('en', 'receipt.reprinted', { no: 12, status: 'printed' })).toBe('Receipt 12: printed');
  });

  it('leaves a placeholder without a value visible', () => {
    expect(translate('en', 'app.terminal')).toBe('Terminal {id}');
    expect(translate('en', 'app.terminal', {})).toBe('Terminal {id}');
  });
});
