// Forward-only numbered migrations. Each runs in its own transaction together with the bump
// of PRAGMA user_version, so a crash mid-migration leaves the previous version intact.
// A database whose user_version is newer than the last migration here is refused: an older
// Kassa must never write into a schema it does not understand.
import type Database from 'better-sqlite3';
import { PAYMENT_ATTEMPTS_SQL } from './payment-attempts.ts';
import { COUPONS_SQL } from './coupons.ts';
import { MEMBERS_SQL } from './members.ts';
import { PROMOTIONS_SQL } from './promotions.ts';
import { REFUNDS_SQL } from './refunds.ts';
import { RECONCILE_SQL } from '../reconcile/resolutions.ts';
import { Z_REPORTS_SQL } from '../reports/z-reports.ts';
import { SHIFTS_SQL } from '../shifts/shift-store.ts';
import { USERS_SQL } from '../staff/users.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'catalog, sales, journal, outbox, snapshots, settings',
    sql: `
      CREATE TABLE products (
        sku         TEXT PRIMARY KEY NOT NULL,
        name_zh     TEXT NOT NULL,
        name_en     TEXT NOT NULL,
        price       INTEGER NOT NULL,          -- minor units, per item or per kg
        currency    TEXT NOT NULL,
        tax_class   TEXT NOT NULL,
        unit        TEXT NOT NULL CHECK (unit IN ('each', 'kg')),
        department  TEXT NOT NULL DEFAULT '',
        active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        updated_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE barcodes (
        code  TEXT PRIMARY KEY NOT NULL,       -- normalized key: GTIN-14 or store PLU
        sku   TEXT NOT NULL REFERENCES products(sku) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX barcodes_by_sku ON barcodes(sku);

      -- Contentless FTS5 over SKU and names. The catalog repository writes it (rowid = products.rowid)
      -- with CJK characters split into single-character tokens, so "苹果" is found as the phrase
      -- "苹 果" by the plain unicode61 tokenizer, and Latin words by prefix queries.
      -- Without prefix indexes FTS5 answers "s*" by merging the doclist of every term that
      -- starts with "s": on 1M products up to 70 ms. With them, one doclist read (~5 ms), for
      -- ~20 % more index and ~2 s more per million imported rows.
      CREATE VIRTUAL TABLE products_fts USING fts5(
        text,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'
      );

      -- A committed sale is stored once: its record (lines, tenders, every figure) is the
      -- canonical JSON payload of its 'sale.completed' journal row, which the hash chain covers
      -- and the outbox message points at. This row holds what lists and lookups need, and
      -- kassa verify checks every column of it against that record.
      -- Why not a row per line and tender: every b-tree a commit touches is at least one more
      -- page written and fsynced to the WAL; lines and tenders in tables of their own (a second
      -- copy of the record), a completion-time index and a receipt counter made a sale commit
      -- write ~16 pages instead of ~7 (tests/bench/README.md, sale_commit_ratio). The
      -- sale_lines and tenders views below still give lines and tenders as rows.
      -- WITHOUT ROWID: the table is its id index, one b-tree less per commit.
      -- Receipt numbers are gapless per terminal: the next one is MAX(receipt_no) + 1 on the
      -- UNIQUE index, read inside the commit's write transaction, so a rolled-back commit
      -- leaves no gap and no number is handed out twice.
      CREATE TABLE sales (
        id            TEXT PRIMARY KEY NOT NULL,   -- ULID + terminal id, made on the terminal
        terminal_id   TEXT NOT NULL,
        receipt_no    INTEGER NOT NULL,
        journal_seq   INTEGER NOT NULL,            -- its 'sale.completed' journal row: the record
        outbox_seq    INTEGER NOT NULL,            -- its 'sale' outbox message (gone once pruned)
        completed_at  TEXT NOT NULL,
        currency      TEXT NOT NULL,
        subtotal      INTEGER NOT NULL,            -- sum of line amounts after discounts, as shown
        tax_total     INTEGER NOT NULL,
        total         INTEGER NOT NULL,            -- amount due before cash rounding
        rounding      INTEGER NOT NULL,            -- cash rounding adjustment (signed)
        tendered      INTEGER NOT NULL,
        change_given  INTEGER NOT NULL,
        cashier       TEXT NOT NULL,
        training      INTEGER NOT NULL CHECK (training IN (0, 1)),
        UNIQUE (terminal_id, receipt_no)
      ) STRICT, WITHOUT ROWID;

      -- No index on hash: nothing looks a row up by it, and the chain (each prev_hash is the
      -- previous row's hash, seq gapless) already proves order; an index would cost a page
      -- write per commit.
      -- The payload comes last: a sale's (~4 KB) spills to an overflow page, and the columns
      -- before it stay on the leaf, so reading the last hash (every append) or the kind and ref
      -- (kassa verify) never touches the overflow.
      CREATE TABLE journal (
        seq         INTEGER PRIMARY KEY,           -- gapless, assigned in order
        at          TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        kind        TEXT NOT NULL,
        ref         TEXT,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL,                 -- sha256(prev_hash || canonical row content)
        payload     TEXT NOT NULL                  -- canonical JSON
      ) STRICT;
      -- Entries by what they are about (an earlier cancel of a sale, a tool's lookup). Partial:
      -- a sale's own 'sale.completed' entry is found through sales.journal_seq, so the sale
      -- commit does not write this index. A query uses it only when its WHERE names
      -- kind <> 'sale.completed' (or a kind SQLite can see is not that one).
      CREATE INDEX journal_by_ref ON journal(ref, kind) WHERE kind <> 'sale.completed';

      -- Every sale's lines and tenders as rows, for reports and ad-hoc SQL, read from the one
      -- stored copy (the journal record). Booleans read as 0/1, as columns of their own would.
      CREATE VIEW sale_lines AS
        SELECT s.id AS sale_id,
               l.value ->> 'lineNo'              AS line_no,
               l.value ->> 'sku'                 AS sku,
               l.value ->> 'name'                AS name,
               l.value ->> 'unit'                AS unit,
               l.value ->> 'quantityMilli'       AS quantity_milli,
               l.value ->> 'unitPrice'           AS unit_price,
               l.value ->> 'originalUnitPrice'   AS original_unit_price,
               l.value ->> 'overrideReason'      AS override_reason,
               l.value ->> 'gross'               AS gross,
               l.value ->> 'grossEmbedded'       AS gross_embedded,
               l.value ->> 'lineDiscount'        AS line_discount,
               l.value ->> 'lineDiscountReason'  AS line_discount_reason,
               l.value ->> 'basketDiscountShare' AS basket_discount_share,
               l.value ->> 'amount'              AS amount,
               l.value ->> 'taxClass'            AS tax_class,
               l.value ->> 'taxRateBps'          AS tax_rate_bps,
               l.value ->> 'taxInclusive'        AS tax_inclusive,
               l.value ->> 'tax'                 AS tax,
               l.value ->> 'voided'              AS voided,
               l.value ->> 'voidReason'          AS void_reason,
               l.value ->> 'source'              AS source
        FROM sales s JOIN journal j ON j.seq = s.journal_seq, json_each(j.payload, '$.lines') AS l;

      CREATE VIEW tenders AS
        SELECT s.id AS sale_id,
               t.value ->> 'seq'       AS seq,
               t.value ->> 'method'    AS method,
               t.value ->> 'amount'    AS amount,
               t.value ->> 'received'  AS received,
               t.value ->> 'reference' AS reference
        FROM sales s JOIN journal j ON j.seq = s.journal_seq, json_each(j.payload, '$.tenders') AS t;

      -- A sale's message is a reference, {"journalSeq":…,"saleId":…}: the full record is the
      -- journal entry's payload, read by the sender when it sends.
      -- Idempotency keys are unique. A 'sale' message's key is its sale id, and only commitSale
      -- writes one, in the transaction that inserts that sale (whose outbox_seq points at it):
      -- the sales primary key keeps those keys unique, and indexing them again would write one
      -- more page per sale. outbox_by_key keeps every other type's keys unique.
      CREATE TABLE outbox (
        seq             INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL,
        type            TEXT NOT NULL,
        payload         TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        sent_at         TEXT,
        status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead'))
      ) STRICT;
      CREATE UNIQUE INDEX outbox_by_key ON outbox(idempotency_key) WHERE type <> 'sale';

      CREATE TABLE machine_snapshots (
        machine_id  TEXT PRIMARY KEY NOT NULL,
        version     INTEGER NOT NULL,
        snapshot    TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE settings (
        key    TEXT PRIMARY KEY NOT NULL,
        value  TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'receipt prints',
    sql: `
      -- What became of each sale's slip (ARCHITECTURE.md §3 rule 3: the print job is recorded
      -- before it is sent). Kept out of the sale's own transaction: a slip is not money, and a
      -- crash between the commit and this row is covered by the checkout snapshot, which
      -- restores into the receipt step and prints (as a reprint when a row says it was sent).
      CREATE TABLE receipt_prints (
        sale_id     TEXT PRIMARY KEY NOT NULL,
        terminal_id TEXT NOT NULL,
        receipt_no  INTEGER NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('printing', 'printed', 'unconfirmed', 'interrupted', 'deferred', 'failed')),
        sends       INTEGER NOT NULL DEFAULT 0,   -- times the job went to the printer
        reprints    INTEGER NOT NULL DEFAULT 0,
        detail      TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      -- The unprinted list stays short however many sales there are.
      CREATE INDEX receipt_prints_open ON receipt_prints(status, receipt_no) WHERE status <> 'printed';
    `,
  },
  {
    version: 3,
    name: 'wallet payment attempts',
    sql: PAYMENT_ATTEMPTS_SQL,
  },
  {
    version: 4,
    name: 'refunds',
    sql: REFUNDS_SQL,
  },
  {
    version: 5,
    name: 'users',
    sql: USERS_SQL,
  },
  {
    version: 6,
    name: 'shifts and cash movements',
    sql: SHIFTS_SQL,
  },
  {
    version: 7,
    name: 'Z reports',
    sql: Z_REPORTS_SQL,
  },
  {
    version: 8,
    name: 'wallet reconciliation resolutions',
    sql: RECONCILE_SQL,
  },
  { version: 9, name: 'promotions', sql: PROMOTIONS_SQL },
  { version: 10, name: 'coupons and members', sql: COUPONS_SQL + MEMBERS_SQL },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export class SchemaVersionError extends Error {
  override name = 'SchemaVersionError';
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Refuses a database written by a newer Kassa; returns its version otherwise. */
export function checkSchemaVersion(db: Database.Database, file = 'the database'): number {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new SchemaVersionError(
      `${file} has schema version ${current}, but this Kassa knows versions up to ${SCHEMA_VERSION}. ` +
        'It was written by a newer Kassa: upgrade Kassa to open it. Nothing was changed.',
    );
  }
  return current;
}

/** Applies the missing migrations in order; returns the versions applied. */
export function migrate(db: Database.Database, file = 'the database'): number[] {
  const current = checkSchemaVersion(db, file);
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
