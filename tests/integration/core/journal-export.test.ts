// exportJournal and verifyJournalExport on real files: the export re-verifies by the recipe it
// documents (recomputed here with node:crypto alone, as an auditor would), in JSONL and CSV,
// from any seq; an edited, deleted, inserted or reordered row in the export is named.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendJournal } from '../../../src/core/db/journal.ts';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { commitSale } from '../../../src/core/db/sales.ts';
import { JournalExportError, exportJournal, verifyJournalExport, type ExportedJournalRow } from '../../../src/core/journal-export.ts';
import { makeSale, SNAPSHOT, TERMINAL, tempDbFile } from '../../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile('kassa-journal-export-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const AT = '2025-03-01T10:01:31.000Z';

/** 6 rows: sales (one with a name needing JSON escapes and CJK), a drawer opening with a null ref. */
function seed(): void {
  commitSale(db, { record: makeSale({ lines: [{ sku: 'A', unitPrice: 100, name: '苹果 "红富士"\n1kg' }] }), snapshot: SNAPSHOT, at: AT });
  for (let i = 0; i < 3; i++) commitSale(db, { record: makeSale(), snapshot: SNAPSHOT, at: AT });
  db.transaction(() => {
    appendJournal(db, { terminalId: TERMINAL, kind: 'drawer.opened', ref: null, payload: { by: 'alice', reason: 'change' }, at: AT });
    appendJournal(db, { terminalId: TERMINAL, kind: 'drawer.opened', ref: 'printer', payload: { by: 'bob', reason: 'float' }, at: AT });
  }).immediate();
}

const file = (name: string) => join(tmp.dir, name);
const jsonl = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');

/** The recipe from the export's documentation, written from scratch. */
function auditorHash(r: ExportedJournalRow): string {
  const s = JSON.stringify;
  const text = `${r.prevHash}{"at":${s(r.at)},"kind":${s(r.kind)},"payload":${r.payload},"ref":${r.ref === null ? 'null' : s(r.ref)},"seq":${r.seq},"terminalId":${s(r.terminalId)}}`;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('exportJournal', () => {
  it('writes every row as stored, re-verifiable by the documented recipe alone', () => {
    seed();
    const progress: [number, number][] = [];
    const result = exportJournal(db, { out: file('all.jsonl'), every: 2, onProgress: (d, t) => progress.push([d, t]) });
    expect(result).toMatchObject({ rows: 6, firstSeq: 1, lastSeq: 6, format: 'jsonl' });
    const rows = jsonl(file('all.jsonl')).map((l) => JSON.parse(l) as ExportedJournalRow);
    const stored = db.prepare('SELECT seq, payload, hash FROM journal ORDER BY seq').all() as { seq: number; payload: string; hash: string }[];
    expect(rows.map((r) => [r.seq, r.payload, r.hash])).toEqual(stored.map((r) => [r.seq, r.payload, r.hash]));
    let prev = '0'.repeat(64);
    for (const r of rows) {
      expect(r.prevHash).toBe(prev);
      expect(auditorHash(r)).toBe(r.hash);
      prev = r.hash;
    }
    expect(rows[4]?.ref).toBeNull();
    expect(result.lastHash).toBe(prev);
    expect(progress).toEqual([[2, 6], [4, 6], [6, 6], [6, 6]]);
  });

  it('writes CSV (RFC 4180) that reads back to the same rows', () => {
    seed();
    exportJournal(db, { out: file('all.jsonl'), format: 'jsonl' });
    exportJournal(db, { out: file('all.csv'), format: 'csv' });
    const fromJsonl = jsonl(file('all.jsonl')).map((l) => JSON.parse(l) as ExportedJournalRow);
    const records = parse(readFileSync(file('all.csv')), { columns: true }) as Record<string, string>[];
    expect(records.map((r) => [Number(r['seq']), r['payload'], r['hash'], r['ref']])).toEqual(fromJsonl.map((r) => [r.seq, r.payload, r.hash, r.ref ?? '']));
  });

  it('exports from a seq on, and refuses an existing file, a bad seq and a bad format, writing nothing', () => {
    seed();
    expect(exportJournal(db, { out: file('tail.jsonl'), fromSeq: 5 })).toMatchObject({ rows: 2, firstSeq: 5, lastSeq: 6 });
    expect(exportJournal(db, { out: file('none.jsonl'), fromSeq: 99 })).toMatchObject({ rows: 0, firstSeq: null, lastHash: null });
    writeFileSync(file('taken.jsonl'), 'keep me');
    expect(() => exportJournal(db, { out: file('taken.jsonl') })).toThrow(/taken\.jsonl already exists: choose another file name/);
    expect(readFileSync(file('taken.jsonl'), 'utf8')).toBe('keep me');
    expect(() => exportJournal(db, { out: file('x.jsonl'), fromSeq: 0 })).toThrow('from-seq must be a whole number ≥ 1, got 0');
    expect(() => exportJournal(db, { out: file('x.jsonl'), format: 'xml' as 'csv' })).toThrow(JournalExportError);
    expect(existsSync(file('x.jsonl'))).toBe(false);
    expect(existsSync(file('x.jsonl.partial'))).toBe(false);
  });
});

describe('verifyJournalExport', () => {
  function exported(format: 'jsonl' | 'csv' = 'jsonl', fromSeq = 1): string {
    seed();
    const out = file(`e-${format}-${fromSeq}.${format}`);
    exportJournal(db, { out, format, fromSeq });
    return out;
  }
  const rewrite = (path: string, edit: (lines: string[]) => string[]) => writeFileSync(path, `${edit(jsonl(path)).join('\n')}\n`);
  const patch = (l: string, f: (r: ExportedJournalRow) => ExportedJournalRow) => JSON.stringify(f(JSON.parse(l) as ExportedJournalRow));

  it('accepts an untouched export, whole or from a seq on (saying where it starts)', async () => {
    const whole = exported();
    expect(await verifyJournalExport(whole)).toMatchObject({ ok: true, rows: 6, firstSeq: 1, lastSeq: 6, startsFrom: '0'.repeat(64) });
    exportJournal(db, { out: file('tail.csv'), format: 'csv', fromSeq: 4 });
    const hash3 = db.prepare('SELECT hash FROM journal WHERE seq = 3').pluck().get();
    expect(await verifyJournalExport(file('tail.csv'))).toMatchObject({ ok: true, rows: 3, firstSeq: 4, startsFrom: hash3 });
  });

  it('names the first edited row (payload, who, when) in JSONL and CSV', async () => {
    const path = exported();
    rewrite(path, (ls) => ls.map((l, i) => (i === 4 ? patch(l, (r) => ({ ...r, payload: r.payload.replace('alice', 'bob') })) : i === 5 ? patch(l, (r) => ({ ...r, at: AT.replace('10:', '11:') })) : l)));
    expect(await verifyJournalExport(path)).toMatchObject({ ok: false, seq: 5, line: 5, problem: expect.stringContaining('row 5 (line 5, drawer.opened) was changed') });

    const csv = file('edited.csv');
    exportJournal(db, { out: csv, format: 'csv' });
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('""by"":""bob""', '""by"":""eve""'));
    expect(await verifyJournalExport(csv)).toMatchObject({ ok: false, seq: 6, line: 7 });
  });

  it('names a deleted row, an inserted one, and rows out of order', async () => {
    const path = exported();
    const original = jsonl(path);
    rewrite(path, (ls) => ls.filter((_, i) => i !== 2));
    expect(await verifyJournalExport(path)).toMatchObject({ ok: false, seq: 3, problem: 'row 3 is missing (line 3 holds row 4, after row 2)' });

    // A forged row, hashed correctly and numbered to fit, still does not link the row after it.
    rewrite(path, () => {
      const third = JSON.parse(original[2] ?? '') as ExportedJournalRow;
      const forged = { ...third, seq: 4, prevHash: third.hash, payload: '{"by":"mallory"}', kind: 'drawer.opened', ref: null };
      const hashed = { ...forged, hash: auditorHash(forged) };
      const shifted = original.slice(3).map((l) => patch(l, (r) => ({ ...r, seq: r.seq + 1 })));
      return [...original.slice(0, 3), JSON.stringify(hashed), ...shifted];
    });
    expect(await verifyJournalExport(path)).toMatchObject({ ok: false, seq: 5, line: 5, problem: expect.stringContaining('row 5 (line 5) does not link to row 4') });

    rewrite(path, () => [original[0] ?? '', original[2] ?? '', original[1] ?? '']);
    expect(await verifyJournalExport(path)).toMatchObject({ ok: false, seq: 2, problem: expect.stringContaining('row 2 is missing') });
    rewrite(path, () => [original[1] ?? '', original[0] ?? '']);
    expect(await verifyJournalExport(path)).toMatchObject({ ok: false, seq: 3, problem: 'row 1 on line 2 is out of order (expected row 3)' });
  });

  it('names a line that is not a journal row, and refuses a file that is not an export', async () => {
    const path = exported();
    rewrite(path, (ls) => [...ls.slice(0, 2), '{"seq":3}', ...ls.slice(3)]);
    expect(await verifyJournalExport(path)).toMatchObject({ ok: false, seq: 3, line: 3, problem: 'line 3 has no at (a string)' });
    rewrite(path, (ls) => [...ls.slice(0, 2), '{oops', ...ls.slice(3)]);
    expect(await verifyJournalExport(path)).toMatchObject({ ok: false, line: 3, problem: 'line 3 is not valid JSON' });
    writeFileSync(file('other.txt'), 'hello\n');
    await expect(verifyJournalExport(file('other.txt'))).rejects.toThrow(/other\.txt is not a Kassa journal export/);
    await expect(verifyJournalExport(file('missing.jsonl'))).rejects.toThrow(JournalExportError);
  });
});
