// The wire protocol's schemas (src/shared/sync-protocol.ts) as both sides rely on them: a
// terminal's committed sale is a valid sale payload, envelopes are strict, and every refusal
// code has an HTTP meaning and advice for the terminal.
import { describe, expect, it } from 'vitest';
import {
  ERROR_ADVICE,
  ERROR_CODES,
  ITEM_PAYLOAD_SCHEMAS,
  ITEM_TYPES,
  MAX_BATCH_ITEMS,
  SYNC_PATHS,
  SYNC_SCHEMA_VERSION,
  catalogPullQuery,
  decodeTerminalReport,
  encodeTerminalReport,
  pushRequest,
  refundPayload,
  saleRecordPayload,
  terminalHeaders,
  versionedCatalogChange,
} from '../../../../src/shared/sync-protocol.ts';
import { makeSale } from '../../../support/sale-fixtures.ts';

const saleRecord = { ...makeSale({ tenders: [{ method: 'cash', amount: 500 }, { method: 'alipay' }] }), receiptNo: 7 };
const item = { idempotencyKey: saleRecord.id, seq: 1, type: 'sale', schemaVersion: SYNC_SCHEMA_VERSION, createdAt: saleRecord.completedAt, payload: saleRecord };

describe('sync protocol schemas', () => {
  it("accept a terminal's committed sale as a sale payload, keeping every field", () => {
    const parsed = saleRecordPayload.parse(saleRecord);
    expect(parsed).toEqual(saleRecord);
    expect(pushRequest.parse({ batchId: 'b1', items: [item] }).items[0]?.payload).toEqual(saleRecord);
  });

  it('reject a sale payload missing what settlement sums, naming the field', () => {
    const { total: _total, ...noTotal } = saleRecord;
    expect(saleRecordPayload.safeParse(noTotal).error?.issues[0]?.path).toEqual(['total']);
    expect(saleRecordPayload.safeParse({ ...saleRecord, total: 12.5 }).success).toBe(false);
    expect(saleRecordPayload.safeParse({ ...saleRecord, tenders: [{ seq: 1, method: 'paypal', amount: 1 }] }).success).toBe(false);
    expect(saleRecordPayload.safeParse({ ...saleRecord, terminalId: 'T 01' }).success).toBe(false);
  });

  it('hold batches to 1..MAX_BATCH_ITEMS items with strict envelopes', () => {
    expect(pushRequest.safeParse({ batchId: 'b', items: [] }).success).toBe(false);
    expect(pushRequest.safeParse({ batchId: 'b', items: Array(MAX_BATCH_ITEMS).fill(item) }).success).toBe(true);
    expect(pushRequest.safeParse({ batchId: 'b', items: Array(MAX_BATCH_ITEMS + 1).fill(item) }).success).toBe(false);
    expect(pushRequest.safeParse({ batchId: 'b', items: [{ ...item, extra: 1 }] }).success).toBe(false);
    expect(pushRequest.safeParse({ batchId: 'b', items: [{ ...item, idempotencyKey: 'a\u0000b' }] }).success).toBe(false);
    expect(pushRequest.safeParse({ batchId: 'b', items: [{ ...item, createdAt: '2025-03-01 10:00' }] }).success).toBe(false);
  });

  it('require settled refunds to name method, amount and currency, and not the other refund kinds', () => {
    const base = { at: '2025-03-01T10:00:00Z', training: false, journalSeq: 3 };
    expect(refundPayload.safeParse({ ...base, kind: 'sale.refunded', entry: { refundId: 'R1', saleId: 'S1', partNo: 1 } }).success).toBe(false);
    expect(refundPayload.safeParse({ ...base, kind: 'sale.refunded', entry: { refundId: 'R1', saleId: 'S1', partNo: 1, method: 'cash', amount: 100, currency: 'CNY' } }).success).toBe(true);
    expect(refundPayload.safeParse({ ...base, kind: 'refund.requested', entry: { refundId: 'R1', saleId: 'S1', parts: [] } }).success).toBe(true);
    expect(refundPayload.safeParse({ ...base, kind: 'refund.lost', entry: { refundId: 'R1', saleId: 'S1' } }).success).toBe(false);
  });

  it('have a payload schema for every item type and advice for every error code', () => {
    expect(Object.keys(ITEM_PAYLOAD_SCHEMAS).sort()).toEqual([...ITEM_TYPES].sort());
    expect(Object.keys(ERROR_ADVICE).sort()).toEqual([...ERROR_CODES].sort());
    expect(ERROR_ADVICE.unavailable).toBe('retry');
    expect(ERROR_ADVICE['newer-schema']).toBe('blocked');
  });

  it('parse pulled catalog changes with their version, and pull queries from URL text', () => {
    const change = { kind: 'price.set', sku: 'A', price: 100, currency: 'CNY', version: 4, publishedAt: '2025-03-01T10:00:00.000Z' };
    expect(versionedCatalogChange.parse(change)).toEqual(change);
    expect(versionedCatalogChange.safeParse({ ...change, version: 0 }).success).toBe(false);
    expect(catalogPullQuery.parse({ since: '12' })).toEqual({ since: 12, limit: 500 });
    expect(catalogPullQuery.safeParse({ since: '-1' }).success).toBe(false);
  });

  it('build the paths and headers a terminal sends', () => {
    expect(SYNC_PATHS.adminCatalog('S 1/2')).toBe('/v1/admin/stores/S%201%2F2/catalog');
    expect(terminalHeaders('T01', 'kst_x')).toEqual({ authorization: 'Bearer kst_x', 'kassa-terminal': 'T01', 'content-type': 'application/json' });
  });
});

describe('times in the protocol', () => {
  it('are ISO 8601 with an offset, from 1970 on (PostgreSQL refuses year 0, which would fail a batch on every re-send)', () => {
    const at = (createdAt: string) => pushRequest.safeParse({ batchId: 'b', items: [{ ...item, createdAt }] }).success;
    expect(at('2025-03-01T10:00:00+08:00')).toBe(true);
    expect(at('0000-01-01T00:00:00Z')).toBe(false);
    expect(at('2025-02-30T00:00:00Z')).toBe(false);
    expect(at('2025-03-01T10:00:00')).toBe(false);
  });
});

describe('the terminal report header', () => {
  it('round-trips, and a newer terminal\'s extra fields do not stop an older server reading it', () => {
    const value = encodeTerminalReport({ backlog: 12, lastReceiptNo: 345, at: '2026-03-01T09:00:00.000+08:00' });
    expect(decodeTerminalReport(value)).toEqual({ ok: true, report: { v: 1, backlog: 12, lastReceiptNo: 345, at: '2026-03-01T09:00:00.000+08:00' } });
    const newer = decodeTerminalReport(JSON.stringify({ v: 2, backlog: 0, lastReceiptNo: null, at: '2026-03-01T01:00:00Z', shiftOpen: true }));
    expect(newer).toMatchObject({ ok: true, report: { v: 2, backlog: 0, lastReceiptNo: null } });
  });

  it('says what is wrong with a bad one', () => {
    expect(decodeTerminalReport('backlog=3')).toEqual({ ok: false, message: 'the kassa-terminal-report header is not JSON' });
    expect(decodeTerminalReport(JSON.stringify({ v: 1, backlog: 1.5, lastReceiptNo: null, at: '2026-03-01T01:00:00Z' }))).toMatchObject({ ok: false, message: expect.stringContaining('backlog') });
    expect(decodeTerminalReport(JSON.stringify({ v: 1, backlog: 1, lastReceiptNo: 0, at: '2026-03-01T01:00:00Z' }))).toMatchObject({ ok: false, message: expect.stringContaining('lastReceiptNo') });
    expect(decodeTerminalReport(JSON.stringify({ v: 1, backlog: 1, lastReceiptNo: 2, at: 'now' }))).toMatchObject({ ok: false, message: expect.stringContaining('at') });
  });
});
