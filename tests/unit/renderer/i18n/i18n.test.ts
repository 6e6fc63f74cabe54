import { describe, expect, it } from 'vitest';
import { loadLanguage, saveLanguage, savedLanguage, storageKey, type LanguageStore } from '../../../../src/renderer/i18n/i18n.ts';

function memory(initial: Record<string, string> = {}): LanguageStore & { data: Record<string, string> } {
  const data = { ...initial };
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) };
}

const broken: LanguageStore = {
  getItem: () => {
    throw new Error('SecurityError');
  },
  setItem: () => {
    throw new Error('QuotaExceededError');
  },
};

describe('each surface remembers its own language', () => {
  it('falls back to the terminal language until one is chosen', () => {
    expect(loadLanguage(memory(), 'cashier', 'zh-CN')).toBe('zh-CN');
    expect(savedLanguage(memory(), 'cashier')).toBeNull();
  });

  it('keeps the cashier and the customer display apart', () => {
    const store = memory();
    expect(saveLanguage(store, 'customer', 'en')).toBe(true);
    expect(loadLanguage(store, 'customer', 'zh-CN')).toBe('en');
    expect(loadLanguage(store, 'cashier', 'zh-CN')).toBe('zh-CN');
    expect(store.data).toEqual({ [storageKey('customer')]: 'en' });
  });

  it('ignores a stored value that is not a language', () => {
    expect(loadLanguage(memory({ [storageKey('manager')]: 'fr' }), 'manager', 'en')).toBe('en');
  });

  it('treats storage that throws as empty and says the choice was not kept', () => {
    expect(loadLanguage(broken, 'cashier', 'en')).toBe('en');
    expect(saveLanguage(broken, 'cashier', 'zh-CN')).toBe(false);
    expect(saveLanguage(null, 'cashier', 'zh-CN')).toBe(false);
  });
});
