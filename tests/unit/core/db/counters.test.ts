import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CounterError, currentCounter, nextCounter } from '../../../../src/core/db/counters.ts';
import { openDatabase } from '../../../../src/core/db/open.ts';
import type { Db } from '../../../../src/core/db/open.ts';
import { tempDbFile } from '../../../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
beforeEach(() => {
  tmp = tempDbFile();
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const next = (terminal: string, name: string) => db.transaction(() => nextCounter(db, terminal, name)).immediate();

describe('nextCounter', () => {
  it('counts 1, 2, 3… per terminal and name', () => {
    expect([next('T01', 'receipt'), next('T01', 'receipt'), next('T01', 'receipt')]).toEqual([1, 2, 3]);
    expect(next('T02', 'receipt')).toBe(1);
    expect(next('T01', 'z-report')).toBe(1);
    expect(currentCounter(db, 'T01', 'receipt')).toBe(3);
    expect(currentCounter(db, 'T09', 'receipt')).toBe(0);
  });

  it('gives a rolled-back number back, so the sequence stays gapless', () => {
    next('T01', 'receipt');
    expect(() =>
      db
        .transaction(() => {
          expect(nextCounter(db, 'T01', 'receipt')).toBe(2);
          throw new Error('commit failed');
        })
        .immediate(),
    ).toThrow('commit failed');
    expect(next('T01', 'receipt')).toBe(2);
  });

  it('survives reopening the file', () => {
    next('T01', 'receipt');
    next('T01', 'receipt');
    db.close();
    db = openDatabase(tmp.file);
    expect(next('T01', 'receipt')).toBe(3);
  });

  it('refuses to hand out a number outside a transaction', () => {
    expect(() => nextCounter(db, 'T01', 'receipt')).toThrow(CounterError);
    expect(currentCounter(db, 'T01', 'receipt')).toBe(0);
  });
});
