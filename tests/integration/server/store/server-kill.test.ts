// The store server killed (SIGKILL) while it takes a batch, on PGlite and on a real PostgreSQL:
// after a restart the batch is there whole or not at all, never in part, and re-sending it
// leaves exactly one copy of every sale.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pgClient from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { adminRequest } from '../../../../src/server/store/admin-client.ts';
import { readAdminToken } from '../../../../src/server/store/admin-token.ts';
import { SYNC_PATHS, registerTerminalResponse, settlementResponse, terminalHeaders, type PushResponse } from '../../../../src/shared/sync-protocol.ts';
import { POSTGRES_MISSING, startTestPostgres } from '../../../support/postgres.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { batch, owed, sale, saleItem } from './store-fixtures.ts';

const sandbox = mkdtempSync(join(tmpdir(), 'kassa-store-kill-'));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

const SALES = 1000;
/** Kills per storage, each at the moment the batch's transaction has started writing. */
const KILLS = 2;

/** Resolves when the server should die, saying when that was; `sent` resolves once the body is flushed. */
type KillWhen = (round: number, sent: Promise<void>) => Promise<string>;

/** Sends a push with node:http, to know when the whole body has left. */
function sendPush(url: string, token: string, body: string): { sent: Promise<void>; heard: Promise<string> } {
  let flushed: () => void = () => undefined;
  const sent = new Promise<void>((r) => (flushed = r));
  const heard = new Promise<string>((resolve) => {
    const req = request(url, { method: 'POST', headers: { ...terminalHeaders('T01', token), 'content-length': String(Buffer.byteLength(body)) } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(`answered ${res.statusCode ?? '?'}`));
      res.on('error', () => resolve('no answer'));
    });
    req.on('error', () => resolve('no answer'));
    req.end(body, () => flushed());
  });
  return { sent, heard };
}

async function killedWhilePushing(kind: 'pglite' | 'pg', env: Record<string, string>, killWhen: KillWhen): Promise<string[]> {
  const dir = join(sandbox, kind);
  const start = (): Promise<ServerProcess> => startServerProcess(sandbox, ['--data-dir', dir], env);
  let server = await start();
  try {
    const adminToken = readAdminToken(join(dir, 'store-server', 'admin-token'));
    const { token } = await adminRequest({ baseUrl: server.url, adminToken, method: 'POST', path: SYNC_PATHS.adminTerminals, body: { storeId: 'S01', terminalId: 'T01' }, answer: registerTerminalResponse });
    const sent: ReturnType<typeof sale>[] = [];
    const bodyOf = (round: number): string => {
      const sales = Array.from({ length: SALES }, (_, i) => sale('T01', round * SALES + i + 1));
      sent.push(...sales);
      return JSON.stringify(batch(sales.map((s, i) => saleItem(s, round * SALES + i + 1))));
    };
    const push = (body: string) => fetch(`${server.url}${SYNC_PATHS.push}`, { method: 'POST', headers: terminalHeaders('T01', token), body });

    // Round 0, undisturbed.
    expect(((await (await push(bodyOf(0))).json()) as PushResponse).applied).toBe(SALES);

    const outcomes: string[] = [];
    for (let round = 1; round <= KILLS; round++) {
      const body = bodyOf(round);
      const pushing = sendPush(`${server.url}${SYNC_PATHS.push}`, token, body);
      const when = await killWhen(round, pushing.sent);
      server.child.kill('SIGKILL');
      await server.exited;
      const heard = await pushing.heard;

      server = await start();
      const settled = await adminRequest({ baseUrl: server.url, adminToken, method: 'GET', path: SYNC_PATHS.adminSettlement('S01'), answer: settlementResponse });
      const before = settled.store[0]?.saleCount ?? 0;
      // Whole or nothing: every earlier round is complete, this one is all there or absent.
      expect([round * SALES, (round + 1) * SALES], `round ${round} (killed ${when})`).toContain(before);
      outcomes.push(`killed ${when}: ${heard}, batch ${before === round * SALES ? 'dropped' : 'kept'} whole`);

      const again = await push(body);
      const answer = (await again.json()) as PushResponse;
      expect(again.status).toBe(200);
      expect(answer.applied + answer.duplicates).toBe(SALES);
      expect(answer.applied).toBe(before === round * SALES ? SALES : 0);
    }
    const settled = await adminRequest({ baseUrl: server.url, adminToken, method: 'GET', path: SYNC_PATHS.adminSettlement('S01'), answer: settlementResponse });
    expect(settled.store[0]).toMatchObject({ saleCount: sent.length, salesTotal: owed(sent) });
    expect(settled.terminals[0]).toMatchObject({ firstReceiptNo: 1, lastReceiptNo: sent.length });
    return outcomes;
  } finally {
    if (server.child.exitCode === null) await server.stop();
  }
}

describe('a store server killed in the middle of a batch', () => {
  it('on PGlite keeps the batch whole or drops it whole, and a re-send completes it', { timeout: 90_000 }, async () => {
    // PGlite keeps a transaction's writes in memory and writes its WAL into the data dir at
    // commit: killing at the first WAL write after the batch was sent kills it while it
    // commits. The other kill lands before the transaction starts.
    const wal = join(sandbox, 'pglite', 'store-server', 'pglite', 'pg_wal');
    const walStamp = (): string =>
      readdirSync(wal)
        .filter((f) => /^[0-9A-F]{24}$/.test(f))
        .map((f) => `${f}:${statSync(join(wal, f)).mtimeMs}`)
        .join(',');
    const outcomes = await killedWhilePushing('pglite', {}, async (round, sent) => {
      if (round === 1) {
        await sent;
        return 'as the body arrived (while it is parsed and checked)';
      }
      const before = walStamp();
      const t0 = performance.now();
      for (let i = 0; i < 20_000; i++) {
        if (walStamp() !== before) return `when its WAL was first written (${Math.round(performance.now() - t0)} ms after sending)`;
        await new Promise((r) => setImmediate(r));
      }
      throw new Error('the PGlite WAL was never written');
    });
    console.info(`PGlite: ${outcomes.join('; ')}`);
  });

  it.skipIf(POSTGRES_MISSING !== null)('on PostgreSQL keeps the batch whole or drops it whole, and a re-send completes it', { timeout: 90_000 }, async () => {
    const pg = await startTestPostgres();
    try {
      const url = await pg.createDatabase('kassa_kill');
      const watcher = new pgClient.Client({ connectionString: pg.url });
      await watcher.connect();
      try {
        const outcomes = await killedWhilePushing('pg', { KASSA_DATABASE_URL: url }, async () => {
          const t0 = performance.now();
          for (let i = 0; i < 20_000; i++) {
            const { rows } = await watcher.query("SELECT 1 FROM pg_stat_activity WHERE datname = 'kassa_kill' AND backend_xid IS NOT NULL");
            if (rows.length > 0) return `inside the batch's transaction (${Math.round(performance.now() - t0)} ms after sending)`;
          }
          throw new Error('the batch transaction never showed in pg_stat_activity');
        });
        console.info(`PostgreSQL: ${outcomes.join('; ')}`);
      } finally {
        await watcher.end();
      }
    } finally {
      await pg.stop();
    }
  });
});
