// CSV catalog import: one streaming pass inside one write transaction, all or nothing.
//
// The file is read in 1 MiB chunks, its encoding checked (UTF-8, else GB18030/GBK), parsed
// by csv-parse with its synchronous on_record/on_skip hooks (so rows and CSV errors arrive in
// file order with their line numbers), validated, and written in batches through the catalog
// repository. The first invalid row stops the writing (the transaction will be rolled back)
// but not the checking, so every error in the file is reported in one run. With skipInvalid
// the valid rows are committed and the invalid ones reported.
//
// One case cannot be decided in a single pass: a row that takes a barcode from another SKU,
// which is fine only if that SKU appears later in the file without it. Such rows are written
// provisionally and settled at the end; if one turns out invalid under skipInvalid, the
// transaction is rolled back and the file read again with those lines skipped (rare). The same
// restart happens when auto-detection meets the first non-UTF-8 byte of a GBK file after rows
// of plain ASCII were already written.
import { statSync, createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parse, type CsvError } from 'csv-parse';
import iconv from 'iconv-lite';
import type { Db } from './db/open.ts';
import { catalogRepository, type CatalogRepository } from './db/catalog.ts';
import { appendJournal } from './db/journal.ts';
import { normalizeBarcode } from '../domain/barcodes/normalize.ts';
import { recordStartLine } from '../domain/csv-table.ts';
import { minorDigits, MoneyError, parseMoney } from '../domain/money.ts';
import type { Product, Unit } from '../domain/product.ts';
import type { TaxClass } from '../domain/tax-class.ts';

export type ImportEncoding = 'auto' | 'utf8' | 'gbk';

export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  /** Data rows seen so far (header and blank lines excluded). */
  readonly rows: number;
  readonly errors: number;
}

export interface ImportOptions {
  readonly currency: string;
  /** The configured tax classes; a row's tax_class must be one of their ids. */
  readonly taxClasses: readonly Pick<TaxClass, 'id'>[];
  /** Tax class of rows that leave tax_class empty. Default 'standard'. */
  readonly defaultTaxClass?: string;
  /** Import the valid rows and report the invalid ones, instead of importing nothing. */
  readonly skipInvalid?: boolean;
  /** Input encoding; 'auto' (default) takes UTF-8 and falls back to GB18030 (a GBK superset). */
  readonly encoding?: ImportEncoding;
  /** Called at most ~10 times a second, and once at the end. */
  readonly onProgress?: (p: ImportProgress) => void;
  /** Journal the import ('catalog.imported', in the import's transaction) for this terminal. */
  readonly journal?: { readonly terminalId: string };
  /** How many errors are listed in the result (the rest are only counted). Default 100. */
  readonly maxReportedErrors?: number;
}

export interface ImportErrorEntry {
  /** Physical line of the CSV file where the row starts (1 = header). */
  readonly line: number;
  readonly message: string;
}

export interface ImportResult {
  /** True when the transaction was committed (always false when errors and not skipInvalid). */
  readonly committed: boolean;
  /** New products. */
  readonly imported: number;
  /** Existing products whose fields or barcodes changed. */
  readonly updated: number;
  /** Existing products already exactly as in the file. */
  readonly unchanged: number;
  /** Data rows not imported: the invalid ones, or every row when nothing was committed. */
  readonly skipped: number;
  /** Data rows in the file (as far as it could be read). */
  readonly rows: number;
  /** The first `maxReportedErrors` errors in line order. */
  readonly errors: readonly ImportErrorEntry[];
  /** All errors, including those not listed. */
  readonly errorCount: number;
  /** The encoding the file was read as. */
  readonly encoding: 'utf8' | 'gb18030';
  readonly durationMs: number;
}

/** Problems with the call or the connection (not with the file's content). */
export class CatalogImportError extends Error {
  override name = 'CatalogImportError';
}

export const IMPORT_COLUMNS = ['sku', 'name_zh', 'name_en', 'price', 'unit', 'tax_class', 'department', 'active', 'barcodes'] as const;
type Column = (typeof IMPORT_COLUMNS)[number];

const MAX_SKU_CHARS = 64;
const MAX_NAME_CHARS = 200;
const MAX_DEPARTMENT_CHARS = 64;
const CHUNK_BYTES = 1 << 20;
const BATCH_ROWS = 1000;
const PROGRESS_INTERVAL_MS = 100;
/** A record longer than this is a runaway quote, not a product. */
const MAX_RECORD_BYTES = 1 << 20;
/** Page cache while importing (KiB, negative as SQLite wants): keeps index pages of a big catalog hot. */
const IMPORT_CACHE_KIB = 128 * 1024;
/** Renamed products above which the import merges the search index before committing. */
const REINDEX_OPTIMIZE_ROWS = 10_000;

const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const BARCODE_SEPARATOR = /[|;]/;
const ACTIVE_VALUES: Readonly<Record<string, boolean>> = { '1': true, true: true, yes: true, '0': false, false: false, no: false };

// ---- input decoding -----------------------------------------------------------------------

class EncodingFailure extends Error {
  constructor(
    readonly line: number,
    message: string,
    /** Auto-detection may still read the file as GB18030. */
    readonly retryAsGb18030: boolean,
  ) {
    super(message);
  }
}

/** More than `max` characters (code points)? Counted only when the UTF-16 length says it may be. */
function longerThan(s: string, max: number): boolean {
  return s.length > max && [...s].length > max;
}

function countNewlines(s: string, end = s.length): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1 && i < end; i = s.indexOf('\n', i + 1)) n += 1;
  return n;
}

function countNewlineBytes(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n += 1;
  return n;
}

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Checks and converts the file's bytes to UTF-8 for the CSV parser. UTF-8 passes through as is
 * (validated); GB18030 is decoded with iconv-lite and re-encoded.
 */
class InputDecoder {
  #newlines = 0;
  #sawNonAscii = false;
  #first = true;
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  readonly #gb = iconv.getDecoder('gb18030');

  constructor(
    readonly encoding: 'utf8' | 'gb18030',
    readonly auto: boolean,
  ) {}

  push(chunk: Buffer): Buffer {
    if (this.#first) {
      this.#first = false;
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
        throw new EncodingFailure(1, 'the file is UTF-16; save it as UTF-8 (or GBK) CSV', false);
      }
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) this.#sawNonAscii = true; // a UTF-8 BOM settles it
    }
    return this.encoding === 'utf8' ? this.#pushUtf8(chunk) : this.#pushGb(chunk);
  }

  end(): Buffer {
    if (this.encoding === 'utf8') {
      try {
        this.#utf8.decode();
      } catch {
        throw new EncodingFailure(this.#newlines + 1, 'the file ends in the middle of a UTF-8 character (truncated?)', false);
      }
      return Buffer.alloc(0);
    }
    return this.#checkGb(this.#gb.end() ?? '');
  }

  #pushUtf8(chunk: Buffer): Buffer {
    let text: string;
    try {
      text = this.#utf8.decode(chunk, { stream: true });
    } catch {
      // Find where: skip continuation bytes of a character begun in the previous chunk, then
      // look for the first replacement character of a lenient decode.
      let start = 0;
      while (start < 3 && start < chunk.length && ((chunk[start] ?? 0) & 0xc0) === 0x80) start += 1;
      const lenient = new TextDecoder('utf-8').decode(chunk.subarray(start));
      const at = Math.max(0, lenient.indexOf('\uFFFD'));
      const before = lenient.slice(0, at);
      const line = this.#newlines + countNewlines(before) + 1;
      const retry = this.auto && !this.#sawNonAscii && !NON_ASCII.test(before);
      const hint = this.auto ? '' : ' (try --encoding gbk)';
      throw new EncodingFailure(line, `the file is not valid UTF-8 here${hint}`, retry);
    }
    if (!this.#sawNonAscii && NON_ASCII.test(text)) this.#sawNonAscii = true;
    this.#newlines += countNewlineBytes(chunk);
    return chunk;
  }

  #pushGb(chunk: Buffer): Buffer {
    return this.#checkGb(this.#gb.write(chunk));
  }

  #checkGb(text: string): Buffer {
    const bad = text.indexOf('\uFFFD');
    if (bad !== -1) {
      const line = this.#newlines + countNewlines(text, bad) + 1;
      const what = this.auto ? 'neither valid UTF-8 nor GB18030/GBK' : 'not valid GB18030/GBK';
      throw new EncodingFailure(line, `the file is ${what} here`, false);
    }
    this.#newlines += countNewlines(text);
    return Buffer.from(text, 'utf8');
  }
}

// ---- one pass over the file ---------------------------------------------------------------

interface Deferred {
  readonly line: number;
  readonly sku: string;
  readonly barcode: string;
  readonly owner: string;
}

type Attempt =
  | { readonly kind: 'done'; readonly result: Omit<ImportResult, 'durationMs'> }
  | { readonly kind: 'retry-encoding' }
  | { readonly kind: 'retry-skipping'; readonly skip: ReadonlyMap<number, string> };

interface RowStatus {
  readonly line: number;
  valid: boolean;
}

class ImportPass {
  readonly #repo: CatalogRepository;
  readonly #taxIds: ReadonlySet<string>;
  readonly #defaultTax: string;
  /** Lines to treat as invalid from the start (found out by a previous pass), with their message. */
  readonly #forced: ReadonlyMap<number, string>;
  readonly #checkDbOwners: boolean;

  #columns: Partial<Record<Column, number>> | null = null;
  readonly #skus = new Map<string, RowStatus>();
  /** Barcode key → SKU of the first row listing it. */
  readonly #codes = new Map<string, string>();
  readonly #deferred: Deferred[] = [];
  #batch: Product[] = [];
  #writing = true;
  /** Something that makes the whole file unreadable (header, structure, encoding). */
  #fatal = false;
  #lastLine = 0;
  #headerLength = 0;

  rows = 0;
  invalidRows = 0;
  readonly errors: ImportErrorEntry[] = [];
  errorCount = 0;
  inserted = 0;
  updated = 0;
  unchanged = 0;
  reindexed = 0;

  constructor(
    readonly db: Db,
    readonly options: ImportOptions,
    forced: ReadonlyMap<number, string>,
    readonly maxErrors: number,
  ) {
    this.#repo = catalogRepository(db);
    this.#taxIds = new Set(options.taxClasses.map((t) => t.id));
    this.#defaultTax = options.defaultTaxClass ?? 'standard';
    this.#forced = forced;
    this.#checkDbOwners = db.prepare('SELECT 1 FROM barcodes LIMIT 1').get() !== undefined;
  }

  get fatal(): boolean {
    return this.#fatal;
  }

  get hasHeader(): boolean {
    return this.#columns !== null;
  }

  error(line: number, message: string): void {
    this.errorCount += 1;
    if (this.errors.length < this.maxErrors) this.errors.push({ line, message });
  }

  fail(line: number, message: string): void {
    this.#fatal = true;
    this.#writing = false;
    this.error(line, message);
  }

  /** csv-parse on_record hook: one record, in file order. */
  onRecord(record: string[], endLine: number): void {
    const line = recordStartLine(record, endLine);
    this.#lastLine = endLine;
    if (this.#fatal) return;
    if (this.#columns === null) {
      this.#header(record, line);
      return;
    }
    if (record.every((f) => f.trim() === '')) return; // ",,,," rows that spreadsheets leave behind
    this.rows += 1;
    this.#row(record, line);
  }

  /** csv-parse on_skip hook: a record that is not well-formed CSV. */
  onSkip(err: CsvError & { lines?: number; record?: unknown }): void {
    const endLine = typeof err.lines === 'number' ? err.lines : this.#lastLine + 1;
    const record = Array.isArray(err.record) ? (err.record as unknown[]).map(String) : null;
    // Where the record starts: from its own line breaks when csv-parse hands it over, else
    // right after the previous record (blank lines in between are not counted).
    let start = this.#lastLine + 1;
    if (record !== null) start = recordStartLine(record, endLine);
    this.#lastLine = endLine;
    if (this.#fatal) return;
    if (record !== null && record.every((f) => f.trim() === '')) return; // a line of blanks
    if (this.#columns === null && err.code !== 'CSV_QUOTE_NOT_CLOSED') {
      this.fail(start, `header: malformed CSV: ${err.message.replace(/\s*at line \d+/, '')}`);
      return;
    }
    if (err.code !== 'CSV_QUOTE_NOT_CLOSED' && err.code !== 'CSV_MAX_RECORD_SIZE') this.rows += 1;
    switch (err.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        this.fail(start, `unterminated quoted field: it runs to the end of the file (line ${endLine}); nothing after it can be read`);
        return;
      case 'CSV_MAX_RECORD_SIZE':
        this.fail(start, 'record longer than 1 MiB: probably an unterminated quoted field; nothing after it can be read');
        return;
      case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
        this.#invalid(start, `expected ${this.#headerLength} fields as in the header, found ${record?.length ?? 'a different number'}`);
        return;
      }
      default:
        // Quote errors are raised where they occur, which is the line worth showing.
        this.#invalid(typeof err.lines === 'number' ? err.lines : start, `malformed CSV: ${err.message.replace(/\s*at line \d+/, '')}`);
    }
  }

  #header(record: string[], line: number): void {
    const columns: Partial<Record<Column, number>> = {};
    const problems: string[] = [];
    record.forEach((raw, i) => {
      const name = raw.trim().toLowerCase();
      if (name === '') {
        problems.push(`column ${i + 1} has no name`);
      } else if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) {
        problems.push(`unknown column "${raw.trim()}" (expected: ${IMPORT_COLUMNS.join(', ')})`);
      } else if (columns[name as Column] !== undefined) {
        problems.push(`column "${name}" appears twice`);
      } else {
        columns[name as Column] = i;
      }
    });
    if (columns.sku === undefined) problems.push('missing column "sku"');
    if (columns.price === undefined) problems.push('missing column "price"');
    if (columns.name_zh === undefined && columns.name_en === undefined) problems.push('missing column "name_zh" or "name_en"');
    this.#headerLength = record.length;
    this.#columns = columns;
    if (problems.length > 0) this.fail(line, `header: ${problems.join('; ')}`);
  }

  #invalid(line: number, message: string): void {
    this.invalidRows += 1;
    this.error(line, message);
    if (this.options.skipInvalid !== true) this.#writing = false;
  }

  #row(record: string[], line: number): void {
    const cols = this.#columns ?? {};
    const cell = (c: Column): string => {
      const i = cols[c];
      return i === undefined ? '' : (record[i] ?? '').trim();
    };
    const problems: string[] = [];

    const sku = cell('sku');
    let skuOk = true;
    if (sku === '') {
      problems.push('sku is empty');
      skuOk = false;
    } else if (longerThan(sku, MAX_SKU_CHARS)) {
      problems.push(`sku is ${[...sku].length} characters; at most ${MAX_SKU_CHARS} allowed`);
      skuOk = false;
    } else if (CONTROL.test(sku)) {
      problems.push('sku contains control characters');
      skuOk = false;
    }
    let status: RowStatus | undefined;
    if (skuOk) {
      const first = this.#skus.get(sku);
      if (first !== undefined) {
        problems.push(`duplicate sku "${sku}" (first on line ${first.line})`);
      } else {
        status = { line, valid: true };
        this.#skus.set(sku, status);
      }
    }

    const nameZh = cell('name_zh');
    const nameEn = cell('name_en');
    if (nameZh === '' && nameEn === '') problems.push('name_zh and name_en are both empty; at least one is required');
    for (const [col, value] of [['name_zh', nameZh], ['name_en', nameEn]] as const) {
      if (longerThan(value, MAX_NAME_CHARS)) problems.push(`${col} is longer than ${MAX_NAME_CHARS} characters`);
      else if (CONTROL.test(value)) problems.push(`${col} contains a line break or control character`);
    }

    const priceText = cell('price');
    let amount = 0;
    if (priceText === '') {
      problems.push('price is empty');
    } else {
      try {
        amount = parseMoney(priceText, this.options.currency).amount;
        if (amount < 0) problems.push(`price "${priceText}" is negative`);
      } catch (err) {
        if (!(err instanceof MoneyError)) throw err;
        problems.push(`price ${err.message}`);
      }
    }

    const unitText = cell('unit').toLowerCase();
    const unit: Unit = unitText === 'kg' ? 'kg' : 'each';
    if (unitText !== '' && unitText !== 'each' && unitText !== 'kg') problems.push(`unit "${cell('unit')}" is not "each" or "kg"`);

    const taxText = cell('tax_class');
    const taxClass = taxText === '' ? this.#defaultTax : taxText;
    if (!this.#taxIds.has(taxClass)) {
      problems.push(`tax_class "${taxClass}" is not one of the configured tax classes (${[...this.#taxIds].join(', ')})`);
    }

    const department = cell('department');
    if (longerThan(department, MAX_DEPARTMENT_CHARS)) problems.push(`department is longer than ${MAX_DEPARTMENT_CHARS} characters`);
    else if (CONTROL.test(department)) problems.push('department contains a line break or control character');

    const activeText = cell('active').toLowerCase();
    const active = activeText === '' ? true : ACTIVE_VALUES[activeText];
    if (active === undefined) problems.push(`active "${cell('active')}" is not one of 1, 0, true, false, yes, no`);

    const barcodes: string[] = [];
    const deferred: Deferred[] = [];
    for (const raw of cell('barcodes').split(BARCODE_SEPARATOR)) {
      const text = raw.trim();
      if (text === '') continue;
      const n = normalizeBarcode(text);
      if (!n.ok) {
        problems.push(`barcode "${text}": ${n.reason}`);
        continue;
      }
      if (barcodes.includes(n.key)) continue; // the same code twice in one row (e.g. UPC-A and EAN-13 forms)
      barcodes.push(n.key);
      if (!skuOk || status === undefined) continue; // a row whose SKU is unusable claims nothing
      const claimed = this.#codes.get(n.key);
      if (claimed !== undefined) {
        problems.push(`barcode "${text}" is also on line ${this.#skus.get(claimed)?.line ?? '?'} (sku "${claimed}")`);
        continue;
      }
      this.#codes.set(n.key, sku);
      if (this.#checkDbOwners) {
        const owner = this.#repo.barcodeOwner(n.key);
        if (owner !== null && owner !== sku) {
          const ownerRow = this.#skus.get(owner);
          if (ownerRow === undefined) deferred.push({ line, sku, barcode: text, owner });
          else if (!ownerRow.valid) problems.push(`barcode "${text}" belongs to sku "${owner}", whose row on line ${ownerRow.line} is invalid`);
          // else: the owner's row (valid, earlier in the file) no longer lists it; it moves here.
        }
      }
    }

    const forced = this.#forced.get(line);
    if (forced !== undefined) problems.push(forced);
    if (problems.length > 0) {
      if (status !== undefined) status.valid = false;
      this.#invalid(line, problems.join('; '));
      return;
    }
    this.#deferred.push(...deferred);
    if (!this.#writing) return;
    this.#batch.push({
      sku,
      nameZh,
      nameEn,
      price: { amount, currency: this.options.currency },
      taxClass,
      unit,
      department,
      active: active ?? true,
      barcodes,
    });
    if (this.#batch.length >= BATCH_ROWS) this.flush();
  }

  flush(): void {
    if (this.#writing && this.#batch.length > 0) {
      const r = this.#repo.upsertProducts(this.#batch, { onBarcodeConflict: 'move' });
      this.inserted += r.inserted;
      this.updated += r.updated;
      this.unchanged += r.unchanged;
      this.reindexed += r.reindexed;
    }
    this.#batch = [];
  }

  /**
   * Settles rows that took a barcode from a SKU not yet seen: fine when that SKU's own row
   * came later and was valid (it gave the barcode up), an error otherwise. Repeats because a
   * row made invalid here can be the owner another row relied on. Returns the lines of rows
   * that were written but turned out invalid.
   */
  settleDeferred(): Map<number, string> {
    const written = new Map<number, string>();
    let changed = true;
    const open = [...this.#deferred];
    while (changed) {
      changed = false;
      for (let i = open.length - 1; i >= 0; i -= 1) {
        const d = open[i];
        if (d === undefined) continue;
        const ownerRow = this.#skus.get(d.owner);
        if (ownerRow?.valid === true) continue;
        open.splice(i, 1);
        const row = this.#skus.get(d.sku);
        if (row === undefined || !row.valid) continue;
        row.valid = false;
        changed = true;
        const message =
          ownerRow === undefined
            ? `barcode "${d.barcode}" belongs to sku "${d.owner}" in the catalog`
            : `barcode "${d.barcode}" belongs to sku "${d.owner}", whose row on line ${ownerRow.line} is invalid`;
        this.#invalid(d.line, message);
        written.set(d.line, message);
      }
    }
    this.errors.sort((a, b) => a.line - b.line);
    return written;
  }
}

// ---- the import ---------------------------------------------------------------------------

/**
 * Imports a catalog CSV into `db` in one transaction. Nothing is written when the file has any
 * error, unless `skipInvalid`. Give it a connection nobody else uses meanwhile: the transaction
 * stays open across the awaits of reading the file, and the write lock is held until the end.
 */
export async function importCatalog(db: Db, file: string, options: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  if (db.inTransaction) throw new CatalogImportError('importCatalog needs a connection that is not inside a transaction');
  minorDigits(options.currency); // refuses an unknown currency before reading anything
  const totalBytes = statSync(file).size;
  let encoding: 'utf8' | 'gb18030' = options.encoding === 'gbk' ? 'gb18030' : 'utf8';
  const auto = (options.encoding ?? 'auto') === 'auto';
  let skip: ReadonlyMap<number, string> = new Map();
  for (;;) {
    const attempt = await importOnce(db, file, options, { encoding, auto, skip, totalBytes });
    if (attempt.kind === 'retry-encoding') {
      encoding = 'gb18030';
      continue;
    }
    if (attempt.kind === 'retry-skipping') {
      skip = new Map([...skip, ...attempt.skip]);
      continue;
    }
    return { ...attempt.result, durationMs: Math.round(performance.now() - started) };
  }
}

interface AttemptSettings {
  readonly encoding: 'utf8' | 'gb18030';
  readonly auto: boolean;
  readonly skip: ReadonlyMap<number, string>;
  readonly totalBytes: number;
}

async function importOnce(db: Db, file: string, options: ImportOptions, s: AttemptSettings): Promise<Attempt> {
  const maxErrors = options.maxReportedErrors ?? 100;
  const cacheBefore = db.pragma('cache_size', { simple: true }) as number;
  db.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
  db.exec('BEGIN IMMEDIATE');
  let open = true;
  const rollback = (): void => {
    if (open && db.inTransaction) db.exec('ROLLBACK');
    open = false;
  };
  try {
    catalogRepository(db).bulkSearchWrites(true); // rolled back with everything else on failure
    const pass = new ImportPass(db, options, s.skip, maxErrors);
    const decoder = new InputDecoder(s.encoding, s.auto);
    let failure: unknown = null;
    const parser = parse({
      bom: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: MAX_RECORD_BYTES,
      on_record: (record: string[], context: { lines: number }) => {
        try {
          pass.onRecord(record, context.lines);
        } catch (err) {
          failure ??= err;
        }
        return undefined; // nothing is pushed downstream: rows are handled here, in order
      },
      on_skip: (err: CsvError | undefined) => {
        if (err) pass.onSkip(err);
      },
    });
    parser.on('error', (err: Error & { lines?: number }) => {
      if (!pass.fatal) pass.fail(typeof err.lines === 'number' ? err.lines : 0, `malformed CSV: ${err.message}`);
    });
    parser.resume();
    const ended = new Promise<void>((resolve) => {
      parser.once('end', resolve);
      parser.once('close', resolve);
    });

    let bytesRead = 0;
    let lastReport = 0;
    const report = (force: boolean): void => {
      const now = Date.now();
      if (!options.onProgress || (!force && now - lastReport < PROGRESS_INTERVAL_MS)) return;
      lastReport = now;
      options.onProgress({ bytesRead, totalBytes: s.totalBytes, rows: pass.rows, errors: pass.errorCount });
    };

    try {
      for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
        const bytes = chunk as Buffer;
        bytesRead += bytes.length;
        const utf8 = decoder.push(bytes);
        if (utf8.length > 0 && !parser.destroyed) parser.write(utf8); // parses synchronously
        if (failure !== null) throw failure;
        if (pass.fatal) break;
        report(false);
      }
      if (!pass.fatal) {
        const tail = decoder.end();
        if (tail.length > 0) parser.write(tail);
        parser.end();
        await ended;
      } else {
        parser.destroy();
      }
    } catch (err) {
      parser.destroy();
      if (!(err instanceof EncodingFailure)) throw err;
      if (err.retryAsGb18030) {
        rollback();
        return { kind: 'retry-encoding' };
      }
      pass.fail(err.line, err.message);
    }
    if (failure !== null) throw failure;

    if (!pass.fatal && !pass.hasHeader) pass.fail(1, 'the file is empty: expected a header row');
    pass.flush();
    const late = pass.fatal ? new Map<number, string>() : pass.settleDeferred();
    report(true);

    const ok = !pass.fatal && (options.skipInvalid === true || pass.errorCount === 0);
    if (ok && late.size > 0) {
      rollback();
      return { kind: 'retry-skipping', skip: late };
    }
    const base = {
      rows: pass.rows,
      errors: [...pass.errors].sort((a, b) => a.line - b.line),
      errorCount: pass.errorCount,
      encoding: s.encoding,
    };
    if (!ok) {
      rollback();
      return {
        kind: 'done',
        result: { ...base, committed: false, imported: 0, updated: 0, unchanged: 0, skipped: pass.rows },
      };
    }
    const repo = catalogRepository(db);
    repo.bulkSearchWrites(false);
    // Many replaced search entries leave the index full of tombstones: merge them away now, in
    // the import's transaction, rather than in some later small write.
    if (pass.reindexed >= REINDEX_OPTIMIZE_ROWS) repo.optimizeSearchIndex();
    if (options.journal) {
      appendJournal(db, {
        terminalId: options.journal.terminalId,
        kind: 'catalog.imported',
        ref: null,
        at: new Date().toISOString(),
        payload: {
          file: basename(file),
          encoding: s.encoding,
          rows: pass.rows,
          imported: pass.inserted,
          updated: pass.updated,
          unchanged: pass.unchanged,
          skipped: pass.invalidRows,
        },
      });
    }
    db.exec('COMMIT');
    open = false;
    return {
      kind: 'done',
      result: {
        ...base,
        committed: true,
        imported: pass.inserted,
        updated: pass.updated,
        unchanged: pass.unchanged,
        skipped: pass.invalidRows,
      },
    };
  } finally {
    rollback(); // no-op after COMMIT
    db.pragma(`cache_size = ${cacheBefore}`);
  }
}
