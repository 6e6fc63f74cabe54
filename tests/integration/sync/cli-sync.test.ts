// `kassa sync status` and `kassa sync now` as a manager runs them: a real child process against
// a terminal folder with sales, and the real store server (PGlite) on 127.0.0.1.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/core/db/open.ts';
import { commitSale } from '../../../src/core/db/sales.ts';
import { startStoreServer, type StoreServer } from '../../../src/server/store/http-api.ts';
import { openStoreStorage, type StoreStorage } from '../../../src/server/store/storage.ts';
import { makeSale, SNAPSHOT } from '../../support/sale-fixtures.ts';
import { KASSA } from '../../support/sim-process.ts';
import { ADMIN_TOKEN, register } from '../server/store/store-fixtures.ts';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let sandbox: string;
let storage: StoreStorage;
let server: StoreServer;

function kassa(dir: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [KASSA, '--data-dir', dir, ...args], { cwd: sandbox, timeout: 30_000, env: { ...process.env, XDG_DATA_HOME: join(sandbox, 'xdg') } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A terminal folder with `sales` committed sales and this config. */
function folder(name: string, terminalId: string, sales: number, config: unknown): string {
  const dir = join(sandbox, name);
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(join(dir, 'kassa.db'));
  for (let i = 0; i < sales; i++) {
    const at = new Date(Date.UTC(2026, 0, 2, 10, i)).toISOString();
    commitSale(db, { record: makeSale({ terminalId, completedAt: at }), snapshot: SNAPSHOT, at });
  }
  db.close();
  writeFileSync(join(dir, 'kassa.config.json'), JSON.stringify(config));
  return dir;
}

beforeAll(async () => {
  sandbox = mkdtempSync(join(tmpdir(), 'kassa-cli-sync-'));
  storage = await openStoreStorage({ dataDir: join(sandbox, 'store') });
  server = await startStoreServer({ storage, adminToken: ADMIN_TOKEN });
}, 60_000);

afterAll(async () => {
  await server.close();
  await storage.close();
  rmSync(sandbox, { recursive: true, force: true });
});

describe('kassa sync', { timeout: 60_000 }, () => {
  it('status before sync is set up, now without the sync block, and a bad sync block', async () => {
    const plain = folder('plain', 'C1', 3, { terminalId: 'C1' });
    const bad = folder('bad', 'C2', 1, { terminalId: 'C2', sync: { serverUrl: 'ftp://store', token: 'x'.repeat(40) } });
    const [status, now, badNow] = await Promise.all([kassa(plain, 'sync', 'status'), kassa(plain, 'sync', 'now'), kassa(bad, 'sync', 'now')]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('server:       not set up');
    expect(status.stdout).toContain('backlog:      3 waiting (oldest #1 sale');
    expect(status.stdout).toContain('last success: never');
    expect(status.stdout).toContain('dead letters: 0');
    expect(now.code).toBe(1);
    expect(now.stderr).toMatch(/kassa: .*kassa\.config\.json is not valid:\n\s+- sync: not set/);
    expect(badNow.code).toBe(1);
    expect(badNow.stderr).toContain('sync.serverUrl: expected the store server\'s http(s) URL');
  });

  it('now sends the backlog and status shows it gone; with the server down, now fails with exit 1 and keeps the sales', async () => {
    const till = await register(server, 'CLI1', 'C3');
    const dir = folder('synced', 'C3', 4, { terminalId: 'C3', sync: { serverUrl: server.url, token: till.token, batchSize: 3 } });
    const now = await kassa(dir, 'sync', 'now');
    expect(now.stderr).toContain('pushed a batch, 1 still waiting');
    expect(now.stdout).toContain('synced: 4 sent, 0 already there, 0 dead-lettered; backlog 0');
    expect(now.code).toBe(0);
    const [status, json] = await Promise.all([kassa(dir, 'sync', 'status'), kassa(dir, 'sync', 'status', '--json')]);
    expect(status.stdout).toContain('backlog:      0 waiting\n');
    expect(status.stdout).not.toContain('last success: never');
    const report = JSON.parse(json.stdout) as { server: string; backlog: number; deadLetterCount: number; lastSuccessAt: string | null };
    expect(report).toMatchObject({ server: server.url, backlog: 0, deadLetterCount: 0 });
    expect(report.lastSuccessAt).not.toBeNull();
    const [row] = await storage.query<{ n: unknown }>("SELECT count(*)::int AS n FROM sales WHERE terminal_id = 'C3'");
    expect(Number(row?.n)).toBe(4);

    // The store's settlement as this terminal asks for it (its sales are on 2026-01-02).
    const [settled, settledJson, badDate] = await Promise.all([
      kassa(dir, 'sync', 'settlement', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-03T00:00:00Z'),
      kassa(dir, 'sync', 'settlement', '--from', '2026-01-01T00:00:00Z', '--json'),
      kassa(dir, 'sync', 'settlement', '--date', '2026-02-30'),
    ]);
    expect(settled.stderr).toBe('');
    expect(settled.code).toBe(0);
    expect(settled.stdout).toContain('Store CLI1, 2026-01-01T00:00:00Z – 2026-01-03T00:00:00Z (1 terminal registered)');
    expect(settled.stdout).toMatch(/^\s+C3\s+CNY\s+4 sales/m);
    expect(settled.stdout).not.toContain('flagged');
    expect(JSON.parse(settledJson.stdout)).toMatchObject({ storeId: 'CLI1', store: [{ saleCount: 4 }], standing: [{ terminalId: 'C3', flags: [], report: { backlog: 0, lastReceiptNo: 4 } }] });
    expect([badDate.code, badDate.stderr.trim()]).toEqual([2, 'kassa: --date: expected a calendar date as yyyy-mm-dd (1970 or later), got "2026-02-30"']);

    // A port nothing listens on any more: the server is down.
    const gone = await startStoreServer({ storage });
    await gone.close();
    const down = folder('down', 'C4', 2, { terminalId: 'C4', sync: { serverUrl: gone.url, token: till.token, timeoutSeconds: 2 } });
    const failed = await kassa(down, 'sync', 'now');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`kassa sync now: stopped: cannot reach the store server at ${gone.url}`);
    expect(failed.stderr).toContain('2 item(s) still waiting');
    const after = await kassa(down, 'sync', 'status');
    expect(after.stdout).toContain('backlog:      2 waiting (oldest #1 sale');
    expect(after.stdout).toMatch(/last failure: \S+ offline: cannot reach/);
    const unasked = await kassa(down, 'sync', 'settlement');
    expect(unasked.code).toBe(1);
    expect(unasked.stderr).toContain(`kassa sync settlement: cannot reach the store server at ${gone.url}`);
  });
});
