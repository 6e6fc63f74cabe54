// The crash test: a child process sells through the real checkout machine and store and is
// killed with SIGKILL at random points, at least 200 times — during start-up and recovery,
// mid-scan, mid-commit, anywhere. After every kill the store must still be whole: every sale
// the child reported is there, none is partial, receipt numbers are gapless, the journal chain
// holds, and the next process restores the last saved sale in progress, never an older one.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCatalog } from '../../src/core/catalog-import.ts';
import { loadConfig } from '../../src/core/config.ts';
import { writeDemoCatalog } from '../../src/core/demo-data.ts';
import { openDatabase } from '../../src/core/db/open.ts';
import { dataPaths } from '../../src/core/paths.ts';
import { verifyStore } from '../../src/core/verify.ts';
import { runKillableChild } from '../support/killable-child.ts';
import { seededRandom } from '../../src/core/sale-simulator.ts';

const KILLS = Number(process.env.KASSA_CRASH_KILLS ?? 200);
const ROOT = resolve(import.meta.dirname, '../..');
const RUN_TS = join(ROOT, 'src/cli/run-ts.js');
const CHILD = join(ROOT, 'tests/torture/crash-child.ts');

interface ChildRun {
  readonly ready: { restored: boolean; discarded: string | null; hash: string; state: unknown; saleId: string | null; lines: number } | null;
  /** Hash of the last snapshot the child was about to save, and of the last it had saved. */
  readonly saving: string | null;
  readonly saved: string | null;
  readonly sold: number[];
  readonly stderr: string;
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
}

async function runAndKill(dir: string, seed: number, killAfterMs: number, afterReady: boolean): Promise<ChildRun> {
  let ready: ChildRun['ready'] = null;
  let saving: string | null = null;
  let saved: string | null = null;
  const sold: number[] = [];
  const exit = await runKillableChild([RUN_TS, CHILD, dir, String(seed)], {
    kill: { afterReady, ms: killAfterMs },
    guardMs: 15_000,
    onLine: (line) => {
      if (line.startsWith('SAVING ')) saving = line.slice(7);
      else if (line.startsWith('SAVED ')) saved = line.slice(6);
      else if (line.startsWith('SOLD ')) sold.push(Number(line.slice(5)));
      else if (line.startsWith('READY ')) ready = JSON.parse(line.slice(6)) as ChildRun['ready'];
    },
  });
  return { ready, saving, saved, sold, ...exit };
}

describe('crash test: SIGKILL at random points', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kassa-crash-'));
    const csv = join(dir, 'catalog.csv');
    await writeDemoCatalog(csv, { products: 3000, seed: 3, currency: 'CNY' });
    const config = loadConfig(join(dir, 'kassa.config.json'));
    const db = openDatabase(dataPaths(dir).database);
    try {
      const result = await importCatalog(db, csv, { currency: config.currency, taxClasses: config.taxClasses });
      expect(result.committed).toBe(true);
    } finally {
      db.close();
    }
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`keeps every committed sale whole and restores the sale in progress (${KILLS} kills)`, { timeout: 900_000 }, async () => {
    const random = seededRandom(20261125);
    const everSold = new Set<number>();
    let previous: ChildRun | null = null;
    let restoredOpenSales = 0;
    let killedBeforeReady = 0;
    let maxReceipt = 0;

    for (let i = 0; i < KILLS; i++) {
      // One kill in six lands during start-up and recovery; the rest while selling.
      const afterReady = random() >= 1 / 6;
      const delay = afterReady ? 5 + Math.floor(random() * 250) : Math.floor(random() * 700);
      const run = await runAndKill(dir, 1000 + i, delay, afterReady);
      const context = `kill ${i + 1} (${afterReady ? `${delay} ms after ready` : `${delay} ms after spawn`})`;

      // It died by our hand, not by its own error.
      expect(run.signal, `${context}: child exited with code ${run.code}:\n${run.stderr}`).toBe('SIGKILL');
      expect(run.stderr, context).toBe('');
      if (!run.ready) killedBeforeReady++;

      // The child restored exactly the last snapshot its predecessor saved — or, when the kill
      // fell inside that save, the one being saved (the transaction either landed or not).
      if (run.ready && previous?.saving) {
        expect(run.ready.discarded, context).toBeNull();
        expect(run.ready.restored, context).toBe(true);
        expect([previous.saved, previous.saving], `${context}: restored ${JSON.stringify(run.ready)}`).toContain(run.ready.hash);
        if (run.ready.saleId !== null && run.ready.state !== 'idle') restoredOpenSales++;
      }
      // A child killed before it saved anything leaves its predecessor's snapshot in place.
      if (run.saving !== null || !previous) previous = run;

      // The store is whole after every kill.
      const db = openDatabase(dataPaths(dir).database);
      try {
        const report = verifyStore(db);
        expect(report.problems, context).toEqual([]);
        const receipts = new Set((db.prepare("SELECT receipt_no FROM sales WHERE terminal_id = 'T01'").pluck().all() as number[]));
        for (const r of run.sold) everSold.add(r);
        for (const r of everSold) expect(receipts.has(r), `${context}: sold receipt ${r} is missing`).toBe(true);
        const partial = db
          .prepare(
            `SELECT count(*) FROM sales s
             WHERE NOT EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id)
                OR NOT EXISTS (SELECT 1 FROM tenders t WHERE t.sale_id = s.id)
                OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key = s.id)`,
          )
          .pluck()
          .get() as number;
        expect(partial, `${context}: partial sales`).toBe(0);
        const max = (db.prepare('SELECT coalesce(max(receipt_no), 0) FROM sales').pluck().get() as number) ?? 0;
        expect(max, context).toBeGreaterThanOrEqual(maxReceipt);
        maxReceipt = max;
      } finally {
        db.close();
      }
    }

    // The test really exercised what it claims.
    expect(maxReceipt).toBeGreaterThan(KILLS / 4);
    expect(restoredOpenSales).toBeGreaterThan(KILLS / 10);
    expect(killedBeforeReady).toBeGreaterThan(0);

    // And the command a manager would run agrees.
    const verify = await new Promise<{ code: number | null; out: string }>((res) => {
      const child = spawn(process.execPath, [join(ROOT, 'src/cli/kassa.js'), '--data-dir', dir, 'verify'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.on('close', (code) => res({ code, out }));
    });
    expect(verify.out).toMatch(/^ok: /);
    expect(verify.code).toBe(0);
  });
});
