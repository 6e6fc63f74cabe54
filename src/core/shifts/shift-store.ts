// Shifts and cash movements (issue 7 §2): the tables (migration 6) and their reads. Writes are
// done by shift-service.ts, each in one immediate transaction with its journal row and outbox
// message. Hand-written like the rest of the store: the rules are Kassa's own.
//
// Decisions a caller must know:
// - A shift covers the JOURNAL SEQ range (opened_seq, closed_seq]: opened_seq is its
//   'shift.opened' entry, closed_seq its 'shift.closed' entry. Sales, refunds and drawer events
//   belong to it by their journal seq; no row is ever updated to say which shift it is in.
// - One open shift per terminal, kept by a partial UNIQUE index (a second open fails even from
//   another process).
// - A row is written when the shift opens and completed once when it closes; the close columns
//   are all set or all null (CHECK). Nothing else ever updates it.
// - Cashier changes are journal rows only ('shift.cashier-changed', ref = the shift id): the
//   current cashier is the newest of them, else who opened the shift.
// - Every money column is minor units; count_json is the count by denomination as canonical
//   JSON ({"0.5": 4, "100": 3}), expected_json the working of the expected figure.
import type { Db } from '../db/open.ts';

export const SHIFTS_SQL = `
  CREATE TABLE shifts (
    id             TEXT PRIMARY KEY NOT NULL,     -- ULID + terminal id
    terminal_id    TEXT NOT NULL,
    opened_at      TEXT NOT NULL,
    opened_by      TEXT NOT NULL,                 -- the operator's name
    opened_user    TEXT,                          -- the operator's user id; null in setup mode
    float          INTEGER NOT NULL CHECK (float >= 0),
    float_json     TEXT,                          -- the float's count by denomination, when counted so
    opened_seq     INTEGER NOT NULL UNIQUE,
    closed_at      TEXT,
    closed_by      TEXT,
    closed_user    TEXT,
    closed_seq     INTEGER UNIQUE,
    counted        INTEGER CHECK (counted >= 0),
    count_json     TEXT,
    expected       INTEGER,
    expected_json  TEXT,
    over_short     INTEGER,
    CHECK ((closed_at IS NULL) = (closed_seq IS NULL)),
    CHECK ((closed_at IS NULL) = (closed_by IS NULL)),
    CHECK ((closed_at IS NULL) = (counted IS NULL)),
    CHECK ((closed_at IS NULL) = (count_json IS NULL)),
    CHECK ((closed_at IS NULL) = (expected IS NULL)),
    CHECK ((closed_at IS NULL) = (expected_json IS NULL)),
    CHECK ((closed_at IS NULL) = (over_short IS NULL)),
    CHECK (closed_seq IS NULL OR closed_seq > opened_seq)
  ) STRICT;
  CREATE UNIQUE INDEX shifts_one_open ON shifts(terminal_id) WHERE closed_at IS NULL;

  CREATE TABLE cash_movements (
    id           TEXT PRIMARY KEY NOT NULL,       -- ULID + terminal id
    shift_id     TEXT NOT NULL REFERENCES shifts(id),
    kind         TEXT NOT NULL CHECK (kind IN ('paid-in', 'paid-out')),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    reason       TEXT NOT NULL CHECK (length(reason) > 0),
    by_name      TEXT NOT NULL,
    by_user      TEXT,
    at           TEXT NOT NULL,
    journal_seq  INTEGER NOT NULL UNIQUE
  ) STRICT;
  CREATE INDEX cash_movements_by_shift ON cash_movements(shift_id);
`;

export interface ShiftRow {
  readonly id: string;
  readonly terminalId: string;
  readonly openedAt: string;
  readonly openedBy: string;
  readonly openedUser: string | null;
  readonly float: number;
  /** The float's count by denomination, when it was counted so. */
  readonly floatCount: Readonly<Record<string, number>> | null;
  readonly openedSeq: number;
  readonly closedAt: string | null;
  readonly closedBy: string | null;
  readonly closedUser: string | null;
  readonly closedSeq: number | null;
  readonly counted: number | null;
  readonly count: Readonly<Record<string, number>> | null;
  readonly expected: number | null;
  /** The working stored at close (ExpectedCash as JSON). */
  readonly expectedJson: string | null;
  readonly overShort: number | null;
}

interface RawShift {
  id: string;
  terminal_id: string;
  opened_at: string;
  opened_by: string;
  opened_user: string | null;
  float: number;
  float_json: string | null;
  opened_seq: number;
  closed_at: string | null;
  closed_by: string | null;
  closed_user: string | null;
  closed_seq: number | null;
  counted: number | null;
  count_json: string | null;
  expected: number | null;
  expected_json: string | null;
  over_short: number | null;
}

const toShift = (r: RawShift): ShiftRow => ({
  id: r.id,
  terminalId: r.terminal_id,
  openedAt: r.opened_at,
  openedBy: r.opened_by,
  openedUser: r.opened_user,
  float: r.float,
  floatCount: r.float_json === null ? null : (JSON.parse(r.float_json) as Record<string, number>),
  openedSeq: r.opened_seq,
  closedAt: r.closed_at,
  closedBy: r.closed_by,
  closedUser: r.closed_user,
  closedSeq: r.closed_seq,
  counted: r.counted,
  count: r.count_json === null ? null : (JSON.parse(r.count_json) as Record<string, number>),
  expected: r.expected,
  expectedJson: r.expected_json,
  overShort: r.over_short,
});

export interface CashMovementRow {
  readonly id: string;
  readonly shiftId: string;
  readonly kind: 'paid-in' | 'paid-out';
  readonly amount: number;
  readonly reason: string;
  readonly byName: string;
  readonly byUser: string | null;
  readonly at: string;
  readonly journalSeq: number;
}

interface RawMovement {
  id: string;
  shift_id: string;
  kind: 'paid-in' | 'paid-out';
  amount: number;
  reason: string;
  by_name: string;
  by_user: string | null;
  at: string;
  journal_seq: number;
}

const toMovement = (r: RawMovement): CashMovementRow => ({
  id: r.id,
  shiftId: r.shift_id,
  kind: r.kind,
  amount: r.amount,
  reason: r.reason,
  byName: r.by_name,
  byUser: r.by_user,
  at: r.at,
  journalSeq: r.journal_seq,
});

export function openShiftRow(db: Db, terminalId: string): ShiftRow | null {
  const r = db.prepare<[string], RawShift>('SELECT * FROM shifts WHERE terminal_id = ? AND closed_at IS NULL').get(terminalId);
  return r ? toShift(r) : null;
}

export function shiftRow(db: Db, id: string): ShiftRow | null {
  const r = db.prepare<[string], RawShift>('SELECT * FROM shifts WHERE id = ?').get(id);
  return r ? toShift(r) : null;
}

/** The newest `last` shifts of the terminal, newest first. */
export function shiftRows(db: Db, terminalId: string, last: number): ShiftRow[] {
  return db.prepare<[string, number], RawShift>('SELECT * FROM shifts WHERE terminal_id = ? ORDER BY opened_seq DESC LIMIT ?').all(terminalId, last).map(toShift);
}

/** Shifts whose range overlaps (fromSeq, toSeq], oldest first (a Z report's cash section). */
export function shiftsInRange(db: Db, fromSeq: number, toSeq: number): ShiftRow[] {
  return db
    .prepare<[number, number], RawShift>('SELECT * FROM shifts WHERE opened_seq < ? AND (closed_seq IS NULL OR closed_seq > ?) ORDER BY opened_seq')
    .all(toSeq, fromSeq)
    .map(toShift);
}

export function insertShift(
  db: Db,
  s: { id: string; terminalId: string; openedAt: string; openedBy: string; openedUser: string | null; float: number; floatJson: string | null; openedSeq: number },
): void {
  db.prepare(
    `INSERT INTO shifts (id, terminal_id, opened_at, opened_by, opened_user, float, float_json, opened_seq)
     VALUES (@id, @terminalId, @openedAt, @openedBy, @openedUser, @float, @floatJson, @openedSeq)`,
  ).run(s);
}

export function closeShiftRow(
  db: Db,
  s: { id: string; closedAt: string; closedBy: string; closedUser: string | null; closedSeq: number; counted: number; countJson: string; expected: number; expectedJson: string; overShort: number },
): void {
  const changed = db
    .prepare(
      `UPDATE shifts SET closed_at = @closedAt, closed_by = @closedBy, closed_user = @closedUser, closed_seq = @closedSeq, counted = @counted,
              count_json = @countJson, expected = @expected, expected_json = @expectedJson, over_short = @overShort
       WHERE id = @id AND closed_at IS NULL`,
    )
    .run(s).changes;
  if (changed !== 1) throw new Error(`internal: shift ${s.id} was not open when it was closed`);
}

export function insertMovement(db: Db, m: CashMovementRow): void {
  db.prepare(
    `INSERT INTO cash_movements (id, shift_id, kind, amount, reason, by_name, by_user, at, journal_seq)
     VALUES (@id, @shiftId, @kind, @amount, @reason, @byName, @byUser, @at, @journalSeq)`,
  ).run(m);
}

export function movementsOf(db: Db, shiftId: string): CashMovementRow[] {
  return db.prepare<[string], RawMovement>('SELECT * FROM cash_movements WHERE shift_id = ? ORDER BY journal_seq').all(shiftId).map(toMovement);
}

/** Paid-in and paid-out slips whose journal entry is in (fromSeq, toSeq], oldest first. */
export function movementsInRange(db: Db, fromSeq: number, toSeq: number): CashMovementRow[] {
  return db
    .prepare<[number, number], RawMovement>('SELECT * FROM cash_movements WHERE journal_seq > ? AND journal_seq <= ? ORDER BY journal_seq')
    .all(fromSeq, toSeq)
    .map(toMovement);
}

export interface CashierChange {
  readonly seq: number;
  readonly at: string;
  readonly from: { readonly name: string; readonly userId: string | null };
  readonly to: { readonly name: string; readonly userId: string | null; readonly role: string };
}

/** The shift's cashier changes, oldest first (journal rows 'shift.cashier-changed' about it). */
export function cashierChanges(db: Db, shiftId: string): CashierChange[] {
  return db
    .prepare<[string], { seq: number; at: string; payload: string }>("SELECT seq, at, payload FROM journal WHERE ref = ? AND kind = 'shift.cashier-changed' ORDER BY seq")
    .all(shiftId)
    .map((r) => {
      const p = JSON.parse(r.payload) as { from: CashierChange['from']; to: CashierChange['to'] };
      return { seq: r.seq, at: r.at, from: p.from, to: p.to };
    });
}
