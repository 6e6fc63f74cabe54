// `kassa journal export` and `kassa journal verify-file`: the audit journal taken out of the
// terminal for an auditor, and the chain of such a file checked again without the terminal
// (issue 7 §8). The work is in src/core/journal-export.ts; this is the command line around it.
// Registered from sales.ts's registerSalesCommands, next to `kassa verify`.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { JOURNAL_EXPORT_FORMATS, HASH_RECIPE, exportJournal, verifyJournalExport, type JournalExportFormat } from '../../core/journal-export.ts';
import { openExistingDatabase } from '../../core/runtime.ts';
import { dataDirOf, printJson } from '../context.ts';
import { UsageError, parsePositiveInt } from '../errors.ts';
import { startProgress } from '../progress.ts';

export function registerJournal(program: Command): void {
  const journal = program
    .command('journal')
    .description('export the hash-chained audit journal, or check an export file')
    .addHelpText(
      'after',
      '\nExamples:\n  export --out <file> [--from-seq N] [--format jsonl|csv]   write the journal to a file\n  verify-file <export>                                     recompute the chain of an export\n',
    );

  journal
    .command('export')
    .description('write the journal (every row with seq, at, kind, ref, payload, prev_hash, hash) to a file')
    .requiredOption('--out <file>', 'the file to write (never overwritten)')
    .option('--from-seq <n>', 'first journal seq to export', '1')
    .option('--format <format>', `${JOURNAL_EXPORT_FORMATS.join(' or ')}`, 'jsonl')
    .option('--quiet', 'no progress on stderr')
    .addHelpText('after', `\nEach row can be re-verified without Kassa:\n  ${HASH_RECIPE}\nProgress goes to stderr; the summary to stdout.`)
    .action(function (this: Command, opts: { out: string; fromSeq: string; format: string; quiet?: boolean }) {
      if (!(JOURNAL_EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(`--format must be ${JOURNAL_EXPORT_FORMATS.join(' or ')}, got "${opts.format}"`);
      }
      const fromSeq = parsePositiveInt(opts.fromSeq, '--from-seq', Number.MAX_SAFE_INTEGER);
      const db = openExistingDatabase(dataDirOf(this), { readonly: true });
      try {
        const progress = startProgress({ label: 'exporting journal', total: 0, enabled: opts.quiet !== true });
        const result = exportJournal(db, {
          out: resolve(opts.out),
          format: opts.format as JournalExportFormat,
          fromSeq,
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.stop();
        const range = result.firstSeq === null ? 'no rows' : `rows ${result.firstSeq}..${result.lastSeq}`;
        process.stdout.write(`exported ${result.rows} journal rows (${range}) to ${result.file}${result.lastHash ? `; last hash ${result.lastHash}` : ''}\n`);
      } finally {
        db.close();
      }
    });

  journal
    .command('verify-file')
    .description('recompute the hash chain of a file written by `kassa journal export` (JSONL or CSV)')
    .argument('<export>', 'the export file')
    .option('--json', 'print the verdict as JSON')
    .addHelpText('after', '\nExits 0 when the chain holds, 1 and names the first broken row otherwise.')
    .action(async function (this: Command, file: string, opts: { json?: boolean }) {
      const progress = startProgress({ label: 'verifying export', total: 0, enabled: opts.json !== true });
      const verdict = await verifyJournalExport(resolve(file), { onProgress: (rows) => progress.update(rows, rows) });
      progress.stop();
      if (opts.json) printJson(verdict);
      else if (verdict.ok) {
        const from =
          verdict.firstSeq === null
            ? ''
            : verdict.firstSeq === 1
              ? ' from the genesis row'
              : ` from row ${verdict.firstSeq} (its prev_hash ${verdict.startsFrom ?? ''} must match row ${verdict.firstSeq - 1}'s hash in the export or terminal before it)`;
        process.stdout.write(`ok: ${verdict.rows} rows chained${from}${verdict.lastHash ? `; last hash ${verdict.lastHash}` : ''}\n`);
      } else {
        process.stdout.write(`FAILED: ${verdict.problem}\n`);
        process.stderr.write(`kassa journal verify-file: first broken row: ${verdict.seq ?? '?'} (line ${verdict.line})\n`);
      }
      if (!verdict.ok) process.exitCode = 1;
    });
}
