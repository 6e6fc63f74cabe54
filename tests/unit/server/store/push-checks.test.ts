// The checks a push goes through before anything is written: a newer item schema found in a raw
// body, text PostgreSQL cannot keep, and error messages that name the field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeIssues, findUnstorable, refuseNewerSchema } from '../../../../src/server/store/push.ts';
import { pushRequest, SYNC_SCHEMA_VERSION } from '../../../../src/shared/sync-protocol.ts';

const item = (over: Record<string, unknown> = {}) => ({
  idempotencyKey: 'k1',
  seq: 1,
  type: 'sale',
  schemaVersion: SYNC_SCHEMA_VERSION,
  createdAt: '2025-03-01T10:00:00.000Z',
  payload: {},
  ...over,
});

describe('refuseNewerSchema', () => {
  it('finds the first item with a newer schema, whatever else is wrong with the body', () => {
    const refusal = refuseNewerSchema({ batchId: 7, items: [item(), 'junk', item({ idempotencyKey: 'k3', schemaVersion: SYNC_SCHEMA_VERSION + 1, unknownField: true }), item({ schemaVersion: 99 })] });
    expect(refusal?.code).toBe('newer-schema');
    expect(refusal?.details).toEqual({ itemIndex: 2, idempotencyKey: 'k3', supportedSchemaVersion: SYNC_SCHEMA_VERSION });
    expect(refusal?.message).toContain(`items[2] (k3) has item schema ${SYNC_SCHEMA_VERSION + 1}`);
  });

  it('lets every body without a newer item through to the schema check', () => {
    for (const body of [null, 'text', [], {}, { items: 'x' }, { items: [item(), item({ schemaVersion: '9' }), null] }]) {
      expect(refuseNewerSchema(body)).toBeNull();
    }
  });
});

describe('findUnstorable', () => {
  it('names the path of a NUL character or a lone surrogate, in values and in keys', () => {
    expect(findUnstorable({ lines: [{ name: 'ok' }, { name: 'a\u0000b' }] }, 'payload')).toContain('payload.lines[1].name');
    expect(findUnstorable({ note: 'x\ud800' }, 'p')).toContain('p.note');
    expect(findUnstorable({ note: '\udc00x' }, 'p')).toContain('p.note');
    expect(findUnstorable({ ok: { ['bad\u0000key']: 1 } }, 'p')).toBe('p.ok.bad\u0000key: the key holds a NUL character or a lone surrogate, which the store cannot keep');
  });

  it('passes JSON without them (emoji and CJK included) and agrees with isWellFormed on arbitrary JSON', () => {
    expect(findUnstorable({ name: '苹果 🍎', n: 1, list: [true, null, 'x'] }, 'p')).toBeNull();
    // Checked against String.prototype.isWellFormed, which findUnstorable does not use.
    const wellFormed = (v: unknown): boolean =>
      typeof v === 'string'
        ? (v as unknown as { isWellFormed(): boolean }).isWellFormed() && !v.includes('\u0000')
        : Array.isArray(v)
          ? v.every(wellFormed)
          : typeof v === 'object' && v !== null
            ? Object.entries(v).every(([k, x]) => wellFormed(k) && wellFormed(x))
            : true;
    fc.assert(
      fc.property(fc.json({ stringUnit: 'binary', maxDepth: 3 }), (text) => {
        const value: unknown = JSON.parse(text);
        expect(findUnstorable(value, 'p') === null).toBe(wellFormed(value));
      }),
      { numRuns: 100 },
    );
  });
});

describe('describeIssues', () => {
  it('writes paths the way a programmer would look them up, and counts what it left out', () => {
    const parsed = pushRequest.safeParse({ batchId: '', items: [item(), item({ seq: 0, createdAt: 'now', type: '' })] });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const text = describeIssues(parsed.error);
    expect(text).toMatch(/^batchId: /);
    expect(text).toContain('items[1].seq');
    expect(text).toContain('(and 1 more)');
    expect(describeIssues(parsed.error, 'push')).toMatch(/^push\.batchId: /);
  });
});
