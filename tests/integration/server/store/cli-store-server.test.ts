// `kassa store-server` as an operator runs it: a real child process, on PGlite in a data dir and
// on a real PostgreSQL; `register` and `settlement` against it; a restart that keeps the data;
// and one-line errors for the mistakes an operator makes.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pgClient from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SYNC_PATHS,
  TERMINAL_REPORT_HEADER,
  encodeTerminalReport,
  terminalHeaders,
  type PushResponse,
  type SettlementResponse,
} from '../../../../src/shared/sync-protocol.ts';
import { runKassaMain } from '../../../support/kassa-main.ts';
import { POSTGRES_MISSING, startTestPostgres } from '../../../support/postgres.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { batch, sale, saleItem } from './store-fixtures.ts';

const sandbox = mkdtempSync(join(tmpdir(), 'kassa-store-cli-'));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));
// The sub-commands (`register`, `settlement`) and the refusals run in this process
// (runKassaMain): a spawn costs ~1 s of start-up each, and the server itself is a real child.
const startServer = (args: readonly string[], extraEnv: Record<string, string> = {}): Promise<ServerProcess> => startServerProcess(sandbox, args, extraEnv);

async function pushSale(url: string, token: string, terminalId: string, receiptNo: number): Promise<{ total: number; answer: PushResponse }> {
  const s = sale(terminalId, receiptNo);
  const res = await fetch(`${url}${SYNC_PATHS.push}`, { method: 'POST', headers: terminalHeaders(terminalId, token), body: JSON.stringify(batch([saleItem(s, receiptNo)])) });
  return { total: s.total, answer: (await res.json()) as PushResponse };
}

const tokenIn = (stdout: string): string => /^Token \(shown once.*\): (kst_\S+)$/m.exec(stdout)?.[1] ?? '';

describe('kassa store-server on PGlite', () => {
  it('makes its admin token, registers a terminal, takes its sales, settles, and stops on Ctrl+C', { timeout: 60_000 }, async () => {
    const dir = join(sandbox, 'pglite-store');
    const server = await startServer(['--data-dir', dir]);
    let stopped = false;
    try {
      expect(server.stdout()).toContain(`Kassa store server: PGlite in ${join(dir, 'store-server', 'pglite')}`);
      expect(server.stdout()).toContain(`admin token: ${join(dir, 'store-server', 'admin-token')} (made now)`);
      expect(statSync(join(dir, 'store-server', 'admin-token')).mode & 0o777).toBe(0o600);

      const registered = await runKassaMain(['--data-dir', dir, 'store-server', 'register', '--store', 'S01', '--terminal', 'T01', '--url', server.url]);
      expect(registered.stderr).toBe('');
      expect(registered.code).toBe(0);
      expect(registered.stdout).toContain('Terminal T01 registered in store S01.');
      const token = tokenIn(registered.stdout);
      expect(token).toMatch(/^kst_/);

      const [again, [settled, settledJson, total]] = await Promise.all([
        runKassaMain(['--data-dir', dir, 'store-server', 'register', '--store', 'S01', '--terminal', 'T01', '--url', server.url]),
        (async () => {
          const pushed = await pushSale(server.url, token, 'T01', 1);
          expect(pushed.answer.applied).toBe(1);
          return [
            ...(await Promise.all([
              runKassaMain(['--data-dir', dir, 'store-server', 'settlement', '--store', 'S01', '--url', server.url]),
              runKassaMain(['--data-dir', dir, 'store-server', 'settlement', '--store', 'S01', '--url', server.url, '--json']),
            ])),
            pushed.total,
          ] as const;
        })(),
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr.trim().split('\n')).toHaveLength(1);
      expect(again.stderr).toContain('already registered to store S01');
      expect(again.stderr).toContain('--rotate');

      expect(settled.code).toBe(0);
      expect(settled.stdout).toContain('Store S01, all time (1 terminal registered)');
      expect(settled.stdout).toMatch(new RegExp(`^\\s+T01\\s+CNY\\s+1 sales\\s+${(total / 100).toFixed(2)}\\s`, 'm'));
      const json = JSON.parse(settledJson.stdout) as SettlementResponse;
      expect(json.store[0]).toMatchObject({ saleCount: 1, salesTotal: total });
      expect(settled.stdout).not.toContain('flagged');

      // Receipt 2 never arrives and the terminal says 2 more wait: both are flagged.
      const gap = sale('T01', 3);
      const res = await fetch(`${server.url}${SYNC_PATHS.push}`, {
        method: 'POST',
        headers: { ...terminalHeaders('T01', token), [TERMINAL_REPORT_HEADER]: encodeTerminalReport({ backlog: 2, lastReceiptNo: 5, at: gap.completedAt }) },
        body: JSON.stringify(batch([saleItem(gap, 3)])),
      });
      expect(res.status).toBe(200);
      const flagged = await runKassaMain(['--data-dir', dir, 'store-server', 'settlement', '--store', 'S01', '--url', server.url, '--silent-after', '3600']);
      expect(flagged.code).toBe(0);
      expect(flagged.stdout).toContain('    flagged: unsent (2 waiting on the terminal), receipt-gap (1 receipt number missing)');
      expect(flagged.stdout).toContain('1 terminal flagged: the store totals may not be final (silent: not heard from for over 3600 s)');

      const end = await server.stop();
      stopped = true;
      expect(end.code).toBe(0);
      expect(end.stderr).toContain('kassa store-server: SIGINT: stopping');
    } finally {
      if (!stopped) await server.stop();
    }
  });

  it('prints one-line errors for what an operator gets wrong', { timeout: 60_000 }, async () => {
    const dir = join(sandbox, 'mistakes');
    const tokenFile = join(sandbox, 'mistakes-admin-token');
    writeFileSync(tokenFile, 'ksa_abcdefghijklmnopqrstuvwxyz012345\n', { mode: 0o600 });
    const [noServer, noToken, badPort, badUrl, badTerminal, badSilent] = await Promise.all([
      runKassaMain(['--data-dir', dir, 'store-server', 'register', '--store', 'S01', '--terminal', 'T01', '--url', 'http://127.0.0.1:1', '--admin-token-file', tokenFile]),
      runKassaMain(['--data-dir', dir, 'store-server', 'settlement', '--store', 'S01']),
      runKassaMain(['--data-dir', dir, 'store-server', '--port', 'eighty']),
      runKassaMain(['--data-dir', dir, 'store-server', '--database-url', 'mysql://root@localhost/kassa']),
      runKassaMain(['--data-dir', dir, 'store-server', 'register', '--store', 'S01', '--terminal', 'till one']),
      runKassaMain(['--data-dir', dir, 'store-server', 'settlement', '--store', 'S01', '--silent-after', 'soon']),
    ]);
    expect([noServer.code, noServer.stderr]).toEqual([1, expect.stringContaining('cannot reach the store server at http://127.0.0.1:1')]);
    expect([noToken.code, noToken.stderr]).toEqual([1, expect.stringContaining('no admin token at')]);
    expect([badPort.code, badPort.stderr]).toEqual([2, expect.stringContaining('--port must be a whole number')]);
    expect([badUrl.code, badUrl.stderr]).toEqual([1, expect.stringContaining('must start with postgres://')]);
    expect([badTerminal.code, badTerminal.stderr]).toEqual([2, expect.stringContaining('--terminal: expected 1–16 letters')]);
    expect([badSilent.code, badSilent.stderr]).toEqual([2, expect.stringContaining('--silent-after: expected whole seconds, e.g. 120, got "soon"')]);
    for (const r of [noServer, noToken, badPort, badUrl, badTerminal, badSilent]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe.skipIf(POSTGRES_MISSING !== null)('kassa store-server on PostgreSQL', () => {
  it('stores in the database $KASSA_DATABASE_URL names, never printing its password', { timeout: 60_000 }, async () => {
    const pg = await startTestPostgres();
    try {
      const url = (await pg.createDatabase('kassa_cli')).replace('postgres@', 'postgres:not-shown@');
      const dir = join(sandbox, 'pg-store');
      const server = await startServer(['--data-dir', dir], { KASSA_DATABASE_URL: url });
      try {
        expect(server.stdout()).toContain(`PostgreSQL at postgres://postgres:***@127.0.0.1:${pg.port}/kassa_cli`);
        expect(server.stdout()).not.toContain('not-shown');
        const registered = await runKassaMain(['--data-dir', dir, 'store-server', 'register', '--store', 'S01', '--terminal', 'T09', '--url', server.url]);
        const { answer } = await pushSale(server.url, tokenIn(registered.stdout), 'T09', 1);
        expect(answer.applied).toBe(1);
      } finally {
        expect((await server.stop()).code).toBe(0);
      }
      const client = new pgClient.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ terminal_id: string }>('SELECT terminal_id FROM sales');
        expect(rows).toEqual([{ terminal_id: 'T09' }]);
      } finally {
        await client.end();
      }
    } finally {
      await pg.stop();
    }
  });
});
