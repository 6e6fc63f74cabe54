// `kassa sync status` and `kassa sync now`: what the terminal has not yet handed to the store
// server (the backlog, the last success, the dead letters a manager must look at), and one sync
// round on demand. The core (src/core/sync) does the work; this file reads options and prints.
//
// Decisions:
// - `status` only reads (the database is opened read-only) and works without a `sync` block in
//   kassa.config.json (it then says sync is not set up); it exits 0 whatever it finds.
// - `now` needs the `sync` block (ConfigError naming `sync` otherwise). It pushes the whole
//   backlog in batches and pulls catalog changes; the running app may sync at the same time,
//   which is safe (the server answers a re-sent item `duplicate`). Exit codes: 0 the round
//   finished; 1 it stopped at a failure (the message says why; what was settled before it stays
//   settled and the rest waits for the next round).
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.ts';
import { openExistingDatabase } from '../../core/runtime.ts';
import { SyncRequestError } from '../../core/sync/sync-http.ts';
import { createSyncClient } from '../../core/sync/sync-service.ts';
import { syncReport, type SyncReport } from '../../core/sync/sync-state.ts';
import { dataDirOf, printJson } from '../context.ts';

function statusText(report: SyncReport, server: string | null): string {
  const lines: string[] = [];
  lines.push(`server:       ${server ?? 'not set up (add a "sync" block with serverUrl and token to kassa.config.json)'}`);
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
        if (opts.json) printJson({ server, ...report });
        else process.stdout.write(statusText(report, server));
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
