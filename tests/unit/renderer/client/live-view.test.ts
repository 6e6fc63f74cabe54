import { describe, expect, it } from 'vitest';
import { LiveView } from '../../../../src/renderer/client/live-view.ts';

describe('LiveView: newest view wins', () => {
  it('applies a reply when no event came since its request', () => {
    const shown: string[] = [];
    const v = new LiveView<string>((x) => shown.push(x));
    const token = v.begin();
    expect(v.reply(token, 'reply')).toBe(true);
    expect(v.value).toBe('reply');
    expect(shown).toEqual(['reply']);
  });

  it('drops a reply that trails an event pushed after the request (the event is newer)', () => {
    const shown: string[] = [];
    const v = new LiveView<string>((x) => shown.push(x));
    const token = v.begin();
    v.event('lookup finished');
    expect(v.reply(token, 'lookup running')).toBe(false);
    expect(v.value).toBe('lookup finished');
    expect(shown).toEqual(['lookup finished']);
  });

  it('tracks overlapping requests separately', () => {
    const v = new LiveView<number>(() => {});
    const first = v.begin();
    const second = v.begin();
    expect(v.reply(second, 2)).toBe(true);
    expect(v.reply(first, 1)).toBe(true);
    v.event(3);
    const third = v.begin();
    v.event(4);
    expect(v.reply(third, 99)).toBe(false);
    expect(v.value).toBe(4);
  });
});
