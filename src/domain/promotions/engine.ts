// The promotion engine: given the cart's lines, the local time, whether a member is identified
// and the store's promotions, it picks the combination of promotions that is best for the
// customer under the stacking rules, and says what each one takes off which line and the
// basket. Pure and synchronous (it runs on every cart change). Hand-written: no library models
// retail stacking rules over integer minor units; the search is specific to these rules.
//
// Decisions a caller must know:
// - Amounts are integer minor units. Every percentage and per-kg amount is rounded HALF AWAY
//   FROM ZERO (the rule of tax.ts/money.ts), ONCE per promotion and pool (see below), never per
//   unit; a promotion's discount over several lines is shared out by largest remainder in
//   proportion to what each line had left (ties to the canonical order), like the basket
//   discount in cart.ts. A discount never takes a line (or the basket) below zero.
// - Pools: `each` lines of the same SKU, department and unit price whose gross is exactly
//   price × items are one pool, so splitting a quantity over several lines or scanning in
//   another order cannot change any total. Other lines (weighed, price-embedded) are pools
//   of their own and do not take part in buy_get / n_for_price (which count whole units).
// - Order of application (a "phase" each, then priority high→low, then id):
//     0 mix and match (buy_get, n_for_price) on catalog unit prices; a unit used in one deal
//       (bought or discounted) is not used by another;
//     1 fixed_price (member prices) on what is left; 2 percent_off / amount_off on lines;
//     3 spend_get on items/departments; 4 basket promotions on what the lines left, in the
//       same order. Thresholds are measured on what is left when they apply.
// - Choosing (best for the customer, deterministic): candidates are the promotions in their
//   window, allowed for this customer, whose target is on the cart and which alone give a
//   discount (a promotion never gives more in company than alone, so the rest are pruned).
//   Exclusive ones are only ever tried alone. Stackable line-level ones are split into
//   components (promotions that share a pool or a group); each component is searched
//   EXACTLY when it has at most EXACT_LIMIT combinations (at most one per group), else
//   GREEDILY: best alone first, each kept when it raises the total, a trial re-applying only
//   the promotions its change can reach (IncrementalLines), so a dense cart (hundreds of
//   candidates on 100 lines) stays within the 5 ms budget. Basket promotions are searched the
//   same way on what the lines left. Then the winner is the best of: best lines + best
//   basket; best basket alone; every single promotion alone. So the result is never worse
//   than any single applicable promotion, and `search.exact` says whether every part was
//   searched exhaustively. Ties: fewer promotions, then the more preferred promotions
//   (priority high→low, then id).
// - Input lines are the sale's non-void lines; `gross` is what promotions may take from (pass
//   gross less a manual line discount if that is the store's rule). Results list lines in
//   lineNo order, whatever the input order.
import type { Unit } from '../product.ts';
import { minutesOf } from './promotion.ts';
import type { Promotion } from './promotion.ts';

export class PromotionError extends Error {
  override name = 'PromotionError';
}

export interface PromotionLine {
  readonly lineNo: number;
  readonly sku: string;
  readonly department: string;
  /** Per item or per kg, minor units. */
  readonly unitPrice: number;
  /** Items × 1000 for `each`, grams for `kg`. */
  readonly quantityMilli: number;
  readonly unit: Unit;
  /** The line amount promotions may discount. */
  readonly gross: number;
}

/** The terminal's local wall-clock time. */
export interface LocalDateTime {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  /** 1–31 */
  readonly day: number;
  /** 0–23 */
  readonly hour: number;
  /** 0–59 */
  readonly minute: number;
}

export interface PromotionInput {
  readonly lines: readonly PromotionLine[];
  readonly at: LocalDateTime;
  readonly member: boolean;
  /** Promotions as checked by `promotionSchema`. */
  readonly promotions: readonly Promotion[];
}

export interface AppliedDiscount {
  readonly promotionId: string;
  /** The promotion's name, as shown on the cart line, receipt and customer display. */
  readonly label: string;
  /** Positive minor units taken off. */
  readonly amount: number;
}

export interface LinePromotions {
  readonly lineNo: number;
  /** In order of application. */
  readonly discounts: readonly AppliedDiscount[];
  /** Σ discounts.amount, never above the line's gross. */
  readonly discount: number;
}

export interface PromotionResult {
  /** One entry per input line, in lineNo order. */
  readonly lines: readonly LinePromotions[];
  /** Basket-level promotions in order of application (to be shared out like a basket discount). */
  readonly basket: readonly AppliedDiscount[];
  readonly lineDiscount: number;
  readonly basketDiscount: number;
  readonly totalDiscount: number;
  /** Ids of the promotions that took something off, sorted. */
  readonly applied: readonly string[];
  readonly search: {
    /** Promotions that could apply (after pruning). */
    readonly candidates: number;
    /** Line-level components searched. */
    readonly components: number;
    /** Every component and the basket were searched exhaustively. */
    readonly exact: boolean;
  };
}

/** Most combinations searched exhaustively in one component (or the basket); above: greedy. */
export const EXACT_LIMIT = 256;

// ---------------------------------------------------------------------------------------------
// Integer helpers

/** round(a × b / c) half away from zero, for a, b ≥ 0 and c > 0; exact beyond 2^53 via BigInt. */
function mulDivRound(a: number, b: number, c: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) {
    const q = Math.floor(p / c);
    return (p - q * c) * 2 >= c ? q + 1 : q;
  }
  const bp = BigInt(a) * BigInt(b);
  const bc = BigInt(c);
  const q = bp / bc;
  return Number((bp - q * bc) * 2n >= bc ? q + 1n : q);
}

/** Scratch space for `allocateInto` (grown on demand; the engine is synchronous). */
let scratchRem = new Float64Array(64);

/**
 * Splits `total` (≤ Σ weights) over the first `n` weights by largest remainder, ties to the
 * lower index, into `out`. Each share is ≤ its weight. Allocation-free: it runs in the search's
 * inner loop.
 */
function allocateInto(total: number, weights: ArrayLike<number>, n: number, out: Float64Array | number[]): void {
  if (n === 1) {
    out[0] = total;
    return;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i] ?? 0;
  if (sum === 0 || total === 0) {
    for (let i = 0; i < n; i++) out[i] = 0;
    return;
  }
  if (scratchRem.length < n) scratchRem = new Float64Array(Math.max(n, scratchRem.length * 2));
  const rems = scratchRem;
  const safe = Number.isSafeInteger(total * sum);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] ?? 0;
    let q: number;
    let r: number;
    if (safe) {
      q = Math.floor((total * w) / sum);
      r = total * w - q * sum;
    } else {
      const bp = BigInt(total) * BigInt(w);
      const bq = bp / BigInt(sum);
      q = Number(bq);
      r = Number(bp - bq * BigInt(sum)); // < sum, a safe integer
    }
    out[i] = q;
    rems[i] = r;
    given += q;
  }
  // Fewer than n units are left; hand them out one by one to the largest remainders.
  for (let left = total - given; left > 0; left--) {
    let best = -1;
    let bestR = 0;
    for (let i = 0; i < n; i++) {
      const r = rems[i] ?? 0;
      if (r > bestR) {
        best = i;
        bestR = r;
      }
    }
    if (best < 0) break;
    out[best] = (out[best] ?? 0) + 1;
    rems[best] = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Pools

interface Pools {
  readonly n: number;
  readonly gross: Float64Array;
  /** Whole items for a mix-and-match pool, 0 otherwise. */
  readonly units: Float64Array;
  readonly unitPrice: Float64Array;
  readonly qty: Float64Array;
  /** Input line indices per pool, by lineNo. */
  readonly lines: readonly (readonly number[])[];
  readonly bySku: ReadonlyMap<string, readonly number[]>;
  readonly byDepartment: ReadonlyMap<string, readonly number[]>;
  readonly totalGross: number;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkLines(lines: readonly PromotionLine[]): void {
  const seen = new Set<number>();
  for (const l of lines) {
    const where = `line ${String(l.lineNo)}`;
    if (!Number.isSafeInteger(l.lineNo)) throw new PromotionError(`line number ${String(l.lineNo)} is not a whole number`);
    if (seen.has(l.lineNo)) throw new PromotionError(`${where} appears twice in the promotion input`);
    seen.add(l.lineNo);
    if (l.unit !== 'each' && l.unit !== 'kg') throw new PromotionError(`${where}: unit "${String(l.unit)}" is not each or kg`);
    for (const [name, v] of [
      ['unit price', l.unitPrice],
      ['gross', l.gross],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new PromotionError(`${where}: ${name} ${String(v)} is not a whole number of minor units ≥ 0`);
    }
    if (!Number.isSafeInteger(l.quantityMilli) || l.quantityMilli <= 0) {
      throw new PromotionError(`${where}: quantity ${String(l.quantityMilli)} is not a positive whole number (items × 1000 or grams)`);
    }
  }
}

function buildPools(lines: readonly PromotionLine[]): Pools {
  checkLines(lines);
  interface Draft {
    sku: string;
    department: string;
    unit: Unit;
    unitPrice: number;
    mix: boolean;
    qty: number;
    gross: number;
    lines: number[];
  }
  const byKey = new Map<string, Draft>();
  const drafts: Draft[] = [];
  lines.forEach((l, i) => {
    const mix = l.unit === 'each' && l.quantityMilli % 1000 === 0 && l.unitPrice * (l.quantityMilli / 1000) === l.gross;
    const k = mix ? `${l.sku}\u0000${l.department}\u0000${l.unitPrice}` : null;
    const found = k === null ? undefined : byKey.get(k);
    if (found) {
      found.qty += l.quantityMilli;
      found.gross += l.gross;
      found.lines.push(i);
      return;
    }
    const d: Draft = { sku: l.sku, department: l.department, unit: l.unit, unitPrice: l.unitPrice, mix, qty: l.quantityMilli, gross: l.gross, lines: [i] };
    drafts.push(d);
    if (k !== null) byKey.set(k, d);
  });
  const lineNo = (i: number) => lines[i]?.lineNo ?? 0;
  for (const d of drafts) d.lines.sort((a, b) => lineNo(a) - lineNo(b));
  // Canonical order: what the goods are, never where they were scanned (lineNo only as the
  // last resort between lines that are identical in every figure).
  drafts.sort(
    (a, b) =>
      cmpStr(a.sku, b.sku) ||
      cmpStr(a.department, b.department) ||
      cmpStr(a.unit, b.unit) ||
      a.unitPrice - b.unitPrice ||
      Number(b.mix) - Number(a.mix) ||
      a.qty - b.qty ||
      a.gross - b.gross ||
      lineNo(a.lines[0] ?? 0) - lineNo(b.lines[0] ?? 0),
  );
  const n = drafts.length;
  const gross = new Float64Array(n);
  const units = new Float64Array(n);
  const unitPrice = new Float64Array(n);
  const qty = new Float64Array(n);
  const bySku = new Map<string, number[]>();
  const byDepartment = new Map<string, number[]>();
  let totalGross = 0;
  drafts.forEach((d, p) => {
    gross[p] = d.gross;
    units[p] = d.mix ? d.qty / 1000 : 0;
    unitPrice[p] = d.unitPrice;
    qty[p] = d.qty;
    totalGross += d.gross;
    const s = bySku.get(d.sku);
    if (s) s.push(p);
    else bySku.set(d.sku, [p]);
    const dp = byDepartment.get(d.department);
    if (dp) dp.push(p);
    else byDepartment.set(d.department, [p]);
  });
  if (!Number.isSafeInteger(totalGross)) throw new PromotionError('the cart total is too large to compute exactly');
  return { n, gross, units, unitPrice, qty, lines: drafts.map((d) => d.lines), bySku, byDepartment, totalGross };
}

// ---------------------------------------------------------------------------------------------
// Windows

interface Clock {
  readonly weekday: number;
  readonly minute: number;
  readonly date: string;
}

function clockOf(at: LocalDateTime): Clock {
  const { year, month, day, hour, minute } = at;
  const ok =
    Number.isInteger(year) && year >= 1970 && year <= 9999 &&
    Number.isInteger(month) && month >= 1 && month <= 12 &&
    Number.isInteger(day) && day >= 1 && day <= 31 &&
    Number.isInteger(hour) && hour >= 0 && hour <= 23 &&
    Number.isInteger(minute) && minute >= 0 && minute <= 59;
  const js = ok ? new Date(Date.UTC(year, month - 1, day)) : null;
  if (!js || js.getUTCDate() !== day) {
    throw new PromotionError(`local time ${JSON.stringify(at)} is not a real date and time (year, month 1–12, day, hour 0–23, minute 0–59)`);
  }
  const pad = (v: number, w: number) => String(v).padStart(w, '0');
  return { weekday: ((js.getUTCDay() + 6) % 7) + 1, minute: hour * 60 + minute, date: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` };
}

function inWindow(p: Promotion, c: Clock): boolean {
  const w = p.window;
  if (w.from !== null && c.date < w.from) return false;
  if (w.until !== null && c.date > w.until) return false;
  if (w.weekdays !== null && !w.weekdays.includes(c.weekday)) return false;
  if (w.hours.length === 0) return true;
  for (const r of w.hours) if (c.minute >= minutesOf(r.start) && c.minute < minutesOf(r.end)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Candidates and their application

interface Candidate {
  readonly p: Promotion;
  readonly phase: number;
  /** Global application rank (phase, priority high→low, id). */
  rank: number;
  /** Preference for ties (priority high→low, id). */
  pref: number;
  /** Target pools in canonical order (line-level only). */
  readonly pools: readonly number[];
  /** Mix-and-match pools, most expensive unit first. */
  readonly mixPools: readonly number[];
  readonly basket: boolean;
  alone: number;
}

function phaseOf(p: Promotion): number {
  if (p.target.kind === 'basket') return 4;
  switch (p.kind) {
    case 'buy_get':
    case 'n_for_price':
      return 0;
    case 'fixed_price':
      return 1;
    case 'percent_off':
    case 'amount_off':
      return 2;
    case 'spend_get':
      return 3;
  }
}

/** Where a discount went: `pool` −1 is the basket. */
type Sink = (pool: number, amount: number) => void;

/** Mutable evaluation state: what each pool has left, its units not used by a deal, the basket. */
interface State {
  readonly rem: Float64Array;
  readonly free: Float64Array;
  basketLeft: number;
}

class Evaluator {
  #w = new Float64Array(64);
  #out = new Float64Array(64);
  #acc = new Float64Array(64);
  #used = new Float64Array(64);
  #partI = new Int32Array(64);
  #partN = new Float64Array(64);

  constructor(private readonly pools: Pools) {}

  /** Takes `d` off the target pools in proportion to what they have left. */
  #share(d: number, targets: readonly number[], st: State, sink: Sink | null): void {
    const n = targets.length;
    if (this.#w.length < n) {
      this.#w = new Float64Array(n * 2);
      this.#out = new Float64Array(n * 2);
    }
    const w = this.#w;
    const out = this.#out;
    for (let i = 0; i < n; i++) w[i] = st.rem[targets[i] ?? 0] ?? 0;
    allocateInto(d, w, n, out);
    for (let i = 0; i < n; i++) {
      const s = out[i] ?? 0;
      if (s === 0) continue;
      const p = targets[i] ?? 0;
      st.rem[p] = (st.rem[p] ?? 0) - s;
      sink?.(p, s);
    }
  }

  #base(targets: readonly number[], st: State): number {
    let b = 0;
    for (const p of targets) b += st.rem[p] ?? 0;
    return b;
  }

  /** Applies one promotion to the state; returns what it took off. */
  apply(c: Candidate, st: State, sink: Sink | null): number {
    const p = c.p;
    if (c.basket) {
      const b = st.basketLeft;
      if (b <= 0) return 0;
      let d = 0;
      if (p.kind === 'percent_off') d = mulDivRound(b, p.percentBps, 10_000);
      else if (p.kind === 'amount_off') d = Math.min(p.amount, b);
      else if (p.kind === 'spend_get' && b >= p.minSpend) d = p.amount !== null ? Math.min(p.amount, b) : mulDivRound(b, p.percentBps ?? 0, 10_000);
      if (d > 0) {
        st.basketLeft = b - d;
        sink?.(-1, d);
      }
      return d;
    }
    switch (p.kind) {
      case 'percent_off': {
        const b = this.#base(c.pools, st);
        if (b <= 0) return 0;
        const d = mulDivRound(b, p.percentBps, 10_000);
        if (d > 0) this.#share(d, c.pools, st, sink);
        return d;
      }
      case 'spend_get': {
        const b = this.#base(c.pools, st);
        if (b <= 0 || b < p.minSpend) return 0;
        const d = p.amount !== null ? Math.min(p.amount, b) : mulDivRound(b, p.percentBps ?? 0, 10_000);
        if (d > 0) this.#share(d, c.pools, st, sink);
        return d;
      }
      case 'amount_off':
      case 'fixed_price': {
        let total = 0;
        for (const q of c.pools) {
          const left = st.rem[q] ?? 0;
          if (left <= 0) continue;
          const qty = this.pools.qty[q] ?? 0;
          const d =
            p.kind === 'amount_off'
              ? Math.min(left, mulDivRound(p.amount, qty, 1000))
              : Math.max(0, left - mulDivRound(p.price, qty, 1000));
          if (d <= 0) continue;
          st.rem[q] = left - d;
          total += d;
          sink?.(q, d);
        }
        return total;
      }
      case 'buy_get':
        return this.#buyGet(c, p.buy, p.get, p.percentBps, st, sink);
      case 'n_for_price':
        return this.#nForPrice(c, p.quantity, p.price, st, sink);
    }
  }

  #buyGet(c: Candidate, buy: number, get: number, bps: number, st: State, sink: Sink | null): number {
    const k = buy + get;
    let avail = 0;
    for (const q of c.mixPools) avail += st.free[q] ?? 0;
    const groups = Math.floor(avail / k);
    if (groups === 0) return 0;
    const limit = groups * k;
    // Units in [0, x) of the price-sorted run that are discounted (the last `get` of each k).
    const disc = (x: number) => Math.floor(x / k) * get + Math.max(0, (x % k) - buy);
    let pos = 0;
    let total = 0;
    for (const q of c.mixPools) {
      if (pos >= limit) break;
      const f = st.free[q] ?? 0;
      if (f <= 0) continue;
      const used = Math.min(f, limit - pos);
      const n = disc(pos + used) - disc(pos);
      pos += used;
      st.free[q] = f - used;
      if (n === 0) continue;
      const left = st.rem[q] ?? 0;
      const d = Math.min(left, mulDivRound(n * (this.pools.unitPrice[q] ?? 0), bps, 10_000));
      if (d <= 0) continue;
      st.rem[q] = left - d;
      total += d;
      sink?.(q, d);
    }
    return total;
  }

  #nForPrice(c: Candidate, n: number, price: number, st: State, sink: Sink | null): number {
    const mp = c.mixPools;
    const m = mp.length;
    if (this.#acc.length < m) {
      this.#acc = new Float64Array(m * 2);
      this.#used = new Float64Array(m * 2);
      this.#partI = new Int32Array(m * 2);
      this.#partN = new Float64Array(m * 2);
    }
    const acc = this.#acc;
    const used = this.#used;
    const partI = this.#partI;
    const partN = this.#partN;
    acc.fill(0, 0, m);
    used.fill(0, 0, m);
    const unitPrice = this.pools.unitPrice;
    // The current incomplete group: `parts` pools (positions in mp) with their unit counts.
    let parts = 0;
    let partUnits = 0;
    let partValue = 0;
    for (let i = 0; i < m; i++) {
      const q = mp[i] ?? 0;
      let f = st.free[q] ?? 0;
      if (f <= 0) continue;
      const unit = unitPrice[q] ?? 0;
      if (partUnits > 0) {
        const take = Math.min(f, n - partUnits);
        partI[parts] = i;
        partN[parts] = take;
        parts++;
        partUnits += take;
        partValue += take * unit;
        f -= take;
        if (partUnits < n) continue; // f is 0: the group waits for the next pool
        const d = partValue - price;
        if (d <= 0) break; // sorted most expensive first: no later group is worth more
        // Share the group's discount by what each pool put in.
        const w = this.#w.length >= parts ? this.#w : (this.#w = new Float64Array(parts * 2));
        const out = this.#out.length >= parts ? this.#out : (this.#out = new Float64Array(parts * 2));
        for (let j = 0; j < parts; j++) w[j] = (partN[j] ?? 0) * (unitPrice[mp[partI[j] ?? 0] ?? 0] ?? 0);
        allocateInto(d, w, parts, out);
        for (let j = 0; j < parts; j++) {
          const at = partI[j] ?? 0;
          acc[at] = (acc[at] ?? 0) + (out[j] ?? 0);
          used[at] = (used[at] ?? 0) + (partN[j] ?? 0);
        }
        parts = 0;
        partUnits = 0;
        partValue = 0;
      }
      if (f >= n) {
        const d = n * unit - price;
        if (d <= 0) break;
        const whole = Math.floor(f / n);
        acc[i] = (acc[i] ?? 0) + whole * d;
        used[i] = (used[i] ?? 0) + whole * n;
        f -= whole * n;
      }
      if (f > 0) {
        partI[0] = i;
        partN[0] = f;
        parts = 1;
        partUnits = f;
        partValue = f * unit;
      }
    }
    let total = 0;
    for (let i = 0; i < m; i++) {
      const u = used[i] ?? 0;
      if (u === 0) continue;
      const q = mp[i] ?? 0;
      st.free[q] = (st.free[q] ?? 0) - u;
      const left = st.rem[q] ?? 0;
      const d = Math.min(left, acc[i] ?? 0);
      if (d <= 0) continue;
      st.rem[q] = left - d;
      total += d;
      sink?.(q, d);
    }
    return total;
  }
}

// ---------------------------------------------------------------------------------------------
// The search

/** A choice of candidates, kept sorted by application rank. */
interface Plan {
  readonly picks: readonly Candidate[];
  readonly value: number;
}

const EMPTY: Plan = { picks: [], value: 0 };

/** Is `a` better for the customer than `b` (then fewer promotions, then preferred ones)? */
function better(a: Plan, b: Plan): boolean {
  if (a.value !== b.value) return a.value > b.value;
  if (a.picks.length !== b.picks.length) return a.picks.length < b.picks.length;
  const pa = a.picks.map((c) => c.pref).sort((x, y) => x - y);
  const pb = b.picks.map((c) => c.pref).sort((x, y) => x - y);
  for (let i = 0; i < pa.length; i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

function byRank(a: Candidate, b: Candidate): number {
  return a.rank - b.rank;
}

/**
 * Best subset of `cands` (at most one per group) for `evaluate`. Exhaustive when the number
 * of combinations is at most EXACT_LIMIT; otherwise greedy by value alone, which starts from
 * the best single candidate and so is never worse than it.
 */
function searchBest(
  cands: readonly Candidate[],
  evaluate: (picks: readonly Candidate[]) => number,
  incremental: Incremental | null = null,
): { plan: Plan; exact: boolean } {
  if (cands.length === 0) return { plan: EMPTY, exact: true };
  const slots: Candidate[][] = [];
  const slotOf = new Map<string, Candidate[]>();
  for (const c of cands) {
    const g = c.p.group;
    if (g === null) {
      slots.push([c]);
      continue;
    }
    const s = slotOf.get(g);
    if (s) s.push(c);
    else {
      const fresh = [c];
      slotOf.set(g, fresh);
      slots.push(fresh);
    }
  }
  let combos = 1;
  for (const s of slots) {
    combos *= s.length + 1;
    if (combos > EXACT_LIMIT) break;
  }
  let best: Plan = EMPTY;
  if (combos <= EXACT_LIMIT) {
    const choice = new Array<number>(slots.length).fill(0);
    for (;;) {
      // Advance the mixed-radix counter (0 = nothing from this slot).
      let i = 0;
      while (i < slots.length) {
        const s = slots[i] ?? [];
        choice[i] = (choice[i] ?? 0) + 1;
        if ((choice[i] ?? 0) <= s.length) break;
        choice[i] = 0;
        i++;
      }
      if (i === slots.length) break;
      const picks: Candidate[] = [];
      slots.forEach((s, j) => {
        const k = choice[j] ?? 0;
        const c = k > 0 ? s[k - 1] : undefined;
        if (c) picks.push(c);
      });
      picks.sort(byRank);
      const plan = { picks, value: evaluate(picks) };
      if (better(plan, best)) best = plan;
    }
    return { plan: best, exact: true };
  }
  const order = [...cands].sort((a, b) => b.alone - a.alone || a.pref - b.pref);
  const groups = new Set<string>();
  incremental?.commit([]);
  for (const c of order) {
    if (c.p.group !== null && groups.has(c.p.group)) continue;
    const value = incremental ? incremental.trial(c) : evaluate([...best.picks, c].sort(byRank));
    if (value > best.value) {
      const picks = [...best.picks, c].sort(byRank);
      best = { picks, value: incremental ? incremental.commit(picks) : value };
      if (c.p.group !== null) groups.add(c.p.group);
    }
  }
  return { plan: best, exact: false };
}

/** Greedy trials that re-apply only what a new promotion can change. */
interface Incremental {
  /** Makes `picks` the current plan and returns its value. */
  commit(picks: readonly Candidate[]): number;
  /** The value of the current plan with `c` added (the plan itself is unchanged). */
  trial(c: Candidate): number;
}

/**
 * Incremental evaluation of a line component's plan. For the current plan it keeps, per pick,
 * what its pools held before it applied and what it took. A trial applies the new promotion
 * at its place in the order, then re-applies only the later picks that share a pool with
 * something already changed (their pools then count as changed too); the others would do
 * exactly what they did before. Same result as a full evaluation, at a fraction of the cost
 * when promotions touch few pools. Committing the promotion just tried reuses the trial's work.
 */
class IncrementalLines implements Incremental {
  /** The plan, by rank. */
  #picks: Candidate[] = [];
  #value = 0;
  /** Per pick: its pools' rem then free before it applied, and what it took. */
  readonly #before = new Map<Candidate, Float64Array>();
  readonly #contrib = new Map<Candidate, number>();
  /** Per pool: the picks touching it, by rank. */
  readonly #touch = new Map<number, Candidate[]>();
  readonly #finalRem: Float64Array;
  readonly #finalFree: Float64Array;
  readonly #dirty: Int32Array;
  #gen = 0;
  /** The last trial, kept for a commit of the same candidate. */
  #tried: Candidate | null = null;
  #triedValue = 0;
  readonly #triedPools: number[] = [];
  /** The trial's snapshots live in one growing arena (`at` is an offset), not in new arrays. */
  readonly #triedRecords: { c: Candidate; at: number; contrib: number }[] = [];
  #arena = new Float64Array(1024);
  #arenaUsed = 0;

  constructor(
    private readonly ev: Evaluator,
    private readonly st: State,
    private readonly reset: () => void,
    nPools: number,
  ) {
    this.#finalRem = new Float64Array(nPools);
    this.#finalFree = new Float64Array(nPools);
    this.#dirty = new Int32Array(nPools);
  }

  commit(picks: readonly Candidate[]): number {
    const added = this.#tried;
    if (added !== null && picks.length === this.#picks.length + 1 && picks.includes(added)) return this.#commitTried(added);
    const { st, ev } = this;
    this.reset();
    this.#picks = [...picks];
    this.#contrib.clear();
    this.#touch.clear();
    let v = 0;
    for (const c of picks) {
      const b = this.#bufferOf(c);
      snapshotInto(c.pools, st, b, 0);
      for (const q of c.pools) {
        const t = this.#touch.get(q);
        if (t) t.push(c);
        else this.#touch.set(q, [c]);
      }
      const d = ev.apply(c, st, null);
      this.#contrib.set(c, d);
      v += d;
    }
    this.#finalRem.set(st.rem);
    this.#finalFree.set(st.free);
    this.#value = v;
    this.#tried = null;
    return v;
  }

  #commitTried(c: Candidate): number {
    for (const r of this.#triedRecords) {
      const n = 2 * r.c.pools.length;
      this.#bufferOf(r.c).set(this.#arena.subarray(r.at, r.at + n));
      this.#contrib.set(r.c, r.contrib);
    }
    for (const q of this.#triedPools) {
      this.#finalRem[q] = this.st.rem[q] ?? 0;
      this.#finalFree[q] = this.st.free[q] ?? 0;
    }
    this.#picks.splice(firstAfter(this.#picks, c.rank), 0, c);
    for (const q of c.pools) {
      const t = this.#touch.get(q);
      if (t) t.splice(firstAfter(t, c.rank), 0, c);
      else this.#touch.set(q, [c]);
    }
    this.#value = this.#triedValue;
    this.#tried = null;
    return this.#value;
  }

  /** The candidate's own snapshot buffer (its pools' rem, then free), made once. */
  #bufferOf(c: Candidate): Float64Array {
    let b = this.#before.get(c);
    if (!b) {
      b = new Float64Array(2 * c.pools.length);
      this.#before.set(c, b);
    }
    return b;
  }

  #snapshotToArena(targets: readonly number[]): number {
    const at = this.#arenaUsed;
    const need = at + 2 * targets.length;
    if (need > this.#arena.length) {
      const bigger = new Float64Array(Math.max(need, this.#arena.length * 2));
      bigger.set(this.#arena.subarray(0, at));
      this.#arena = bigger;
    }
    snapshotInto(targets, this.st, this.#arena, at);
    this.#arenaUsed = need;
    return at;
  }

  trial(c: Candidate): number {
    const { st, ev } = this;
    const picks = this.#picks;
    const gen = ++this.#gen;
    const dirty = this.#dirty;
    const pools = this.#triedPools;
    const records = this.#triedRecords;
    pools.length = 0;
    records.length = 0;
    // c's pools as they were at c's place in the current plan.
    for (const q of c.pools) {
      const t = this.#touch.get(q);
      const next = t ? t[firstAfter(t, c.rank)] : undefined;
      if (next === undefined) {
        st.rem[q] = this.#finalRem[q] ?? 0;
        st.free[q] = this.#finalFree[q] ?? 0;
      } else {
        const b = this.#before.get(next);
        const n = next.pools.length;
        const i = next.pools.indexOf(q);
        st.rem[q] = b?.[i] ?? 0;
        st.free[q] = b?.[n + i] ?? 0;
      }
    }
    this.#arenaUsed = 0;
    records.push({ c, at: this.#snapshotToArena(c.pools), contrib: 0 });
    const own = ev.apply(c, st, null);
    if (records[0]) records[0].contrib = own;
    let v = this.#value + own;
    for (const q of c.pools) {
      dirty[q] = gen;
      pools.push(q);
    }
    for (let k = firstAfter(picks, c.rank); k < picks.length; k++) {
      const p = picks[k];
      if (!p) continue;
      let touched = false;
      for (const q of p.pools) {
        if (dirty[q] === gen) {
          touched = true;
          break;
        }
      }
      if (!touched) continue;
      const b = this.#before.get(p);
      const n = p.pools.length;
      for (let i = 0; i < n; i++) {
        const q = p.pools[i] ?? 0;
        if (dirty[q] === gen) continue;
        st.rem[q] = b?.[i] ?? 0;
        st.free[q] = b?.[n + i] ?? 0;
        dirty[q] = gen;
        pools.push(q);
      }
      const at = this.#snapshotToArena(p.pools);
      const d = ev.apply(p, st, null);
      records.push({ c: p, at, contrib: d });
      v += d - (this.#contrib.get(p) ?? 0);
    }
    this.#tried = c;
    this.#triedValue = v;
    return v;
  }
}

function snapshotInto(targets: readonly number[], st: State, into: Float64Array, at: number): void {
  const n = targets.length;
  for (let i = 0; i < n; i++) {
    const q = targets[i] ?? 0;
    into[at + i] = st.rem[q] ?? 0;
    into[at + n + i] = st.free[q] ?? 0;
  }
}

/** Index of the first candidate ranked after `rank` in a list sorted by rank. */
function firstAfter(list: readonly Candidate[], rank: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid]?.rank ?? 0) <= rank) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class UnionFind {
  readonly #parent: number[];
  constructor(n: number) {
    this.#parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let r = i;
    while (this.#parent[r] !== r) r = this.#parent[r] ?? r;
    let x = i;
    while (this.#parent[x] !== r) {
      const next = this.#parent[x] ?? r;
      this.#parent[x] = r;
      x = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point

export function applyPromotions(input: PromotionInput): PromotionResult {
  const pools = buildPools(input.lines);
  const clock = clockOf(input.at);
  const ids = new Set<string>();
  for (const p of input.promotions) {
    if (ids.has(p.id)) throw new PromotionError(`promotion id "${p.id}" appears twice: ids must be unique`);
    ids.add(p.id);
  }
  const ev = new Evaluator(pools);
  const st: State = { rem: new Float64Array(pools.n), free: new Float64Array(pools.n), basketLeft: 0 };
  const resetPools = (targets: readonly number[]) => {
    for (const q of targets) {
      st.rem[q] = pools.gross[q] ?? 0;
      st.free[q] = pools.units[q] ?? 0;
    }
  };
  const all: number[] = Array.from({ length: pools.n }, (_, i) => i);

  // 1. Candidates: in window, allowed, on the cart, and worth something alone.
  const cands: Candidate[] = [];
  for (const p of input.promotions) {
    if (p.memberOnly && !input.member) continue;
    if (!inWindow(p, clock)) continue;
    let targets: readonly number[];
    if (p.target.kind === 'basket') targets = all;
    else {
      const index = p.target.kind === 'item' ? pools.bySku : pools.byDepartment;
      const keys = p.target.kind === 'item' ? p.target.skus : p.target.departments;
      const hit: number[] = [];
      for (const k of keys) {
        const found = index.get(k);
        if (found) for (const q of found) hit.push(q);
      }
      if (hit.length === 0) continue;
      targets = hit.length > 1 ? [...new Set(hit)].sort((a, b) => a - b) : hit;
    }
    const mixPools = p.kind === 'buy_get' || p.kind === 'n_for_price'
      ? targets.filter((q) => (pools.units[q] ?? 0) > 0).sort((a, b) => (pools.unitPrice[b] ?? 0) - (pools.unitPrice[a] ?? 0) || a - b)
      : [];
    const basket = p.target.kind === 'basket';
    cands.push({ p, phase: phaseOf(p), rank: 0, pref: 0, pools: basket ? [] : targets, mixPools, basket, alone: 0 });
  }
  const byPref = (a: Candidate, b: Candidate) => b.p.priority - a.p.priority || cmpStr(a.p.id, b.p.id);
  cands.sort(byPref).forEach((c, i) => (c.pref = i));
  cands.sort((a, b) => a.phase - b.phase || byPref(a, b)).forEach((c, i) => (c.rank = i));

  for (const c of cands) {
    if (c.basket) st.basketLeft = pools.totalGross;
    else resetPools(c.pools);
    c.alone = ev.apply(c, st, null);
  }
  const live = cands.filter((c) => c.alone > 0);

  // 2. Line-level components of stackable promotions (shared pool or group), searched apart.
  const lineCands = live.filter((c) => !c.basket && c.p.stacking === 'stackable');
  const uf = new UnionFind(lineCands.length);
  const poolOwner = new Map<number, number>();
  const groupOwner = new Map<string, number>();
  lineCands.forEach((c, i) => {
    for (const q of c.pools) {
      const o = poolOwner.get(q);
      if (o === undefined) poolOwner.set(q, i);
      else uf.union(o, i);
    }
    if (c.p.group !== null) {
      const o = groupOwner.get(c.p.group);
      if (o === undefined) groupOwner.set(c.p.group, i);
      else uf.union(o, i);
    }
  });
  const components = new Map<number, Candidate[]>();
  lineCands.forEach((c, i) => {
    const r = uf.find(i);
    const list = components.get(r);
    if (list) list.push(c);
    else components.set(r, [c]);
  });
  let exact = true;
  const linePicks: Candidate[] = [];
  let lineValue = 0;
  for (const comp of components.values()) {
    comp.sort(byRank);
    const compPools = [...new Set(comp.flatMap((c) => c.pools))];
    const { plan, exact: e } = searchBest(
      comp,
      (picks) => {
        resetPools(compPools);
        let v = 0;
        for (const c of picks) v += ev.apply(c, st, null);
        return v;
      },
      new IncrementalLines(ev, st, () => resetPools(compPools), pools.n),
    );
    exact &&= e;
    linePicks.push(...plan.picks);
    lineValue += plan.value;
  }
  linePicks.sort(byRank);

  // 3. Basket promotions on what the lines left (groups the lines used are taken).
  const basketCands = live.filter((c) => c.basket && c.p.stacking === 'stackable').sort(byRank);
  const basketSearch = (left: number, taken: ReadonlySet<string>) =>
    searchBest(
      basketCands.filter((c) => c.p.group === null || !taken.has(c.p.group)),
      (picks) => {
        st.basketLeft = left;
        let v = 0;
        for (const c of picks) v += ev.apply(c, st, null);
        return v;
      },
    );
  const usedGroups = new Set(linePicks.flatMap((c) => (c.p.group === null ? [] : [c.p.group])));
  const afterLines = basketSearch(pools.totalGross - lineValue, usedGroups);
  const basketOnly = basketSearch(pools.totalGross, new Set());
  exact &&= afterLines.exact && basketOnly.exact;

  // 4. The winner among the plans and every single promotion.
  const evaluateAll = (picks: readonly Candidate[], sink: ((c: Candidate) => Sink) | null): number => {
    resetPools(all);
    let v = 0;
    let basketStarted = false;
    for (const c of picks) {
      if (c.basket && !basketStarted) {
        basketStarted = true;
        st.basketLeft = sumRem(st.rem);
      }
      v += ev.apply(c, st, sink ? sink(c) : null);
    }
    return v;
  };
  const combined = [...linePicks, ...afterLines.plan.picks].sort(byRank);
  let best: Plan = { picks: combined, value: evaluateAll(combined, null) };
  if (better(basketOnly.plan, best)) best = basketOnly.plan;
  for (const c of live) {
    const single: Plan = { picks: [c], value: c.alone };
    if (better(single, best)) best = single;
  }

  // 5. Where each chosen promotion's discount went, down to the lines.
  const perPool: { c: Candidate; amount: number }[][] = Array.from({ length: pools.n }, () => []);
  const basketApplied: AppliedDiscount[] = [];
  const total = evaluateAll(best.picks, (c) => (q, amount) => {
    if (q < 0) basketApplied.push({ promotionId: c.p.id, label: c.p.name, amount });
    else perPool[q]?.push({ c, amount });
  });
  const lineOut = input.lines.map((l) => ({ lineNo: l.lineNo, discounts: [] as AppliedDiscount[], discount: 0 }));
  const lineLeft = input.lines.map((l) => l.gross);
  const weights: number[] = [];
  const out: number[] = [];
  perPool.forEach((entries, q) => {
    const members = pools.lines[q] ?? [];
    // Per promotion in application order; a pool's amounts for one promotion are merged first.
    const merged = new Map<Candidate, number>();
    for (const { c, amount } of entries) merged.set(c, (merged.get(c) ?? 0) + amount);
    for (const [c, amount] of [...merged].sort((a, b) => a[0].rank - b[0].rank)) {
      members.forEach((li, j) => (weights[j] = lineLeft[li] ?? 0));
      allocateInto(amount, weights, members.length, out);
      members.forEach((li, j) => {
        const s = out[j] ?? 0;
        if (s === 0) return;
        lineLeft[li] = (lineLeft[li] ?? 0) - s;
        const o = lineOut[li];
        if (!o) return;
        o.discounts.push({ promotionId: c.p.id, label: c.p.name, amount: s });
        o.discount += s;
      });
    }
  });
  const basketDiscount = basketApplied.reduce((s, b) => s + b.amount, 0);
  const lineDiscount = total - basketDiscount;
  const applied = [...new Set([...basketApplied.map((b) => b.promotionId), ...lineOut.flatMap((l) => l.discounts.map((d) => d.promotionId))])].sort(cmpStr);
  return {
    lines: lineOut.sort((a, b) => a.lineNo - b.lineNo),
    basket: basketApplied,
    lineDiscount,
    basketDiscount,
    totalDiscount: total,
    applied,
    search: { candidates: live.length, components: components.size, exact },
  };
}

function sumRem(rem: Float64Array): number {
  let s = 0;
  for (const v of rem) s += v;
  return s;
}
