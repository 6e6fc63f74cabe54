// Tamper detection on a real SQLite file (issue 7 §8): a day's records — sales, a refund, no-sale
// drawer openings — edited behind Kassa's back with plain better-sqlite3, then `verifyStore` and
// the real `kassa verify` must name the FIRST broken link by its seq and exit non-zero.
// Not repeated here (tests/integration/sales-store.test.ts, tests/unit/core/db/journal.test.ts,
// tests/integration/cli.test.ts cover them): sales columns and sale payloads edited, sales
// rows deleted, a sale journalled twice, gaps and prev_hash edits in the bare chain. This file
// adds the non-sale events antifraud relies on (who opened the drawer, who refunded), a forged
// row hashed by the published recipe, several edits at once, and the CLI's exit code and
// message for each.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalHash } from '../../../src/core/db/journal.ts';
import { openDatabase } from '../../../src/core/db/open.ts';
import { recordRefund } from '../../../src/core/db/refunds.ts';
import { verifyStore } from '../../../src/core/verify.ts';
import { runKassa } from '../../support/kassa-cli.ts';
import { makeSale, seedDbFile, TERMINAL, type DbSeed } from '../../support/sale-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'kassa-tamper-'));
const seedFile = join(root, 'seed.db');
const AT = '2025-03-01T10:01:31.000Z';
const SLOW = { timeout: 120_000 };

const kassa = (dir: string, args: readonly string[]) => runKassa(root, dir, args, { timeoutMs: 100_000 });

/**
 * The seeded day, by journal seq:
 * 1–3 sales (receipts 1–3), 4 drawer.opened by alice, 5 sale (receipt 4), 6 refund.requested
 * and 7 sale.refunded (cash refund of receipt 1 asked by bob), 8 drawer.opened by bob, 9 sale.
 */
const SEQ = { aliceNoSale: 4, refundRequested: 6, bobNoSale: 8, lastSale: 9 } as const;

function noSale(seed: DbSeed, by: string): void {
  seed.drawerOpened({ device: 'printer', pin: 2, by, reason: 'change' }, AT);
}

beforeAll(() => {
  seedDbFile(seedFile, (seed) => {
    const { db } = seed;
    const sell = () => seed.sell(makeSale(), AT);
    const first = sell();
    sell();
    sell();
    noSale(seed, 'alice');
    sell();
    recordRefund(db, {
      refundId: `R1-${TERMINAL}`,
      saleId: first.id,
      terminalId: TERMINAL,
      receiptNo: 1,
      currency: 'CNY',
      reason: 'faulty',
      authorizedBy: 'manager',
      operator: 'bob',
      training: false,
      parts: [{ tenderSeq: 1, method: 'cash', amount: 500 }],
      at: AT,
    });
    noSale(seed, 'bob');
    sell();
    const kinds = db.prepare('SELECT kind FROM journal ORDER BY seq').pluck().all();
    expect(kinds).toEqual(['sale.completed', 'sale.completed', 'sale.completed', 'drawer.opened', 'sale.completed', 'refund.requested', 'sale.refunded', 'drawer.opened', 'sale.completed']);
    expect(verifyStore(db).ok).toBe(true);
  });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

let copies = 0;
/** A data folder holding a copy of the seeded day, edited by `tamper` with plain better-sqlite3. */
function tampered(tamper: (raw: Database.Database) => void): string {
  copies += 1;
  const dir = join(root, `case-${copies}`);
  mkdirSync(dir);
  copyFileSync(seedFile, join(dir, 'kassa.db'));
  const raw = new Database(join(dir, 'kassa.db'));
  tamper(raw);
  raw.close();
  return dir;
}

function firstProblem(dir: string) {
  const db = openDatabase(join(dir, 'kassa.db'), { readonly: true });
  try {
    const report = verifyStore(db);
    expect(report.ok).toBe(false);
    return report.problems[0];
  } finally {
    db.close();
  }
}

/** `kassa verify` exits 1 and its one-line verdict on stderr names journal row `seq`. */
async function cliNames(dir: string, seq: number, text: string | RegExp): Promise<void> {
  const r = await kassa(dir, ['verify']);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^FAILED: /);
  expect(r.stderr).toContain(`kassa verify: first bad row: journal ${seq}: `);
  expect(r.stderr).toMatch(text);
}

describe.concurrent('tampering with the audit journal in the SQLite file', SLOW, () => {
  it('an edit of who opened the drawer is named at that row', async () => {
    const dir = tampered((raw) => raw.prepare("UPDATE journal SET payload = replace(payload, '\"by\":\"bob\"', '\"by\":\"alice\"') WHERE seq = ?").run(SEQ.bobNoSale));
    expect(firstProblem(dir)).toMatchObject({ where: 'journal', seq: SEQ.bobNoSale, message: expect.stringContaining('(drawer.opened printer) was changed after it was written') });
    await cliNames(dir, SEQ.bobNoSale, /was changed after it was written/);
  });

  it('an edit of who asked for a refund is named at that row, even with the refunds row edited to match', async () => {
    const dir = tampered((raw) => {
      raw.prepare("UPDATE journal SET payload = replace(payload, '\"operator\":\"bob\"', '\"operator\":\"carol\"') WHERE seq = ?").run(SEQ.refundRequested);
      raw.prepare("UPDATE refunds SET operator = 'carol'").run();
    });
    expect(firstProblem(dir)).toMatchObject({ where: 'journal', seq: SEQ.refundRequested });
    await cliNames(dir, SEQ.refundRequested, /refund\.requested .* was changed/);
  });

  it('a deleted no-sale opening leaves its seq missing, and that seq is named', async () => {
    const dir = tampered((raw) => raw.prepare('DELETE FROM journal WHERE seq = ?').run(SEQ.aliceNoSale));
    expect(firstProblem(dir)).toMatchObject({ where: 'journal', seq: SEQ.aliceNoSale, message: `journal row ${SEQ.aliceNoSale} is missing (the row after ${SEQ.aliceNoSale - 1} is ${SEQ.aliceNoSale + 1})` });
    await cliNames(dir, SEQ.aliceNoSale, /is missing/);
  });

  it('a forged row slipped in, hashed by the published recipe, breaks the link of the row after it', async () => {
    const at = 3;
    const dir = tampered((raw) => {
      const prev = raw.prepare('SELECT hash FROM journal WHERE seq = ?').pluck().get(at) as string;
      // Make room, last row first (seq is the primary key), then put the forgery at `at + 1`.
      for (const seq of (raw.prepare('SELECT seq FROM journal WHERE seq > ? ORDER BY seq DESC').pluck().all(at) as number[])) {
        raw.prepare('UPDATE journal SET seq = seq + 1 WHERE seq = ?').run(seq);
      }
      const row = { seq: at + 1, at: AT, terminalId: TERMINAL, kind: 'drawer.opened', ref: 'printer', payloadJson: '{"by":"mallory","device":"printer","pin":2,"reason":"float"}' };
      raw
        .prepare('INSERT INTO journal (seq, at, terminal_id, kind, ref, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(row.seq, row.at, row.terminalId, row.kind, row.ref, row.payloadJson, prev, journalHash(prev, row));
    });
    expect(firstProblem(dir)).toMatchObject({ where: 'journal', seq: at + 2 });
    // Renumbered rows no longer hash to what they say: the forgery cannot hide behind them.
    await cliNames(dir, at + 2, /does not link to row 4|was changed/);
  });

  it('with several edits, the earliest is the one named', async () => {
    const dir = tampered((raw) => {
      raw.prepare("UPDATE journal SET at = '2025-03-01T23:59:59.000Z' WHERE seq = ?").run(SEQ.lastSale);
      raw.prepare('DELETE FROM journal WHERE seq = ?').run(SEQ.bobNoSale);
      raw.prepare("UPDATE journal SET payload = replace(payload, 'alice', 'zed') WHERE seq = ?").run(SEQ.aliceNoSale);
    });
    expect(firstProblem(dir)).toMatchObject({ where: 'journal', seq: SEQ.aliceNoSale });
    await cliNames(dir, SEQ.aliceNoSale, /was changed/);
  });

  it('an untouched copy still verifies (exit 0), so the failures above are the edits', async () => {
    const dir = tampered(() => undefined);
    const r = await kassa(dir, ['verify']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok: 9 journal rows chained');
  });
});
