import { describe, expect, it } from 'vitest';
import { isPrintableKey, KeyRouter, type KeyStep } from '../../../../src/renderer/input/key-router.ts';

/** Replays keys through a router into a text field model, as the page glue does. */
function simulate(keys: { key: string; at: number; ctrl?: boolean; composing?: boolean }[], flushAt?: number) {
  const router = new KeyRouter();
  let field = '';
  const scans: string[] = [];
  const passed: string[] = [];
  for (const k of keys) {
    const step: KeyStep = router.keydown({ key: k.key, timeMs: k.at, ctrlKey: k.ctrl ?? false, isComposing: k.composing ?? false });
    field += step.insert;
    if (step.scan !== null) scans.push(step.scan);
    if (!step.preventDefault) {
      passed.push(k.key);
      if (isPrintableKey(k.key)) field += k.key; // the browser types it
    }
  }
  if (flushAt !== undefined) field += router.flush(flushAt);
  return { field, scans, passed };
}

const burst = (text: string, start: number, gap: number) => [...text].map((key, i) => ({ key, at: start + i * gap }));

describe('keys on the cashier screen', () => {
  it('turns a scanner burst into a scan and leaves the focused field untouched', () => {
    const r = simulate([...burst('6900000000007', 1000, 8), { key: 'Enter', at: 1000 + 13 * 8 }], 5000);
    expect(r).toEqual({ field: '', scans: ['6900000000007'], passed: [] });
  });

  it('lands a scan in the middle of typing without mixing them', () => {
    const typed = [...burst('te', 0, 150)];
    const scan = [...burst('6900000000021', 600, 10), { key: 'Enter', at: 730 }];
    const r = simulate([...typed, ...scan, ...burst('a', 1200, 150)], 9000);
    expect(r.scans).toEqual(['6900000000021']);
    expect(r.field).toBe('tea');
  });

  it('types slow keys into the field in order, and lets Enter through after them', () => {
    const r = simulate([...burst('cola', 0, 120), { key: 'Enter', at: 600 }]);
    expect(r.field).toBe('cola');
    expect(r.scans).toEqual([]);
    expect(r.passed).toEqual(['Enter']);
  });

  it('inserts held keys before Backspace, arrows and F-keys act', () => {
    const router = new KeyRouter();
    router.keydown({ key: '1', timeMs: 0 });
    expect(router.keydown({ key: 'Backspace', timeMs: 20 })).toEqual({ insert: '1', scan: null, preventDefault: false, stop: false });
    router.keydown({ key: '2', timeMs: 100 });
    expect(router.keydown({ key: 'F12', timeMs: 110 })).toMatchObject({ insert: '2', preventDefault: false });
  });

  it('leaves Ctrl/Alt/Meta keys and IME composition alone, releasing what was held first', () => {
    const router = new KeyRouter();
    router.keydown({ key: 'x', timeMs: 0 });
    expect(router.keydown({ key: 'v', timeMs: 10, ctrlKey: true })).toEqual({ insert: 'x', scan: null, preventDefault: false, stop: false });
    router.keydown({ key: 'y', timeMs: 100 });
    expect(router.keydown({ key: 'Process', timeMs: 105 })).toMatchObject({ insert: 'y', preventDefault: false });
    expect(router.keydown({ key: 'a', timeMs: 110, isComposing: true })).toMatchObject({ insert: '', preventDefault: false });
  });

  it('hands typed keys back on flush once no scan can follow, not before', () => {
    const router = new KeyRouter();
    router.keydown({ key: '4', timeMs: 0 });
    router.keydown({ key: '2', timeMs: 10 });
    expect(router.flush(40)).toBe('');
    expect(router.flush(61)).toBe('42');
    expect(router.flush(500)).toBe('');
  });

  it('gives held keys back when focus moves', () => {
    const router = new KeyRouter();
    router.keydown({ key: 'a', timeMs: 0 });
    expect(router.release()).toBe('a');
    expect(router.release()).toBe('');
  });

  it('types a held-down key (auto-repeat) at once', () => {
    const router = new KeyRouter();
    router.keydown({ key: '0', timeMs: 0 });
    expect(router.keydown({ key: '0', timeMs: 30, repeat: true })).toEqual({ insert: '00', scan: null, preventDefault: true, stop: false });
  });

  it('knows printable keys from named ones', () => {
    expect(['a', '7', ' ', '€', '中'].every(isPrintableKey)).toBe(true);
    expect(['Enter', 'F1', 'Shift', 'Process', '', '\u0007'].some(isPrintableKey)).toBe(false);
  });
});
