// Forward-only numbered migrations. Each runs in its own transaction together with the bump
// of PRAGMA user_version, so a crash mid-migration leaves the previous version intact.
// A database whose user_version is newer than the last migration here is refused: an older
// Kassa must never write into a schema it does not understand.
import type Database from 'better-sqlite3';

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

      -- WITHOUT ROWID (as sale_lines and tenders): the table is its id index, one b-tree less per commit.
      CREATE TABLE sales (
        id            TEXT PRIMARY KEY NOT NULL,   -- ULID + terminal id, made on the terminal
        terminal_id   TEXT NOT NULL,
        receipt_no    INTEGER NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('completed')),
        currency      TEXT NOT NULL,
        subtotal      INTEGER NOT NULL,            -- sum of line amounts after discounts, as shown
        tax_total     INTEGER NOT NULL,
        total         INTEGER NOT NULL,            -- amount due before cash rounding
        rounding      INTEGER NOT NULL,            -- cash rounding adjustment (signed)
        basket_discount        INTEGER NOT NULL,   -- positive minor units, spread over the lines
        basket_discount_reason TEXT,
        tendered      INTEGER NOT NULL,
        change_given  INTEGER NOT NULL,
        cashier       TEXT NOT NULL,
        started_at    TEXT NOT NULL,
        completed_at  TEXT NOT NULL,
        training      INTEGER NOT NULL DEFAULT 0 CHECK (training IN (0, 1)),
        UNIQUE (terminal_id, receipt_no)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX sales_by_completed ON sales(completed_at);

      -- One column per SaleLineRecord field (no JSON copy): reports query them, and kassa verify
      -- rebuilds the record from them and compares it with the journal entry field by field.
      -- WITHOUT ROWID: the primary key is the table, so a commit writes one b-tree, not two.
      CREATE TABLE sale_lines (
        sale_id               TEXT NOT NULL REFERENCES sales(id),
        line_no               INTEGER NOT NULL,
        sku                   TEXT NOT NULL,
        name                  TEXT NOT NULL,
        unit                  TEXT NOT NULL CHECK (unit IN ('each', 'kg')),
        quantity_milli        INTEGER NOT NULL,    -- items × 1000, or grams for kg
        unit_price            INTEGER NOT NULL,    -- charged, after any override
        original_unit_price   INTEGER,             -- catalog price when overridden, else NULL
        override_reason       TEXT,
        gross                 INTEGER NOT NULL,    -- before discounts
        gross_embedded        INTEGER NOT NULL CHECK (gross_embedded IN (0, 1)),  -- price-embedded barcode
        line_discount         INTEGER NOT NULL,    -- positive minor units
        line_discount_reason  TEXT,
        basket_discount_share INTEGER NOT NULL,    -- positive minor units
        amount                INTEGER NOT NULL,    -- what the customer pays for the line
        tax_class             TEXT NOT NULL,
        tax_rate_bps          INTEGER NOT NULL,
        tax_inclusive         INTEGER NOT NULL CHECK (tax_inclusive IN (0, 1)),
        tax                   INTEGER NOT NULL,
        voided                INTEGER NOT NULL CHECK (voided IN (0, 1)),
        void_reason           TEXT,
        source                TEXT NOT NULL,       -- scanned data, or "search"/"manual"
        PRIMARY KEY (sale_id, line_no)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE tenders (
        sale_id    TEXT NOT NULL REFERENCES sales(id),
        seq        INTEGER NOT NULL,
        method     TEXT NOT NULL,
        amount     INTEGER NOT NULL,               -- amount applied to the sale
        received   INTEGER NOT NULL,               -- amount handed over (cash)
        reference  TEXT,
        PRIMARY KEY (sale_id, seq)
      ) STRICT, WITHOUT ROWID;

      -- No index on hash: nothing looks a row up by it, and the chain (each prev_hash is the
      -- previous row's hash, seq gapless) already proves order; an index would cost a page
      -- write per commit.
      CREATE TABLE journal (
        seq         INTEGER PRIMARY KEY,           -- gapless, assigned in order
        at          TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        kind        TEXT NOT NULL,
        ref         TEXT,
        payload     TEXT NOT NULL,                 -- canonical JSON
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL                  -- sha256(prev_hash || canonical row content)
      ) STRICT;
      CREATE INDEX journal_by_ref ON journal(ref, kind);

      -- A sale's message is a reference, {"journalSeq":…,"saleId":…}: the full record is the
      -- journal entry's payload, read by the sender when it sends.
      CREATE TABLE outbox (
        seq             INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        type            TEXT NOT NULL,
        payload         TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        sent_at         TEXT,
        status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead'))
      ) STRICT;

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

      CREATE TABLE counters (
        terminal_id TEXT NOT NULL,
        name        TEXT NOT NULL,
        value       INTEGER NOT NULL,
        PRIMARY KEY (terminal_id, name)
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
