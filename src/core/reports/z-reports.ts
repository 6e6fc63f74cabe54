// X and Z reports (issue 7 §4). An X report reads the figures at any time and stores nothing;
// a Z report closes the day: it gets the next Z number of the terminal, covers the journal
// from the previous Z to now, and is stored once — its row, its hash-chained 'report.z'
// journal row (payload = the report) and an outbox 'shift' item for the store, in one
// transaction. Hand-written over our own schema, like the rest of the store.
//
// Decisions a caller must know:
// - Ranges are journal seq numbers: Z n covers (Z n−1's to_seq, Z n's to_seq], and to_seq is
//   the seq of its own 'report.z' row, so consecutive Zs tile the journal with no gap.
// - Refused, with nothing stored (ZReportError, `code` says which): while a shift is open
//   ('shift-open'); when nothing that a Z counts happened since the last Z ('nothing-new' — a
//   Z asked for twice; log-ins and device notes do not count); when the terminal syncs and
//   the outbox holds unsent items, unless an authorization for 'day.close-with-unsent' is
//   given ('unsent'), which is then journalled as 'day.close-override' with the count.
// - Immutable: there is no update path, and triggers refuse UPDATE and DELETE on the table.
//   getZ compares the stored report with its journal payload (the hash chain covers that).
// - business_day is the local date of the last row the Z covers, so a Z closed just after
//   midnight still belongs to the day it closes; `--date` lists the Zs of a business day.
// - Shifts (src/core/shifts) and antifraud (src/domain/antifraud.ts) come in through the narrow
//   ports below, so this module does not depend on how they are stored. Antifraud is counted
//   in the same pass that adds up the day (readRange feeds its counter): the day's records are
//   read once.
import type { Statement } from 'better-sqlite3';
import { canonicalJson } from '../db/canonical-json.ts';
import { appendJournalJson } from '../db/journal.ts';
import type { Db } from '../db/open.ts';
import { countPending, enqueueOutbox } from '../db/outbox.ts';
import { perConnection } from '../db/per-connection.ts';
import { createReportAccumulator, systemClock } from '../../domain/reports/day-report.ts';
import type { LocalClock, ReportData, ReportFlag, ReportKind, ReportRange, ShiftCash } from '../../domain/reports/day-report.ts';
import { hasSubstance, lastJournalSeq, rangeOf, rangeOfDay, readRange, withReportReads } from './report-source.ts';
import { createAntifraudCounter, type AntifraudCounter, type AntifraudThresholds } from '../../domain/antifraud.ts';
import type { ShiftService } from '../shifts/shift-service.ts';

export const Z_REPORTS_SQL = `
  -- One row per Z report. The report text is the canonical JSON of its 'report.z' journal
  -- row's payload, byte for byte; the journal's hash chain is what proves it unchanged.
  CREATE TABLE z_reports (
    terminal_id  TEXT NOT NULL,
    z_no         INTEGER NOT NULL CHECK (z_no >= 1),
    from_seq     INTEGER NOT NULL,          -- exclusive
    to_seq       INTEGER NOT NULL,          -- the seq of its own 'report.z' journal row
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    business_day TEXT NOT NULL,             -- yyyy-mm-dd, local date of the last row covered
    report       TEXT NOT NULL,
    journal_seq  INTEGER NOT NULL,
    CHECK (to_seq > from_seq),
    PRIMARY KEY (terminal_id, z_no)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX z_reports_by_day ON z_reports(business_day);
  -- A Z is final: a correction is the next day's business, never an edit.
  CREATE TRIGGER z_reports_no_update BEFORE UPDATE ON z_reports
    BEGIN SELECT RAISE(ABORT, 'Z reports are immutable'); END;
  CREATE TRIGGER z_reports_no_delete BEFORE DELETE ON z_reports
    BEGIN SELECT RAISE(ABORT, 'Z reports are immutable'); END;
`;

export type ZReportErrorCode = 'shift-open' | 'nothing-new' | 'unsent' | 'bad-approval' | 'not-found' | 'tampered';

export class ZReportError extends Error {
  override name = 'ZReportError';
  constructor(
    message: string,
    readonly code: ZReportErrorCode,
  ) {
    super(message);
  }
}

/** A shift's cash with the journal range it covers: (openedSeq, closedSeq]. */
export interface ShiftCashInRange extends ShiftCash {
  readonly openedSeq: number;
  readonly closedSeq: number | null;
}

/** What reports need from the shift service (src/core/shifts/shift-service.ts). */
export interface ShiftsPort {
  /** The open shift, or null. */
  openShift(): { readonly id: string; readonly openedAt: string; readonly openedBy: string } | null;
  /** Shifts closed at a seq in (fromSeq, toSeq], with expected/counted cash. */
  closedIn(fromSeq: number, toSeq: number): readonly ShiftCashInRange[];
  /** The open shift's cash so far (expected only), for an X report; null when none is open. */
  openCash(): ShiftCashInRange | null;
}

/**
 * What reports need from antifraud (src/domain/antifraud.ts): a counter the report feeds from
 * its own pass over the range (the day's records are read once), then the flags it raised.
 */
export interface AntifraudPort {
  counter(range: { readonly fromSeq: number; readonly toSeq: number }): AntifraudCounter;
  flags(counter: AntifraudCounter): readonly ReportFlag[];
}

/** Who did it (StaffService.authorize's result, src/core/staff/staff-service.ts). */
export interface ReportAuthorization {
  /** What it allows (StaffService's Authorization has it): checked when present. */
  readonly permission?: string;
  /** The name of who acts. */
  readonly by: string;
  readonly userId: string | null;
  /** Set when someone else approved it in place by PIN. */
  readonly approvedBy: { readonly userId: string; readonly name: string; readonly permission: string; readonly journalSeq: number } | null;
}

export interface ReportContext {
  readonly db: Db;
  readonly terminalId: string;
  readonly currency: string;
  /** true when config.sync is set: unsent outbox items then block a Z without an approval. */
  readonly syncs: boolean;
  /** The terminal's mode (config.training): sales of the other mode are set aside. Default false. */
  readonly training?: boolean;
  readonly now: () => Date;
  readonly clock?: LocalClock;
  readonly shifts?: ShiftsPort;
  readonly antifraud?: AntifraudPort;
}

export interface StoredZ {
  readonly terminalId: string;
  readonly zNo: number;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly businessDay: string;
  readonly journalSeq: number;
  readonly report: ReportData;
}

interface ZRow {
  terminal_id: string;
  z_no: number;
  from_seq: number;
  to_seq: number;
  created_at: string;
  created_by: string;
  business_day: string;
  report: string;
  journal_seq: number;
}

const statementsFor = perConnection(
  (db): { last: Statement; insert: Statement; one: Statement; byDay: Statement; all: Statement; payload: Statement } => ({
    last: db.prepare('SELECT * FROM z_reports WHERE terminal_id = ? ORDER BY z_no DESC LIMIT 1'),
    insert: db.prepare(
      'INSERT INTO z_reports (terminal_id, z_no, from_seq, to_seq, created_at, created_by, business_day, report, journal_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    one: db.prepare('SELECT * FROM z_reports WHERE terminal_id = ? AND z_no = ?'),
    byDay: db.prepare('SELECT * FROM z_reports WHERE terminal_id = ? AND business_day = ? ORDER BY z_no'),
    all: db.prepare('SELECT * FROM z_reports WHERE terminal_id = ? ORDER BY z_no'),
    payload: db.prepare('SELECT kind, payload FROM journal WHERE seq = ?'),
  }),
);

function toStored(db: Db, r: ZRow, check: boolean): StoredZ {
  if (check) {
    const entry = statementsFor(db).payload.get(r.journal_seq) as { kind: string; payload: string } | undefined;
    if (!entry || entry.kind !== 'report.z' || entry.payload !== r.report) {
      throw new ZReportError(
        `Z ${r.z_no} of ${r.terminal_id} does not match its journal row ${r.journal_seq}: the stored report was changed (run kassa verify)`,
        'tampered',
      );
    }
  }
  return {
    terminalId: r.terminal_id,
    zNo: r.z_no,
    fromSeq: r.from_seq,
    toSeq: r.to_seq,
    createdAt: r.created_at,
    createdBy: r.created_by,
    businessDay: r.business_day,
    journalSeq: r.journal_seq,
    report: JSON.parse(r.report) as ReportData,
  };
}

/** The terminal's newest Z, or null before the first. Not checked against the journal (see getZ). */
export function lastZ(db: Db, terminalId: string): StoredZ | null {
  const r = statementsFor(db).last.get(terminalId) as ZRow | undefined;
  return r ? toStored(db, r, false) : null;
}

/** Z number `zNo`, checked against its journal row; ZReportError 'not-found' / 'tampered'. */
export function getZ(db: Db, terminalId: string, zNo: number): StoredZ {
  const r = statementsFor(db).one.get(terminalId, zNo) as ZRow | undefined;
  if (!r) throw new ZReportError(`there is no Z ${zNo} for terminal ${terminalId}`, 'not-found');
  return toStored(db, r, true);
}

/** The Zs whose business day is `date` (yyyy-mm-dd), oldest first, each checked against its journal row. */
export function zReportsOfDay(db: Db, terminalId: string, date: string): StoredZ[] {
  return (statementsFor(db).byDay.all(terminalId, date) as ZRow[]).map((r) => toStored(db, r, true));
}

/** Every Z of the terminal, oldest first, unchecked (the year summary reads them all). */
export function* allZRows(db: Db, terminalId: string): Generator<{ zNo: number; toSeq: number; report: string }> {
  for (const r of statementsFor(db).all.iterate(terminalId) as IterableIterator<ZRow>) yield { zNo: r.z_no, toSeq: r.to_seq, report: r.report };
}

function clockOf(ctx: ReportContext): LocalClock {
  return ctx.clock ?? systemClock();
}

interface BuildOptions {
  readonly kind: ReportKind;
  readonly zNo: number | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly range: ReportRange;
  /** Last seq holding data (the Z's own rows come after it). */
  readonly dataToSeq: number;
  readonly includeOpenShift: boolean;
  readonly override?: ReportData['override'];
}

function build(ctx: ReportContext, o: BuildOptions): ReportData {
  const acc = createReportAccumulator({ currency: ctx.currency, clock: clockOf(ctx), training: ctx.training ?? false });
  const shifts: ShiftCashInRange[] = ctx.shifts ? [...ctx.shifts.closedIn(o.range.fromSeq, o.dataToSeq)] : [];
  if (ctx.shifts && o.includeOpenShift) {
    const open = ctx.shifts.openCash();
    if (open) shifts.push(open);
  }
  const fraud = ctx.antifraud?.counter({ fromSeq: o.range.fromSeq, toSeq: o.dataToSeq });
  const read = readRange(ctx.db, o.range.fromSeq, o.dataToSeq, acc, {
    training: ctx.training ?? false,
    ...(ctx.shifts ? { shiftRanges: shifts } : {}),
    ...(fraud ? { antifraud: fraud } : {}),
  });
  const flags = ctx.antifraud && fraud ? ctx.antifraud.flags(fraud) : [];
  return acc.finish({
    kind: o.kind,
    zNo: o.zNo,
    terminalId: ctx.terminalId,
    createdAt: o.createdAt,
    createdBy: o.createdBy,
    range: o.range,
    cash: {
      shifts: shifts.map(({ openedSeq: _o, closedSeq: _c, ...cash }) => cash),
      outsideShifts: read.outside,
    },
    flags,
    override: o.override ?? null,
  });
}

export type XReportWhat = { readonly sinceLastZ: true } | { readonly date: string };

/** The figures so far, stored nowhere: since the last Z (with the open shift's cash), or of a calendar day. */
export function xReport(ctx: ReportContext, what: XReportWhat, by: string): ReportData {
  return withReportReads(ctx.db, () => x(ctx, what, by));
}

function x(ctx: ReportContext, what: XReportWhat, by: string): ReportData {
  const createdAt = ctx.now().toISOString();
  if ('date' in what) {
    const range = rangeOfDay(ctx.db, what.date, clockOf(ctx));
    return build(ctx, { kind: 'X', zNo: null, createdBy: by, createdAt, range, dataToSeq: range.toSeq, includeOpenShift: false });
  }
  const fromSeq = lastZ(ctx.db, ctx.terminalId)?.toSeq ?? 0;
  const range = rangeOf(ctx.db, fromSeq, lastJournalSeq(ctx.db));
  return build(ctx, { kind: 'X', zNo: null, createdBy: by, createdAt, range, dataToSeq: range.toSeq, includeOpenShift: true });
}

export interface MakeZInput {
  /** Who closes the day (StaffService.authorize('report.z', …)). */
  readonly authorization: ReportAuthorization;
  /** Needed when the terminal syncs and sales are unsent: StaffService.authorize('day.close-with-unsent', …). */
  readonly closeWithUnsent?: ReportAuthorization;
}

const CLOSE_WITH_UNSENT = 'day.close-with-unsent';

function hhmm(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Closes the day: see the module comment for what is refused. Returns the stored Z. */
export function makeZ(ctx: ReportContext, input: MakeZInput): StoredZ {
  const { db } = ctx;
  if (input.authorization.by.trim() === '') throw new ZReportError('a Z report needs who closes the day', 'bad-approval');
  const override = input.closeWithUnsent;
  const overrideFor = override?.permission ?? override?.approvedBy?.permission ?? CLOSE_WITH_UNSENT;
  if (overrideFor !== CLOSE_WITH_UNSENT) {
    throw new ZReportError(`the approval given is for "${overrideFor}", not for "${CLOSE_WITH_UNSENT}"; no Z was made`, 'bad-approval');
  }
  return withReportReads(db, () => z(ctx, input));
}

function z(ctx: ReportContext, input: MakeZInput): StoredZ {
  const { db } = ctx;
  const override = input.closeWithUnsent;
  return db
    .transaction((): StoredZ => {
      const open = ctx.shifts?.openShift() ?? null;
      if (open) {
        throw new ZReportError(`close the shift first: shift ${open.id} opened by ${open.openedBy} at ${hhmm(open.openedAt)} is still open; no Z was made`, 'shift-open');
      }
      const previous = lastZ(db, ctx.terminalId);
      const fromSeq = previous?.toSeq ?? 0;
      const dataToSeq = lastJournalSeq(db);
      if (!hasSubstance(db, fromSeq, dataToSeq)) {
        throw new ZReportError(
          previous
            ? `Z ${previous.zNo} already closed the day at ${hhmm(previous.createdAt)} (${previous.businessDay}): nothing since, so no new Z was made`
            : 'nothing to close: no sales, refunds or shifts yet, so no Z was made',
          'nothing-new',
        );
      }
      const unsent = ctx.syncs ? countPending(db) : 0;
      if (unsent > 0 && !override) {
        throw new ZReportError(
          `${unsent} item(s) have not reached the store server yet: let the terminal sync first (kassa sync), or have a manager approve closing with unsent sales; no Z was made`,
          'unsent',
        );
      }
      const createdAt = ctx.now().toISOString();
      const zNo = (previous?.zNo ?? 0) + 1;
      let next = dataToSeq + 1;
      let overrideInfo: ReportData['override'] = null;
      if (unsent > 0 && override) {
        const approvedBy = override.approvedBy?.name ?? override.by;
        appendJournalJson(db, {
          terminalId: ctx.terminalId,
          kind: 'day.close-override',
          ref: `${ctx.terminalId}-Z${zNo}`,
          payloadJson: canonicalJson({ zNo, unsent, by: input.authorization.by, approvedBy, approvalSeq: override.approvedBy?.journalSeq ?? null }),
          at: createdAt,
        });
        overrideInfo = { unsent, approvedBy };
        next += 1;
      }
      const toSeq = next; // the seq the 'report.z' row is about to get (the write lock is held)
      const dataRange = rangeOf(db, fromSeq, dataToSeq);
      const range: ReportRange = { ...dataRange, toSeq };
      const report = build(ctx, { kind: 'Z', zNo, createdBy: input.authorization.by, createdAt, range, dataToSeq, includeOpenShift: false, override: overrideInfo });
      const reportJson = canonicalJson(report);
      const entry = appendJournalJson(db, { terminalId: ctx.terminalId, kind: 'report.z', ref: `${ctx.terminalId}-Z${zNo}`, payloadJson: reportJson, at: createdAt });
      if (entry.seq !== toSeq) throw new Error(`internal: the Z row took seq ${entry.seq}, expected ${toSeq}`);
      const businessDay = clockOf(ctx).dayOf(dataRange.to ?? createdAt);
      statementsFor(db).insert.run(ctx.terminalId, zNo, fromSeq, toSeq, createdAt, input.authorization.by, businessDay, reportJson, entry.seq);
      enqueueOutbox(db, {
        idempotencyKey: `report.z:${ctx.terminalId}:${zNo}`,
        type: 'shift',
        payload: {
          kind: 'report.z',
          at: createdAt,
          terminalId: ctx.terminalId,
          zNo,
          fromSeq,
          toSeq,
          journalSeq: entry.seq,
          businessDay,
          currency: ctx.currency,
          sales: report.sales.count,
          paid: report.sales.paid,
          returns: report.returns.amount,
          unsentAtClose: unsent,
        },
        createdAt,
      });
      return { terminalId: ctx.terminalId, zNo, fromSeq, toSeq, createdAt, createdBy: input.authorization.by, businessDay, journalSeq: entry.seq, report };
    })
    .immediate();
}

// ---------------------------------------------------------------------------------------------
// The real shift service and antifraud source behind the ports.

/** The shifts of the last SHIFT_LOOKBACK a Z can cover: far more than a day ever has. */
const SHIFT_LOOKBACK = 500;

type ShiftSource = Pick<ShiftService, 'current' | 'list' | 'get' | 'expectedNow'>;

function workingOf(lines: readonly { readonly label: string; readonly amount: number; readonly sign: '+' | '-' }[] | undefined): ShiftCash['working'] {
  return (lines ?? []).map((l) => ({ label: l.label, amount: l.amount, sign: l.sign === '-' ? -1 : 1 }));
}

/** ShiftsPort over src/core/shifts/shift-service.ts. */
export function shiftsPort(service: ShiftSource): ShiftsPort {
  return {
    openShift() {
      const s = service.current();
      return s ? { id: s.id, openedAt: s.openedAt, openedBy: s.openedBy } : null;
    },
    closedIn(fromSeq, toSeq) {
      return service
        .list({ last: SHIFT_LOOKBACK })
        .filter((s) => s.closedSeq !== null && s.closedSeq > fromSeq && s.closedSeq <= toSeq)
        .reverse()
        .map((s) => ({
          shiftId: s.id,
          openedAt: s.openedAt,
          openedBy: s.openedBy,
          closedAt: s.closedAt,
          closedBy: s.closedBy,
          float: s.float,
          expected: s.expected ?? 0,
          counted: s.counted,
          overShort: s.overShort,
          working: workingOf(service.get(s.id)?.closing?.working),
          openedSeq: s.openedSeq,
          closedSeq: s.closedSeq,
        }));
    },
    openCash() {
      const now = service.expectedNow();
      if (!now) return null;
      const s = now.shift;
      return {
        shiftId: s.id,
        openedAt: s.openedAt,
        openedBy: s.openedBy,
        closedAt: null,
        closedBy: null,
        float: s.float,
        expected: now.expected.expected,
        counted: null,
        overShort: null,
        working: workingOf(now.expected.working),
        openedSeq: s.openedSeq,
        closedSeq: null,
      };
    },
  };
}

/** The AntifraudPort of the configured thresholds, per shift when a shift service is given. */
export function antifraudPort(thresholds: AntifraudThresholds, shifts?: Pick<ShiftService, 'list'>): AntifraudPort {
  return {
    counter(range) {
      const spans = (shifts?.list({ last: SHIFT_LOOKBACK }) ?? [])
        .filter((s) => s.openedSeq < range.toSeq && (s.closedSeq === null || s.closedSeq > range.fromSeq))
        .map((s) => ({ id: s.id, openedSeq: s.openedSeq, closedSeq: s.closedSeq }));
      return createAntifraudCounter(spans);
    },
    flags: (counter) => counter.finish(thresholds).flags,
  };
}
