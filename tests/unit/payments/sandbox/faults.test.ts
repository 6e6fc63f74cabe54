// Fault rules: which calls they hit (method names, prefixes, "*"), when (next N, every Nth, a
// seeded probability that repeats exactly), and the clear errors for rules that make no sense.
import { describe, expect, it } from 'vitest';
import { FaultInjector, FaultRuleError } from '../../../../src/payments/sandbox/faults.ts';
import type { FaultRuleInput } from '../../../../src/payments/sandbox/faults.ts';

const kinds = (f: FaultInjector, method: string, n: number) => Array.from({ length: n }, () => f.next(method)?.kind ?? null);

describe('FaultInjector', () => {
  it('count: fires on the next N matching calls only, then the rule is gone', () => {
    const f = new FaultInjector();
    f.add({ method: 'alipay.trade.pay', fault: { kind: 'reset' }, count: 2 });
    expect(f.next('alipay.trade.query')).toBeNull();
    expect(kinds(f, 'alipay.trade.pay', 3)).toEqual(['reset', 'reset', null]);
    expect(f.list()).toEqual([]);
  });

  it('every: fires on every Nth matching call', () => {
    const f = new FaultInjector();
    f.add({ method: 'alipay.trade.*', fault: { kind: 'unavailable' }, every: 3 });
    expect(kinds(f, 'alipay.trade.query', 7)).toEqual([null, null, 'unavailable', null, null, 'unavailable', null]);
    expect(f.next('wechat.micropay')).toBeNull();
    expect(f.list()[0]).toMatchObject({ seen: 7, fired: 2, every: 3 });
  });

  it('probability: the same seed gives the same calls, about p of them', () => {
    const run = (seed: number) => {
      const f = new FaultInjector();
      f.add({ method: '*', fault: { kind: 'system-error', afterCommit: true }, probability: 0.3, seed });
      return kinds(f, 'wechat.micropay', 1_000);
    };
    const a = run(42);
    expect(run(42)).toEqual(a);
    expect(run(43)).not.toEqual(a);
    const hits = a.filter((k) => k !== null).length;
    expect(hits).toBeGreaterThan(240);
    expect(hits).toBeLessThan(360);
  });

  it('the first rule that fires wins; the others still count the call', () => {
    const f = new FaultInjector();
    f.add({ method: '*', fault: { kind: 'html' }, count: 1 });
    f.add({ method: '*', fault: { kind: 'latency', ms: 10 }, every: 2 });
    expect(kinds(f, 'alipay.trade.pay', 4)).toEqual(['html', 'latency', null, 'latency']);
  });

  it('remove and clear', () => {
    const f = new FaultInjector();
    const a = f.add({ method: '*', fault: { kind: 'reset' }, every: 1 });
    f.add({ method: '*', fault: { kind: 'html' }, every: 1 });
    expect(f.remove(a.id)).toBe(true);
    expect(f.remove(a.id)).toBe(false);
    expect(f.next('x')?.kind).toBe('html');
    f.clear();
    expect(f.next('x')).toBeNull();
  });

  it('refuses rules that make no sense, naming the field', () => {
    const f = new FaultInjector();
    const bad = (rule: unknown) => () => f.add(rule as FaultRuleInput);
    expect(bad({ fault: { kind: 'reset' }, count: 1 })).toThrow(/"method"/);
    expect(bad({ method: '*', fault: { kind: 'explode' }, count: 1 })).toThrow(/"fault.kind" must be one of latency, unavailable/);
    expect(bad({ method: '*', fault: { kind: 'latency' }, count: 1 })).toThrow(/needs "ms"/);
    expect(bad({ method: '*', fault: { kind: 'reset', ms: 5 }, count: 1 })).toThrow(/"ms" only applies/);
    expect(bad({ method: '*', fault: { kind: 'reset', afterCommit: true }, count: 1 })).toThrow(/"afterCommit" only applies/);
    expect(bad({ method: '*', fault: { kind: 'reset' } })).toThrow(/exactly one of "count", "every" or "probability", got none/);
    expect(bad({ method: '*', fault: { kind: 'reset' }, count: 1, every: 2 })).toThrow(/got count and every/);
    expect(bad({ method: '*', fault: { kind: 'reset' }, count: 0 })).toThrow(/"count" must be a whole number ≥ 1/);
    expect(bad({ method: '*', fault: { kind: 'reset' }, probability: 1.5 })).toThrow(/"probability" must be a number from 0 to 1/);
    expect(bad({ method: '*', fault: { kind: 'reset' }, every: 2, seed: 3 })).toThrow(/"seed" only applies/);
    expect(bad({ method: '*', fault: { kind: 'html', status: 99 }, count: 1 })).toThrow(/HTTP status/);
    expect(FaultRuleError.name).toBe('FaultRuleError');
    expect(f.list()).toEqual([]);
  });
});
