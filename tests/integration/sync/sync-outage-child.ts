// A terminal's sync as its own process, for sync-outage.test.ts to kill with SIGKILL in the
// middle of a push: it opens the terminal's SQLite file and runs `syncOnce` as `kassa sync now`
// does, printing one line per settled batch so the test sees how far it got.
// Usage: run-ts.js sync-outage-child.ts <db file> <server url> <terminal id> <token> <batch size>
// Lines: "READY", then "BATCH <json>" per batch, then "DONE <json>" (exit 0); a failure prints
// "FAILED <message>" and exits 1.
import { openDatabase } from '../../../src/core/db/open.ts';
import { SyncClient } from '../../../src/core/sync/sync-client.ts';

const [file, serverUrl, terminalId, token, batchSize] = process.argv.slice(2);
if (file === undefined || serverUrl === undefined || terminalId === undefined || token === undefined || batchSize === undefined) {
  console.error('usage: sync-outage-child.ts <db file> <server url> <terminal id> <token> <batch size>');
  process.exit(2);
}

const db = openDatabase(file);
try {
  const client = new SyncClient({ db, serverUrl, terminalId, token, currency: 'CNY', taxClasses: ['standard', 'reduced', 'zero'], timeoutMs: 5_000 });
  console.log('READY');
  const result = await client.syncOnce(Number(batchSize), (b) => console.log(`BATCH ${JSON.stringify({ applied: b.applied, duplicates: b.duplicates, backlog: b.backlog })}`));
  console.log(`DONE ${JSON.stringify(result)}`);
} catch (err) {
  console.log(`FAILED ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  db.close();
}
