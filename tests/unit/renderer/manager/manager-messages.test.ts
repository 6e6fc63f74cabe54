import { describe, expect, it } from 'vitest';
import { placeholders, translate } from '../../../../src/renderer/i18n/i18n.ts';
import { managerEn, managerZhCN, type ManagerKey } from '../../../../src/renderer/i18n/manager-messages.ts';
import { en, shellEn } from '../../../../src/renderer/i18n/messages.ts';

const keys = Object.keys(managerEn) as ManagerKey[];

describe('manager panel strings', () => {
  it('has the same keys in English and Chinese', () => {
    expect(Object.keys(managerZhCN).sort()).toEqual([...keys].sort());
  });

  it('uses the same {placeholders} in both languages', () => {
    expect(keys.filter((k) => placeholders(managerEn[k]).join() !== placeholders(managerZhCN[k]).join())).toEqual([]);
  });

  it('has no empty or untrimmed text', () => {
    const bad = keys.filter((k) => [managerEn[k], managerZhCN[k]].some((text) => text.trim() === '' || text !== text.trim()));
    expect(bad).toEqual([]);
  });

  it('translates the Chinese strings (no English sentence left by mistake)', () => {
    expect(keys.filter((k) => managerZhCN[k] === managerEn[k] && /[a-z]{3,} [a-z]{3,}/i.test(managerEn[k]))).toEqual([]);
  });

  it('can be merged into the shell dictionary without replacing one of its strings', () => {
    expect(keys.filter((k) => !k.startsWith('mgr.'))).toEqual([]);
    expect(keys.filter((k) => k in shellEn)).toEqual([]);
    // ...and t() (the shell's tables) takes every panel key with the same text.
    expect(keys.filter((k) => (en as Record<string, string>)[k] !== managerEn[k])).toEqual([]);
  });

  it('is what t() shows, placeholders filled, in either language', () => {
    expect(translate('en', 'mgr.reports.zDone', { no: 12 })).toBe('Day closed: Z 12.');
    expect(translate('zh-CN', 'mgr.reports.zDone', { no: 12 })).toBe('已日结：Z 12。');
    expect(translate('en', 'mgr.reports.zDone')).toBe('Day closed: Z {no}.');
  });
});
