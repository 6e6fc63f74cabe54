// `kassa import <file.csv>`: the catalog import with a progress bar on stderr and a summary
// that lists errors by line. The commander wiring lives with the other catalog commands; this
// module only runs an import once the options are known.
import cliProgress from 'cli-progress';
import { basename } from 'node:path';
import { openDatabase } from '../../core/db/open.ts';
import { importCatalog, type ImportEncoding, type ImportResult } from '../../core/catalog-import.ts';
import type { TaxClass } from '../../domain/tax-class.ts';
import { UsageError } from '../errors.ts';

export interface RunImportOptions {
  /** The terminal's database file. */
  readonly dbFile: string;
  /** The CSV to import. */
  readonly csvFile: string;
  readonly currency: string;
  readonly taxClasses: readonly TaxClass[];
  readonly defaultTaxClass?: string;
  readonly skipInvalid?: boolean;
  /** The terminal the import is journalled for. */
  readonly terminalId: string;
  readonly encoding?: ImportEncoding;
  /** Show the progress bar (default: when stderr is a terminal). */
  readonly progress?: boolean;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

export const IMPORT_ENCODINGS: readonly ImportEncoding[] = ['auto', 'utf8', 'gbk'];

/** Validates an `--encoding` value (commander argParser). */
export function parseImportEncoding(value: string): ImportEncoding {
  const v = value.trim().toLowerCase().replace('utf-8', 'utf8').replace('gb18030', 'gbk');
  if ((IMPORT_ENCODINGS as readonly string[]).includes(v)) return v as ImportEncoding;
  throw new UsageError(`--encoding must be one of ${IMPORT_ENCODINGS.join(', ')}, got "${value}"`);
}

const count = (n: number): string => n.toLocaleString('en-US');

export function formatImportSummary(file: string, r: ImportResult): string {
  const lines: string[] = [];
  for (const e of r.errors) lines.push(`  line ${e.line}: ${e.message}`);
  if (r.errorCount > r.errors.length) lines.push(`  … and ${count(r.errorCount - r.errors.length)} more errors`);
  const seconds = (r.durationMs / 1000).toFixed(1);
  if (r.committed) {
    lines.push(
      `Imported ${basename(file)} (${r.encoding}, ${count(r.rows)} rows) in ${seconds} s: ` +
        `${count(r.imported)} new, ${count(r.updated)} updated, ${count(r.unchanged)} unchanged` +
        (r.skipped > 0 ? `, ${count(r.skipped)} invalid rows skipped.` : '.'),
    );
  } else {
    lines.push(
      `Nothing was imported: ${count(r.errorCount)} error${r.errorCount === 1 ? '' : 's'} in ${basename(file)}. ` +
        'Fix them, or use --skip-invalid to import the valid rows.',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the import; returns the exit code (0 when committed, 1 when nothing was imported). */
export async function runImport(opts: RunImportOptions): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const showProgress = opts.progress ?? Boolean((stderr as NodeJS.WriteStream).isTTY);
  const db = openDatabase(opts.dbFile);
  const bar = showProgress
    ? new cliProgress.SingleBar(
        {
          format: 'importing |{bar}| {percentage}% | {rows} rows | {errors} errors | ETA {eta_formatted}',
          stream: stderr as NodeJS.WriteStream,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  try {
    const result = await importCatalog(db, opts.csvFile, {
      currency: opts.currency,
      taxClasses: opts.taxClasses,
      defaultTaxClass: opts.defaultTaxClass,
      skipInvalid: opts.skipInvalid,
      encoding: opts.encoding,
      journal: { terminalId: opts.terminalId },
      onProgress: (p) => {
        if (!bar) return;
        if (!started) {
          bar.start(p.totalBytes, 0, { rows: 0, errors: 0 });
          started = true;
        }
        bar.update(p.bytesRead, { rows: count(p.rows), errors: count(p.errors) });
      },
    });
    bar?.stop();
    started = false;
    // A big import leaves a WAL of hundreds of MB; fold it into the database now, not during a sale.
    if (result.committed) db.pragma('wal_checkpoint(TRUNCATE)');
    (result.committed ? stdout : stderr).write(formatImportSummary(opts.csvFile, result));
    return result.committed ? 0 : 1;
  } finally {
    if (started) bar?.stop();
    db.close();
  }
}
