// Journal export (issue 7 §8): the hash-chained journal written out so an auditor can keep it
// and re-verify it without Kassa's database, and the check that does so for an export file.
//
// Decisions a caller must know:
// - Every row carries seq, at, terminalId, kind, ref, payload, prevHash and hash. The payload
//   is the stored canonical JSON TEXT (a string in JSONL, a cell in CSV), not a re-serialized
//   object: the hash covers those exact bytes, and a JSON tool that re-formats an object would
//   break the check for no reason.
// - The recipe a third party needs (journal.ts journalHash): hash = sha256 hex of
//   prevHash + '{"at":' + S(at) + ',"kind":' + S(kind) + ',"payload":' + payload +
//   ',"ref":' + (ref === null ? 'null' : S(ref)) + ',"seq":' + seq + ',"terminalId":' +
//   S(terminalId) + '}', where S is JSON.stringify of a string; the first row's prevHash is
//   64 zeros. Printed by `kassa journal export --help` too.
// - An export from seq N > 1 starts with row N's prevHash as given: it can only be tied to the
//   rows before it by another export (or the terminal), and verifyJournalExport says so.
// - The export reads one consistent snapshot (one read statement; rows appended meanwhile are
//   left for the next export), writes `<out>.partial` and renames it when complete, so a file
//   with the asked-for name is always whole. An existing file is never overwritten.
// - CSV is RFC 4180 (header row, every field quoted, "" inside): hand-written, because writing
//   it is three lines and csv-parse (installed) reads it back; no CSV writer is installed.
// - Verifying streams the file line by line (JSONL) or record by record (CSV, csv-parse), so an
//   export of millions of rows is checked in flat memory; it stops at the first bad row and
//   names its seq and line.
import { closeSync, createReadStream, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { GENESIS_HASH, journalHash } from './db/journal.ts';
import type { Db } from './db/open.ts';

export const JOURNAL_EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type JournalExportFormat = (typeof JOURNAL_EXPORT_FORMATS)[number];

export const CSV_COLUMNS = ['seq', 'at', 'terminal_id', 'kind', 'ref', 'payload', 'prev_hash', 'hash'] as const;

export const HASH_RECIPE =
  'hash = sha256_hex(prevHash + \'{"at":\' + S(at) + \',"kind":\' + S(kind) + \',"payload":\' + payload + \',"ref":\' + (ref === null ? "null" : S(ref)) + \',"seq":\' + seq + \',"terminalId":\' + S(terminalId) + \'}\'), S = JSON.stringify; the first row\'s prevHash is 64 zeros';

export class JournalExportError extends Error {
  override name = 'JournalExportError';
}

export interface ExportedJournalRow {
  readonly seq: number;
  readonly at: string;
  readonly terminalId: string;
  readonly kind: string;
  readonly ref: string | null;
  /** The canonical JSON text exactly as hashed. */
  readonly payload: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ExportJournalOptions {
  /** The file to write; refused when it exists. */
  readonly out: string;
  readonly format?: JournalExportFormat;
  /** First seq to export (default 1). */
  readonly fromSeq?: number;
  /** Called every `every` rows (default 5000) and at the end, with rows written and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly every?: number;
}

export interface ExportJournalResult {
  readonly file: string;
  readonly format: JournalExportFormat;
  readonly rows: number;
  /** null when there was nothing to export. */
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** The last row's hash: what an auditor compares with the next export's first prevHash. */
  readonly lastHash: string | null;
  readonly bytes: number;
}

function csvField(v: string | number | null): string {
  return v === null ? '' : `"${String(v).replaceAll('"', '""')}"`;
}

function line(format: JournalExportFormat, r: ExportedJournalRow): string {
  if (format === 'jsonl') {
    return `${JSON.stringify({ seq: r.seq, at: r.at, terminalId: r.terminalId, kind: r.kind, ref: r.ref, payload: r.payload, prevHash: r.prevHash, hash: r.hash })}\n`;
  }
  return `${[r.seq, r.at, r.terminalId, r.kind, r.ref, r.payload, r.prevHash, r.hash].map(csvField).join(',')}\r\n`;
}

const CHUNK_BYTES = 1 << 20;

/** Writes the journal from `fromSeq` on to `out`; see the module comment for the guarantees. */
export function exportJournal(db: Db, options: ExportJournalOptions): ExportJournalResult {
  const format = options.format ?? 'jsonl';
  if (!(JOURNAL_EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new JournalExportError(`format must be ${JOURNAL_EXPORT_FORMATS.join(' or ')}, got "${String(format)}"`);
  }
  const fromSeq = options.fromSeq ?? 1;
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw new JournalExportError(`from-seq must be a whole number ≥ 1, got ${fromSeq}`);
  if (options.out.trim() === '') throw new JournalExportError('name the file to write the export to');
  if (existsSync(options.out)) throw new JournalExportError(`${options.out} already exists: choose another file name (an export never overwrites one)`);
  const every = options.every ?? 5000;

  const partial = `${options.out}.partial`;
  const fd = openSync(partial, 'w');
  let bytes = 0;
  let rows = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  let lastHash: string | null = null;
  try {
    // Inside one read transaction: the count and the rows are the same snapshot.
    db.transaction(() => {
      const total = db.prepare('SELECT count(*) FROM journal WHERE seq >= ?').pluck().get(fromSeq) as number;
      let chunk: string[] = [];
      let chunkBytes = 0;
      const flush = () => {
        if (chunk.length === 0) return;
        const buf = Buffer.from(chunk.join(''), 'utf8');
        writeSync(fd, buf);
        bytes += buf.length;
        chunk = [];
        chunkBytes = 0;
      };
      if (format === 'csv') chunk.push(`${CSV_COLUMNS.join(',')}\r\n`);
      const select = db.prepare('SELECT seq, at, terminal_id, kind, ref, payload, prev_hash, hash FROM journal WHERE seq >= ? ORDER BY seq').raw();
      for (const [seq, at, terminalId, kind, ref, payload, prevHash, hash] of select.iterate(fromSeq) as IterableIterator<
        [number, string, string, string, string | null, string, string, string]
      >) {
        const text = line(format, { seq, at, terminalId, kind, ref, payload, prevHash, hash });
        chunk.push(text);
        chunkBytes += text.length;
        if (chunkBytes >= CHUNK_BYTES) flush();
        firstSeq ??= seq;
        lastSeq = seq;
        lastHash = hash;
        rows += 1;
        if (options.onProgress && rows % every === 0) options.onProgress(rows, total);
      }
      flush();
      options.onProgress?.(rows, total);
    })();
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw err;
  }
  renameSync(partial, options.out);
  return { file: options.out, format, rows, firstSeq, lastSeq, lastHash, bytes };
}

// ---------------------------------------------------------------------------------------------
// Verifying an export

export type ExportVerdict =
  | {
      readonly ok: true;
      readonly rows: number;
      readonly firstSeq: number | null;
      readonly lastSeq: number | null;
      /** The first row's prevHash: genesis for a whole journal, else to be matched elsewhere. */
      readonly startsFrom: string | null;
      readonly lastHash: string | null;
    }
  | {
      readonly ok: false;
      readonly rows: number;
      /** The first bad row's seq (the missing one for a gap), null when the line has none. */
      readonly seq: number | null;
      /** 1-based line (JSONL) or record (CSV, header = 1) of the file. */
      readonly line: number;
      readonly problem: string;
    };

export interface VerifyExportOptions {
  readonly onProgress?: (rows: number) => void;
  readonly every?: number;
}

function rowFrom(v: unknown): ExportedJournalRow | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not a journal row object';
  const o = v as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === 'string';
  if (typeof o['seq'] !== 'number' || !Number.isSafeInteger(o['seq']) || o['seq'] < 1) return 'has no seq (a whole number ≥ 1)';
  for (const k of ['at', 'terminalId', 'kind', 'payload', 'prevHash', 'hash']) if (!str(k)) return `has no ${k} (a string)`;
  if (o['ref'] !== null && !str('ref')) return 'has a ref that is neither a string nor null';
  return o as unknown as ExportedJournalRow;
}

// Fields come as strings when quoted and null when empty and unquoted (how null is written).
function csvRow(record: (string | null)[]): ExportedJournalRow | string {
  if (record.length !== CSV_COLUMNS.length) return `has ${record.length} fields, expected ${CSV_COLUMNS.length} (${CSV_COLUMNS.join(', ')})`;
  const [seq, at, terminalId, kind, ref, payload, prevHash, hash] = record as [string | null, string | null, string | null, string | null, string | null, string | null, string | null, string | null];
  if (seq === null || !/^\d+$/.test(seq)) return `has seq "${seq ?? ''}", not a whole number`;
  if (at === null || terminalId === null || kind === null || payload === null || prevHash === null || hash === null) return 'has an empty field where only ref may be empty';
  return { seq: Number(seq), at, terminalId, kind, ref, payload, prevHash, hash };
}

async function* jsonlRows(file: string): AsyncGenerator<{ line: number; row: ExportedJournalRow | string }> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (text.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      yield { line: n, row: 'is not valid JSON' };
      return;
    }
    yield { line: n, row: rowFrom(v) };
  }
}

async function* csvRows(file: string): AsyncGenerator<{ line: number; row: ExportedJournalRow | string }> {
  const parser = createReadStream(file).pipe(
    parse({ relax_column_count: true, bom: true, cast: (value, context) => (value === '' && !context.quoting ? null : value) }),
  );
  let n = 0;
  for await (const record of parser as AsyncIterable<(string | null)[]>) {
    n += 1;
    if (n === 1) {
      if (record.join(',') !== CSV_COLUMNS.join(',')) {
        yield { line: 1, row: `is not the header of a journal export (expected ${CSV_COLUMNS.join(',')})` };
        return;
      }
      continue;
    }
    yield { line: n, row: csvRow(record) };
  }
}

/** Which format a file is in, from its first bytes: CSV starts with the header, JSONL with "{". */
async function sniff(file: string): Promise<JournalExportFormat> {
  const stream = createReadStream(file, { encoding: 'utf8', start: 0, end: 63 });
  let head = '';
  for await (const piece of stream) head += String(piece);
  const start = head.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('seq,')) return 'csv';
  if (start.startsWith('{') || start === '') return 'jsonl';
  throw new JournalExportError(`${file} is not a Kassa journal export: it starts neither with a JSON row nor with the CSV header ${CSV_COLUMNS.join(',')}`);
}

/**
 * Recomputes the chain of an export file (JSONL or CSV, told apart by its first bytes):
 * consecutive seqs, each prevHash the previous row's hash, each hash the row's content.
 */
export async function verifyJournalExport(file: string, options: VerifyExportOptions = {}): Promise<ExportVerdict> {
  if (!existsSync(file)) throw new JournalExportError(`${file} does not exist: name a file written by kassa journal export`);
  const format = await sniff(file);
  const every = options.every ?? 5000;
  let rows = 0;
  let prev: ExportedJournalRow | null = null;
  let firstSeq: number | null = null;
  let startsFrom: string | null = null;
  for await (const { line: at, row } of format === 'csv' ? csvRows(file) : jsonlRows(file)) {
    if (typeof row === 'string') return { ok: false, rows, seq: prev ? prev.seq + 1 : null, line: at, problem: `line ${at} ${row}` };
    if (prev === null) {
      firstSeq = row.seq;
      startsFrom = row.prevHash;
      if (row.seq === 1 && row.prevHash !== GENESIS_HASH) {
        return { ok: false, rows, seq: 1, line: at, problem: `row 1 does not start the chain: its prevHash should be ${GENESIS_HASH.slice(0, 12)}…, is ${row.prevHash.slice(0, 12)}…` };
      }
    } else {
      if (row.seq !== prev.seq + 1) {
        const expected = prev.seq + 1;
        const problem =
          row.seq > expected
            ? `row ${expected}${row.seq - expected > 1 ? `..${row.seq - 1}` : ''} is missing (line ${at} holds row ${row.seq}, after row ${prev.seq})`
            : `row ${row.seq} on line ${at} is out of order (expected row ${expected})`;
        return { ok: false, rows, seq: expected, line: at, problem };
      }
      if (row.prevHash !== prev.hash) {
        return {
          ok: false,
          rows,
          seq: row.seq,
          line: at,
          problem: `row ${row.seq} (line ${at}) does not link to row ${prev.seq}: prevHash ${row.prevHash.slice(0, 12)}… ≠ row ${prev.seq}'s hash ${prev.hash.slice(0, 12)}…`,
        };
      }
    }
    const hash = journalHash(row.prevHash, { seq: row.seq, at: row.at, terminalId: row.terminalId, kind: row.kind, ref: row.ref, payloadJson: row.payload });
    if (hash !== row.hash) {
      return {
        ok: false,
        rows,
        seq: row.seq,
        line: at,
        problem: `row ${row.seq} (line ${at}, ${row.kind}${row.ref ? ` ${row.ref}` : ''}) was changed: its content does not match its hash`,
      };
    }
    prev = row;
    rows += 1;
    if (options.onProgress && rows % every === 0) options.onProgress(rows);
  }
  options.onProgress?.(rows);
  return { ok: true, rows, firstSeq, lastSeq: prev?.seq ?? null, startsFrom, lastHash: prev?.hash ?? null };
}
