// The wire protocol between a terminal and the store server (`kassa store-server`): the HTTP
// paths, headers, request and answer bodies, as zod schemas and types. The server validates
// every body with these before it touches storage; the terminal's sync loop builds its
// requests and reads the answers with the same schemas (ARCHITECTURE.md §6, issue 6).
//
// Pure: zod and types only (no node:*, no fetch), so the terminal core, the server and the
// tests all import it.
//
// Decisions a caller must know:
// - Paths carry the API version (/v1/…). Every body is JSON (Content-Type: application/json).
//   Terminal requests carry `Authorization: Bearer <terminal token>` and `Kassa-Terminal:
//   <terminal id>`; admin requests (/v1/admin/…) carry `Authorization: Bearer <admin token>`.
// - A push is answered item by item, in the order sent: `applied` (stored now), `duplicate`
//   (this terminal already sent this idempotency key with the same content: nothing changed),
//   or `rejected` with a reason (permanent: the terminal dead-letters the item; re-sending it
//   gets the same answer). Rejected items are not stored.
// - A whole batch is refused (HTTP 4xx/5xx with an `error` body, nothing stored from it) when it
//   is malformed, its credentials are wrong, or any item has a newer `schemaVersion` than the
//   server understands (SYNC_SCHEMA_VERSION). A refused batch dead-letters nothing: the
//   terminal keeps its items and retries (`ERROR_ADVICE` says how).
// - Item schemaVersion is per item, so a terminal that upgrades mid-backlog sends old items as
//   they were written. A server meets a newer item only when it is older than the terminal:
//   the answer is `newer-schema` and the queue waits for the server's upgrade.
// - Exactly once: the server keeps (terminal id, idempotency key) unique and compares a hash of
//   (type, schemaVersion, payload) on a re-send. The same key with different content is
//   rejected `key-conflict`, never silently accepted.
// - Sale payloads are the terminal's SaleRecord as committed (src/domain/sale-record.ts). The
//   server checks only the fields it stores and sums (saleRecordPayload); it never refuses a
//   sale because its figures do not add up: that money is already taken, `kassa verify` on the
//   terminal reports it.
// - Catalog versions are per store, gapless and increasing from 1; a terminal pulls `since`
//   the last version it applied, applies each change in version order, and asks again while
//   `more` is true. A pull answer never ends inside one publish (it may run past `limit` to
//   finish it), so a terminal that applies each answer in one transaction applies a publish
//   whole.
// - Money is integer minor units with a currency code (ARCHITECTURE.md §3 rule 1); every sum
//   in a settlement answer is a safe integer.
// - A terminal may say how it stands on any request in the optional `Kassa-Terminal-Report`
//   header (TERMINAL_REPORT_HEADER, JSON {v, backlog, lastReceiptNo, at}; added in API 1 without
//   a version bump): a header, not a body field, so it rides on GETs too, and a server that does
//   not know it ignores it while one that does still serves terminals that never send it. The
//   server keeps the latest report per terminal and flags the settlement with it.
import { z } from 'zod';
import { couponSchema } from '../domain/coupons/coupon.ts';
import { memberSchema } from '../domain/members/member.ts';
import { promotionSchema } from '../domain/promotions/promotion.ts';

/** The newest item schema this code writes and understands. Items above it are refused. */
export const SYNC_SCHEMA_VERSION = 1;
/** The API version in every path. */
export const SYNC_API_VERSION = 1;

/** Most items one push may carry. */
export const MAX_BATCH_ITEMS = 1000;
/** Largest request body the server reads (a 1000-sale batch of 10-line sales is ~5 MB). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Most catalog changes in one pull answer, and the default. */
export const MAX_CATALOG_PULL = 5000;
export const DEFAULT_CATALOG_PULL = 500;
/** Most changes one catalog publish may carry. */
export const MAX_CATALOG_PUBLISH = 5000;

export const SYNC_PATHS = {
  /** GET, no auth: is the server up, which API and item schema does it speak. */
  health: '/v1/health',
  /** POST PushRequest → PushResponse (terminal auth). */
  push: '/v1/sync/push',
  /** GET ?since=<version>&limit=<n> → CatalogPullResponse (terminal auth). */
  catalog: '/v1/sync/catalog',
  /** GET ?from=<iso>&to=<iso> → SettlementResponse for the terminal's own store (terminal auth). */
  settlement: '/v1/sync/settlement',
  /** POST RegisterTerminalRequest → RegisterTerminalResponse (admin auth). */
  adminTerminals: '/v1/admin/terminals',
  /** POST CatalogPublishRequest → CatalogPublishResponse (admin auth). */
  adminCatalog: (storeId: string): string => `/v1/admin/stores/${encodeURIComponent(storeId)}/catalog`,
  /** GET ?from=<iso>&to=<iso> → SettlementResponse (admin auth). */
  adminSettlement: (storeId: string): string => `/v1/admin/stores/${encodeURIComponent(storeId)}/settlement`,
  /** GET → PromotionsListResponse; POST PromotionsImportRequest → PromotionsImportResponse (admin auth). */
  adminPromotions: (storeId: string): string => `/v1/admin/stores/${encodeURIComponent(storeId)}/promotions`,
  /** GET → CouponsListResponse; POST CouponsImportRequest → ImportResponse (admin auth). */
  adminCoupons: (storeId: string): string => `/v1/admin/stores/${encodeURIComponent(storeId)}/coupons`,
  /** GET → MembersListResponse; POST MembersImportRequest → ImportResponse (admin auth). */
  adminMembers: (storeId: string): string => `/v1/admin/stores/${encodeURIComponent(storeId)}/members`,
  /** GET → MemberHistoryResponse: the member and their synced purchases (admin auth). */
  adminMember: (storeId: string, memberId: string): string =>
    `/v1/admin/stores/${encodeURIComponent(storeId)}/members/${encodeURIComponent(memberId)}`,
  /** POST CouponReserveRequest → CouponReserveResponse (terminal auth): reserve a single-use coupon for a sale. */
  couponReserve: '/v1/sync/coupons/reserve',
  /** POST CouponReleaseRequest → CouponReleaseResponse (terminal auth): the sale was cancelled or the coupon removed. */
  couponRelease: '/v1/sync/coupons/release',
} as const;

/** The header naming the terminal whose token is in Authorization. */
export const TERMINAL_HEADER = 'kassa-terminal';

/** The headers of every terminal request. */
export function terminalHeaders(terminalId: string, token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, [TERMINAL_HEADER]: terminalId, 'content-type': 'application/json' };
}

/** The optional header in which a terminal reports its backlog and last receipt (TerminalReport as JSON). */
export const TERMINAL_REPORT_HEADER = 'kassa-terminal-report';
/** The report format this code writes; a server reads any version ≥ 1 by the fields it knows. */
export const TERMINAL_REPORT_VERSION = 1;

// ---------------------------------------------------------------- shared pieces

/** Same rule as the terminal's config (src/core/config.ts): 1–16 letters, digits or "-". */
export const terminalId = z.string().regex(/^[A-Za-z0-9-]{1,16}$/, 'expected 1–16 letters, digits or "-", e.g. "T01"');
export const storeId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1–32 letters, digits, "_" or "-", e.g. "S01"');
const minor = z.number().int().safe();
/** ISO 8601 with an offset; years before 1970 are no sale time, and PostgreSQL refuses year 0. */
const isoTime = z.iso.datetime({ offset: true })
  // Only on text that has a year (the format check reports the rest, once).
  .refine((s) => !/^\d{4}-/.test(s) || Number(s.slice(0, 4)) >= 1970, 'expected a time after 1970');
const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "CNY"');
/** Non-empty text without NUL (which PostgreSQL text cannot hold). */
const text = (max: number) => z.string().min(1).max(max).refine((s) => !s.includes('\u0000'), 'must not contain a NUL character');

export const tenderMethod = z.enum(['cash', 'alipay', 'wechat']);
export type SyncTenderMethod = z.infer<typeof tenderMethod>;

// ---------------------------------------------------------------- terminal report (header)

/**
 * How a terminal stands when it sends a request: `backlog` = outbox items still waiting to be
 * sent that are NOT in this request (on a push the batch itself is not counted: once answered,
 * the server has it), `lastReceiptNo` = its highest receipt number (null: no sale yet), `at` =
 * the terminal's clock. Loose: a later version may add fields an older server skips.
 */
export const terminalReport = z.looseObject({
  v: z.number().int().positive(),
  backlog: z.number().int().nonnegative().safe(),
  lastReceiptNo: z.number().int().positive().safe().nullable(),
  at: isoTime,
});
export type TerminalReport = z.infer<typeof terminalReport>;

/** The header value for a report. */
export function encodeTerminalReport(report: Omit<TerminalReport, 'v'>): string {
  return JSON.stringify({ v: TERMINAL_REPORT_VERSION, backlog: report.backlog, lastReceiptNo: report.lastReceiptNo, at: report.at });
}

/** A report from its header value, or a message naming what is wrong with it. */
export function decodeTerminalReport(value: string): { ok: true; report: TerminalReport } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, message: `the ${TERMINAL_REPORT_HEADER} header is not JSON` };
  }
  const parsed = terminalReport.safeParse(json);
  if (parsed.success) return { ok: true, report: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, message: `the ${TERMINAL_REPORT_HEADER} header: ${issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'}` };
}

// ---------------------------------------------------------------- push: items

export const ITEM_TYPES = ['sale', 'refund', 'shift', 'journal'] as const;
export type SyncItemType = (typeof ITEM_TYPES)[number];

/**
 * One outbox item as sent. The envelope is checked for the whole batch (a bad envelope refuses
 * the batch); the payload is checked per item against its type's schema (a bad payload
 * rejects that item only).
 */
export const pushItem = z.strictObject({
  idempotencyKey: text(256),
  /** The terminal's outbox seq: the order it was written in (kept for diagnostics). */
  seq: z.number().int().positive().safe(),
  /** One of ITEM_TYPES at the current schema; anything else is rejected `unknown-type`. */
  type: text(64),
  /** The item schema it was written with; > SYNC_SCHEMA_VERSION refuses the batch. */
  schemaVersion: z.number().int().positive(),
  /** When the terminal queued it. */
  createdAt: isoTime,
  payload: z.record(z.string(), z.unknown()),
});
export type PushItem = z.infer<typeof pushItem>;

export const pushRequest = z.strictObject({
  /** Made by the terminal for its logs and the server's; not an idempotency key. */
  batchId: text(128),
  items: z.array(pushItem).min(1, 'a batch holds at least one item').max(MAX_BATCH_ITEMS, `a batch holds at most ${MAX_BATCH_ITEMS} items`),
});
export type PushRequest = z.infer<typeof pushRequest>;

/**
 * A 'sale' payload: the SaleRecord as committed. Only what the server stores and sums is
 * checked; other fields (lines in detail, cashier, discounts…) are kept as sent.
 */
export const saleRecordPayload = z.looseObject({
  id: text(80),
  terminalId,
  receiptNo: z.number().int().positive().safe(),
  currency,
  completedAt: isoTime,
  training: z.boolean(),
  lines: z.array(z.unknown()).min(1),
  subtotal: minor,
  taxTotal: minor,
  total: minor,
  rounding: minor,
  tenders: z.array(z.looseObject({ seq: z.number().int().positive(), method: tenderMethod, amount: minor })),
});
export type SaleRecordPayload = z.infer<typeof saleRecordPayload>;

/** The terminal's refund journal kinds (src/core/db/refunds.ts REFUND_JOURNAL_KINDS). */
export const REFUND_KINDS = ['refund.requested', 'sale.refunded', 'refund.failed', 'refund.manual'] as const;

/**
 * A 'refund' payload: one refund journal entry. `entry` is the journal entry's payload as
 * written on the terminal. Only `sale.refunded` (money went back through one tender) counts
 * in settlement, so only its entry must name the part, method, amount and currency.
 */
export const refundPayload = z.discriminatedUnion('kind', [
  z.looseObject({
    kind: z.literal('sale.refunded'),
    at: isoTime,
    training: z.boolean(),
    journalSeq: z.number().int().positive().safe(),
    entry: z.looseObject({
      refundId: text(80),
      partNo: z.number().int().positive(),
      saleId: text(80),
      method: tenderMethod,
      amount: minor.positive(),
      currency,
    }),
  }),
  z.looseObject({
    kind: z.enum(['refund.requested', 'refund.failed', 'refund.manual']),
    at: isoTime,
    training: z.boolean(),
    journalSeq: z.number().int().positive().safe(),
    entry: z.looseObject({ refundId: text(80), saleId: text(80) }),
  }),
]);
export type RefundPayload = z.infer<typeof refundPayload>;

/** A 'shift' payload: a shift event (open, close, cash count, close-day override…), kept as sent. */
export const shiftPayload = z.looseObject({ kind: text(64), at: isoTime });
export type ShiftPayload = z.infer<typeof shiftPayload>;

/** A 'journal' payload: one hash-chained journal row of the terminal, kept as sent. */
export const journalPayload = z.looseObject({
  seq: z.number().int().positive().safe(),
  at: isoTime,
  kind: text(64),
  ref: z.string().nullable(),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
  payload: z.unknown(),
});
export type JournalPayload = z.infer<typeof journalPayload>;

/** The payload schema of each item type at SYNC_SCHEMA_VERSION. */
export const ITEM_PAYLOAD_SCHEMAS = {
  sale: saleRecordPayload,
  refund: refundPayload,
  shift: shiftPayload,
  journal: journalPayload,
} as const satisfies Record<SyncItemType, z.ZodType>;

// ---------------------------------------------------------------- push: answers

export const REJECT_REASONS = [
  /** The payload does not fit its type's schema; the message names the field. */
  'invalid-payload',
  /** The type is not one of ITEM_TYPES. */
  'unknown-type',
  /** The payload names another terminal than the one that sent it (a sale's terminalId). */
  'terminal-mismatch',
  /** This idempotency key was stored before with different content; the stored one stays. */
  'key-conflict',
  /** The thing the item creates (a sale id, a refund part) is already stored under another key. */
  'id-conflict',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const itemResult = z.discriminatedUnion('status', [
  z.strictObject({ idempotencyKey: z.string(), status: z.literal('applied') }),
  z.strictObject({ idempotencyKey: z.string(), status: z.literal('duplicate') }),
  z.strictObject({ idempotencyKey: z.string(), status: z.literal('rejected'), reason: z.enum(REJECT_REASONS), message: z.string() }),
]);
export type ItemResult = z.infer<typeof itemResult>;

export const pushResponse = z.strictObject({
  batchId: z.string(),
  /** One per item, in the order sent. */
  results: z.array(itemResult),
  applied: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  serverTime: isoTime,
});
export type PushResponse = z.infer<typeof pushResponse>;

// ---------------------------------------------------------------- refusals (whole request)

export const ERROR_CODES = [
  /** 400: not JSON, or the body/query does not fit its schema; the message names the field. */
  'malformed',
  /** 413: body larger than MAX_BODY_BYTES. */
  'too-large',
  /** 401: no Authorization header (or no Kassa-Terminal header on a terminal request). */
  'missing-credentials',
  /** 401: no terminal registered by that id. */
  'unknown-terminal',
  /** 401: the token is not this terminal's (or not the admin token). */
  'bad-token',
  /** 422: an item's schemaVersion is newer than the server's; the server needs an upgrade. */
  'newer-schema',
  /** 409: register: the terminal id is taken (by another store, or without `rotate`). */
  'conflict',
  /** 404 */
  'not-found',
  /** 405 */
  'method-not-allowed',
  /** 503: the storage is unreachable or a write failed part-way (rolled back whole). */
  'unavailable',
  /** 500: a bug, logged by the server. */
  'internal',
] as const;
export type SyncErrorCode = (typeof ERROR_CODES)[number];

export const errorResponse = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    /** newer-schema, malformed: the item at fault. */
    itemIndex: z.number().int().nonnegative().optional(),
    idempotencyKey: z.string().optional(),
    /** newer-schema: the newest item schema the server understands. */
    supportedSchemaVersion: z.number().int().optional(),
  }),
});
export type ErrorResponse = z.infer<typeof errorResponse>;

/**
 * What a terminal should do with a refused request. No refusal dead-letters an item (only an
 * item's own `rejected` answer does): the items stay queued, in order.
 * - `retry`: transient; retry with backoff, forever.
 * - `blocked`: needs a person (re-register, upgrade the server, fix the URL); keep retrying
 *   slowly and show the reason to the manager.
 * - `bug`: the terminal built a bad request; show it, keep the items, retry slowly.
 */
export const ERROR_ADVICE: Readonly<Record<SyncErrorCode, 'retry' | 'blocked' | 'bug'>> = {
  malformed: 'bug',
  'too-large': 'bug',
  'missing-credentials': 'blocked',
  'unknown-terminal': 'blocked',
  'bad-token': 'blocked',
  'newer-schema': 'blocked',
  conflict: 'blocked',
  'not-found': 'blocked',
  'method-not-allowed': 'bug',
  unavailable: 'retry',
  internal: 'retry',
};

// ---------------------------------------------------------------- health

export const healthResponse = z.strictObject({
  ok: z.literal(true),
  service: z.literal('kassa-store-server'),
  apiVersion: z.number().int(),
  schemaVersion: z.number().int(),
  storage: z.enum(['pg', 'pglite']),
});
export type HealthResponse = z.infer<typeof healthResponse>;

// ---------------------------------------------------------------- register (admin)

export const registerTerminalRequest = z.strictObject({
  storeId,
  terminalId,
  /** Replace the token of a terminal already registered to this store (the old one stops working). */
  rotate: z.boolean().optional(),
});
export type RegisterTerminalRequest = z.infer<typeof registerTerminalRequest>;

export const registerTerminalResponse = z.strictObject({
  storeId,
  terminalId,
  /** Shown once: the server keeps only its hash. */
  token: z.string().min(32),
  registeredAt: isoTime,
  rotated: z.boolean(),
});
export type RegisterTerminalResponse = z.infer<typeof registerTerminalResponse>;

// ---------------------------------------------------------------- catalog

export const catalogProduct = z.strictObject({
  sku: text(64),
  nameZh: z.string().max(200),
  nameEn: z.string().max(200),
  /** Minor units per item (`each`) or per kilogram (`kg`). */
  price: minor.nonnegative(),
  currency,
  taxClass: text(32),
  unit: z.enum(['each', 'kg']),
  department: z.string().max(64),
  active: z.boolean(),
  /** Normalized barcode keys (GTIN-14 or store PLU). */
  barcodes: z.array(text(32)).max(64),
});
export type CatalogProduct = z.infer<typeof catalogProduct>;

/**
 * A promotion as it travels in a catalog change: a Promotion of the engine
 * (src/domain/promotions/promotion.ts). The wire only needs its id: the store server checks the
 * whole definition with `promotionSchema` before it publishes one, and the terminal checks it
 * again when it applies it, skipping (and counting) one it cannot read, so a single definition
 * from a newer server never refuses the whole page it came in.
 */
export const catalogPromotion = z.looseObject({
  id: text(64),
});
export type CatalogPromotion = z.infer<typeof catalogPromotion>;

/** A coupon in a catalog change (src/domain/coupons/coupon.ts), checked like a promotion: by `couponSchema` on both ends. */
export const catalogCoupon = z.looseObject({ code: text(64) });
/** A member in a catalog change (src/domain/members/member.ts), checked by `memberSchema` on both ends. */
export const catalogMember = z.looseObject({ id: text(32) });

const catalogChangeVariants = {
  productUpsert: z.strictObject({ kind: z.literal('product.upsert'), product: catalogProduct }),
  productDelete: z.strictObject({ kind: z.literal('product.delete'), sku: text(64) }),
  priceSet: z.strictObject({ kind: z.literal('price.set'), sku: text(64), price: minor.nonnegative(), currency }),
  promotionUpsert: z.strictObject({ kind: z.literal('promotion.upsert'), promotion: catalogPromotion }),
  promotionDelete: z.strictObject({ kind: z.literal('promotion.delete'), id: text(64) }),
  couponUpsert: z.strictObject({ kind: z.literal('coupon.upsert'), coupon: catalogCoupon }),
  couponDelete: z.strictObject({ kind: z.literal('coupon.delete'), code: text(64) }),
  memberUpsert: z.strictObject({ kind: z.literal('member.upsert'), member: catalogMember }),
  memberDelete: z.strictObject({ kind: z.literal('member.delete'), id: text(32) }),
};
const v = catalogChangeVariants;

/** One change to a store's catalog, as published. */
export const catalogChange = z.discriminatedUnion('kind', [
  v.productUpsert,
  v.productDelete,
  v.priceSet,
  v.promotionUpsert,
  v.promotionDelete,
  v.couponUpsert,
  v.couponDelete,
  v.memberUpsert,
  v.memberDelete,
]);
export type CatalogChange = z.infer<typeof catalogChange>;

/** A change as pulled: its version (per store, gapless from 1) and when it was published. */
const stamp = { version: z.number().int().positive().safe(), publishedAt: isoTime };
export const versionedCatalogChange = z.discriminatedUnion('kind', [
  v.productUpsert.extend(stamp),
  v.productDelete.extend(stamp),
  v.priceSet.extend(stamp),
  v.promotionUpsert.extend(stamp),
  v.promotionDelete.extend(stamp),
  v.couponUpsert.extend(stamp),
  v.couponDelete.extend(stamp),
  v.memberUpsert.extend(stamp),
  v.memberDelete.extend(stamp),
]);
export type VersionedCatalogChange = z.infer<typeof versionedCatalogChange>;

/** The query of a pull: `?since=<last applied version, 0 at first>&limit=<1..MAX_CATALOG_PULL>`. */
export const catalogPullQuery = z.strictObject({
  since: z.coerce.number().int().nonnegative().safe(),
  limit: z.coerce.number().int().min(1).max(MAX_CATALOG_PULL).default(DEFAULT_CATALOG_PULL),
});
export type CatalogPullQuery = z.infer<typeof catalogPullQuery>;

export const catalogPullResponse = z.strictObject({
  storeId,
  since: z.number().int().nonnegative(),
  /**
   * Versions since+1…, in order, at most `limit`, except that an answer never ends inside a
   * publish: it runs on to the publish's last change (a terminal applies each answer whole).
   */
  changes: z.array(versionedCatalogChange),
  /** The store's newest version now (0: nothing published). */
  latestVersion: z.number().int().nonnegative(),
  /** More changes wait after the last one here: pull again with since = its version. */
  more: z.boolean(),
});
export type CatalogPullResponse = z.infer<typeof catalogPullResponse>;

export const catalogPublishRequest = z.strictObject({
  changes: z.array(catalogChange).min(1).max(MAX_CATALOG_PUBLISH),
});
export type CatalogPublishRequest = z.infer<typeof catalogPublishRequest>;

export const catalogPublishResponse = z.strictObject({
  storeId,
  /** The versions given to the changes, in the order sent: fromVersion…toVersion. */
  fromVersion: z.number().int().positive(),
  toVersion: z.number().int().positive(),
});
export type CatalogPublishResponse = z.infer<typeof catalogPublishResponse>;

// ---------------------------------------------------------------- promotions (issue 8 §4)

/**
 * A promotion import: the definitions (each checked with `promotionSchema` by the server, which
 * refuses the whole import naming the first bad one) published as `promotion.upsert` changes in
 * ONE publish; with `replace`, also a `promotion.delete` for each of the store's promotions not
 * among them, decided inside the same transaction.
 */
export const promotionsImportRequest = z.strictObject({
  promotions: z.array(z.unknown()).max(MAX_CATALOG_PUBLISH),
  replace: z.boolean(),
});
export type PromotionsImportRequest = z.infer<typeof promotionsImportRequest>;

export const promotionsImportResponse = z.strictObject({
  storeId,
  upserted: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  /** The versions of the publish; null when there was nothing to publish. */
  fromVersion: z.number().int().positive().nullable(),
  toVersion: z.number().int().positive().nullable(),
});
export type PromotionsImportResponse = z.infer<typeof promotionsImportResponse>;

/** The store's current promotions (the last upsert of each id not deleted since), by id. */
export const promotionsListResponse = z.strictObject({
  storeId,
  promotions: z.array(promotionSchema),
  /** Live definitions published before the server checked them, which do not pass `promotionSchema`. */
  unreadable: z.array(z.strictObject({ id: text(64), reason: z.string() })),
});
export type PromotionsListResponse = z.infer<typeof promotionsListResponse>;

// ---------------------------------------------------------------- coupons and members (issue 8 §2, §3)

/** Import of coupons (checked with `couponSchema`) or members (`memberSchema`): like promotions, one publish. */
export const couponsImportRequest = z.strictObject({
  coupons: z.array(z.unknown()).max(MAX_CATALOG_PUBLISH),
  replace: z.boolean(),
});
export type CouponsImportRequest = z.infer<typeof couponsImportRequest>;

export const membersImportRequest = z.strictObject({
  members: z.array(z.unknown()).max(MAX_CATALOG_PUBLISH),
  replace: z.boolean(),
});
export type MembersImportRequest = z.infer<typeof membersImportRequest>;

/** The answer to a coupon or member import (same shape as a promotion import's). */
export const importResponse = promotionsImportResponse;
export type ImportResponse = PromotionsImportResponse;

/** A redemption of a single-use coupon as the server knows it. */
export const couponRedemption = z.strictObject({
  terminalId,
  saleId: text(80),
  /** 'reserved': held for a sale not yet synced; 'sold': the sale arrived. */
  state: z.enum(['reserved', 'sold']),
  /** The sale's receipt number, once it arrived. */
  receiptNo: z.number().int().positive().nullable(),
  at: isoTime,
});
export type CouponRedemptionRow = z.infer<typeof couponRedemption>;

export const couponsListResponse = z.strictObject({
  storeId,
  coupons: z.array(couponSchema.and(z.strictObject({ redemptions: z.array(couponRedemption) }))),
  unreadable: z.array(z.strictObject({ id: text(64), reason: z.string() })),
});
export type CouponsListResponse = z.infer<typeof couponsListResponse>;

export const membersListResponse = z.strictObject({
  storeId,
  members: z.array(memberSchema),
  unreadable: z.array(z.strictObject({ id: text(64), reason: z.string() })),
});
export type MembersListResponse = z.infer<typeof membersListResponse>;

/** One synced sale of a member (training sales are left out). */
export const memberPurchase = z.strictObject({
  terminalId,
  saleId: text(80),
  receiptNo: z.number().int().positive(),
  completedAt: isoTime,
  currency,
  /** total + rounding: what the member paid. */
  paid: minor,
  pointsEarned: z.number().int().nonnegative(),
  pointsRedeemed: z.number().int().nonnegative(),
  lineCount: z.number().int().nonnegative(),
});
export type MemberPurchase = z.infer<typeof memberPurchase>;

export const memberHistoryResponse = z.strictObject({
  storeId,
  member: memberSchema,
  /** Newest first. */
  purchases: z.array(memberPurchase),
});
export type MemberHistoryResponse = z.infer<typeof memberHistoryResponse>;

/**
 * Reserve a single-use coupon for a sale. Idempotent per (code, saleId): the same sale asking
 * again is answered 'reserved'. A code already reserved or sold for another sale is answered
 * 'used' with who holds it; an unknown or deleted code 'unknown'. Multi-use coupons need no
 * reservation (answered 'not-single-use').
 */
/**
 * How long a reservation holds a single-use coupon for a sale that has not synced: after that,
 * another sale may reserve it (the first sale was cancelled or abandoned where its release could
 * not reach the server; if it was paid after all, it arrives as sold and is a double redemption).
 */
export const COUPON_RESERVATION_MINUTES = 120;

export const couponReserveRequest = z.strictObject({ code: text(64), saleId: text(80), at: isoTime });
export type CouponReserveRequest = z.infer<typeof couponReserveRequest>;

export const couponReserveResponse = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('reserved'), code: text(64), saleId: text(80) }),
  z.strictObject({ status: z.literal('used'), code: text(64), by: couponRedemption }),
  z.strictObject({ status: z.literal('unknown'), code: text(64) }),
  z.strictObject({ status: z.literal('not-single-use'), code: text(64) }),
]);
export type CouponReserveResponse = z.infer<typeof couponReserveResponse>;

/** Give a reservation back (the sale was cancelled, or the cashier removed the coupon). A sold coupon is never released. */
export const couponReleaseRequest = z.strictObject({ code: text(64), saleId: text(80) });
export type CouponReleaseRequest = z.infer<typeof couponReleaseRequest>;
export const couponReleaseResponse = z.strictObject({ code: text(64), released: z.boolean() });
export type CouponReleaseResponse = z.infer<typeof couponReleaseResponse>;

/**
 * A single-use coupon used on more than one synced sale (two terminals offline both accepted
 * it): every sale that used it, oldest first. Shown on the settlement for the manager to
 * follow up; the sales themselves stand (the money is taken).
 */
export const doubleRedemption = z.strictObject({
  code: text(64),
  sales: z.array(z.strictObject({ terminalId, saleId: text(80), receiptNo: z.number().int().positive(), completedAt: isoTime, amount: minor })),
});
export type DoubleRedemption = z.infer<typeof doubleRedemption>;

/** A member whose points went below zero once every terminal's sales arrived (points redeemed offline twice). */
export const overdrawnMember = z.strictObject({ memberId: text(32), balance: z.number().int() });
export type OverdrawnMember = z.infer<typeof overdrawnMember>;

// ---------------------------------------------------------------- settlement

/** Twice the terminals' default poll (30 s): a terminal not heard from for longer is flagged 'silent'. */
export const DEFAULT_SILENT_AFTER_SECONDS = 60;

/**
 * `?from=<iso>&to=<iso>`: sales by completedAt and refunds by time in [from, to); both optional.
 * `silentAfterSeconds`: flag terminals not heard from for longer (default
 * DEFAULT_SILENT_AFTER_SECONDS; measured on the server's clock up to now, whatever the range).
 */
export const settlementQuery = z
  .strictObject({
    from: isoTime.optional(),
    to: isoTime.optional(),
    silentAfterSeconds: z.coerce.number().int('expected whole seconds').min(1, 'expected at least 1 second').max(30 * 86_400, 'expected at most 30 days (2592000 s)').optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['to'] });
export type SettlementQuery = z.infer<typeof settlementQuery>;

export const methodTotals = z.strictObject({
  method: tenderMethod,
  /** Σ tender amounts applied to sales. */
  taken: minor,
  /** Σ refunded amounts that went back through this method. */
  refunded: minor,
});
export type MethodTotals = z.infer<typeof methodTotals>;

/** Totals of one currency; training sales and refunds are counted apart and summed nowhere. */
export const settlementTotals = z.strictObject({
  currency,
  saleCount: z.number().int().nonnegative(),
  /** Σ (total + rounding): what the customers owed. */
  salesTotal: minor,
  taxTotal: minor,
  refundCount: z.number().int().nonnegative(),
  refundTotal: minor,
  /** salesTotal − refundTotal. */
  net: minor,
  /** cash, alipay, wechat, always all three in that order. */
  byMethod: z.array(methodTotals),
  trainingSaleCount: z.number().int().nonnegative(),
});
export type SettlementTotals = z.infer<typeof settlementTotals>;

/**
 * What a settlement warns about a terminal:
 * - 'unsent': its latest report says it still holds unsent items (the totals will grow);
 * - 'receipt-gap': receipt numbers are missing between the first and last one in the range
 *   (training receipts included: they share the numbering), e.g. a sale dead-lettered or lost;
 * - 'silent': not heard from for longer than `silentAfterSeconds`.
 */
export const SETTLEMENT_FLAGS = ['unsent', 'receipt-gap', 'silent'] as const;
export const settlementFlag = z.enum(SETTLEMENT_FLAGS);
export type SettlementFlag = z.infer<typeof settlementFlag>;

export const terminalSettlement = settlementTotals.extend({
  terminalId,
  /** The receipt numbers seen (non-training): with saleCount they show a gap at a glance. */
  firstReceiptNo: z.number().int().positive().nullable(),
  lastReceiptNo: z.number().int().positive().nullable(),
  lastSaleAt: isoTime.nullable(),
  /** Receipt numbers missing in the range (all sales of the terminal in this currency, training included). Absent from older servers: 0. */
  missingReceipts: z.number().int().nonnegative().default(0),
  /** The row's flags (the terminal's 'unsent'/'silent' plus this row's 'receipt-gap'), in SETTLEMENT_FLAGS order. */
  flags: z.array(settlementFlag).default([]),
});
export type TerminalSettlement = z.infer<typeof terminalSettlement>;

/** How a registered terminal stands, whether or not it has anything in the range. */
export const terminalStanding = z.strictObject({
  terminalId,
  /** The server's time of the terminal's last request (push, pull or settlement); null: never. */
  lastSeenAt: isoTime.nullable(),
  /** Its latest report (null: it never sent one, e.g. an older terminal), with when it arrived. */
  report: z.strictObject({ backlog: z.number().int().nonnegative(), lastReceiptNo: z.number().int().positive().nullable(), at: isoTime, receivedAt: isoTime }).nullable(),
  /** In SETTLEMENT_FLAGS order; 'receipt-gap' when any of its rows has one. */
  flags: z.array(settlementFlag),
});
export type TerminalStanding = z.infer<typeof terminalStanding>;

export const settlementResponse = z.strictObject({
  storeId,
  from: isoTime.nullable(),
  to: isoTime.nullable(),
  generatedAt: isoTime,
  /** Every terminal registered to the store, active or not. */
  registeredTerminals: z.array(terminalId),
  /** One row per terminal and currency with anything in the range, by terminal id. */
  terminals: z.array(terminalSettlement),
  /** One row per currency: the sums of the terminal rows. */
  store: z.array(settlementTotals.extend({ terminalCount: z.number().int().nonnegative() })),
  /** Every registered terminal's standing and flags, by terminal id (absent from older servers: []). */
  standing: z.array(terminalStanding).default([]),
  /** The threshold 'silent' was judged by (null from older servers, which flag nothing). */
  silentAfterSeconds: z.number().int().positive().nullable().default(null),
  /** Single-use coupons redeemed on more than one sale in the range (absent from older servers: []). */
  doubleRedemptions: z.array(doubleRedemption).default([]),
  /** Members with a negative points balance now (absent from older servers: []). */
  overdrawnMembers: z.array(overdrawnMember).default([]),
});
export type SettlementResponse = z.infer<typeof settlementResponse>;
