// The rules the CSV importers (promotions, coupons, members) share for reading a table and
// reporting what is wrong with it by the LINE of the file. csv-parse does the CSV syntax
// (quotes, embedded newlines, BOM); what it does not do is Kassa's: a header that names the
// columns in any order, an unknown or repeated column refused (a misspelt column would otherwise
// be silently ignored), required columns, a row cap, the physical line a row starts on (a quoted
// field may span lines), and every problem in the file collected rather than the first thrown.
// Pure: it takes the text; each importer turns a row into its own value and keeps its own issue
// and error types (they are this module's with its column names).
//
// Decisions a caller must know:
// - A row's converter throws CsvRowError to reject the row (the issue gets the row's line); any
//   other exception is a bug and propagates.
// - A row with more fields than the header is refused before the converter sees it; a shorter
//   row reads the missing cells as empty. Cells are trimmed; an absent column reads as empty.
// - Header problems stop the reading: no row is converted when the header is wrong.
// - checkRow runs a row's candidate through the same zod schema as every other way in, so a CSV
//   row can never hold what the API would refuse; its first problem names the column.
import { CsvError, parse } from 'csv-parse/sync';
import type { z } from 'zod';

export interface CsvIssue<C extends string> {
  /** Line of the file where the row starts (1 = the header). */
  readonly line: number;
  /** The column at fault, or null for the row or file as a whole. */
  readonly field: C | null;
  readonly message: string;
}

/** What one importer's table looks like. */
export interface CsvTableSpec<C extends string> {
  readonly columns: readonly C[];
  /** Columns the header must have. */
  readonly required: readonly C[];
  /** Most data rows read from one file. */
  readonly maxRows: number;
  /** What one row is, for messages: "promotion". */
  readonly row: string;
  /** The plural, for messages: "promotions". */
  readonly rows: string;
}

/** Thrown by a row converter: the row is refused for this reason (the field null = the whole row). */
export class CsvRowError<C extends string> extends Error {
  constructor(
    readonly field: C | null,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A row's value checked by `schema`, the same check as any other way in; the first problem
 * refuses the row on the column `columnFor` maps the problem's path to ("invalid <row>" when
 * zod gives no message).
 */
export function checkRow<T, C extends string>(schema: z.ZodType<T>, candidate: unknown, columnFor: (path: readonly PropertyKey[]) => C | null, row: string): T {
  const checked = schema.safeParse(candidate);
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0];
  throw new CsvRowError(columnFor(issue?.path ?? []), issue?.message ?? `invalid ${row}`);
}

/** "line 3, percent: …": one issue as the importers print it. */
export function formatCsvIssue(i: CsvIssue<string>): string {
  return `line ${i.line}${i.field === null ? '' : `, ${i.field}`}: ${i.message}`;
}

/**
 * What an importer's all-or-nothing read throws (each importer names its own subclass): every
 * issue, and a message with the count and the first 20 of them, one per line.
 */
export class CsvFileError<C extends string> extends Error {
  constructor(
    rows: string,
    readonly issues: readonly CsvIssue<C>[],
  ) {
    const shown = issues.slice(0, 20).map(formatCsvIssue);
    const more = issues.length > shown.length ? `\n… and ${issues.length - shown.length} more` : '';
    super(`the ${rows} file has ${issues.length} error${issues.length === 1 ? '' : 's'}:\n${shown.join('\n')}${more}`);
  }
}

/**
 * Reads `text` as a table of `spec`'s columns and converts each data row with `convert`, in file
 * order. The values of the rows that converted, and every issue found; the values are all of
 * the file only when there are no issues.
 */
export function readCsvTable<C extends string, T>(text: string, spec: CsvTableSpec<C>, convert: (cell: (c: C) => string, line: number) => T): { values: T[]; errors: CsvIssue<C>[] } {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { info: true, bom: true, skip_empty_lines: true, relax_column_count: true, to: spec.maxRows + 2 }) as unknown as typeof rows;
  } catch (e) {
    if (e instanceof CsvError) {
      const line = typeof (e as CsvError & { lines?: unknown }).lines === 'number' ? (e as CsvError & { lines: number }).lines : 1;
      return { values: [], errors: [{ line, field: null, message: `malformed CSV: ${e.message.replace(/\s*at line \d+\.?$/, '')}` }] };
    }
    throw e;
  }
  const first = rows[0];
  if (!first) return { values: [], errors: [{ line: 1, field: null, message: `the file is empty: expected a header row and one ${spec.row} per row` }] };

  const errors: CsvIssue<C>[] = [];
  const header = first.record.map((h) => h.trim().toLowerCase());
  const columnAt = new Map<C, number>();
  header.forEach((h, i) => {
    if (!(spec.columns as readonly string[]).includes(h)) {
      errors.push({ line: 1, field: null, message: `unknown column "${h}": expected ${spec.columns.join(', ')}` });
    } else if (columnAt.has(h as C)) {
      errors.push({ line: 1, field: h as C, message: `column "${h}" appears twice in the header` });
    } else columnAt.set(h as C, i);
  });
  for (const c of spec.required) if (!columnAt.has(c)) errors.push({ line: 1, field: c, message: `the header has no "${c}" column (required: ${spec.required.join(', ')})` });
  if (errors.length > 0) return { values: [], errors };
  if (rows.length > spec.maxRows + 1) {
    return { values: [], errors: [{ line: 1, field: null, message: `the file has more than ${spec.maxRows} ${spec.rows}; split it` }] };
  }

  const values: T[] = [];
  for (const { record, info } of rows.slice(1)) {
    const line = recordStartLine(record, info.lines);
    const cell = (c: C): string => {
      const i = columnAt.get(c);
      return i === undefined ? '' : (record[i] ?? '').trim();
    };
    if (record.length > header.length) {
      errors.push({ line, field: null, message: `the row has ${record.length} fields but the header has ${header.length} columns` });
      continue;
    }
    try {
      values.push(convert(cell, line));
    } catch (e) {
      if (e instanceof CsvRowError) {
        errors.push({ line, field: e.field as C | null, message: e.message });
        continue;
      }
      throw e;
    }
  }
  return { values, errors };
}

/**
 * The line a record starts on, from the line csv-parse says it ends on: a quoted field with line
 * breaks makes one record span several lines, and an error must name where the row begins.
 */
export function recordStartLine(record: readonly string[], endLine: number): number {
  return endLine - record.reduce((n, f) => n + countNewlines(f), 0);
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
