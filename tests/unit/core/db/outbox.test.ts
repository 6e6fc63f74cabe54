import { describe, expect, it } from 'vitest';
import type { Db } from '../../../../src/core/db/open.ts';
import { OutboxError, countPending, enqueueOutbox, enqueueSaleMessage, getOutbox, pendingOutbox } from '../../../../src/core/db/outbox.ts';
import { useTempDb } from '../../../support/temp-db.ts';

let db: Db;
useTempDb((opened) => (db = opened));

const at = '2025-03-01T10:00:00.000Z';

describe('outbox', () => {
  it('queues a message with canonical JSON and pending status', () => {
    const row = enqueueOutbox(db, { idempotencyKey: 'K1', type: 'refund', payload: { b: 2, a: 1 }, createdAt: at });
    expect(row).toEqual({
      seq: 1,
      idempotencyKey: 'K1',
      type: 'refund',
      payload: '{"a":1,"b":2}',
      createdAt: at,
      attempts: 0,
      nextAttemptAt: null,
      sentAt: null,
      status: 'pending',
      created: true,
    });
    expect(getOutbox(db, 'K1')?.seq).toBe(1);
    expect(getOutbox(db, 'nope')).toBeNull();
  });

  it('treats a re-enqueue of the same key as a no-op returning the first row', () => {
    const first = enqueueOutbox(db, { idempotencyKey: 'K1', type: 'refund', payload: { n: 1 }, createdAt: at });
    const again = enqueueOutbox(db, { idempotencyKey: 'K1', type: 'refund', payload: { n: 2 }, createdAt: '2025-03-02T00:00:00.000Z' });
    expect(again).toEqual({ ...first, created: false });
    expect(countPending(db)).toBe(1);
    // Inside a transaction too (the commit path).
    db.transaction(() => enqueueOutbox(db, { idempotencyKey: 'K1', type: 'refund', payload: {}, createdAt: at })).immediate();
    expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(1);
  });

  it('lists pending messages in seq order with a limit, skipping sent, dead and backed-off ones', () => {
    for (let i = 1; i <= 5; i++) enqueueOutbox(db, { idempotencyKey: `K${i}`, type: 'refund', payload: { i }, createdAt: at });
    db.exec("UPDATE outbox SET status = 'sent', sent_at = '2025-03-01T11:00:00.000Z' WHERE idempotency_key = 'K2'");
    db.exec("UPDATE outbox SET status = 'dead' WHERE idempotency_key = 'K4'");
    db.exec("UPDATE outbox SET attempts = 1, next_attempt_at = '2025-03-01T12:00:00.000Z' WHERE idempotency_key = 'K3'");
    expect(countPending(db)).toBe(3);
    expect(pendingOutbox(db, 10).map((r) => r.idempotencyKey)).toEqual(['K1', 'K3', 'K5']);
    expect(pendingOutbox(db, 2).map((r) => r.idempotencyKey)).toEqual(['K1', 'K3']);
    expect(pendingOutbox(db, 10, '2025-03-01T11:59:59.000Z').map((r) => r.idempotencyKey)).toEqual(['K1', 'K5']);
    expect(pendingOutbox(db, 10, '2025-03-01T12:00:00.000Z').map((r) => r.idempotencyKey)).toEqual(['K1', 'K3', 'K5']);
    expect(() => pendingOutbox(db, 0)).toThrow('positive whole number');
  });

  it('refuses a payload canonical JSON cannot hold, writing nothing', () => {
    expect(() => enqueueOutbox(db, { idempotencyKey: 'K1', type: 'refund', payload: { amount: 0.1 }, createdAt: at })).toThrow('$.amount');
    expect(countPending(db)).toBe(0);
  });

  // 'sale' messages are kept unique by the sales table (the commit writes one per sale), not by
  // the outbox's key index: enqueueOutbox cannot dedupe them, so it refuses them.
  it("refuses 'sale' messages, which only commitSale queues", () => {
    expect(() => enqueueOutbox(db, { idempotencyKey: 'S1', type: 'sale', payload: {}, createdAt: at })).toThrow(OutboxError);
    expect(() => enqueueOutbox(db, { idempotencyKey: 'S1', type: 'sale', payload: {}, createdAt: at })).toThrow('commitSale');
    expect(countPending(db)).toBe(0);
  });

  it("queues a sale's message inside a transaction only, and finds it by key", () => {
    expect(() => enqueueSaleMessage(db, 'S1', { saleId: 'S1' }, at)).toThrow('inside the transaction');
    const seq = db.transaction(() => enqueueSaleMessage(db, 'S1', { saleId: 'S1', journalSeq: 3 }, at)).immediate();
    enqueueOutbox(db, { idempotencyKey: 'S1', type: 'refund', payload: {}, createdAt: at });
    expect(seq).toBe(1);
    expect(getOutbox(db, 'S1')).toMatchObject({ seq: 2, type: 'refund' });
    db.exec("DELETE FROM outbox WHERE type = 'refund'");
    expect(getOutbox(db, 'S1')).toMatchObject({ seq: 1, type: 'sale', payload: '{"journalSeq":3,"saleId":"S1"}', status: 'pending' });
    expect(pendingOutbox(db, 10).map((r) => r.idempotencyKey)).toEqual(['S1']);
  });
});
