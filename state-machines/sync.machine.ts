// The terminal's side of store sync as an XState v5 machine (ARCHITECTURE.md §6): it drains the
// outbox to the store server in seq order, one batch at a time, then pulls catalog changes, and
// says how it is going (online, offline, failing; the backlog while it drains).
// Pure (ARCHITECTURE.md §2): it imports only xstate and src/shared. The two effects are named
// promise actors the host supplies with `syncMachine.provide({ actors })` or `provideSync(effects)`;
// the core's are in src/core/sync/. A machine rather than a loop so the app, `kassa sync now`
// and the tests drive the same states, and the UI gets one status stream.
//
// Decisions a host must know:
// - ONE ROUND = push batches (`pushBatch`) until one reports an empty backlog, then pull catalog
//   changes (`pullCatalog`) until one reports `more: false`. A round pushes at most
//   `maxRoundBatches` batches (default 20): with a backlog still left it pulls and another round
//   follows at once, so sales arriving faster than the server takes them cannot starve the
//   catalog (a price change waiting behind an endless push). Only one effect runs at a time, so
//   batches leave in seq order; the effects themselves read and mark the outbox (each call is
//   one batch, marked in one transaction with the server's per-item answers).
// - ROUNDS START on: entering (the first round probes whether the server is there), `pollMs`
//   after the last success, OUTBOX.CHANGED (a sale was committed: push it now), SYNC.NOW and
//   NETWORK.UP. OUTBOX.CHANGED or SYNC.NOW during a round makes one more round follow it, so a
//   sale committed mid-round never waits for the poll.
// - ONLINE/OFFLINE is decided by the answers: an effect that rejects with `kind: 'offline'` (no
//   connection, a timeout) puts the machine in `offline`; any other rejection (5xx, a refused
//   token, a malformed answer) in `failing`. A rejection with no `kind` counts as 'transient'
//   (`failing`). NETWORK.DOWN (a host hint, e.g. the OS lost the link) goes offline at once
//   when idle; mid-round the request in flight decides.
// - RETRIES NEVER GIVE UP: every failure waits `retryDelayMs` (exponential backoff with jitter,
//   `backoffDelayMs`) and starts a new round. Items the server rejects are not failures: the
//   effect dead-letters them and the drain goes on (`deadLetters` counts them).
//   OUTBOX.CHANGED while offline/failing only updates the backlog: sales made during an outage
//   must not hammer a server that is down. SYNC.NOW and NETWORK.UP retry at once.
// - JITTER IS DETERMINISTIC: the jitter of failure n comes from `jitterSeed` and n (the host
//   passes a random seed), so a snapshot or a test replays the same delays, and no clock or
//   Math.random is read here.
// - PROGRESS: every state entry emits `{ type: 'sync.status', status }`; every pushed batch
//   emits `{ type: 'sync.progress', … }` with the backlog left; every round that ends well emits
//   `{ type: 'sync.succeeded', … }` with what it sent and how many failed rounds it ended (the
//   host journals the end of an outage from it). `syncStatus(snapshot)` gives the status from
//   any snapshot (for `actor.select`).
// - Nothing here is persisted: the outbox, the dead letters and the last success live in the
//   database, and the host passes what it knows at start in the input.
import { assign, emit, fromPromise, setup } from 'xstate';
import { seededRandom } from '../src/shared/seeded-random.ts';

export interface SyncBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** 0…1: the share of each delay that is random (0.5: between half and all of it). */
  readonly jitter: number;
}

export const DEFAULT_SYNC_BACKOFF: SyncBackoff = { initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.5 };
export const DEFAULT_SYNC_POLL_MS = 30_000;
export const DEFAULT_SYNC_BATCH_SIZE = 500;
export const DEFAULT_SYNC_MAX_ROUND_BATCHES = 20;

export interface SyncInput {
  readonly batchSize?: number;
  /** Most batches one round pushes before it pulls the catalog (default 20). */
  readonly maxRoundBatches?: number;
  /** Between rounds while all is well (picks up catalog changes; default 30 s). */
  readonly pollMs?: number;
  readonly backoff?: SyncBackoff;
  /** Seeds the jitter (any 32-bit number; the host passes a random one). */
  readonly jitterSeed?: number;
  /** What the host knows at start (from the database). */
  readonly backlog?: number;
  readonly deadLetters?: number;
  readonly lastSuccessAt?: string | null;
  readonly catalogVersion?: number;
}

export type SyncState = 'syncing' | 'idle' | 'offline' | 'failing';
export type SyncErrorKind = 'offline' | 'transient' | 'refused';

export interface SyncError {
  readonly kind: SyncErrorKind;
  readonly message: string;
}

export interface SyncContext {
  readonly batchSize: number;
  readonly maxRoundBatches: number;
  /** Batches pushed in the current round. */
  readonly roundBatches: number;
  readonly pollMs: number;
  readonly backoff: SyncBackoff;
  readonly jitterSeed: number;
  /** Pending outbox items, as last reported. */
  readonly backlog: number;
  /** Items the server rejected (or that could not be read), in all. */
  readonly deadLetters: number;
  readonly lastSuccessAt: string | null;
  readonly catalogVersion: number;
  /** Failed rounds since the last success. */
  readonly attempt: number;
  readonly lastError: SyncError | null;
  /** The wait before the next retry (set on each failure). */
  readonly retryDelayMs: number;
  /** Items the server took (applied or already had) in the current round. */
  readonly roundSent: number;
  /** OUTBOX.CHANGED or SYNC.NOW arrived during the round: run another one after it. */
  readonly again: boolean;
}

export type SyncEvent =
  | { readonly type: 'SYNC.NOW' }
  /**
   * Something was queued. `backlog`: the new pending count, when the host knows it; else
   * `added` (default 1) is added to the last count, which the next batch corrects. (Counting
   * the backlog on every commit would cost a scan of it on the sale path during an outage.)
   */
  | { readonly type: 'OUTBOX.CHANGED'; readonly backlog?: number; readonly added?: number }
  | { readonly type: 'NETWORK.UP' }
  | { readonly type: 'NETWORK.DOWN' };

export interface PushBatchInput {
  readonly batchSize: number;
  /** Failed rounds so far (0 on a healthy link), for the host's logs. */
  readonly attempt: number;
}

export interface PushBatchOutput {
  /** Items the server applied now. */
  readonly applied: number;
  /** Items the server already had (a re-send after a lost answer). */
  readonly duplicates: number;
  /** Items dead-lettered by this batch. */
  readonly deadLettered: number;
  /** Pending items left after this batch; 0 ends the push. */
  readonly backlog: number;
  /** Dead letters in all. */
  readonly deadLetters: number;
  /** Host time the batch was answered. */
  readonly at: string;
}

export interface PullCatalogInput {
  readonly catalogVersion: number;
}

export interface PullCatalogOutput {
  /** Catalog changes applied by this call. */
  readonly applied: number;
  /** The terminal's catalog version after it. */
  readonly catalogVersion: number;
  /** The server has more changes: pull again. */
  readonly more: boolean;
  readonly at: string;
}

export interface SyncStatus {
  readonly state: SyncState;
  readonly backlog: number;
  readonly deadLetters: number;
  readonly lastSuccessAt: string | null;
  readonly catalogVersion: number;
  readonly lastError: SyncError | null;
  /** Failed rounds since the last success. */
  readonly attempt: number;
  /** offline/failing: how long until the next retry; null otherwise. */
  readonly retryInMs: number | null;
}

export type SyncEmitted =
  | { readonly type: 'sync.status'; readonly status: SyncStatus }
  | {
      readonly type: 'sync.progress';
      readonly backlog: number;
      /** Items taken by the server in this round so far. */
      readonly sent: number;
      readonly deadLetters: number;
    }
  | {
      readonly type: 'sync.succeeded';
      /** Items the server took in this round. */
      readonly sent: number;
      /** Pending items left (new sales that came in during the round). */
      readonly backlog: number;
      /** Failed rounds before this one (0: nothing was wrong). */
      readonly failedRounds: number;
      /** Host time the round ended. */
      readonly at: string | null;
    };

/**
 * The wait before retry `attempt` (1 = after the first failure): initialMs·factor^(attempt−1)
 * capped at maxMs, of which the `jitter` share is scaled by `random` (0…1). Never below 1 ms.
 */
export function backoffDelayMs(attempt: number, backoff: SyncBackoff, random: number): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const raw = backoff.initialMs * backoff.factor ** exponent;
  const ceiling = Math.min(backoff.maxMs, Number.isFinite(raw) ? raw : backoff.maxMs);
  const jitter = Math.min(1, Math.max(0, backoff.jitter));
  const r = Math.min(1, Math.max(0, random));
  return Math.max(1, Math.round(ceiling * (1 - jitter + jitter * r)));
}

/** The random number (0…1) for failure `attempt` under `seed`: the same pair gives the same number. */
export function jitterFor(seed: number, attempt: number): number {
  return seededRandom((seed ^ Math.imul(attempt, 0x9e3779b1)) >>> 0)();
}

const SYNC_STATES: readonly SyncState[] = ['syncing', 'idle', 'offline', 'failing'];

function stateOf(value: unknown): SyncState {
  if (typeof value === 'object' && value !== null && 'syncing' in value) return 'syncing';
  return SYNC_STATES.find((s) => s === value) ?? 'syncing';
}

function statusOf(state: SyncState, c: SyncContext): SyncStatus {
  return {
    state,
    backlog: c.backlog,
    deadLetters: c.deadLetters,
    lastSuccessAt: c.lastSuccessAt,
    catalogVersion: c.catalogVersion,
    lastError: c.lastError,
    attempt: c.attempt,
    retryInMs: state === 'offline' || state === 'failing' ? c.retryDelayMs : null,
  };
}

/** The sync status from any snapshot of the machine. */
export function syncStatus(snapshot: { readonly value: unknown; readonly context: SyncContext }): SyncStatus {
  return statusOf(stateOf(snapshot.value), snapshot.context);
}

/** What a rejected effect means: its `kind` when it names one, else 'transient'. */
export function syncErrorOf(error: unknown): SyncError {
  const kind = (error as { kind?: unknown } | null)?.kind;
  const known: SyncErrorKind = kind === 'offline' || kind === 'refused' ? kind : 'transient';
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  return { kind: known, message };
}

/** The output of the done event of an invoked effect (undefined for any other event). */
function outputOf<T>(event: unknown): T | undefined {
  return (event as { output?: T } | null)?.output;
}

function missing(name: string): never {
  throw new Error(`sync: the host did not provide the "${name}" actor; pass it with syncMachine.provide({ actors: { ${name} } }) or provideSync()`);
}

function positiveInt(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`sync: ${what} must be a positive whole number, got ${value}`);
  return value;
}

function checkBackoff(b: SyncBackoff): SyncBackoff {
  const ok = b.initialMs >= 1 && b.maxMs >= b.initialMs && b.factor >= 1 && b.jitter >= 0 && b.jitter <= 1;
  if (!ok) throw new RangeError(`sync: backoff needs initialMs ≥ 1, maxMs ≥ initialMs, factor ≥ 1 and jitter 0…1, got ${JSON.stringify(b)}`);
  return b;
}

const failed = [
  { guard: 'isOffline', target: '#sync.offline', actions: 'recordFailure' },
  { target: '#sync.failing', actions: 'recordFailure' },
] as const;

export const syncMachine = setup({
  types: {
    context: {} as SyncContext,
    events: {} as SyncEvent,
    input: {} as SyncInput,
    emitted: {} as SyncEmitted,
  },
  actors: {
    pushBatch: fromPromise<PushBatchOutput, PushBatchInput>(async () => missing('pushBatch')),
    pullCatalog: fromPromise<PullCatalogOutput, PullCatalogInput>(async () => missing('pullCatalog')),
  },
  guards: {
    isOffline: ({ event }) => syncErrorOf((event as { error?: unknown }).error).kind === 'offline',
    // More to push, and this batch moved something (a batch that moves nothing ends the push,
    // so a stuck item cannot spin the machine; the next round tries again).
    backlogLeft: ({ context, event }) => {
      const o = outputOf<PushBatchOutput>(event);
      return o !== undefined && o.backlog > 0 && o.applied + o.duplicates + o.deadLettered > 0 && context.roundBatches + 1 < context.maxRoundBatches;
    },
    // The round's batch cap was reached with more to push: pull now, push on in the next round.
    cappedWithBacklog: ({ event }) => {
      const o = outputOf<PushBatchOutput>(event);
      return o !== undefined && o.backlog > 0 && o.applied + o.duplicates + o.deadLettered > 0;
    },
    moreCatalog: ({ event }) => outputOf<PullCatalogOutput>(event)?.more === true,
    again: ({ context }) => context.again,
  },
  delays: {
    pollDelay: ({ context }) => context.pollMs,
    retryDelay: ({ context }) => context.retryDelayMs,
  },
  actions: {
    summarize: emit(({ context }, params: { state: SyncState }) => ({ type: 'sync.status' as const, status: statusOf(params.state, context) })),
    startRound: assign({ roundSent: 0, roundBatches: 0, again: false }),
    markAgain: assign({ again: true }),
    noteBacklog: assign(({ context, event }) => {
      if (event.type !== 'OUTBOX.CHANGED') return {};
      const count = (n: number | undefined) => (n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined);
      const backlog = count(event.backlog);
      return { backlog: backlog ?? context.backlog + (count(event.added) ?? 1) };
    }),
    batchDone: assign(({ context, event }) => {
      const o = outputOf<PushBatchOutput>(event);
      if (o === undefined) return {};
      return { backlog: o.backlog, deadLetters: o.deadLetters, roundSent: context.roundSent + o.applied + o.duplicates, roundBatches: context.roundBatches + 1 };
    }),
    progress: emit(({ context }) => ({ type: 'sync.progress' as const, backlog: context.backlog, sent: context.roundSent, deadLetters: context.deadLetters })),
    pullDone: assign(({ context, event }) => ({ catalogVersion: outputOf<PullCatalogOutput>(event)?.catalogVersion ?? context.catalogVersion })),
    roundSucceeded: emit(({ context, event }) => ({
      type: 'sync.succeeded' as const,
      sent: context.roundSent,
      backlog: context.backlog,
      failedRounds: context.attempt,
      at: outputOf<PullCatalogOutput>(event)?.at ?? null,
    })),
    succeeded: assign(({ context, event }) => ({
      attempt: 0,
      lastError: null,
      retryDelayMs: 0,
      lastSuccessAt: outputOf<PullCatalogOutput>(event)?.at ?? context.lastSuccessAt,
    })),
    recordFailure: assign(({ context, event }) => {
      const attempt = context.attempt + 1;
      return {
        attempt,
        lastError: syncErrorOf((event as { error?: unknown }).error),
        retryDelayMs: backoffDelayMs(attempt, context.backoff, jitterFor(context.jitterSeed, attempt)),
      };
    }),
    wentDown: assign({ lastError: { kind: 'offline' as const, message: 'the network is down' } }),
  },
}).createMachine({
  id: 'sync',
  context: ({ input }) => ({
    batchSize: positiveInt(input.batchSize, DEFAULT_SYNC_BATCH_SIZE, 'batchSize'),
    maxRoundBatches: positiveInt(input.maxRoundBatches, DEFAULT_SYNC_MAX_ROUND_BATCHES, 'maxRoundBatches'),
    roundBatches: 0,
    pollMs: positiveInt(input.pollMs, DEFAULT_SYNC_POLL_MS, 'pollMs'),
    backoff: checkBackoff(input.backoff ?? DEFAULT_SYNC_BACKOFF),
    jitterSeed: (input.jitterSeed ?? 0) >>> 0,
    backlog: input.backlog ?? 0,
    deadLetters: input.deadLetters ?? 0,
    lastSuccessAt: input.lastSuccessAt ?? null,
    catalogVersion: input.catalogVersion ?? 0,
    attempt: 0,
    lastError: null,
    retryDelayMs: 0,
    roundSent: 0,
    again: false,
  }),
  initial: 'syncing',
  states: {
    syncing: {
      entry: ['startRound', { type: 'summarize', params: { state: 'syncing' } }],
      initial: 'pushing',
      on: {
        'SYNC.NOW': { actions: 'markAgain' },
        'OUTBOX.CHANGED': { actions: ['noteBacklog', 'markAgain'] },
      },
      states: {
        pushing: {
          invoke: {
            id: 'pushBatch',
            src: 'pushBatch',
            input: ({ context }) => ({ batchSize: context.batchSize, attempt: context.attempt }),
            onDone: [
              { guard: 'backlogLeft', target: 'pushing', reenter: true, actions: ['batchDone', 'progress'] },
              { guard: 'cappedWithBacklog', target: 'pulling', actions: ['batchDone', 'progress', 'markAgain'] },
              { target: 'pulling', actions: ['batchDone', 'progress'] },
            ],
            onError: failed,
          },
        },
        pulling: {
          invoke: {
            id: 'pullCatalog',
            src: 'pullCatalog',
            input: ({ context }) => ({ catalogVersion: context.catalogVersion }),
            onDone: [
              { guard: 'moreCatalog', target: 'pulling', reenter: true, actions: 'pullDone' },
              { guard: 'again', target: '#sync.syncing', reenter: true, actions: ['pullDone', 'roundSucceeded', 'succeeded'] },
              { target: '#sync.idle', actions: ['pullDone', 'roundSucceeded', 'succeeded'] },
            ],
            onError: failed,
          },
        },
      },
    },
    idle: {
      entry: { type: 'summarize', params: { state: 'idle' } },
      after: { pollDelay: { target: 'syncing' } },
      on: {
        'SYNC.NOW': { target: 'syncing' },
        'OUTBOX.CHANGED': { target: 'syncing', actions: 'noteBacklog' },
        'NETWORK.UP': { target: 'syncing' },
        'NETWORK.DOWN': { target: 'offline', actions: 'wentDown' },
      },
    },
    offline: {
      entry: { type: 'summarize', params: { state: 'offline' } },
      after: { retryDelay: { target: 'syncing' } },
      on: {
        'SYNC.NOW': { target: 'syncing' },
        'NETWORK.UP': { target: 'syncing' },
        'OUTBOX.CHANGED': { actions: 'noteBacklog' },
      },
    },
    failing: {
      entry: { type: 'summarize', params: { state: 'failing' } },
      after: { retryDelay: { target: 'syncing' } },
      on: {
        'SYNC.NOW': { target: 'syncing' },
        'NETWORK.UP': { target: 'syncing' },
        'OUTBOX.CHANGED': { actions: 'noteBacklog' },
      },
    },
  },
});

// ---------------------------------------------------------------------------------------------
// Host wiring

/** The effects a host implements; the signal fires when the machine stops. */
export interface SyncEffects {
  pushBatch(input: PushBatchInput, signal: AbortSignal): Promise<PushBatchOutput>;
  pullCatalog(input: PullCatalogInput, signal: AbortSignal): Promise<PullCatalogOutput>;
}

/** The machine with the host's effects plugged in. */
export function provideSync(effects: SyncEffects) {
  return syncMachine.provide({
    actors: {
      pushBatch: fromPromise<PushBatchOutput, PushBatchInput>(({ input, signal }) => effects.pushBatch(input, signal)),
      pullCatalog: fromPromise<PullCatalogOutput, PullCatalogInput>(({ input, signal }) => effects.pullCatalog(input, signal)),
    },
  });
}

export type SyncMachine = typeof syncMachine;
