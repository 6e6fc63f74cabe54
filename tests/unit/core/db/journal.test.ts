import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../src/core/db/canonical-json.ts';
import { GENESIS_HASH, JournalError, appendJournal, appendJournalJson, journalHash, journalRowsFor, lastJournalRow, verifyJournal } from '../../../../src/core/db/journal.ts';
import type { JournalEntry } from '../../../../src/core/db/journal.ts';
import type { Db } from '../../../../src/core/db/open.ts';
import { useTempDb } from '../../../support/temp-db.ts';

let db: Db;
useTempDb((opened) => (db = opened));

const entry = (n: number, over: Partial<JournalEntry> = {}): JournalEntry => ({
  terminalId: 'T01',
  kind: 'line.voided',
  ref: `SALE-${n}`,
  payload: { lineNo: n, reason: '扫错了', amount: 350 * n },
  at: `2025-03-01T10:00:0${n % 10}.000Z`,
  ...over,
});

function append(n: number, over: Partial<JournalEntry> = {}) {
  return db.transaction(() => appendJournal(db, entry(n, over))).immediate();
}

describe('appendJournal', () => {
  it('chains rows from the genesis hash with sha256(prevHash + canonical content)', () => {
    const first = append(1);
    const second = append(2, { kind: 'terminal.started', ref: null, payload: { version: '0.1.0' } });
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);

    const e = entry(1);
    const content = canonicalJson({ seq: 1, at: e.at, terminalId: e.terminalId, kind: e.kind, ref: e.ref, payload: e.payload });
    expect(first.hash).toBe(createHash('sha256').update(GENESIS_HASH + content).digest('hex'));
    expect(first.payload).toBe(canonicalJson(e.payload));
    expect(second.ref).toBeNull();
    expect(lastJournalRow(db)).toEqual(second);
    expect(journalRowsFor(db, 'SALE-1')).toEqual([first]);
  });

  it('takes a payload already written as canonical JSON and chains it the same way', () => {
    const first = append(1);
    const e = entry(2);
    const { payload, ...rest } = e;
    const second = db.transaction(() => appendJournalJson(db, { ...rest, payloadJson: canonicalJson(payload) })).immediate();
    expect(second.prevHash).toBe(first.hash);
    expect(second.payload).toBe(canonicalJson(payload));
    const content = canonicalJson({ seq: 2, at: e.at, terminalId: e.terminalId, kind: e.kind, ref: e.ref, payload });
    expect(second.hash).toBe(createHash('sha256').update(first.hash + content).digest('hex'));
    expect(verifyJournal(db)).toEqual({ ok: true, rows: 2 });
    expect(() => appendJournalJson(db, { ...rest, payloadJson: '{}' })).toThrow(JournalError);
  });

  it('refuses to run outside a transaction, unknown kinds and non-JSON payloads', () => {
    expect(() => appendJournal(db, entry(1))).toThrow(JournalError);
    expect(() => append(1, { kind: 'drawer.kicked' as JournalEntry['kind'] })).toThrow('unknown journal kind "drawer.kicked"');
    expect(() => append(1, { payload: { amount: 1.5 } })).toThrow('$.amount is 1.5');
    expect(db.prepare('SELECT count(*) FROM journal').pluck().get()).toBe(0);
  });

  it('rolls back with the caller', () => {
    append(1);
    expect(() =>
      db
        .transaction(() => {
          appendJournal(db, entry(2));
          throw new Error('later step failed');
        })
        .immediate(),
    ).toThrow('later step failed');
    expect(append(3).seq).toBe(2);
    expect(verifyJournal(db)).toEqual({ ok: true, rows: 2 });
  });
});

describe('verifyJournal', () => {
  beforeEach(() => {
    for (let n = 1; n <= 6; n++) append(n);
  });

  it('accepts an intact chain and an empty one', () => {
    expect(verifyJournal(db)).toEqual({ ok: true, rows: 6 });
    db.exec('DELETE FROM journal');
    expect(verifyJournal(db)).toEqual({ ok: true, rows: 0 });
  });

  it('names the row whose payload was edited', () => {
    db.prepare('UPDATE journal SET payload = ? WHERE seq = 4').run(canonicalJson({ lineNo: 4, reason: '扫错了', amount: 1 }));
    const v = verifyJournal(db);
    expect(v).toMatchObject({ ok: false, seq: 4, rows: 3 });
    expect(!v.ok && v.problem).toContain('journal row 4 (line.voided SALE-4) was changed');
  });

  it('sees a payload that was only re-formatted (hashes the stored bytes)', () => {
    const payload = db.prepare('SELECT payload FROM journal WHERE seq = 2').pluck().get() as string;
    db.prepare('UPDATE journal SET payload = ? WHERE seq = 2').run(JSON.stringify(JSON.parse(payload), null, 2));
    expect(verifyJournal(db)).toMatchObject({ ok: false, seq: 2 });
  });

  it('names a row whose other fields were edited', () => {
    db.exec("UPDATE journal SET at = '2025-03-02T00:00:00.000Z' WHERE seq = 5");
    expect(verifyJournal(db)).toMatchObject({ ok: false, seq: 5 });
  });

  it('names the next row when an edited row was re-hashed to hide the edit', () => {
    const row = db.prepare('SELECT * FROM journal WHERE seq = 3').get() as { at: string; terminal_id: string; kind: string; ref: string; prev_hash: string };
    const payloadJson = canonicalJson({ lineNo: 3, reason: '扫错了', amount: 0 });
    const hash = journalHash(row.prev_hash, { seq: 3, at: row.at, terminalId: row.terminal_id, kind: row.kind, ref: row.ref, payloadJson });
    db.prepare('UPDATE journal SET payload = ?, hash = ? WHERE seq = 3').run(payloadJson, hash);
    const v = verifyJournal(db);
    expect(v).toMatchObject({ ok: false, seq: 4 });
    expect(!v.ok && v.problem).toContain('journal row 4 does not link to row 3');
  });

  it('names the missing seq when a row is deleted', () => {
    db.exec('DELETE FROM journal WHERE seq = 3');
    const v = verifyJournal(db);
    expect(v).toMatchObject({ ok: false, seq: 3, rows: 2 });
    expect(!v.ok && v.problem).toContain('journal row 3 is missing');
  });

  it('names a missing first row', () => {
    db.exec('DELETE FROM journal WHERE seq = 1');
    expect(verifyJournal(db)).toMatchObject({ ok: false, seq: 1, rows: 0 });
  });

  it('names a gap range', () => {
    db.exec('DELETE FROM journal WHERE seq IN (2, 3, 4)');
    const v = verifyJournal(db);
    expect(v).toMatchObject({ ok: false, seq: 2 });
    expect(!v.ok && v.problem).toContain('journal row 2..4 is missing');
  });

  it('names a row whose prev_hash was changed', () => {
    db.exec(`UPDATE journal SET prev_hash = '${'a'.repeat(64)}' WHERE seq = 6`);
    const v = verifyJournal(db);
    expect(v).toMatchObject({ ok: false, seq: 6 });
    expect(!v.ok && v.problem).toContain('does not link to row 5');
  });

  it('reports progress while streaming', () => {
    const seen: number[] = [];
    verifyJournal(db, { every: 2, onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([2, 4, 6, 6]);
  });
});
