// Shifts (issue 7 §2): open with a counted float, paid-in and paid-out with a reason, a cashier
// change mid-shift, close with a blind count by denomination, then over/short against the
// expected cash (domain/expected-cash.ts) with its working.
//
// Decisions a caller must know:
// - Every event ('shift.opened', 'cash.paid-in', 'cash.paid-out', 'shift.cashier-changed',
//   'shift.closed') is a journal row and an outbox message of type 'shift' (payload {kind, at,
//   shiftId, journalSeq, …}, src/shared/sync-protocol.ts shiftPayload) written in ONE immediate
//   transaction together with the table change, so all commit or none. Checks run inside that
//   transaction too, so two processes cannot both open a shift or both pay out the last cash.
// - Bad input throws ShiftError naming the field (`error.field`) and nothing is stored: opening
//   twice, closing or paying with no shift open, a float that is not a decimal, negative or
//   above cash.maxFloat, a float count that disagrees with the float, a count with a negative,
//   non-numeric or unknown denomination, an amount ≤ 0, a paid-out above the cash expected in
//   the drawer, a reason shorter than cash.requireReasonMin.
// - WHO: every write takes the Operator at the terminal (StaffService's: {userId, name, role};
//   userId null in setup mode) and records it. This service does not check permissions: the caller (PosApi,
//   the CLI) authorizes first (StaffService) and may pass the approval it used, which is
//   recorded with the event.
// - Ranges: a shift covers journal seqs (opened_seq, closed_seq]. Cash sales are read from the
//   'sale.completed' entries in that range (their records' cash tenders and rounding), cash
//   refunds from refund parts (method cash, state refunded) whose settling entry is in it,
//   paid-in/out from cash_movements by their journal seq. cashFigures(fromSeq, toSeq) gives the
//   same for any range (a Z report's cash section).
// - Blind close: close() stores the count first and returns the expected figure with it; the
//   expected figure is never needed to close. expectedNow() is for the X report and managers.
// - Sales of the other mode (training on a real terminal, or real on a training one) are set
//   aside and counted, never added to the expected cash.
// - Amounts come in as decimal strings in the terminal's currency ("200.00"), like the config
//   and refunds; results are minor units.
import { ulid } from 'ulid';
import { canonicalJson } from '../db/canonical-json.ts';
import { appendJournal, type JournalKind } from '../db/journal.ts';
import type { Db } from '../db/open.ts';
import { enqueueOutbox } from '../db/outbox.ts';
import type { KassaConfig } from '../config.ts';
import type { Approval, Operator } from '../staff/staff-service.ts';
import { countMap, parseCount, type CountLine, type Denomination } from '../../domain/denominations.ts';
import { expectedCash, overShort, tallyCash, type CashEvent, type CashTally, type ExpectedCash } from '../../domain/expected-cash.ts';
import { displayMoney, MoneyError, parseMoney } from '../../domain/money.ts';
import { cashDenominations, maxFloatOf } from './cash-config.ts';
import {
  cashierChanges,
  closeShiftRow,
  insertMovement,
  insertShift,
  movementsInRange,
  movementsOf,
  openShiftRow,
  shiftRow,
  shiftRows,
  shiftsInRange,
  type CashierChange,
  type CashMovementRow,
  type ShiftRow,
} from './shift-store.ts';

export type { Operator };

/** The approval an action was allowed by, when the operator lacked the permission (StaffService's Approval fits). */
export type ApprovalRef = Pick<Approval, 'userId' | 'name' | 'journalSeq'>;

export class ShiftError extends Error {
  override name = 'ShiftError';
  constructor(
    /** What was wrong: 'shift', 'float', 'counts', 'amount', 'reason', 'operator'. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The outbox message type of every shift and cash event. */
export const SHIFT_MESSAGE_TYPE = 'shift';

export interface ShiftServiceOptions {
  readonly db: Db;
  readonly config: Pick<KassaConfig, 'currency' | 'training' | 'cash' | 'language'>;
  readonly terminalId: string;
  readonly now?: () => Date;
}

export interface Shift extends ShiftRow {
  readonly state: 'open' | 'closed';
  readonly currency: string;
  /** Who has the drawer now (or had it at close): the newest cashier change, else who opened. */
  readonly cashier: { readonly name: string; readonly userId: string | null };
}

export interface ShiftDetail extends Shift {
  readonly movements: readonly CashMovementRow[];
  readonly cashierChanges: readonly CashierChange[];
  /** For a closed shift, the expected figure and working as stored at close. */
  readonly closing: ExpectedCash | null;
}

export interface CashFigures extends CashTally {
  readonly fromSeq: number;
  /** The last journal seq included (Number.MAX_SAFE_INTEGER: up to now). */
  readonly toSeq: number;
}

export interface ExpectedNow {
  readonly shift: Shift;
  readonly figures: CashFigures;
  readonly expected: ExpectedCash;
}

export interface CloseResult {
  readonly shift: Shift;
  readonly counted: number;
  readonly count: readonly CountLine[];
  readonly expected: ExpectedCash;
  readonly figures: CashFigures;
  /** counted − expected: positive over, negative short. */
  readonly overShort: number;
  readonly verdict: 'over' | 'short' | 'exact';
}

export interface OpenCommand {
  /** The float as a decimal string ("200.00")… */
  readonly float?: string;
  /** …and/or counted by denomination ({"100": 2}); both given must agree. */
  readonly counts?: Readonly<Record<string, unknown>>;
}

export interface CashMovementCommand {
  /** Decimal string, e.g. "50.00". */
  readonly amount: string;
  readonly reason: string;
}

export interface CloseCommand {
  readonly counts: Readonly<Record<string, unknown>>;
}

const MAX_REASON = 200;
const UP_TO_NOW = Number.MAX_SAFE_INTEGER;

export class ShiftService {
  readonly #db: Db;
  readonly #config: ShiftServiceOptions['config'];
  readonly #terminalId: string;
  readonly #now: () => Date;
  readonly #denominations: readonly Denomination[];

  constructor(options: ShiftServiceOptions) {
    this.#db = options.db;
    this.#config = options.config;
    this.#terminalId = options.terminalId;
    this.#now = options.now ?? (() => new Date());
    this.#denominations = cashDenominations(options.config.cash, options.config.currency);
  }

  /** The notes and coins a count may name, largest first. */
  denominations(): readonly Denomination[] {
    return this.#denominations;
  }

  /** The open shift, or null. */
  current(): Shift | null {
    const row = openShiftRow(this.#db, this.#terminalId);
    return row ? this.#shift(row) : null;
  }

  get(id: string): ShiftDetail | null {
    const row = shiftRow(this.#db, id);
    if (!row) return null;
    return {
      ...this.#shift(row),
      movements: movementsOf(this.#db, id),
      cashierChanges: cashierChanges(this.#db, id),
      closing: row.expectedJson === null ? null : (JSON.parse(row.expectedJson) as ExpectedCash),
    };
  }

  /** Shifts whose range overlaps the journal range (fromSeq, toSeq], oldest first (a Z report's cash section). */
  shiftsIn(fromSeq: number, toSeq: number): Shift[] {
    checkRange(fromSeq, toSeq);
    return shiftsInRange(this.#db, fromSeq, toSeq).map((r) => this.#shift(r));
  }

  /** The newest shifts first. */
  list(options: { last?: number } = {}): Shift[] {
    const last = options.last ?? 50;
    if (!Number.isSafeInteger(last) || last < 1) throw new ShiftError('last', `last must be a positive whole number, got ${last}`);
    return shiftRows(this.#db, this.#terminalId, last).map((r) => this.#shift(r));
  }

  open(command: OpenCommand, operator: Operator, approvedBy: ApprovalRef | null = null): Shift {
    const op = checkOperator(operator);
    const { float, floatCount } = this.#checkFloat(command);
    return this.#write(() => {
      const open = openShiftRow(this.#db, this.#terminalId);
      if (open) {
        throw new ShiftError('shift', `a shift is already open (since ${open.openedAt}, opened by ${open.openedBy} with a float of ${this.#money(open.float)}): close it first`);
      }
      const id = `${ulid()}-${this.#terminalId}`;
      const at = this.#at();
      const entry = this.#event('shift.opened', id, at, `shift:${id}:opened`, {
        float,
        floatCount,
        currency: this.#config.currency,
        operator: op,
        approvedBy: approvalOf(approvedBy),
      });
      insertShift(this.#db, { id, terminalId: this.#terminalId, openedAt: at, openedBy: op.name, openedUser: op.userId, float, floatJson: floatCount === null ? null : canonicalJson(floatCount), openedSeq: entry });
      return this.#shift(shiftRow(this.#db, id) as ShiftRow);
    });
  }

  paidIn(command: CashMovementCommand, operator: Operator, approvedBy: ApprovalRef | null = null): CashMovementRow {
    return this.#movement('paid-in', command, operator, approvedBy);
  }

  paidOut(command: CashMovementCommand, operator: Operator, approvedBy: ApprovalRef | null = null): CashMovementRow {
    return this.#movement('paid-out', command, operator, approvedBy);
  }

  /** A new cashier takes the drawer of the open shift (no count: the drawer stays one). */
  changeCashier(operator: Operator, approvedBy: ApprovalRef | null = null): Shift {
    const op = checkOperator(operator);
    return this.#write(() => {
      const shift = this.#requireOpen('change the cashier of');
      if (shift.cashier.name === op.name && shift.cashier.userId === op.userId) {
        throw new ShiftError('operator', `${op.name} already has the drawer of this shift`);
      }
      const at = this.#at();
      const key = `shift:${shift.id}:cashier:${ulid()}`;
      this.#event('shift.cashier-changed', shift.id, at, key, {
        from: shift.cashier,
        to: { name: op.name, userId: op.userId, role: op.role },
        approvedBy: approvalOf(approvedBy),
      });
      return this.#shift(shiftRow(this.#db, shift.id) as ShiftRow);
    });
  }

  /**
   * Closes the open shift with a blind count: the count is checked and stored, and only then is
   * the expected figure (with its working) and the over/short returned.
   */
  close(command: CloseCommand, operator: Operator, approvedBy: ApprovalRef | null = null): CloseResult {
    const op = checkOperator(operator);
    const count = this.#count(command?.counts, 'counts');
    return this.#write(() => {
      const shift = this.#requireOpen('close');
      const figures = this.cashFigures(shift.openedSeq, UP_TO_NOW);
      const expected = this.#expected(shift.float, figures);
      const result = overShort(expected.expected, count.total);
      const at = this.#at();
      const counted = countMap(count.lines);
      const seq = this.#event('shift.closed', shift.id, at, `shift:${shift.id}:closed`, {
        currency: this.#config.currency,
        operator: op,
        approvedBy: approvalOf(approvedBy),
        count: counted,
        counted: count.total,
        expected: expected.expected,
        working: expected.working,
        overShort: result.overShort,
        openedSeq: shift.openedSeq,
        sales: figures.counts.sales,
        refunds: figures.counts.refunds,
        setAside: figures.setAside,
        byCashier: figures.byCashier,
      });
      closeShiftRow(this.#db, {
        id: shift.id,
        closedAt: at,
        closedBy: op.name,
        closedUser: op.userId,
        closedSeq: seq,
        counted: count.total,
        countJson: canonicalJson(counted),
        expected: expected.expected,
        expectedJson: canonicalJson(expected),
        overShort: result.overShort,
      });
      return {
        shift: this.#shift(shiftRow(this.#db, shift.id) as ShiftRow),
        counted: count.total,
        count: count.lines,
        expected,
        figures: { ...figures, toSeq: seq },
        overShort: result.overShort,
        verdict: result.verdict,
      };
    });
  }

  /** The cash expected in the drawer of the open shift now, with its working; null with none open. */
  expectedNow(): ExpectedNow | null {
    const row = openShiftRow(this.#db, this.#terminalId);
    if (!row) return null;
    const shift = this.#shift(row);
    const figures = this.cashFigures(row.openedSeq, UP_TO_NOW);
    return { shift, figures, expected: this.#expected(row.float, figures) };
  }

  /**
   * The cash events of the journal range (fromSeq, toSeq], added up: cash sales and their
   * rounding, cash refunds, paid-in and paid-out, per cashier, the other mode set aside.
   */
  cashFigures(fromSeq: number, toSeq: number): CashFigures {
    checkRange(fromSeq, toSeq);
    const events: { seq: number; event: CashEvent }[] = [];
    // Driven by the journal's seq range (its primary key), the sale row found by its id: only
    // the sales of the range are read. Only the tenders are taken from the record's JSON (the
    // other figures are columns kassa verify checks against it): ~100 ms for 20,000 sales.
    const sales = this.#db
      .prepare<[number, number], { seq: number; tenders: string; rounding: number; training: number; cashier: string }>(
        `SELECT j.seq, j.payload -> '$.tenders' AS tenders, s.rounding, s.training, s.cashier
         FROM journal j JOIN sales s ON s.id = j.ref
         WHERE j.seq > ? AND j.seq <= ? AND j.kind = 'sale.completed'`,
      )
      .all(fromSeq, toSeq);
    for (const s of sales) {
      let cash = 0;
      let cashTenders = 0;
      for (const t of JSON.parse(s.tenders) as { method: string; amount: number }[]) {
        if (t.method !== 'cash') continue;
        cash += t.amount;
        cashTenders += 1;
      }
      events.push({ seq: s.seq, event: { kind: 'sale', cash, rounding: cashTenders > 0 ? s.rounding : 0, cashier: s.cashier, training: s.training === 1 } });
    }
    const refunds = this.#db
      .prepare<[number, number], { seq: number; amount: number; operator: string; training: number }>(
        `SELECT settled_seq AS seq, amount, operator, training FROM refunds
         WHERE method = 'cash' AND state = 'refunded' AND settled_seq > ? AND settled_seq <= ?`,
      )
      .all(fromSeq, toSeq);
    for (const r of refunds) events.push({ seq: r.seq, event: { kind: 'refund', cash: r.amount, cashier: r.operator, training: r.training === 1 } });
    for (const m of movementsInRange(this.#db, fromSeq, toSeq)) events.push({ seq: m.journalSeq, event: { kind: m.kind, amount: m.amount, cashier: m.byName } });
    events.sort((a, b) => a.seq - b.seq);
    return { ...tallyCash(events.map((e) => e.event), { training: this.#config.training }), fromSeq, toSeq };
  }

  // -------------------------------------------------------------------------------------------

  #movement(kind: 'paid-in' | 'paid-out', command: CashMovementCommand, operator: Operator, approvedBy: ApprovalRef | null): CashMovementRow {
    const op = checkOperator(operator);
    const amount = this.#amount(command?.amount, 'amount', kind);
    const reason = this.#reason(command?.reason, kind);
    return this.#write(() => {
      const shift = this.#requireOpen(`record a ${kind} in`);
      if (kind === 'paid-out') {
        const figures = this.cashFigures(shift.openedSeq, UP_TO_NOW);
        const inDrawer = this.#expected(shift.float, figures).expected;
        if (amount > inDrawer) {
          throw new ShiftError('amount', `paid-out of ${this.#money(amount)} is more than the cash expected in the drawer (${this.#money(inDrawer)})`);
        }
      }
      const id = `${ulid()}-${this.#terminalId}`;
      const at = this.#at();
      const journalKind: JournalKind = kind === 'paid-in' ? 'cash.paid-in' : 'cash.paid-out';
      const seq = this.#event(journalKind, shift.id, at, `shift:${shift.id}:${kind}:${id}`, {
        movementId: id,
        amount,
        currency: this.#config.currency,
        reason,
        operator: op,
        approvedBy: approvalOf(approvedBy),
      });
      const row: CashMovementRow = { id, shiftId: shift.id, kind, amount, reason, byName: op.name, byUser: op.userId, at, journalSeq: seq };
      insertMovement(this.#db, row);
      return row;
    });
  }

  /** Journal row + outbox message; returns the journal seq. Inside #write's transaction. */
  #event(kind: JournalKind, shiftId: string, at: string, key: string, data: Record<string, unknown>): number {
    const payload = { shiftId, ...data };
    const entry = appendJournal(this.#db, { terminalId: this.#terminalId, kind, ref: shiftId, payload, at });
    // The closing entry's range, (openedSeq, its own seq], is known only now.
    const sent = kind === 'shift.closed' ? { ...payload, range: { fromSeq: data.openedSeq as number, toSeq: entry.seq } } : payload;
    enqueueOutbox(this.#db, { idempotencyKey: key, type: SHIFT_MESSAGE_TYPE, payload: { kind, at, journalSeq: entry.seq, terminalId: this.#terminalId, ...sent }, createdAt: at });
    return entry.seq;
  }

  #write<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  #requireOpen(what: string): Shift {
    const row = openShiftRow(this.#db, this.#terminalId);
    if (!row) throw new ShiftError('shift', `there is no open shift to ${what}: open a shift first`);
    return this.#shift(row);
  }

  #shift(row: ShiftRow): Shift {
    const changes = cashierChanges(this.#db, row.id).filter((c) => row.closedSeq === null || c.seq < row.closedSeq);
    const last = changes.at(-1);
    return {
      ...row,
      state: row.closedAt === null ? 'open' : 'closed',
      currency: this.#config.currency,
      cashier: last ? { name: last.to.name, userId: last.to.userId } : { name: row.openedBy, userId: row.openedUser },
    };
  }

  #expected(float: number, f: CashTally): ExpectedCash {
    return expectedCash(
      { float, cashSales: f.cashSales, rounding: f.rounding, cashRefunds: f.cashRefunds, paidIn: f.paidIn, paidOut: f.paidOut, counts: f.counts },
      this.#config.language,
    );
  }

  #checkFloat(command: OpenCommand): { float: number; floatCount: Record<string, number> | null } {
    if (command === null || typeof command !== 'object') throw new ShiftError('float', 'expected the float, as an amount ("200.00") or counted by denomination');
    const given = command.float === undefined ? null : this.#amount(command.float, 'float', 'float', true);
    const count = command.counts === undefined ? null : this.#count(command.counts, 'counts');
    if (given === null && count === null) throw new ShiftError('float', 'expected the float, as an amount ("200.00") or counted by denomination');
    if (given !== null && count !== null && given !== count.total) {
      throw new ShiftError('float', `the float ${this.#money(given)} does not match its count by denomination (${this.#money(count.total)})`);
    }
    const float = given ?? (count as { total: number }).total;
    const max = maxFloatOf(this.#config.cash, this.#config.currency);
    if (float > max) throw new ShiftError('float', `the float ${this.#money(float)} is above the largest allowed (${this.#money(max)}, cash.maxFloat in kassa.config.json)`);
    return { float, floatCount: count === null ? null : countMap(count.lines) };
  }

  #amount(text: unknown, field: string, what: string, zeroOk = false): number {
    if (typeof text !== 'string') throw new ShiftError(field, `${what}: expected an amount as a decimal string, e.g. "50.00", got ${describe(text)}`);
    let amount: number;
    try {
      amount = parseMoney(text, this.#config.currency).amount;
    } catch (err) {
      throw new ShiftError(field, `${what}: ${err instanceof MoneyError ? err.message : String(err)}`);
    }
    if (amount < 0 || (!zeroOk && amount === 0)) throw new ShiftError(field, `${what}: the amount must be ${zeroOk ? '0 or more' : 'above 0'} (got "${text}")`);
    return amount;
  }

  #reason(text: unknown, what: string): string {
    const min = this.#config.cash.requireReasonMin;
    if (typeof text !== 'string') throw new ShiftError('reason', `${what}: a reason is required (at least ${min} characters), got ${describe(text)}`);
    const reason = text.trim();
    const length = [...reason].length;
    if (length < min) throw new ShiftError('reason', `${what}: a reason is required (at least ${min} characters), got "${reason}"`);
    if (length > MAX_REASON) throw new ShiftError('reason', `${what}: the reason is ${length} characters; at most ${MAX_REASON}`);
    return reason;
  }

  #count(input: unknown, field: string): { total: number; lines: readonly CountLine[] } {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new ShiftError(field, `expected a count by denomination, e.g. {"100": 3, "0.5": 4}, got ${describe(input)}`);
    }
    const result = parseCount(input as Record<string, unknown>, this.#denominations, this.#config.currency, this.#config.language);
    if (!result.ok) throw new ShiftError(field, `the count is not valid: ${result.problems.map((p) => p.message).join('; ')}`);
    return result;
  }

  #at(): string {
    return this.#now().toISOString();
  }

  #money(amount: number): string {
    return displayMoney({ amount, currency: this.#config.currency });
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function checkRange(fromSeq: number, toSeq: number): void {
  if (!Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq) || fromSeq < 0 || toSeq < fromSeq) {
    throw new ShiftError('range', `expected a journal range fromSeq ≤ toSeq of whole numbers ≥ 0, got (${fromSeq}, ${toSeq}]`);
  }
}

function approvalOf(a: ApprovalRef | null): { userId: string; name: string; journalSeq: number } | null {
  return a === null ? null : { userId: a.userId, name: a.name, journalSeq: a.journalSeq };
}

function checkOperator(operator: Operator): Operator {
  if (operator === null || typeof operator !== 'object' || typeof operator.name !== 'string' || operator.name.trim() === '') {
    throw new ShiftError('operator', 'expected who is at the terminal (an operator with a name)');
  }
  if (operator.userId !== null && (typeof operator.userId !== 'string' || operator.userId === '')) throw new ShiftError('operator', 'the operator\'s user id must be text or null');
  if (typeof operator.role !== 'string' || (operator.role as string) === '') throw new ShiftError('operator', 'the operator needs a role');
  return { userId: operator.userId, name: operator.name.trim(), role: operator.role };
}
