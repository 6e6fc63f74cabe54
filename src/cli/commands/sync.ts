// `kassa sync status` and `kassa sync now`: what the terminal has not yet handed to the store
// server (the backlog, the last success, the dead letters a manager must look at), and one sync
// round on demand. The core (src/core/sync) does the work; this file reads options and prints.
//
// Decisions:
// - `status` only reads (the database is opened read-only) and works without a `sync` block in
//   kassa.config.json (it then says sync is not set up); it exits 0 whatever it finds.
// - `settlement` asks the store server for the store's settlement as this terminal (its token),
//   for a local day (--date, default today) or --from/--to, and prints it with the terminals'
//   flags like `kassa store-server settlement`; exit 1 when the server cannot be asked.
// - `status` says when an outage began (the open 'sync.offline' period of the journal).
// - `now` needs the `sync` block (ConfigError naming `sync` otherwise). It pushes the whole
//   backlog in batches and pulls catalog changes; the running app may sync at the same time,
//   which is safe (the server answers a re-sent item `duplicate`). Exit codes: 0 the round
//   finished; 1 it stopped at a failure (the message says why; what was settled before it stays
//   settled and the rest waits for the next round).
import type { Command } from 'commander';
import { localDate } from '../../domain/local-time.ts';
import { loadConfig } from '../../core/config.ts';
import { openExistingDatabase } from '../../core/runtime.ts';
import { SyncRequestError } from '../../core/sync/sync-http.ts';
import { SettlementQueryError } from '../../core/sync/sync-client.ts';
import { localDayRange } from '../../core/sync/store-settlement.ts';
import { syncDown, type SyncDown } from '../../core/sync/sync-journal.ts';
import { createSyncClient } from '../../core/sync/sync-service.ts';
import { syncReport, type SyncReport } from '../../core/sync/sync-state.ts';
import type { SettlementQuery } from '../../shared/sync-protocol.ts';
import { dataDirOf, printJson } from '../context.ts';
import { UsageError } from '../errors.ts';
import { printSettlement } from './store-server.ts';

function statusText(report: SyncReport, server: string | null, down: SyncDown | null): string {
  const lines: string[] = [];
  lines.push(`server:       ${server ?? 'not set up (add a "sync" block with serverUrl and token to kassa.config.json)'}`);
  if (down !== null) lines.push(`down since:   ${down.since} (${down.state}: ${down.reason}; ${down.backlog} waiting then)`);
  const oldest = report.oldestPending;
  lines.push(
    `backlog:      ${report.backlog} waiting${oldest ? ` (oldest #${oldest.seq} ${oldest.type}, queued ${oldest.createdAt}, ${oldest.attempts} attempt${oldest.attempts === 1 ? '' : 's'})` : ''}`,
  );
  lines.push(`last success: ${report.lastSuccessAt ?? 'never'}`);
  const f = report.lastFailure;
  if (f && (report.lastSuccessAt === null || f.at > report.lastSuccessAt)) {
    lines.push(`last failure: ${f.at} ${f.kind}${f.code ? ` (${f.code})` : ''}: ${f.message}`);
  }
  const skipped = report.catalogSkipped;
  lines.push(`catalog:      version ${report.catalogVersion}${skipped.count > 0 ? `, ${skipped.count} change(s) not applied` : ''}`);
  for (const s of skipped.newest.slice(-5)) lines.push(`  - v${s.version} ${s.kind}: ${s.reason}`);
  lines.push(`dead letters: ${report.deadLetterCount}${report.deadLetterCount > 0 ? ' (never sent; a manager must look at them)' : ''}`);
  for (const d of report.deadLetters.slice(0, 20)) lines.push(`  - #${d.seq} ${d.type} ${d.idempotencyKey}: ${d.reason}: ${d.message}`);
  if (report.deadLetterCount > 20) lines.push(`  … and ${report.deadLetterCount - 20} more (--json lists the first 100)`);
  return `${lines.join('\n')}\n`;
}

/** Today in the process's time zone, as yyyy-mm-dd. */
function today(): string {
  return localDate(new Date());
}

export function registerSync(program: Command): void {
  const sync = program.command('sync').description('store server sync: the backlog, the dead letters, a sync round now');

  sync
    .command('status')
    .description('show the backlog, the last success and failure, the catalog version and the dead letters')
    .option('--json', 'print the status as JSON')
    .action(function (this: Command, opts: { json?: boolean }) {
      const paths = dataDirOf(this);
      const config = loadConfig(paths.config);
      const db = openExistingDatabase(paths, { readonly: true });
      try {
        const report = syncReport(db);
        const server = config.sync?.serverUrl ?? null;
        const down = syncDown(db);
        if (opts.json) printJson({ server, ...report, down });
        else process.stdout.write(statusText(report, server, down));
      } finally {
        db.close();
      }
    });

  sync
    .command('settlement')
    .description("print the store's settlement from the store server: every terminal's sales, refunds and net, with flags (unsent, receipt-gap, silent)")
    .option('--date <yyyy-mm-dd>', "this terminal's local day (default: today)")
    .option('--from <time>', 'instead of --date: from this ISO time, e.g. 2026-03-01T00:00:00+08:00')
    .option('--to <time>', 'instead of --date: up to this ISO time')
    .option('--silent-after <seconds>', 'flag terminals not heard from for longer than this (default: the server\'s, 60)')
    .option('--json', 'print the answer as JSON (amounts in minor units)')
    .addHelpText('after', '\nNeeds the "sync" block of kassa.config.json. Exits 1 when the store server cannot be asked.')
    .action(async function (this: Command, opts: { date?: string; from?: string; to?: string; silentAfter?: string; json?: boolean }) {
      if (opts.date !== undefined && (opts.from !== undefined || opts.to !== undefined)) throw new UsageError('--date and --from/--to: give one or the other');
      if (opts.silentAfter !== undefined && !/^\d+$/.test(opts.silentAfter.trim())) throw new UsageError(`--silent-after: expected whole seconds, e.g. 120, got "${opts.silentAfter}"`);
      const paths = dataDirOf(this);
      const config = loadConfig(paths.config);
      const db = openExistingDatabase(paths, { readonly: true });
      try {
        const client = createSyncClient(db, config, paths.config);
        let query: SettlementQuery;
        try {
          const range = opts.from !== undefined || opts.to !== undefined ? { from: opts.from, to: opts.to } : localDayRange(opts.date ?? today());
          query = { ...range, ...(opts.silentAfter === undefined ? {} : { silentAfterSeconds: Number(opts.silentAfter) }) };
          const answer = await client.settlement(query);
          if (opts.json) printJson(answer);
          else printSettlement(answer);
        } catch (err) {
          if (err instanceof SettlementQueryError) throw new UsageError(err.message.replace(/^settlement: (date|from|to|silentAfterSeconds): /, (_m, f: string) => `--${f === 'silentAfterSeconds' ? 'silent-after' : f}: `));
          if (!(err instanceof SyncRequestError)) throw err;
          process.stderr.write(`kassa sync settlement: ${err.message}\n`);
          process.exitCode = 1;
        }
      } finally {
        db.close();
      }
    });

  sync
    .command('now')
    .description('push every waiting sale and refund to the store server and pull catalog changes, now')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nNeeds the "sync" block of kassa.config.json (serverUrl, token). Exits 0 when the round finished, 1 when it stopped at a failure.')
    .action(async function (this: Command, opts: { json?: boolean }) {
      const paths = dataDirOf(this);
      const config = loadConfig(paths.config);
      const db = openExistingDatabase(paths);
      try {
        const client = createSyncClient(db, config, paths.config);
        const batchSize = config.sync?.batchSize ?? 500;
        try {
          const result = await client.syncOnce(batchSize, (batch) => {
            if (!opts.json && batch.backlog > 0) process.stderr.write(`pushed a batch, ${batch.backlog} still waiting\n`);
          });
          if (opts.json) printJson({ ok: true, ...result });
          else {
            process.stdout.write(
              `synced: ${result.applied} sent, ${result.duplicates} already there, ${result.deadLettered} dead-lettered; ` +
                `backlog ${result.backlog}; catalog version ${result.catalogVersion} (${result.catalogApplied} change(s) applied)\n`,
            );
            if (result.deadLetters > 0) process.stdout.write(`${result.deadLetters} dead letter(s) in all: see kassa sync status\n`);
          }
        } catch (err) {
          if (!(err instanceof SyncRequestError) && !(err instanceof Error && err.name === 'CatalogSyncError')) throw err;
          const report = syncReport(db);
          if (opts.json) printJson({ ok: false, error: { kind: (err as SyncRequestError).kind ?? 'transient', message: err.message }, backlog: report.backlog });
          else process.stderr.write(`kassa sync now: stopped: ${err.message}\n${report.backlog} item(s) still waiting; they go with the next round\n`);
          process.exitCode = 1;
        }
      } finally {
        db.close();
      }
    });
}
