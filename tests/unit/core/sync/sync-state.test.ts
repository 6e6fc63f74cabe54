import { describe, expect, it } from 'vitest';
import { enqueueOutbox, settleOutbox } from '../../../../src/core/db/outbox.ts';
import type { Db } from '../../../../src/core/db/open.ts';
import { addDeadLetter, advanceOutboxCursor, backlog, countDeadLetters, deadLetters, outboxCursor, syncReport } from '../../../../src/core/sync/sync-state.ts';
import { useTempDb } from '../../../support/temp-db.ts';

const AT = '2026-01-01T00:00:00.000Z';
let db: Db;
useTempDb((opened) => (db = opened));

const queue = (n: number, prefix = 'k') => {
  for (let i = 0; i < n; i++) enqueueOutbox(db, { idempotencyKey: `${prefix}${i}-${Math.random()}`, type: 'shift', payload: { kind: 'x', at: AT }, createdAt: AT });
};
const keyAt = (seq: number) => db.prepare('SELECT idempotency_key FROM outbox WHERE seq = ?').pluck().get(seq) as string;

describe('the outbox cursor', () => {
  it('starts at 0, moves forward over settled rows only, never back', () => {
    queue(5);
    expect(outboxCursor(db)).toBe(0);
    for (const seq of [1, 2, 3]) settleOutbox(db, seq, 'sent', AT);
    advanceOutboxCursor(db, 3, keyAt(3));
    expect(outboxCursor(db)).toBe(3);
    expect(backlog(db)).toBe(2);
    advanceOutboxCursor(db, 2, keyAt(2));
    expect(outboxCursor(db)).toBe(3);
  });

  it('is not trusted once its row is gone (a pruned outbox): reading starts over, so no new message is skipped', () => {
    queue(3);
    for (const seq of [1, 2, 3]) settleOutbox(db, seq, 'sent', AT);
    advanceOutboxCursor(db, 3, keyAt(3));
    db.prepare('DELETE FROM outbox').run();
    queue(4, 'new'); // seqs start again at 1
    expect(outboxCursor(db)).toBe(0);
    expect(backlog(db)).toBe(4);
  });

  it('is not trusted when its seq now holds another message', () => {
    queue(2);
    settleOutbox(db, 1, 'sent', AT);
    db.prepare("INSERT INTO settings (key, value) VALUES ('sync.cursor', '{\"key\":\"someone-else\",\"seq\":1}')").run();
    expect(outboxCursor(db)).toBe(0);
  });
});

describe('dead letters', () => {
  it('list in seq order (not text order) and count', () => {
    for (const seq of [10, 9, 100]) addDeadLetter(db, { seq, idempotencyKey: `k${seq}`, type: 'sale', reason: 'invalid-payload', message: 'm', at: AT });
    expect(deadLetters(db).map((d) => d.seq)).toEqual([9, 10, 100]);
    expect(countDeadLetters(db)).toBe(3);
    expect(syncReport(db)).toMatchObject({ deadLetterCount: 3, backlog: 0, lastSuccessAt: null, lastFailure: null, catalogVersion: 0 });
  });
});
