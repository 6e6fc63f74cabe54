// Model-based tests: xstate/graph walks the real checkout machine (with `events` including the
// `xstate.done.actor.*` / `xstate.error.actor.*` events its invokes answer with, and
// `filterEvents` keeping only events the state accepts), then every path is replayed on a real
// actor whose fake effects are held and answered exactly as the path says.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { computeTotals } from '../../../src/domain/cart.ts';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import type { CheckoutContext, CheckoutEvent } from '../../../state-machines/checkout.machine.ts';
import { catalogItem, fakes, flush, INPUT } from './checkout-fakes.ts';

const COLA = '6901234567892';
const AT = '2025-05-01T10:00:00.000Z';
const ITEM = catalogItem('COLA', COLA);
if (!ITEM) throw new Error('fixture');

type AnyEvent =
  | CheckoutEvent
  | { type: `xstate.${'done' | 'error'}.actor.${string}`; output?: unknown; error?: unknown }
  | { type: 'xstate.init' };

const ALL_EVENTS: AnyEvent[] = [
  { type: 'START', saleId: 'S1', at: AT },
  { type: 'SCAN', data: COLA, saleId: 'S1', at: AT },
  { type: 'SEARCH', query: 'co' },
  { type: 'xstate.done.actor.lookupItem', output: { ok: true, item: ITEM } },
  { type: 'xstate.done.actor.lookupItem', output: { ok: false, error: 'unknown barcode 000' } },
  { type: 'xstate.error.actor.lookupItem', error: 'database is locked' },
  { type: 'xstate.done.actor.searchCatalog', output: [] },
  { type: 'xstate.error.actor.searchCatalog', error: 'fts broken' },
  { type: 'VOID_LINE', lineNo: 1, reason: 'wrong' },
  { type: 'TENDER', at: AT },
  { type: 'TENDER_CASH', received: 200, at: AT },
  { type: 'TENDER_CASH', received: 10_000, at: AT },
  { type: 'BACK' },
  { type: 'CANCEL', reason: 'left' },
  { type: 'PARK', at: AT },
  { type: 'RESUME', saleId: 'S1' },
  { type: 'xstate.done.actor.commitSale', output: { receiptNo: 1 } },
  { type: 'xstate.error.actor.commitSale', error: 'disk I/O error' },
  { type: 'RETRY' },
  { type: 'xstate.done.actor.printReceipt', output: { status: 'printed' } },
  { type: 'xstate.error.actor.printReceipt', error: 'paper out' },
  { type: 'xstate.done.actor.journalCancel', output: undefined },
  { type: 'xstate.error.actor.journalCancel', error: 'disk full' },
  { type: 'CLEAR_ERROR' },
  { type: 'PRINTER.STATUS', printer: { cannotPrint: true, detail: 'paper out' } },
  { type: 'PRINTER.STATUS', printer: { cannotPrint: false, detail: 'ready' } },
  { type: 'CONTINUE_WITHOUT_RECEIPT' },
  { type: 'xstate.done.actor.printReceipt', output: { status: 'deferred', detail: 'printer out of paper' } },
];

/** Coarse state key: the state value plus the context facts that change what can happen next. */
function key(s: { value: unknown; context: CheckoutContext }): string {
  const c = s.context;
  return JSON.stringify({
    value: s.value,
    lines: c.cart.lines.length,
    active: c.cart.lines.filter((l) => !l.voided).length,
    due: computeTotals(c.cart).total - c.tenders.reduce((sum, t) => sum + t.amount, 0),
    tenders: c.tenders.length,
    parked: Math.min(c.parked.length, 2),
    queue: Math.min(c.lookupQueue.length, 1),
    sale: c.saleId !== null,
    error: c.lastError !== null,
    lastSale: c.lastSale !== null,
    printer: c.printer?.cannotPrint ?? null,
    deferred: c.receiptDeferred === true,
  });
}

/** Coarser key for simple paths, whose number grows fast with the number of distinct states. */
function coarseKey(s: { value: unknown; context: CheckoutContext }): string {
  const c = s.context;
  return JSON.stringify({
    value: s.value,
    items: c.cart.lines.some((l) => !l.voided),
    // what is left to pay decides whether the next tender completes the sale
    due: computeTotals(c.cart).total - c.tenders.reduce((sum, t) => sum + t.amount, 0),
    tenders: c.tenders.length,
    parked: c.parked.map((p) => computeTotals(p.cart).total),
    queue: c.lookupQueue.length > 0,
  });
}

/** Keeps simple-path walks finite: at most two scans per sale (queued ones included), one parked sale. */
function boundedScans(s: { can: (e: CheckoutEvent) => boolean; context: CheckoutContext }, e: CheckoutEvent): boolean {
  if (e.type === 'PARK' && s.context.parked.length >= 1) return false;
  if (e.type === 'SCAN') {
    const items = s.context.cart.lines.reduce((n, l) => n + l.quantityMilli / 1000, 0) + s.context.lookupQueue.length + (s.context.lookup ? 1 : 0);
    if (items >= 2) return false;
  }
  return s.can(e);
}

const machine = fakes().machine;
const traversal = (events: AnyEvent[]) => ({
  input: INPUT,
  events: events as CheckoutEvent[],
  filterEvents: (s: { can: (e: CheckoutEvent) => boolean }, e: CheckoutEvent) => s.can(e),
  serializeState: (s: { value: unknown; context: CheckoutContext }) => key(s),
  limit: 50_000,
});

type Path = { steps: { event: AnyEvent; state: { value: unknown; context: CheckoutContext } }[]; state: { value: unknown; context: CheckoutContext } };

const EFFECTS = ['lookupItem', 'searchCatalog', 'commitSale', 'printReceipt', 'journalCancel'] as const;

/**
 * Replays a path on a real actor: plain events are sent, actor answers come from held fakes.
 * After each step the actor must be in the state the path says, compared by the same key the
 * traversal used (a path's snapshots are representatives of that key).
 */
async function replay(path: Path, stateKey: (s: { value: unknown; context: CheckoutContext }) => string = key): Promise<void> {
  const f = fakes({ hold: [...EFFECTS] });
  const actor = createActor(f.machine, { input: INPUT }).start();
  for (const [i, step] of path.steps.entries()) {
    const e = step.event;
    const answer = /^xstate\.(done|error)\.actor\.(.+)$/.exec(e.type);
    if (e.type === 'xstate.init') {
      // the initial state
    } else if (answer) {
      const name = answer[2] as (typeof EFFECTS)[number];
      if (answer[1] === 'done') f.settle(name, 'output' in e ? e.output : undefined);
      else f.failHeld(name, String('error' in e ? e.error : ''));
      await flush();
    } else {
      actor.send(e as CheckoutEvent);
    }
    const where = `step ${i} (${e.type}) of ${path.steps.map((s) => s.event.type).join(' → ')}`;
    expect(stateKey(actor.getSnapshot()), where).toBe(stateKey(step.state));
  }
  actor.stop();
}

describe('checkout model', () => {
  const shortest = getShortestPaths(machine, { ...traversal(ALL_EVENTS), filterEvents: boundedScans }) as unknown as Path[];

  it('reaches every state of the machine', () => {
    const reached = new Set(shortest.map((p) => JSON.stringify(p.state.value)));
    for (const v of [
      'idle',
      { inSale: 'ready' },
      { inSale: 'lookingUp' },
      { inSale: 'searching' },
      'noPaper',
      'tendering',
      'completing',
      'commitFailed',
      'receipt',
      'cancelling',
    ]) {
      expect(reached, JSON.stringify(v)).toContain(JSON.stringify(v));
    }
  });

  it(`replays every shortest path on a real actor with fake effects`, async () => {
    expect(shortest.length).toBeGreaterThan(100);
    for (const path of shortest) await replay(path);
  });

  it('replays every simple path from idle to a printed receipt (sale, split cash, commit retry)', async () => {
    const events = ALL_EVENTS.filter((e) =>
      ['START', 'SCAN', 'TENDER', 'TENDER_CASH', 'BACK', 'RETRY'].includes(e.type) ||
      e.type === 'xstate.done.actor.lookupItem' ||
      e.type.endsWith('actor.commitSale'),
    );
    const paths = getSimplePaths(machine, {
      ...traversal(events),
      serializeState: coarseKey,
      filterEvents: boundedScans,
      toState: (s) => s.matches('receipt'),
    }) as unknown as Path[];
    const toReceipt = paths.filter((p) => JSON.stringify(p.state.value) === '"receipt"');
    expect(toReceipt.length).toBeGreaterThan(5);
    for (const path of toReceipt) await replay(path, coarseKey);
  });

  it('replays every simple path that ends in a cancelled sale', async () => {
    const events = ALL_EVENTS.filter((e) =>
      ['START', 'SCAN', 'TENDER', 'TENDER_CASH', 'BACK', 'CANCEL', 'PARK', 'RESUME'].includes(e.type) ||
      e.type === 'xstate.done.actor.lookupItem' ||
      e.type.endsWith('actor.journalCancel'),
    );
    const paths = getSimplePaths(machine, {
      ...traversal(events),
      serializeState: coarseKey,
      filterEvents: boundedScans,
      toState: (s) => s.matches('cancelling'),
    }) as unknown as Path[];
    const toCancel = paths.filter((p) => JSON.stringify(p.state.value) === '"cancelling"');
    expect(toCancel.length).toBeGreaterThan(3);
    for (const path of toCancel) await replay(path, coarseKey);
  });
});
