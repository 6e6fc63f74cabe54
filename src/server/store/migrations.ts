// The store server's schema: forward-only numbered migrations, the same SQL for PostgreSQL and
// PGlite (one dialect, one file). Hand-written like the terminal's (src/core/db/migrations.ts):
// a migration tool would be a dependency for a dozen statements.
//
// Decisions a caller must know:
// - All pending migrations run in one transaction under an advisory lock, so two servers
//   starting on one PostgreSQL cannot both migrate, and a crash leaves the previous version.
// - A database whose version is newer than STORE_SCHEMA_VERSION is refused (StoreSchemaError):
//   an older server must never write into a schema it does not understand.
// - Money columns are bigint minor units; times are timestamptz.
import type { SqlRunner, StoreStorage } from './storage.ts';
import { toInt } from './storage.ts';

export interface StoreMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export class StoreSchemaError extends Error {
  override name = 'StoreSchemaError';
}

export const STORE_MIGRATIONS: readonly StoreMigration[] = [
  {
    version: 1,
    name: 'stores, terminals, sync items, sales, refunds, catalog changes',
    sql: `
      -- catalog_version: the newest catalog change's version. Publishing takes this row's lock
      -- to hand out the next versions, so versions become visible in order and without gaps.
      CREATE TABLE stores (
        store_id        text PRIMARY KEY,
        catalog_version bigint NOT NULL DEFAULT 0,
        created_at      timestamptz NOT NULL DEFAULT now()
      );

      -- token_hash: sha256 (hex) of the terminal's token; the token itself is shown once.
      CREATE TABLE terminals (
        terminal_id   text PRIMARY KEY,
        store_id      text NOT NULL REFERENCES stores (store_id),
        token_hash    text NOT NULL,
        registered_at timestamptz NOT NULL,
        token_set_at  timestamptz NOT NULL,
        last_push_at  timestamptz
      );
      CREATE INDEX terminals_by_store ON terminals (store_id);

      -- Every applied outbox item, as sent. The primary key is what makes a re-sent batch a
      -- no-op (ARCHITECTURE.md §3 rule 4); content_hash tells a re-send from a key reused
      -- with other content.
      CREATE TABLE sync_items (
        terminal_id     text NOT NULL REFERENCES terminals (terminal_id),
        idempotency_key text NOT NULL,
        store_id        text NOT NULL,
        seq             bigint NOT NULL,
        type            text NOT NULL,
        schema_version  integer NOT NULL,
        content_hash    text NOT NULL,
        payload         jsonb NOT NULL,
        created_at      timestamptz NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now(),
        batch_id        text NOT NULL,
        PRIMARY KEY (terminal_id, idempotency_key)
      );

      -- What settlement sums, one row per sale (the record stays in sync_items.payload).
      CREATE TABLE sales (
        sale_id         text PRIMARY KEY,
        store_id        text NOT NULL,
        terminal_id     text NOT NULL,
        idempotency_key text NOT NULL,
        receipt_no      bigint NOT NULL,
        currency        text NOT NULL,
        completed_at    timestamptz NOT NULL,
        training        boolean NOT NULL,
        subtotal        bigint NOT NULL,
        tax_total       bigint NOT NULL,
        total           bigint NOT NULL,
        rounding        bigint NOT NULL,
        FOREIGN KEY (terminal_id, idempotency_key) REFERENCES sync_items (terminal_id, idempotency_key) ON DELETE CASCADE
      );
      CREATE INDEX sales_by_store_time ON sales (store_id, completed_at);

      -- Keyed by position in the record, not the tender's own seq: a record with odd seqs is
      -- money already taken and is stored, never refused over a numbering slip.
      CREATE TABLE sale_tenders (
        sale_id  text NOT NULL REFERENCES sales (sale_id) ON DELETE CASCADE,
        position integer NOT NULL,
        seq      integer NOT NULL,
        method   text NOT NULL,
        amount   bigint NOT NULL,
        PRIMARY KEY (sale_id, position)
      );

      -- Money that went back: one row per refund part settled 'sale.refunded'.
      CREATE TABLE refunds (
        refund_id       text NOT NULL,
        part_no         integer NOT NULL,
        store_id        text NOT NULL,
        terminal_id     text NOT NULL,
        idempotency_key text NOT NULL,
        sale_id         text NOT NULL,
        method          text NOT NULL,
        amount          bigint NOT NULL,
        currency        text NOT NULL,
        refunded_at     timestamptz NOT NULL,
        training        boolean NOT NULL,
        PRIMARY KEY (refund_id, part_no),
        FOREIGN KEY (terminal_id, idempotency_key) REFERENCES sync_items (terminal_id, idempotency_key) ON DELETE CASCADE
      );
      CREATE INDEX refunds_by_store_time ON refunds (store_id, refunded_at);

      CREATE TABLE catalog_changes (
        store_id     text NOT NULL REFERENCES stores (store_id),
        version      bigint NOT NULL,
        kind         text NOT NULL,
        change       jsonb NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (store_id, version)
      );
    `,
  },
  {
    version: 2,
    name: 'terminal reports (last seen, backlog, last receipt); catalog publish boundaries',
    sql: `
      -- One row per terminal that has made an authenticated request: when the server last heard
      -- from it (server clock, for 'silent'), and its latest report (Kassa-Terminal-Report
      -- header): the backlog it still holds, its last receipt number, its own clock then, and
      -- when the report arrived. The report columns stay null for a terminal that never sent one.
      CREATE TABLE terminal_reports (
        terminal_id        text PRIMARY KEY REFERENCES terminals (terminal_id),
        last_seen_at       timestamptz NOT NULL,
        backlog            bigint,
        last_receipt_no    bigint,
        reported_at        timestamptz,
        report_received_at timestamptz
      );

      -- The last version of the publish each change came in, so a pull never ends inside a
      -- publish: a terminal applies a publish (a price change over many products) whole. Null
      -- for changes published before this column: each counts as a publish of its own.
      ALTER TABLE catalog_changes ADD COLUMN publish_last bigint;
    `,
  },
  {
    version: 3,
    name: 'coupons and their redemptions; members, their points balance and purchases',
    sql: `
      -- The store's coupons as last imported (./coupons.ts); each change is also published to
      -- the terminals. A deleted coupon keeps its row (deleted = true) so its redemptions and
      -- its lock stay. A reservation locks this row, so two terminals cannot both reserve.
      CREATE TABLE coupons (
        store_id   text NOT NULL REFERENCES stores (store_id),
        code       text NOT NULL,
        definition jsonb NOT NULL,
        single     boolean NOT NULL,
        deleted    boolean NOT NULL DEFAULT false,
        PRIMARY KEY (store_id, code)
      );

      -- One row per (coupon, sale): 'reserved' by a terminal for a sale not yet synced, 'sold'
      -- once the sale arrived (with or without a reservation). No reference to coupons: a sale
      -- is recorded even for a code the server does not know. single: the sale said the coupon
      -- was single-use; only those count as double redemptions.
      CREATE TABLE coupon_redemptions (
        store_id     text NOT NULL,
        code         text NOT NULL,
        sale_id      text NOT NULL,
        terminal_id  text NOT NULL,
        state        text NOT NULL CHECK (state IN ('reserved', 'sold')),
        single       boolean NOT NULL,
        receipt_no   bigint,
        amount       bigint,
        at           timestamptz NOT NULL,
        completed_at timestamptz,
        PRIMARY KEY (store_id, code, sale_id)
      );
      CREATE INDEX coupon_redemptions_sold ON coupon_redemptions (store_id, completed_at) WHERE state = 'sold';
      -- A pushed sale drops its own reservations.
      CREATE INDEX coupon_redemptions_reserved ON coupon_redemptions (sale_id) WHERE state = 'reserved';

      -- The store's members as last imported (./members.ts) and their points balance, which
      -- only the server keeps: import sets it, every synced sale adds earned − redeemed. It may
      -- go below zero (points redeemed twice offline): settlement lists those.
      CREATE TABLE members (
        store_id   text NOT NULL REFERENCES stores (store_id),
        member_id  text NOT NULL,
        definition jsonb NOT NULL,
        balance    bigint NOT NULL,
        deleted    boolean NOT NULL DEFAULT false,
        PRIMARY KEY (store_id, member_id)
      );

      -- A member's synced non-training sales (the history), one row per sale, whether or not
      -- the member was known when it arrived (counted says whether it moved a balance).
      CREATE TABLE member_purchases (
        sale_id         text PRIMARY KEY REFERENCES sales (sale_id) ON DELETE CASCADE,
        store_id        text NOT NULL,
        member_id       text NOT NULL,
        terminal_id     text NOT NULL,
        receipt_no      bigint NOT NULL,
        completed_at    timestamptz NOT NULL,
        currency        text NOT NULL,
        paid            bigint NOT NULL,
        points_earned   bigint NOT NULL,
        points_redeemed bigint NOT NULL,
        line_count      integer NOT NULL,
        counted         boolean NOT NULL
      );
      CREATE INDEX member_purchases_by_member ON member_purchases (store_id, member_id, completed_at DESC);
    `,
  },
  {
    version: 4,
    name: 'coupon reservations expire',
    sql: `
      -- When the server took a reservation, by its own clock: a reservation older than
      -- COUPON_RESERVATION_MINUTES (sync-protocol.ts) gives way to another sale, so a sale
      -- cancelled while its terminal could not reach the server does not hold the code for good.
      ALTER TABLE coupon_redemptions ADD COLUMN reserved_at timestamptz NOT NULL DEFAULT now();
    `,
  },
];

export const STORE_SCHEMA_VERSION = STORE_MIGRATIONS[STORE_MIGRATIONS.length - 1]?.version ?? 0;

/** An arbitrary constant naming the migration lock (pg_advisory_xact_lock takes a bigint). */
const MIGRATION_LOCK = 7_406_190_611;

async function currentVersion(tx: SqlRunner): Promise<number> {
  const rows = await tx.query<{ v: unknown }>('SELECT coalesce(max(version), 0) AS v FROM store_schema_migrations');
  return toInt(rows[0]?.v, 'schema version');
}

/** Applies every pending migration; returns the versions applied (empty: up to date). */
export async function migrate(storage: StoreStorage, migrations: readonly StoreMigration[] = STORE_MIGRATIONS): Promise<number[]> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  return storage.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS store_schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const current = await currentVersion(tx);
    if (current > latest) {
      throw new StoreSchemaError(`the store database at ${storage.where} has schema version ${current}, newer than this Kassa understands (${latest}): upgrade Kassa`);
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO store_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
