// What the terminal remembers about sync, in the settings table (no table of its own, so the
// schema stays as it is): the outbox cursor, the catalog version applied, the last success and
// the last failure, catalog changes it could not apply, and the dead letters with their reasons.
//
// Decisions a caller must know:
// - THE CURSOR is the last outbox row of the settled prefix (every row up to it is sent or
//   dead), stored with that row's idempotency key. Reads start after it, so a batch or a backlog
//   count walks the outbox's primary key from there, never the whole history. If that row is no
//   longer there with that key (the outbox was pruned, or this is another database), the cursor
//   is not trusted and reading starts from the beginning: a stale cursor can cost a scan, never
//   skip a message.
// - DEAD LETTERS are one setting each, `sync.dead.<seq padded to 16 digits>`, so they list in seq
//   order by a range read of the settings key. They are rare (a rejected item is a bug or a
//   conflict someone must look at), so this stays small.
// - Everything here runs inside the caller's transaction when there is one: the sync client
//   settles a batch, moves the cursor and records the success in one.
import { z } from 'zod';
import { countPendingAfter, outboxRowAt } from '../db/outbox.ts';
import type { Db } from '../db/open.ts';
import { getSetting, setSetting } from '../db/settings.ts';

const KEY = {
  cursor: 'sync.cursor',
  catalogVersion: 'sync.catalogVersion',
  lastSuccessAt: 'sync.lastSuccessAt',
  lastFailure: 'sync.lastFailure',
  catalogSkipped: 'sync.catalogSkipped',
} as const;
const DEAD_PREFIX = 'sync.dead.';
/** Sorts after every DEAD_PREFIX key ('/' follows '.'). */
const DEAD_END = 'sync.dead/';
/** Catalog changes that could not be applied: the newest this many are kept with their reasons. */
const SKIPPED_KEPT = 20;

const cursorSchema = z.strictObject({ seq: z.int().nonnegative(), key: z.string() });
const failureSchema = z.strictObject({
  at: z.string(),
  kind: z.enum(['offline', 'transient', 'refused']),
  code: z.string().nullable(),
  message: z.string(),
});
const skippedEntry = z.strictObject({ version: z.int(), kind: z.string(), reason: z.string() });
const skippedSchema = z.strictObject({ count: z.int().nonnegative(), newest: z.array(skippedEntry) });
const deadSchema = z.strictObject({
  seq: z.int().positive(),
  idempotencyKey: z.string(),
  type: z.string(),
  reason: z.string(),
  message: z.string(),
  at: z.string(),
});

export type SyncFailure = z.infer<typeof failureSchema>;
export type DeadLetter = z.infer<typeof deadSchema>;
export type SkippedCatalogChange = z.infer<typeof skippedEntry>;

/** The seq after which pending messages are read (0: from the start). */
export function outboxCursor(db: Db): number {
  const cursor = getSetting(db, KEY.cursor, cursorSchema);
  if (cursor === undefined || cursor.seq === 0) return 0;
  const row = outboxRowAt(db, cursor.seq);
  return row !== null && row.idempotencyKey === cursor.key && row.status !== 'pending' ? cursor.seq : 0;
}

/** Moves the cursor to a settled row; never backwards. */
export function advanceOutboxCursor(db: Db, seq: number, key: string): void {
  if (seq > outboxCursor(db)) setSetting(db, KEY.cursor, { seq, key });
}

export function backlog(db: Db): number {
  return countPendingAfter(db, outboxCursor(db));
}

export function catalogVersion(db: Db): number {
  return getSetting(db, KEY.catalogVersion, z.int().nonnegative()) ?? 0;
}

export function setCatalogVersion(db: Db, version: number): void {
  setSetting(db, KEY.catalogVersion, version);
}

export function lastSuccessAt(db: Db): string | null {
  return getSetting(db, KEY.lastSuccessAt, z.string()) ?? null;
}

export function recordSuccess(db: Db, at: string): void {
  setSetting(db, KEY.lastSuccessAt, at);
}

export function lastFailure(db: Db): SyncFailure | null {
  return getSetting(db, KEY.lastFailure, failureSchema) ?? null;
}

export function recordFailure(db: Db, failure: SyncFailure): void {
  setSetting(db, KEY.lastFailure, failure);
}

function deadKey(seq: number): string {
  return `${DEAD_PREFIX}${String(seq).padStart(16, '0')}`;
}

export function addDeadLetter(db: Db, dead: DeadLetter): void {
  setSetting(db, deadKey(dead.seq), dead);
}

/** Dead letters in seq order (the first `limit`). */
export function deadLetters(db: Db, limit = 1000): DeadLetter[] {
  const rows = db
    .prepare('SELECT value FROM settings WHERE key >= ? AND key < ? ORDER BY key LIMIT ?')
    .pluck()
    .all(DEAD_PREFIX, DEAD_END, limit) as string[];
  return rows.map((text) => deadSchema.parse(JSON.parse(text)));
}

export function countDeadLetters(db: Db): number {
  return db.prepare('SELECT count(*) FROM settings WHERE key >= ? AND key < ?').pluck().get(DEAD_PREFIX, DEAD_END) as number;
}

export function catalogSkipped(db: Db): { count: number; newest: SkippedCatalogChange[] } {
  return getSetting(db, KEY.catalogSkipped, skippedSchema) ?? { count: 0, newest: [] };
}

export function addCatalogSkipped(db: Db, skipped: readonly SkippedCatalogChange[]): void {
  if (skipped.length === 0) return;
  const now = catalogSkipped(db);
  setSetting(db, KEY.catalogSkipped, { count: now.count + skipped.length, newest: [...now.newest, ...skipped].slice(-SKIPPED_KEPT) });
}

/** What `kassa sync status` and the manager screens show. */
export interface SyncReport {
  readonly backlog: number;
  /** The oldest message still waiting, if any. */
  readonly oldestPending: { readonly seq: number; readonly type: string; readonly createdAt: string; readonly attempts: number } | null;
  readonly deadLetterCount: number;
  /** The first 100 dead letters, in seq order. */
  readonly deadLetters: readonly DeadLetter[];
  readonly lastSuccessAt: string | null;
  /** The last failed round, kept after later successes (compare its time with lastSuccessAt). */
  readonly lastFailure: SyncFailure | null;
  readonly catalogVersion: number;
  readonly catalogSkipped: { readonly count: number; readonly newest: readonly SkippedCatalogChange[] };
}

export function syncReport(db: Db): SyncReport {
  const cursor = outboxCursor(db);
  const oldest = db
    .prepare("SELECT seq, type, created_at AS createdAt, attempts FROM outbox WHERE seq > ? AND status = 'pending' ORDER BY seq LIMIT 1")
    .get(cursor) as SyncReport['oldestPending'] | undefined;
  return {
    backlog: countPendingAfter(db, cursor),
    oldestPending: oldest ?? null,
    deadLetterCount: countDeadLetters(db),
    deadLetters: deadLetters(db, 100),
    lastSuccessAt: lastSuccessAt(db),
    lastFailure: lastFailure(db),
    catalogVersion: catalogVersion(db),
    catalogSkipped: catalogSkipped(db),
  };
}
