import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import {
  backoffDelayMs,
  jitterFor,
  provideSync,
  syncErrorOf,
  syncMachine,
  syncStatus,
} from '../../../state-machines/sync.machine.ts';
import type {
  PullCatalogInput,
  PullCatalogOutput,
  PushBatchInput,
  PushBatchOutput,
  SyncContext,
  SyncEmitted,
  SyncInput,
  SyncStatus,
} from '../../../state-machines/sync.machine.ts';

const BACKOFF = { initialMs: 1_000, maxMs: 16_000, factor: 2, jitter: 0 };
const AT = '2026-01-01T00:00:00.000Z';

class Offline extends Error {
  readonly kind = 'offline';
}

/**
 * An in-memory outbox and store server. pushBatch takes the first `batchSize` pending items in
 * seq order, as the core's client does; `reject` names seqs the server refuses (dead-lettered).
 */
function world(items: number, opts: { reject?: number[]; catalogPages?: number } = {}) {
  const outbox = Array.from({ length: items }, (_, i) => ({ seq: i + 1, status: 'pending' as 'pending' | 'sent' | 'dead' }));
  const received: number[] = [];
  const pushCalls: PushBatchInput[] = [];
  const pullCalls: PullCatalogInput[] = [];
  let down: 'no' | 'offline' | 'error' = 'no';
  let catalogPages = opts.catalogPages ?? 0;
  let catalogVersion = 0;
  const reject = new Set(opts.reject ?? []);
  const pending = () => outbox.filter((o) => o.status === 'pending');
  const effects = {
    pushBatch: async (input: PushBatchInput): Promise<PushBatchOutput> => {
      pushCalls.push(input);
      if (down === 'offline') throw new Offline('connect ECONNREFUSED 127.0.0.1:1');
      if (down === 'error') throw new Error('server answered 503');
      let applied = 0;
      let deadLettered = 0;
      for (const item of pending().slice(0, input.batchSize)) {
        if (reject.has(item.seq)) {
          item.status = 'dead';
          deadLettered += 1;
        } else {
          received.push(item.seq);
          item.status = 'sent';
          applied += 1;
        }
      }
      return { applied, duplicates: 0, deadLettered, backlog: pending().length, deadLetters: outbox.filter((o) => o.status === 'dead').length, at: AT };
    },
    pullCatalog: async (input: PullCatalogInput): Promise<PullCatalogOutput> => {
      pullCalls.push(input);
      if (down === 'offline') throw new Offline('connect ECONNREFUSED 127.0.0.1:1');
      if (down === 'error') throw new Error('server answered 503');
      const applied = catalogPages > 0 ? 1 : 0;
      if (catalogPages > 0) {
        catalogPages -= 1;
        catalogVersion += 1;
      }
      return { applied, catalogVersion, more: catalogPages > 0, at: AT };
    },
  };
  return {
    outbox,
    received,
    pushCalls,
    pullCalls,
    effects,
    add(n: number) {
      const first = outbox.length + 1;
      for (let i = 0; i < n; i++) outbox.push({ seq: first + i, status: 'pending' });
    },
    setDown(d: 'no' | 'offline' | 'error') {
      down = d;
    },
    addCatalogPages(n: number) {
      catalogPages += n;
    },
  };
}

function start(w: ReturnType<typeof world>, input: SyncInput = {}) {
  const actor = createActor(provideSync(w.effects), { input: { backoff: BACKOFF, batchSize: 10, pollMs: 30_000, ...input } });
  const emitted: SyncEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  return { actor, emitted, statuses: () => emitted.filter((e) => e.type === 'sync.status').map((e) => e.status) };
}

const flush = () => vi.advanceTimersByTimeAsync(0);
const stateOf = (a: { getSnapshot(): { value: unknown; context: SyncContext } }) => syncStatus(a.getSnapshot()).state;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelayMs and jitterFor', () => {
  it('doubles from initialMs and stops at maxMs', () => {
    expect([1, 2, 3, 4, 5, 6, 100].map((n) => backoffDelayMs(n, BACKOFF, 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 16000, 16000]);
  });

  it('takes the jitter share off the delay: jitter 0.5 gives half to all of it', () => {
    const b = { ...BACKOFF, jitter: 0.5 };
    expect(backoffDelayMs(3, b, 0)).toBe(2000);
    expect(backoffDelayMs(3, b, 1)).toBe(4000);
    expect(backoffDelayMs(3, b, 0.5)).toBe(3000);
  });

  it('never returns less than 1 ms, nor an infinite delay for a huge attempt', () => {
    expect(backoffDelayMs(0, { initialMs: 1, maxMs: 1, factor: 1, jitter: 1 }, 0)).toBe(1);
    expect(backoffDelayMs(5_000, { ...BACKOFF, maxMs: 60_000 }, 1)).toBe(60_000);
  });

  it('gives the same jitter for the same seed and failure, and spreads it over 0…1', () => {
    expect(jitterFor(42, 3)).toBe(jitterFor(42, 3));
    const values = Array.from({ length: 200 }, (_, i) => jitterFor(7, i + 1));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(190);
    expect(Math.min(...values)).toBeLessThan(0.1);
    expect(Math.max(...values)).toBeGreaterThan(0.9);
    // Two terminals with different seeds do not retry in step.
    expect(jitterFor(1, 1)).not.toBe(jitterFor(2, 1));
  });
});

describe('syncErrorOf', () => {
  it('keeps an offline or refused kind and counts everything else as transient', () => {
    expect(syncErrorOf(new Offline('down'))).toEqual({ kind: 'offline', message: 'down' });
    expect(syncErrorOf(Object.assign(new Error('bad token'), { kind: 'refused' }))).toEqual({ kind: 'refused', message: 'bad token' });
    expect(syncErrorOf(new Error('boom')).kind).toBe('transient');
    expect(syncErrorOf('text').message).toBe('text');
    expect(syncErrorOf(null).kind).toBe('transient');
  });
});

describe('sync machine: draining', () => {
  it('drains the backlog in seq order, a batch at a time, with progress, then pulls the catalog and goes idle', async () => {
    const w = world(25);
    const { actor, emitted } = start(w, { backlog: 25 });
    await flush();
    expect(w.received).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(w.pushCalls.map((c) => c.batchSize)).toEqual([10, 10, 10]);
    const progress = emitted.filter((e) => e.type === 'sync.progress');
    expect(progress.map((p) => (p.type === 'sync.progress' ? [p.backlog, p.sent] : null))).toEqual([
      [15, 10],
      [5, 20],
      [0, 25],
    ]);
    expect(w.pullCalls).toHaveLength(1);
    const status = syncStatus(actor.getSnapshot());
    expect(status).toMatchObject({ state: 'idle', backlog: 0, deadLetters: 0, lastSuccessAt: AT, attempt: 0, lastError: null, retryInMs: null });
    actor.stop();
  });

  it('with nothing queued, one push call finds nothing and the round still succeeds (the server was reached)', async () => {
    const w = world(0);
    const { actor } = start(w);
    await flush();
    expect(w.pushCalls).toHaveLength(1);
    expect(w.pullCalls).toHaveLength(1);
    expect(stateOf(actor)).toBe('idle');
    actor.stop();
  });

  it('dead-letters rejected items and goes on with the rest, in order', async () => {
    const w = world(12, { reject: [3, 11] });
    const { actor } = start(w);
    await flush();
    expect(w.received).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, 12]);
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'idle', backlog: 0, deadLetters: 2 });
    actor.stop();
  });

  it('pulls catalog pages until the server says there are no more, keeping the version', async () => {
    const w = world(0, { catalogPages: 3 });
    const { actor } = start(w, { catalogVersion: 0 });
    await flush();
    expect(w.pullCalls.map((c) => c.catalogVersion)).toEqual([0, 1, 2]);
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'idle', catalogVersion: 3 });
    actor.stop();
  });

  it('a round pushes at most maxRoundBatches batches, then pulls, and the next round follows at once: sales cannot starve the catalog', async () => {
    const w = world(50, { catalogPages: 1 });
    const pulledAfter: number[] = [];
    const pull = w.effects.pullCatalog;
    w.effects.pullCatalog = async (input) => {
      pulledAfter.push(w.received.length);
      return pull(input);
    };
    const { actor } = start(w, { backlog: 50, maxRoundBatches: 2 });
    await flush();
    expect(w.received).toHaveLength(50);
    // Rounds of 2 + 2 + 1 batches, each ending in a pull; the first pull already brought the change.
    expect(pulledAfter).toEqual([20, 40, 50]);
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'idle', backlog: 0, catalogVersion: 1 });
    actor.stop();
  });

  it('a batch that moves nothing ends the push instead of spinning', async () => {
    const w = world(0);
    const push = vi.fn(async (): Promise<PushBatchOutput> => ({ applied: 0, duplicates: 0, deadLettered: 0, backlog: 5, deadLetters: 0, at: AT }));
    const actor = createActor(provideSync({ ...w.effects, pushBatch: push }), { input: { backoff: BACKOFF } });
    actor.start();
    await flush();
    expect(push).toHaveBeenCalledTimes(1);
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'idle', backlog: 5 });
    actor.stop();
  });
});

describe('sync machine: when to run', () => {
  it('polls again pollMs after a success', async () => {
    const w = world(0);
    const { actor } = start(w, { pollMs: 5_000 });
    await flush();
    expect(w.pushCalls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(w.pushCalls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.pushCalls).toHaveLength(2);
    actor.stop();
  });

  it('OUTBOX.CHANGED pushes a new sale at once when idle, and updates the backlog', async () => {
    const w = world(0);
    const { actor } = start(w);
    await flush();
    w.add(1);
    actor.send({ type: 'OUTBOX.CHANGED', backlog: 1 });
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'syncing', backlog: 1 });
    await flush();
    expect(w.received).toEqual([1]);
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'idle', backlog: 0 });
    actor.stop();
  });

  it('OUTBOX.CHANGED during a round makes another round follow, so the new sale does not wait for the poll', async () => {
    const w = world(3);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const push = w.effects.pushBatch;
    const actor = createActor(
      provideSync({
        ...w.effects,
        pushBatch: async (input) => {
          if (w.pushCalls.length === 0) await gate;
          return push(input);
        },
      }),
      { input: { backoff: BACKOFF, batchSize: 10, pollMs: 60_000 } },
    );
    actor.start();
    await flush();
    w.add(1); // committed while the first batch is in flight
    actor.send({ type: 'OUTBOX.CHANGED' });
    release();
    await flush();
    expect(w.received).toEqual([1, 2, 3, 4]);
    expect(w.pullCalls).toHaveLength(2);
    expect(stateOf(actor)).toBe('idle');
    actor.stop();
  });

  it('SYNC.NOW when idle runs a round at once', async () => {
    const w = world(0);
    const { actor } = start(w);
    await flush();
    actor.send({ type: 'SYNC.NOW' });
    await flush();
    expect(w.pushCalls).toHaveLength(2);
    actor.stop();
  });
});

describe('sync machine: offline and failures', () => {
  it('goes offline when the server cannot be reached, retries with growing delays forever, and drains when it is back', async () => {
    const w = world(5);
    w.setDown('offline');
    const { actor, statuses } = start(w);
    await flush();
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'offline', attempt: 1, retryInMs: 1000, lastError: { kind: 'offline' } });
    // 1 s, 2 s, 4 s, 8 s, then 16 s (the cap) for as long as it takes.
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      const wait = syncStatus(actor.getSnapshot()).retryInMs ?? 0;
      delays.push(wait);
      const before = w.pushCalls.length;
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(w.pushCalls.length).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(w.pushCalls.length).toBe(before + 1);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 16000, 16000, 16000, 16000, 16000, 16000, 16000]);
    expect(w.received).toEqual([]);
    w.setDown('no');
    await vi.advanceTimersByTimeAsync(16_000);
    expect(w.received).toEqual([1, 2, 3, 4, 5]);
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'idle', attempt: 0, lastError: null, lastSuccessAt: AT });
    expect(statuses().map((s) => s.state)).toContain('offline');
    actor.stop();
  });

  it('emits sync.succeeded once per good round, with what it sent and how many rounds failed before it', async () => {
    const w = world(3);
    w.setDown('offline');
    const { actor, emitted } = start(w);
    await flush();
    await vi.advanceTimersByTimeAsync(1_000 + 2_000);
    expect(w.pushCalls.length).toBe(3);
    const succeeded = () => emitted.filter((e) => e.type === 'sync.succeeded');
    expect(succeeded()).toEqual([]);
    w.setDown('no');
    await vi.advanceTimersByTimeAsync(4_000);
    expect(succeeded()).toEqual([{ type: 'sync.succeeded', sent: 3, backlog: 0, failedRounds: 3, at: AT }]);
    // The next poll is a good round on a healthy link: nothing sent, nothing failed before it.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(succeeded()).toHaveLength(2);
    expect(succeeded()[1]).toMatchObject({ sent: 0, failedRounds: 0 });
    actor.stop();
  });

  it('sales made while offline are counted but do not trigger retries; NETWORK.UP and SYNC.NOW retry at once', async () => {
    const w = world(0);
    w.setDown('offline');
    const { actor } = start(w);
    await flush();
    expect(w.pushCalls).toHaveLength(1);
    for (let i = 1; i <= 5; i++) {
      w.add(1);
      actor.send({ type: 'OUTBOX.CHANGED', backlog: i });
    }
    await flush();
    expect(w.pushCalls).toHaveLength(1);
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'offline', backlog: 5 });
    w.setDown('no');
    actor.send({ type: 'NETWORK.UP' });
    await flush();
    expect(w.received).toEqual([1, 2, 3, 4, 5]);
    expect(stateOf(actor)).toBe('idle');

    w.setDown('error');
    actor.send({ type: 'SYNC.NOW' });
    await flush();
    expect(stateOf(actor)).toBe('failing');
    w.setDown('no');
    actor.send({ type: 'SYNC.NOW' });
    await flush();
    expect(stateOf(actor)).toBe('idle');
    actor.stop();
  });

  it('a server error (not a lost connection) is "failing", retried on the same schedule', async () => {
    const w = world(2);
    w.setDown('error');
    const { actor } = start(w);
    await flush();
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'failing', attempt: 1, lastError: { kind: 'transient', message: 'server answered 503' } });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'failing', attempt: 2, retryInMs: 2000 });
    w.setDown('no');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(w.received).toEqual([1, 2]);
    expect(stateOf(actor)).toBe('idle');
    actor.stop();
  });

  it('a failed catalog pull is a failed round too: the next round pushes (nothing) and pulls again', async () => {
    const w = world(0, { catalogPages: 1 });
    const pull = w.effects.pullCatalog;
    let fails = 1;
    const actor = createActor(
      provideSync({
        ...w.effects,
        pullCatalog: async (input) => {
          if (fails-- > 0) throw new Offline('timeout');
          return pull(input);
        },
      }),
      { input: { backoff: BACKOFF } },
    );
    actor.start();
    await flush();
    expect(stateOf(actor)).toBe('offline');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'idle', catalogVersion: 1 });
    actor.stop();
  });

  it('NETWORK.DOWN while idle goes offline at once and waits; NETWORK.UP brings it back', async () => {
    const w = world(0);
    const { actor } = start(w);
    await flush();
    actor.send({ type: 'NETWORK.DOWN' });
    expect(syncStatus(actor.getSnapshot())).toMatchObject({ state: 'offline', lastError: { kind: 'offline' } });
    actor.send({ type: 'NETWORK.UP' });
    await flush();
    expect(stateOf(actor)).toBe('idle');
    expect(w.pushCalls).toHaveLength(2);
    actor.stop();
  });

  it('jitter spreads the delays between half and all of the backoff, the same for the same seed', async () => {
    const run = async (seed: number) => {
      const w = world(0);
      w.setDown('offline');
      const { actor } = start(w, { backoff: { ...BACKOFF, jitter: 0.5 }, jitterSeed: seed });
      await flush();
      const delays: number[] = [];
      for (let i = 0; i < 6; i++) {
        const wait = syncStatus(actor.getSnapshot()).retryInMs ?? 0;
        delays.push(wait);
        await vi.advanceTimersByTimeAsync(wait);
      }
      actor.stop();
      return delays;
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
    const ceilings = [1000, 2000, 4000, 8000, 16000, 16000];
    a.forEach((d, i) => {
      const ceiling = ceilings[i] ?? 0;
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    });
  });

  it('without provided effects it fails loudly (failing, naming the missing actor) instead of pretending', async () => {
    const actor = createActor(syncMachine, { input: { backoff: BACKOFF } });
    actor.start();
    await flush();
    const s: SyncStatus = syncStatus(actor.getSnapshot());
    expect(s.state).toBe('failing');
    expect(s.lastError?.message).toContain('"pushBatch"');
    actor.stop();
  });

  it('refuses a bad batch size or backoff at start (the actor errors, naming it)', () => {
    const errorOf = (input: SyncInput) => {
      const actor = createActor(syncMachine, { input });
      actor.subscribe({ error: () => undefined });
      actor.start();
      const snapshot = actor.getSnapshot();
      return snapshot.status === 'error' ? String(snapshot.error) : 'started';
    };
    expect(errorOf({ batchSize: 0 })).toMatch(/batchSize must be a positive whole number, got 0/);
    expect(errorOf({ backoff: { initialMs: 0, maxMs: 1, factor: 2, jitter: 0 } })).toMatch(/backoff needs initialMs/);
  });
});
