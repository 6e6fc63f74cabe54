import { describe, expect, it } from 'vitest';
import type { Notice } from '../../../src/shared/api.ts';
import { addNotice, dismissAll, dismissNotice, emptyNotices, ERROR_TTL_MS, expireNotices, INFO_TTL_MS, MAX_NOTICES, nextExpiry, notRepeating, WARNING_TTL_MS } from '../../../src/renderer/notices.ts';

const n = (message: string, level: Notice['level'] = 'warning'): Notice => ({ level, message, at: '2025-01-01T00:00:00Z' });

describe('notices on screen', () => {
  it('shows the newest first and lets each go by itself, info soonest', () => {
    let list = addNotice(emptyNotices, n('paper near end', 'warning'), 0);
    list = addNotice(list, n('paid with Alipay', 'info'), 1000);
    list = addNotice(list, n('paper out', 'error'), 2000);
    expect(list.items.map((x) => x.message)).toEqual(['paper out', 'paid with Alipay', 'paper near end']);
    expect(nextExpiry(list)).toBe(1000 + INFO_TTL_MS);
    expect(expireNotices(list, 1000 + INFO_TTL_MS).items.map((x) => x.message)).toEqual(['paper out', 'paper near end']);
    expect(expireNotices(list, WARNING_TTL_MS).items.map((x) => x.message)).toEqual(['paper out']);
    expect(expireNotices(list, 2000 + ERROR_TTL_MS).items).toEqual([]);
  });

  it('counts a repeated message instead of stacking it, and moves it to the top', () => {
    let list = addNotice(emptyNotices, n('drawer left open'), 0);
    list = addNotice(list, n('scanner reconnecting'), 10);
    list = addNotice(list, n('drawer left open'), 20);
    expect(list.items.map((x) => [x.message, x.count])).toEqual([
      ['drawer left open', 2],
      ['scanner reconnecting', 1],
    ]);
    expect(list.items[0]?.expiresAt).toBe(20 + WARNING_TTL_MS);
  });

  it(`keeps at most ${MAX_NOTICES}, dropping info before warnings and errors`, () => {
    let list = addNotice(emptyNotices, n('info a', 'info'), 0);
    for (let i = 0; i < MAX_NOTICES; i++) list = addNotice(list, n(`error ${i}`, 'error'), i + 1);
    expect(list.items).toHaveLength(MAX_NOTICES);
    expect(list.items.some((x) => x.level === 'info')).toBe(false);
    list = addNotice(list, n('error new', 'error'), 100);
    expect(list.items.map((x) => x.message)).toEqual(['error new', `error ${MAX_NOTICES - 1}`, `error ${MAX_NOTICES - 2}`]);
  });

  it('dismisses one or all', () => {
    let list = addNotice(addNotice(emptyNotices, n('a'), 0), n('b'), 0);
    const a = list.items.find((x) => x.message === 'a');
    list = dismissNotice(list, a?.id ?? -1);
    expect(list.items.map((x) => x.message)).toEqual(['b']);
    expect(dismissNotice(list, 999)).toBe(list);
    expect(dismissAll(list).items).toEqual([]);
    expect(nextExpiry(dismissAll(list))).toBeNull();
  });

  it('leaves out a notice that repeats a message already on screen', () => {
    const list = addNotice(addNotice(emptyNotices, n('Alipay: QR payment stopped and closed: nothing was charged'), 0), n('the printer is ready again', 'info'), 0);
    expect(notRepeating(list.items, ['QR payment stopped and closed: nothing was charged', null]).map((x) => x.message)).toEqual(['the printer is ready again']);
    expect(notRepeating(list.items, [null, '']).length).toBe(2);
  });
});
