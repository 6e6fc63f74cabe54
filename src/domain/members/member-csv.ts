// Reads a members CSV (the store server's import, issue 8 §3) into checked member rows, or a
// list of errors that each name the LINE of the file and the column. Pure: it takes the text
// (the caller reads the file and decodes it). csv-parse does the CSV syntax and ../csv-table.ts
// the header, line numbers and error reporting the importers share; the columns' checks are
// ours, hand-written, and then each row goes through `memberSchema` like any member.
//
// FORMAT: a header row, then one member per row. Column order is free; id and name are
// required in the header, the others may be left out (= empty everywhere). Unknown columns are
// an error.
//   id      the member number printed on the card: 1–32 letters, digits, "-" or "_"
//   name    the member's name
//   phone   as typed ("+86 138-0000-0000"): kept as its digits (5–20); empty = none
//   codes   the exact contents of the member's QR codes / card barcodes, separated by "|"
//   points  the points balance to set, a whole number ≥ 0; EMPTY = keep the balance the store
//           server has now (a new member starts at 0). The server owns the balance: it adds
//           every synced sale's points, so an import normally leaves this empty.
//   active  yes | no | true | false; empty = yes
//
// Rejected with the row's line number: malformed CSV, a bad or missing value, and two rows
// sharing an id, a phone number or a code (naming the other row's line): a phone or code finds
// ONE member at the counter. The whole file is checked; every error is listed.
import { checkRow, CsvFileError, CsvRowError, formatCsvIssue, readCsvTable } from '../csv-table.ts';
import type { CsvIssue, CsvTableSpec } from '../csv-table.ts';
import type { z } from 'zod';
import { memberSchema, normalizePhone } from './member.ts';

export const MEMBER_CSV_COLUMNS = ['id', 'name', 'phone', 'codes', 'points', 'active'] as const;
export type MemberCsvColumn = (typeof MEMBER_CSV_COLUMNS)[number];

const REQUIRED: readonly MemberCsvColumn[] = ['id', 'name'];

/** Most rows read from one file. */
export const MAX_MEMBER_ROWS = 1_000_000;

/**
 * A member as imported: `points` null = keep the store server's current balance (0 for a new
 * member). The store server's import request carries these, checked with this schema.
 */
export const memberImportSchema = memberSchema.extend({ points: memberSchema.shape.points.nullable() });
export type MemberImportRow = z.infer<typeof memberImportSchema>;

export type MemberCsvIssue = CsvIssue<MemberCsvColumn>;

export interface MemberCsvResult {
  /** The valid rows, in file order (all of them only when `errors` is empty). */
  readonly members: readonly MemberImportRow[];
  readonly errors: readonly MemberCsvIssue[];
}

export class MemberCsvError extends CsvFileError<MemberCsvColumn> {
  override name = 'MemberCsvError';
  constructor(issues: readonly MemberCsvIssue[]) {
    super('members', issues);
  }
}

export function formatMemberIssue(i: MemberCsvIssue): string {
  return formatCsvIssue(i);
}

/** Like `parseMembersCsv`, but all or nothing: throws MemberCsvError listing every error. */
export function readMembersCsv(text: string): MemberImportRow[] {
  const r = parseMembersCsv(text);
  if (r.errors.length > 0) throw new MemberCsvError(r.errors);
  return [...r.members];
}

const RowError = CsvRowError<MemberCsvColumn>;

const TABLE: CsvTableSpec<MemberCsvColumn> = { columns: MEMBER_CSV_COLUMNS, required: REQUIRED, maxRows: MAX_MEMBER_ROWS, row: 'member', rows: 'members' };

export function parseMembersCsv(text: string): MemberCsvResult {
  const byId = new Map<string, number>();
  /** Phone or code → the row that has it. */
  const byPhone = new Map<string, { line: number; id: string }>();
  const byCode = new Map<string, { line: number; id: string }>();
  const { values, errors } = readCsvTable(text, TABLE, (cell, line) => {
    const member = rowToMember(cell);
    const idLine = byId.get(member.id);
    if (idLine !== undefined) throw new RowError('id', `member number "${member.id}" is already given on line ${idLine}`);
    const phoneOwner = member.phone === null ? undefined : byPhone.get(member.phone);
    if (phoneOwner !== undefined) throw new RowError('phone', `phone ${member.phone ?? ''} is already member ${phoneOwner.id}'s on line ${phoneOwner.line}: a phone finds one member`);
    const shared = member.codes.find((c) => byCode.has(c));
    const codeOwner = shared === undefined ? undefined : byCode.get(shared);
    if (codeOwner !== undefined) throw new RowError('codes', `code "${shared ?? ''}" is already member ${codeOwner.id}'s on line ${codeOwner.line}: a code finds one member`);
    byId.set(member.id, line);
    if (member.phone !== null) byPhone.set(member.phone, { line, id: member.id });
    for (const c of member.codes) byCode.set(c, { line, id: member.id });
    return member;
  });
  return { members: values, errors };
}

function rowToMember(cell: (c: MemberCsvColumn) => string): MemberImportRow {
  const id = cell('id');
  if (id === '') throw new RowError('id', 'id is empty: it is the member number on the card');
  if (cell('name') === '') throw new RowError('name', 'name is empty');
  let phone: string | null = null;
  if (cell('phone') !== '') {
    phone = normalizePhone(cell('phone'));
    if (phone === null) throw new RowError('phone', `phone "${cell('phone')}" is not a phone number (5–20 digits; spaces, "+", "-", "." and brackets are allowed)`);
  }
  const codes = cell('codes') === '' ? [] : cell('codes').split('|').map((c) => c.trim()).filter((c) => c !== '');
  const twice = codes.find((c, i) => codes.indexOf(c) !== i);
  if (twice !== undefined) throw new RowError('codes', `code "${twice}" is given twice in this row`);
  let points: number | null = null;
  if (cell('points') !== '') {
    if (!/^\d{1,13}$/.test(cell('points'))) throw new RowError('points', `points "${cell('points')}" is not a whole number of 0 or more (leave it empty to keep the current balance)`);
    points = Number(cell('points'));
  }
  const activeText = cell('active').toLowerCase();
  let active: boolean;
  if (activeText === '' || activeText === 'yes' || activeText === 'true') active = true;
  else if (activeText === 'no' || activeText === 'false') active = false;
  else throw new RowError('active', `active "${cell('active')}" is not yes, no, true or false`);

  return checkRow(memberImportSchema, { id, name: cell('name'), phone, codes, points, active }, columnForPath, 'member');
}

function columnForPath(path: readonly PropertyKey[]): MemberCsvColumn | null {
  switch (path[0]) {
    case 'id':
    case 'name':
    case 'phone':
    case 'codes':
    case 'points':
    case 'active':
      return path[0];
    default:
      return null;
  }
}
