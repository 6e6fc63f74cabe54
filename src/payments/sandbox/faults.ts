// Fault injection for the sandbox gateway: what a flaky network or a struggling Alipay does to
// a terminal, on demand and repeatably. A rule names the calls it applies to and when it
// fires; the gateway asks `next(method)` once per call and acts out the fault.
//
// Faults (`kind`):
//   latency            the answer comes `ms` late (after the ledger commit by default, which is
//                      the dangerous case: the client gives up, the trade is done anyway;
//                      `beforeCommit: true` waits first and then does the work)
//   unavailable        code 20000 isp.unknow-error (WeChat: SYSTEMERROR)
//   system-error       40004 ACQ.SYSTEM_ERROR (WeChat: SYSTEMERROR); both do nothing unless
//                      `afterCommit: true`, which does the work and then answers the error
//   drop-after-commit  the work is committed, then the connection is destroyed unanswered
//   reset              the connection is destroyed before anything is read or done
//   html               an HTML error page (HTTP 502 unless `status` says otherwise), nothing done
//   tampered-signature the work is done and answered, under a signature that does not match
// Methods: Alipay method names ("alipay.trade.pay"), WeChat ones ("wechat.micropay",
// "wechat.orderquery", "wechat.reverse", "wechat.refund", "wechat.refundquery"), a prefix
// ending in "*" ("alipay.trade.*"), or "*" for every call.
// When: exactly one of `count` (the next N matching calls), `every` (every Nth matching call,
// counted from when the rule was added) or `probability` (0–1, drawn from a mulberry32 RNG
// seeded with `seed`, default 1, so a run repeats exactly).
//
// Decisions: rules are tried in the order they were added and the first that fires wins; every
// matching rule counts the call either way. A `count` rule is removed once spent. The RNG is
// src/shared/seeded-random.ts.

import { seededRandom } from '../../shared/seeded-random.ts';

export const FAULT_KINDS = ['latency', 'unavailable', 'system-error', 'drop-after-commit', 'reset', 'html', 'tampered-signature'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  readonly kind: FaultKind;
  /** latency: how long, in ms. */
  readonly ms?: number;
  /** latency: wait before doing the work instead of after. */
  readonly beforeCommit?: boolean;
  /** unavailable / system-error: do the work, then answer the error. */
  readonly afterCommit?: boolean;
  /** html: the HTTP status of the page (default 502). */
  readonly status?: number;
}

export interface FaultRuleInput {
  readonly method: string;
  readonly fault: Fault;
  readonly count?: number;
  readonly every?: number;
  readonly probability?: number;
  readonly seed?: number;
}

export interface FaultRule {
  readonly id: number;
  readonly method: string;
  readonly fault: Fault;
  readonly count: number | null;
  readonly every: number | null;
  readonly probability: number | null;
  readonly seed: number | null;
  /** Matching calls seen since the rule was added. */
  readonly seen: number;
  /** Times it fired. */
  readonly fired: number;
}

export class FaultRuleError extends Error {
  override name = 'FaultRuleError';
}

interface LiveRule {
  rule: FaultRule;
  remaining: number | null;
  seen: number;
  fired: number;
  readonly rng: (() => number) | null;
}

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

function checkFault(fault: unknown): Fault {
  if (fault === null || typeof fault !== 'object') throw new FaultRuleError(`"fault" must be an object such as {"kind":"reset"}, got ${JSON.stringify(fault)}`);
  const f = fault as Record<string, unknown>;
  if (typeof f.kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(f.kind)) {
    throw new FaultRuleError(`"fault.kind" must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(f.kind)}`);
  }
  const kind = f.kind as FaultKind;
  if (kind === 'latency') {
    if (typeof f.ms !== 'number' || !Number.isInteger(f.ms) || f.ms < 0 || f.ms > 600_000) throw new FaultRuleError(`a latency fault needs "ms", a whole number 0–600000, got ${JSON.stringify(f.ms)}`);
  } else if (f.ms !== undefined) throw new FaultRuleError(`"ms" only applies to latency faults`);
  for (const flag of ['beforeCommit', 'afterCommit'] as const) {
    if (f[flag] !== undefined && typeof f[flag] !== 'boolean') throw new FaultRuleError(`"${flag}" must be true or false`);
  }
  if (f.beforeCommit !== undefined && kind !== 'latency') throw new FaultRuleError(`"beforeCommit" only applies to latency faults`);
  if (f.afterCommit !== undefined && kind !== 'unavailable' && kind !== 'system-error') throw new FaultRuleError(`"afterCommit" only applies to unavailable and system-error faults`);
  if (f.status !== undefined) {
    if (kind !== 'html') throw new FaultRuleError(`"status" only applies to html faults`);
    if (typeof f.status !== 'number' || !Number.isInteger(f.status) || f.status < 200 || f.status > 599) throw new FaultRuleError(`"status" must be an HTTP status 200–599, got ${JSON.stringify(f.status)}`);
  }
  const out: { -readonly [K in keyof Fault]: Fault[K] } = { kind };
  if (typeof f.ms === 'number') out.ms = f.ms;
  if (typeof f.beforeCommit === 'boolean') out.beforeCommit = f.beforeCommit;
  if (typeof f.afterCommit === 'boolean') out.afterCommit = f.afterCommit;
  if (typeof f.status === 'number') out.status = f.status;
  return out;
}

function matches(pattern: string, method: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? method.startsWith(pattern.slice(0, -1)) : pattern === method;
}

export class FaultInjector {
  private rules: LiveRule[] = [];
  private nextId = 1;

  /** Adds a rule after checking it; throws FaultRuleError naming what is wrong. */
  add(input: FaultRuleInput): FaultRule {
    const i = input as unknown as Record<string, unknown>;
    if (typeof i.method !== 'string' || i.method.trim() === '') throw new FaultRuleError(`"method" must name a method such as "alipay.trade.pay", a prefix ending in "*", or "*"`);
    const fault = checkFault(i.fault);
    const whens = (['count', 'every', 'probability'] as const).filter((k) => i[k] !== undefined);
    if (whens.length !== 1) throw new FaultRuleError(`give exactly one of "count", "every" or "probability", got ${whens.length === 0 ? 'none' : whens.join(' and ')}`);
    if (i.count !== undefined && !isPositiveInt(i.count)) throw new FaultRuleError(`"count" must be a whole number ≥ 1, got ${JSON.stringify(i.count)}`);
    if (i.every !== undefined && !isPositiveInt(i.every)) throw new FaultRuleError(`"every" must be a whole number ≥ 1, got ${JSON.stringify(i.every)}`);
    if (i.probability !== undefined && (typeof i.probability !== 'number' || !(i.probability >= 0 && i.probability <= 1))) {
      throw new FaultRuleError(`"probability" must be a number from 0 to 1, got ${JSON.stringify(i.probability)}`);
    }
    if (i.seed !== undefined && (typeof i.seed !== 'number' || !Number.isSafeInteger(i.seed))) throw new FaultRuleError(`"seed" must be a whole number, got ${JSON.stringify(i.seed)}`);
    if (i.seed !== undefined && i.probability === undefined) throw new FaultRuleError(`"seed" only applies with "probability"`);
    const rule: FaultRule = {
      id: this.nextId++,
      method: i.method,
      fault,
      count: (i.count as number | undefined) ?? null,
      every: (i.every as number | undefined) ?? null,
      probability: (i.probability as number | undefined) ?? null,
      seed: i.probability === undefined ? null : ((i.seed as number | undefined) ?? 1),
      seen: 0,
      fired: 0,
    };
    this.rules.push({ rule, remaining: rule.count, seen: 0, fired: 0, rng: rule.seed === null ? null : seededRandom(rule.seed) });
    return rule;
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.rule.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r.rule, count: r.remaining, seen: r.seen, fired: r.fired }));
  }

  /** The fault to act out on this call of `method`, or null. Counts the call on every matching rule. */
  next(method: string): Fault | null {
    let chosen: Fault | null = null;
    for (const r of this.rules) {
      if (!matches(r.rule.method, method)) continue;
      r.seen += 1;
      if (chosen !== null) continue;
      let fires: boolean;
      if (r.remaining !== null) fires = r.remaining > 0;
      else if (r.rule.every !== null) fires = r.seen % r.rule.every === 0;
      else fires = (r.rng?.() ?? 1) < (r.rule.probability ?? 0);
      if (!fires) continue;
      r.fired += 1;
      if (r.remaining !== null) r.remaining -= 1;
      chosen = r.rule.fault;
    }
    this.rules = this.rules.filter((r) => r.remaining === null || r.remaining > 0);
    return chosen;
  }
}
