// Applying a terminal's pushed batch: exactly once, in one transaction, answered item by item
// (ARCHITECTURE.md §3 rule 4, §6; reference/architecture.md §4 "Idempotency").
//
// Decisions a caller must know:
// - refuseNewerSchema runs on the raw body before the envelope schema: a newer item may have a
//   shape this code does not know, and must be refused as `newer-schema` (wait for an
//   upgrade), not as `malformed` (a bug).
// - Each item's payload is checked against its type's schema; a bad one is `rejected` with the
//   field named, and the rest of the batch still applies. Rejected items are not stored, so a
//   re-send gets the same answer.
// - Exactly once: sync_items' primary key (terminal id, idempotency key). A key already there
//   with the same content hash (sha256 of the canonical JSON of type, schemaVersion, payload)
//   is `duplicate`; with other content `key-conflict`. A key twice in one batch: the second
//   gets the first's answer (same content) or `key-conflict`.
// - A sale id, or a refund part, already stored under another key is `id-conflict`: the item
//   is not stored (its row is removed in the same transaction).
// - The batch is one transaction, written set-wise (a handful of statements per batch, not
//   per item: draining a 100,000-sale backlog must run at thousands of sales a second). Any
//   error in it rolls the whole batch back and is rethrown: the caller answers `unavailable`
//   and the terminal re-sends the batch as it was.
// - The same transaction records the stored sales' coupons (./coupons.ts) and members' points
//   (./members.ts, which publishes the new balances), so a re-sent batch counts them once.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { canonicalJson } from '../../core/db/canonical-json.ts';
import {
  ITEM_PAYLOAD_SCHEMAS,
  ITEM_TYPES,
  SYNC_SCHEMA_VERSION,
  type ItemResult,
  type PushRequest,
  type PushResponse,
  type RefundPayload,
  type SaleRecordPayload,
  type SyncItemType,
} from '../../shared/sync-protocol.ts';
import type { SqlRunner, StoreStorage } from './storage.ts';
import type { AuthenticatedTerminal } from './terminals.ts';
import { StoreRefusal } from './refusal.ts';
import { recordCouponSales } from './coupons.ts';
import { recordMemberSales } from './members.ts';

/**
 * The first item of a raw (unvalidated) push body whose schemaVersion is newer than this
 * server's, as a refusal; null when there is none.
 */
export function refuseNewerSchema(body: unknown): StoreRefusal | null {
  if (typeof body !== 'object' || body === null) return null;
  const items = (body as { items?: unknown }).items;
  if (!Array.isArray(items)) return null;
  for (const [index, item] of items.entries()) {
    if (typeof item !== 'object' || item === null) continue;
    const { schemaVersion, idempotencyKey } = item as { schemaVersion?: unknown; idempotencyKey?: unknown };
    if (typeof schemaVersion === 'number' && schemaVersion > SYNC_SCHEMA_VERSION) {
      const key = typeof idempotencyKey === 'string' ? idempotencyKey : undefined;
      return new StoreRefusal(
        'newer-schema',
        `items[${index}]${key === undefined ? '' : ` (${key})`} has item schema ${schemaVersion}, newer than this store server understands (${SYNC_SCHEMA_VERSION}); nothing from the batch was stored: upgrade the store server`,
        { itemIndex: index, ...(key === undefined ? {} : { idempotencyKey: key }), supportedSchemaVersion: SYNC_SCHEMA_VERSION },
      );
    }
  }
  return null;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Cheap first look: almost no string has a surrogate, and those skip the lookaround regex. */
const SURROGATE = /[\ud800-\udfff]/;

function unstorableText(s: string): boolean {
  return s.includes('\u0000') || (SURROGATE.test(s) && LONE_SURROGATE.test(s));
}

/** The path (innermost last) to the first unstorable string or key, or null. */
function unstorablePath(value: unknown): Array<string | number> | null {
  if (typeof value === 'string') return unstorableText(value) ? [] : null;
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorablePath(value[i]);
      if (found !== null) return [i, ...found];
    }
    return null;
  }
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    if (unstorableText(k)) return [k, '(key)'];
    const found = unstorablePath((value as Record<string, unknown>)[k]);
    if (found !== null) return [k, ...found];
  }
  return null;
}

/**
 * Where a JSON value holds text PostgreSQL cannot store in jsonb (a NUL character, a lone
 * UTF-16 surrogate), as a message naming the path; null when it has none. Such an item would
 * fail its batch's transaction on every re-send and block the terminal's queue for good, so it
 * is rejected instead.
 */
export function findUnstorable(value: unknown, path: string): string | null {
  const found = unstorablePath(value);
  if (found === null) return null;
  const isKey = found[found.length - 1] === '(key)';
  const segments = isKey ? found.slice(0, -1) : found;
  let at = path;
  for (const p of segments) at += typeof p === 'number' ? `[${p}]` : `.${p}`;
  return isKey ? `${at}: the key holds a NUL character or a lone surrogate, which the store cannot keep` : `${at}: holds a NUL character or a lone surrogate, which the store cannot keep`;
}

/** "items[3].payload.tenders[0].method: Invalid option…" for the first few issues. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    let path = prefix;
    for (const p of issue.path) path += typeof p === 'number' ? `[${p}]` : `${path === '' ? '' : '.'}${String(p)}`;
    return `${path === '' ? '(body)' : path}: ${issue.message}`;
  });
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}

interface Candidate {
  readonly index: number;
  readonly key: string;
  readonly type: SyncItemType;
  readonly hash: string;
  readonly sale?: SaleRecordPayload;
  readonly refund?: Extract<RefundPayload, { kind: 'sale.refunded' }>;
}

function contentHash(type: string, schemaVersion: number, payload: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ type, schemaVersion, payload }, { allowFractions: true }))
    .digest('hex');
}

const rejected = (key: string, reason: Extract<ItemResult, { status: 'rejected' }>['reason'], message: string): ItemResult => ({ idempotencyKey: key, status: 'rejected', reason, message });

/** Per item: an answer now (rejected), or a candidate to write. */
function check(terminal: AuthenticatedTerminal, request: PushRequest): { results: (ItemResult | undefined)[]; candidates: Candidate[]; later: Map<number, Candidate> } {
  const results: (ItemResult | undefined)[] = [];
  const candidates: Candidate[] = [];
  /** Items repeating a key already in this batch: answered from the first one's result. */
  const later = new Map<number, Candidate>();
  const firstByKey = new Map<string, Candidate>();
  const saleIds = new Map<string, string>();
  const refundParts = new Map<string, string>();
  for (const [index, item] of request.items.entries()) {
    const key = item.idempotencyKey;
    const at = `items[${index}]`;
    if (!(ITEM_TYPES as readonly string[]).includes(item.type)) {
      results[index] = rejected(key, 'unknown-type', `${at}.type: "${item.type}" is not an item type this store server knows (${ITEM_TYPES.join(', ')})`);
      continue;
    }
    const type = item.type as SyncItemType;
    const parsed = ITEM_PAYLOAD_SCHEMAS[type].safeParse(item.payload);
    if (!parsed.success) {
      results[index] = rejected(key, 'invalid-payload', describeIssues(parsed.error, `${at}.payload`));
      continue;
    }
    const unstorable = findUnstorable(item.payload, `${at}.payload`);
    if (unstorable !== null) {
      results[index] = rejected(key, 'invalid-payload', unstorable);
      continue;
    }
    let hash: string;
    try {
      hash = contentHash(type, item.schemaVersion, item.payload);
    } catch (err) {
      results[index] = rejected(key, 'invalid-payload', `${at}.payload: ${(err as Error).message}`);
      continue;
    }
    const sale = type === 'sale' ? (parsed.data as SaleRecordPayload) : undefined;
    const refundData = type === 'refund' ? (parsed.data as RefundPayload) : undefined;
    const refund = refundData?.kind === 'sale.refunded' ? refundData : undefined;
    const candidate: Candidate = { index, key, type, hash, ...(sale ? { sale } : {}), ...(refund ? { refund } : {}) };
    const first = firstByKey.get(key);
    if (first !== undefined) {
      later.set(index, candidate);
      continue;
    }
    if (sale !== undefined && sale.terminalId !== terminal.terminalId) {
      results[index] = rejected(key, 'terminal-mismatch', `${at}.payload.terminalId: the sale is terminal ${sale.terminalId}'s, but terminal ${terminal.terminalId} sent it`);
      continue;
    }
    if (sale !== undefined) {
      const other = saleIds.get(sale.id);
      if (other !== undefined) {
        results[index] = rejected(key, 'id-conflict', `${at}: sale ${sale.id} is also in this batch under key ${other}`);
        continue;
      }
      saleIds.set(sale.id, key);
    }
    if (refund !== undefined) {
      const part = `${refund.entry.refundId}#${refund.entry.partNo}`;
      const other = refundParts.get(part);
      if (other !== undefined) {
        results[index] = rejected(key, 'id-conflict', `${at}: refund ${refund.entry.refundId} part ${refund.entry.partNo} is also in this batch under key ${other}`);
        continue;
      }
      refundParts.set(part, key);
    }
    firstByKey.set(key, candidate);
    candidates.push(candidate);
  }
  return { results, candidates, later };
}

async function writeItems(tx: SqlRunner, terminal: AuthenticatedTerminal, request: PushRequest, candidates: readonly Candidate[]): Promise<Set<string>> {
  const rows = candidates.map((c) => {
    const item = request.items[c.index];
    if (item === undefined) throw new Error(`no item ${c.index}`);
    return { k: c.key, seq: item.seq, type: c.type, sv: item.schemaVersion, h: c.hash, p: item.payload, c: item.createdAt };
  });
  const inserted = await tx.query<{ idempotency_key: string }>(
    `INSERT INTO sync_items (terminal_id, idempotency_key, store_id, seq, type, schema_version, content_hash, payload, created_at, batch_id)
     SELECT $1, x.k, $2, x.seq, x.type, x.sv, x.h, x.p, x.c, $3
     FROM jsonb_to_recordset($4::jsonb) AS x(k text, seq bigint, type text, sv integer, h text, p jsonb, c timestamptz)
     ON CONFLICT (terminal_id, idempotency_key) DO NOTHING
     RETURNING idempotency_key`,
    [terminal.terminalId, terminal.storeId, request.batchId, JSON.stringify(rows)],
  );
  return new Set(inserted.map((r) => r.idempotency_key));
}

async function storedHashes(tx: SqlRunner, terminalId: string, keys: readonly string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await tx.query<{ idempotency_key: string; content_hash: string }>(
    'SELECT idempotency_key, content_hash FROM sync_items WHERE terminal_id = $1 AND idempotency_key = ANY($2::text[])',
    [terminalId, keys],
  );
  return new Map(rows.map((r) => [r.idempotency_key, r.content_hash]));
}

/** Inserts the sales; returns the keys whose sale id was already stored (not inserted). */
async function writeSales(tx: SqlRunner, terminal: AuthenticatedTerminal, sales: readonly Candidate[]): Promise<Set<string>> {
  if (sales.length === 0) return new Set();
  const rows = sales.map((c) => {
    const s = c.sale as SaleRecordPayload;
    return { id: s.id, k: c.key, r: s.receiptNo, cur: s.currency, at: s.completedAt, tr: s.training, sub: s.subtotal, tax: s.taxTotal, tot: s.total, rnd: s.rounding };
  });
  const inserted = await tx.query<{ sale_id: string }>(
    `INSERT INTO sales (sale_id, store_id, terminal_id, idempotency_key, receipt_no, currency, completed_at, training, subtotal, tax_total, total, rounding)
     SELECT x.id, $1, $2, x.k, x.r, x.cur, x.at, x.tr, x.sub, x.tax, x.tot, x.rnd
     FROM jsonb_to_recordset($3::jsonb) AS x(id text, k text, r bigint, cur text, at timestamptz, tr boolean, sub bigint, tax bigint, tot bigint, rnd bigint)
     ON CONFLICT (sale_id) DO NOTHING
     RETURNING sale_id`,
    [terminal.storeId, terminal.terminalId, JSON.stringify(rows)],
  );
  const ok = new Set(inserted.map((r) => r.sale_id));
  const tenders = sales.flatMap((c) => {
    const s = c.sale as SaleRecordPayload;
    return ok.has(s.id) ? s.tenders.map((t, position) => ({ id: s.id, pos: position + 1, seq: t.seq, m: t.method, a: t.amount })) : [];
  });
  if (tenders.length > 0) {
    await tx.query(
      `INSERT INTO sale_tenders (sale_id, position, seq, method, amount)
       SELECT x.id, x.pos, x.seq, x.m, x.a FROM jsonb_to_recordset($1::jsonb) AS x(id text, pos integer, seq integer, m text, a bigint)`,
      [JSON.stringify(tenders)],
    );
  }
  return new Set(sales.filter((c) => !ok.has((c.sale as SaleRecordPayload).id)).map((c) => c.key));
}

/** Inserts the refunded parts; returns the keys whose part was already stored. */
async function writeRefunds(tx: SqlRunner, terminal: AuthenticatedTerminal, refunds: readonly Candidate[]): Promise<Set<string>> {
  if (refunds.length === 0) return new Set();
  const rows = refunds.map((c) => {
    const r = c.refund as Extract<RefundPayload, { kind: 'sale.refunded' }>;
    return { id: r.entry.refundId, part: r.entry.partNo, k: c.key, sale: r.entry.saleId, m: r.entry.method, a: r.entry.amount, cur: r.entry.currency, at: r.at, tr: r.training };
  });
  const inserted = await tx.query<{ idempotency_key: string }>(
    `INSERT INTO refunds (refund_id, part_no, store_id, terminal_id, idempotency_key, sale_id, method, amount, currency, refunded_at, training)
     SELECT x.id, x.part, $1, $2, x.k, x.sale, x.m, x.a, x.cur, x.at, x.tr
     FROM jsonb_to_recordset($3::jsonb) AS x(id text, part integer, k text, sale text, m text, a bigint, cur text, at timestamptz, tr boolean)
     ON CONFLICT (refund_id, part_no) DO NOTHING
     RETURNING idempotency_key`,
    [terminal.storeId, terminal.terminalId, JSON.stringify(rows)],
  );
  const ok = new Set(inserted.map((r) => r.idempotency_key));
  return new Set(refunds.filter((c) => !ok.has(c.key)).map((c) => c.key));
}

/**
 * Applies a validated batch (schema checked, refuseNewerSchema passed) from an authenticated
 * terminal in one transaction and answers every item, in order.
 */
export async function applyPush(storage: StoreStorage, terminal: AuthenticatedTerminal, request: PushRequest, now: Date): Promise<PushResponse> {
  const { results, candidates, later } = check(terminal, request);
  if (candidates.length > 0) {
    await storage.transaction(async (tx) => {
      const inserted = await writeItems(tx, terminal, request, candidates);
      const fresh = candidates.filter((c) => inserted.has(c.key));
      const stored = await storedHashes(
        tx,
        terminal.terminalId,
        candidates.filter((c) => !inserted.has(c.key)).map((c) => c.key),
      );
      const saleConflicts = await writeSales(tx, terminal, fresh.filter((c) => c.sale !== undefined));
      // Coupons redeemed and members' points (issue 8), for the sales stored just now.
      const storedSales = fresh.filter((c) => c.sale !== undefined && !saleConflicts.has(c.key)).map((c) => c.sale as SaleRecordPayload);
      await recordCouponSales(tx, terminal, storedSales);
      await recordMemberSales(tx, terminal, storedSales);
      const refundConflicts = await writeRefunds(tx, terminal, fresh.filter((c) => c.refund !== undefined));
      const conflicts = [...saleConflicts, ...refundConflicts];
      if (conflicts.length > 0) {
        await tx.query('DELETE FROM sync_items WHERE terminal_id = $1 AND idempotency_key = ANY($2::text[])', [terminal.terminalId, conflicts]);
      }
      await tx.query('UPDATE terminals SET last_push_at = $2 WHERE terminal_id = $1', [terminal.terminalId, now]);
      for (const c of candidates) {
        if (saleConflicts.has(c.key)) {
          results[c.index] = rejected(c.key, 'id-conflict', `items[${c.index}]: sale ${c.sale?.id ?? '?'} is already stored under another idempotency key`);
        } else if (refundConflicts.has(c.key)) {
          results[c.index] = rejected(c.key, 'id-conflict', `items[${c.index}]: refund ${c.refund?.entry.refundId ?? '?'} part ${c.refund?.entry.partNo ?? '?'} is already stored under another idempotency key`);
        } else if (inserted.has(c.key)) {
          results[c.index] = { idempotencyKey: c.key, status: 'applied' };
        } else if (stored.get(c.key) === c.hash) {
          results[c.index] = { idempotencyKey: c.key, status: 'duplicate' };
        } else {
          results[c.index] = rejected(c.key, 'key-conflict', `items[${c.index}]: key ${c.key} was stored before with different content; the stored item stays`);
        }
      }
    });
  }
  const firstByKey = new Map(candidates.map((c) => [c.key, c]));
  for (const [index, c] of later) {
    const first = firstByKey.get(c.key);
    const answer = first === undefined ? undefined : results[first.index];
    if (first !== undefined && answer !== undefined && first.hash === c.hash) {
      results[index] = answer.status === 'applied' ? { idempotencyKey: c.key, status: 'duplicate' } : answer;
    } else {
      results[index] = rejected(c.key, 'key-conflict', `items[${index}]: key ${c.key} is in this batch twice with different content`);
    }
  }
  const answers = request.items.map((_, index) => {
    const answer = results[index];
    if (answer === undefined) throw new Error(`push: items[${index}] was not answered`);
    return answer;
  });
  return {
    batchId: request.batchId,
    results: answers,
    applied: answers.filter((r) => r.status === 'applied').length,
    duplicates: answers.filter((r) => r.status === 'duplicate').length,
    rejected: answers.filter((r) => r.status === 'rejected').length,
    serverTime: now.toISOString(),
  };
}
