// What reconciliation keeps (issue 7 §6): the items of the last run per day and wallet (so a
// manager can resolve or query an item by its key without fetching the bill again), the
// resolutions people recorded, and the Alipay account a bill downloaded with this terminal's
// own keys was for (so a bill FILE for another merchant is recognised later).
//
// Decisions a caller must know:
// - A run replaces the stored items of its (day, wallet) in one transaction; resolutions are
//   never replaced or deleted: a resolved key shows as resolved on every later run.
// - markResolved refuses (ReconcileError, nothing written): a key no run listed, a matched item
//   (nothing to resolve), a key already resolved (says by whom and when), an empty reason or
//   name. Otherwise the resolution row and its 'reconcile.resolved' journal entry (payload:
//   the item as it stood, the reason and who) commit together.
// - Items are not journalled: they are recomputed from the bill and the sales on every run.
import type { ReconcileItem, ReconcileStatus, ReconcileWallet, Resolution } from '../../domain/reconcile.ts';
import { parseItemKey, RECONCILE_STATUSES } from '../../domain/reconcile.ts';
import { appendJournal } from '../db/journal.ts';
import type { Db } from '../db/open.ts';

export const RECONCILE_SQL = `
  -- The items of the last reconciliation of each day and wallet (replaced by the next run).
  CREATE TABLE reconcile_items (
    item_key        TEXT PRIMARY KEY NOT NULL,      -- yyyy-MM-dd/wallet/pay|refund|reversal/id
    bill_date       TEXT NOT NULL,
    provider        TEXT NOT NULL CHECK (provider IN ('alipay', 'wechat')),
    entry           TEXT NOT NULL CHECK (entry IN ('payment', 'refund', 'reversal')),
    status          TEXT NOT NULL CHECK (status IN ('matched', 'missing-locally', 'missing-at-provider', 'amount-mismatch')),
    out_trade_no    TEXT NOT NULL,
    out_request_no  TEXT,
    local_amount    INTEGER,
    billed_amount   INTEGER,
    local_state     TEXT,
    local_ref       TEXT,
    trade_no        TEXT,
    run_at          TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX reconcile_items_by_day ON reconcile_items(bill_date, provider);

  -- One row per resolved item: never updated, never deleted; journalled as 'reconcile.resolved'.
  CREATE TABLE reconcile_resolutions (
    item_key        TEXT PRIMARY KEY NOT NULL,
    bill_date       TEXT NOT NULL,
    provider        TEXT NOT NULL,
    status          TEXT NOT NULL,                  -- the item's status when it was resolved
    local_amount    INTEGER,
    billed_amount   INTEGER,
    reason          TEXT NOT NULL CHECK (length(reason) > 0),
    by_user         TEXT NOT NULL CHECK (length(by_user) > 0),
    at              TEXT NOT NULL,
    journal_seq     INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  -- The merchant account of the wallet's bills, learned from a bill fetched with this terminal's keys.
  CREATE TABLE reconcile_accounts (
    provider        TEXT PRIMARY KEY NOT NULL,
    account         TEXT NOT NULL,
    learned_at      TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
`;

/** A resolve or query the stored items cannot support; nothing was changed. */
export class ReconcileError extends Error {
  override name = 'ReconcileError';
}

export const MAX_REASON_LENGTH = 500;

interface ItemRow {
  item_key: string;
  bill_date: string;
  provider: ReconcileWallet;
  entry: ReconcileItem['entry'];
  status: ReconcileStatus;
  out_trade_no: string;
  out_request_no: string | null;
  local_amount: number | null;
  billed_amount: number | null;
  local_state: string | null;
  local_ref: string | null;
  trade_no: string | null;
}

interface ResolutionRow {
  item_key: string;
  status: ReconcileStatus;
  reason: string;
  by_user: string;
  at: string;
  journal_seq: number;
}

const toResolution = (r: ResolutionRow): Resolution => ({ reason: r.reason, by: r.by_user, at: r.at, status: r.status, journalSeq: r.journal_seq });

/** Replaces the stored items of one day and wallet with a run's items. */
export function storeRunItems(db: Db, date: string, provider: ReconcileWallet, items: readonly ReconcileItem[], at: string): void {
  db.transaction(() => {
    db.prepare('DELETE FROM reconcile_items WHERE bill_date = ? AND provider = ?').run(date, provider);
    const insert = db.prepare(`INSERT INTO reconcile_items (item_key, bill_date, provider, entry, status, out_trade_no, out_request_no, local_amount,
      billed_amount, local_state, local_ref, trade_no, run_at) VALUES (@key, @date, @provider, @entry, @status, @outTradeNo, @outRequestNo, @local,
      @billed, @localState, @localRef, @tradeNo, @at)`);
    for (const i of items) {
      insert.run({ key: i.key, date, provider, entry: i.entry, status: i.status, outTradeNo: i.outTradeNo, outRequestNo: i.outRequestNo, local: i.local, billed: i.billed, localState: i.localState, localRef: i.localRef, tradeNo: i.tradeNo, at });
    }
  }).immediate();
}

/** The stored item behind a key, or a ReconcileError saying why there is none. */
export function storedItem(db: Db, key: string): ReconcileItem {
  const parts = parseItemKey(key);
  if (parts === null) throw new ReconcileError(`"${key}" is not a reconciliation item key (expected yyyy-MM-dd/alipay|wechat/pay|refund|reversal/<id>, as kassa reconcile lists them)`);
  const row = db.prepare<[string], ItemRow>('SELECT * FROM reconcile_items WHERE item_key = ?').get(key);
  if (row === undefined) throw new ReconcileError(`no reconciliation of ${parts.date} lists ${key}: run kassa reconcile --date ${parts.date} first (or check the key)`);
  return {
    key: row.item_key,
    provider: row.provider,
    kind: row.entry === 'payment' ? 'payment' : 'refund',
    entry: row.entry,
    status: row.status,
    outTradeNo: row.out_trade_no,
    outRequestNo: row.out_request_no,
    local: row.local_amount,
    billed: row.billed_amount,
    localState: row.local_state,
    localRef: row.local_ref,
    tradeNo: row.trade_no,
    resolved: resolutionOf(db, key),
  };
}

export function resolutionOf(db: Db, key: string): Resolution | null {
  const row = db.prepare<[string], ResolutionRow>('SELECT * FROM reconcile_resolutions WHERE item_key = ?').get(key);
  return row === undefined ? null : toResolution(row);
}

/** Resolutions of one day and wallet, by key. */
export function resolutionsFor(db: Db, date: string, provider: ReconcileWallet): Map<string, Resolution> {
  const rows = db.prepare<[string, string], ResolutionRow>('SELECT * FROM reconcile_resolutions WHERE bill_date = ? AND provider = ?').all(date, provider);
  return new Map(rows.map((r) => [r.item_key, toResolution(r)]));
}

export interface MarkResolved {
  readonly key: string;
  readonly reason: string;
  readonly by: string;
  readonly terminalId: string;
  /** ISO time. */
  readonly at: string;
}

/** Records that a person settled an unmatched item, with why; journalled 'reconcile.resolved'. */
export function markResolved(db: Db, input: MarkResolved): Resolution {
  const reason = String(input.reason ?? '').trim();
  const by = String(input.by ?? '').trim();
  if (reason === '') throw new ReconcileError('a resolution needs a reason: say what was done (e.g. "refunded by hand at the counter, slip 42")');
  if (reason.length > MAX_REASON_LENGTH) throw new ReconcileError(`the reason is ${reason.length} characters; keep it to ${MAX_REASON_LENGTH}`);
  if (by === '') throw new ReconcileError('a resolution needs the name of who resolved it');
  return db
    .transaction(() => {
      const item = storedItem(db, input.key);
      if (item.status === 'matched') throw new ReconcileError(`${input.key} is matched: there is nothing to resolve`);
      if (item.resolved !== null) {
        throw new ReconcileError(`${input.key} was already resolved by ${item.resolved.by} at ${item.resolved.at} ("${item.resolved.reason}"); nothing was changed`);
      }
      if (!RECONCILE_STATUSES.includes(item.status)) throw new ReconcileError(`${input.key} has an unknown status "${item.status}"`);
      const parts = parseItemKey(input.key);
      const journal = appendJournal(db, {
        terminalId: input.terminalId,
        kind: 'reconcile.resolved',
        ref: input.key,
        payload: {
          key: input.key,
          date: parts?.date ?? '',
          provider: item.provider,
          kind: item.kind,
          entry: item.entry,
          status: item.status,
          outTradeNo: item.outTradeNo,
          outRequestNo: item.outRequestNo,
          local: item.local,
          billed: item.billed,
          reason,
          by,
        },
        at: input.at,
      });
      db.prepare(`INSERT INTO reconcile_resolutions (item_key, bill_date, provider, status, local_amount, billed_amount, reason, by_user, at, journal_seq)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(input.key, parts?.date ?? '', item.provider, item.status, item.local, item.billed, reason, by, input.at, journal.seq);
      return { reason, by, at: input.at, status: item.status, journalSeq: journal.seq };
    })
    .immediate();
}

/** The account learned for a wallet, or null. */
export function learnedAccount(db: Db, provider: ReconcileWallet): string | null {
  return db.prepare<[string], string>('SELECT account FROM reconcile_accounts WHERE provider = ?').pluck().get(provider) ?? null;
}

/** Remembers the account of a bill fetched with this terminal's own keys. */
export function learnAccount(db: Db, provider: ReconcileWallet, account: string, at: string): void {
  db.prepare('INSERT INTO reconcile_accounts (provider, account, learned_at) VALUES (?, ?, ?) ON CONFLICT (provider) DO UPDATE SET account = excluded.account, learned_at = excluded.learned_at WHERE account <> excluded.account').run(provider, account, at);
}
