import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '../../../../src/core/db/open.ts';
import { deleteSetting, getSetting, setSetting } from '../../../../src/core/db/settings.ts';
import { deleteSnapshot, loadSnapshot, saveSnapshot } from '../../../../src/core/db/snapshots.ts';
import { useTempDb } from '../../../support/temp-db.ts';

let db: Db;
const tmp = useTempDb((opened) => (db = opened));

describe('snapshots', () => {
  it('saves, replaces, loads and deletes one snapshot per machine', () => {
    expect(loadSnapshot(db, 'checkout')).toBeNull();
    saveSnapshot(db, 'checkout', 1, { value: 'scanning', context: { lines: [{ sku: 'A', weight: 0.25 }] } }, '2025-03-01T10:00:00.000Z');
    saveSnapshot(db, 'checkout', 2, { value: 'paying', context: {} }, '2025-03-01T10:01:00.000Z');
    saveSnapshot(db, 'payment', 1, { value: 'idle' }, '2025-03-01T10:01:00.000Z');
    expect(loadSnapshot(db, 'checkout')).toEqual({ version: 2, snapshot: { value: 'paying', context: {} }, updatedAt: '2025-03-01T10:01:00.000Z' });
    db = tmp.reopen();
    expect(loadSnapshot(db, 'payment')?.snapshot).toEqual({ value: 'idle' });
    expect(deleteSnapshot(db, 'checkout')).toBe(true);
    expect(deleteSnapshot(db, 'checkout')).toBe(false);
    expect(loadSnapshot(db, 'checkout')).toBeNull();
  });

  it('refuses what is not JSON data', () => {
    expect(() => saveSnapshot(db, 'checkout', 1, undefined, 'now')).toThrow('not JSON data');
    expect(() => saveSnapshot(db, 'checkout', 1, { n: 1n }, 'now')).toThrow();
    expect(loadSnapshot(db, 'checkout')).toBeNull();
  });
});

describe('settings', () => {
  it('stores JSON values', () => {
    expect(getSetting(db, 'terminal.id')).toBeUndefined();
    setSetting(db, 'terminal.id', 'T01');
    setSetting(db, 'printer', { width: 48, port: '/dev/ttyUSB0' });
    setSetting(db, 'terminal.id', 'T02');
    expect(getSetting(db, 'terminal.id')).toBe('T02');
    expect(getSetting(db, 'printer', z.object({ width: z.int(), port: z.string() }))).toEqual({ width: 48, port: '/dev/ttyUSB0' });
    expect(db.prepare("SELECT value FROM settings WHERE key = 'printer'").pluck().get()).toBe('{"port":"/dev/ttyUSB0","width":48}');
    expect(deleteSetting(db, 'printer')).toBe(true);
    expect(getSetting(db, 'printer')).toBeUndefined();
  });

  it('names the key when a stored value does not fit the schema', () => {
    setSetting(db, 'terminal.id', 42);
    expect(() => getSetting(db, 'terminal.id', z.string())).toThrow('setting "terminal.id" has an unexpected value');
    expect(() => setSetting(db, 'x', undefined)).toThrow('deleteSetting');
  });
});
