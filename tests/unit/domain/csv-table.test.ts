// The table rules the promotions, coupons and members importers share: rows handed over in file
// order with the line they START on, header and row problems collected (not the first thrown),
// the row cap, and a converter's bug never turned into a row error.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkRow, CsvFileError, CsvRowError, readCsvTable, recordStartLine, type CsvTableSpec } from '../../../src/domain/csv-table.ts';

type Column = 'id' | 'name' | 'note';
const SPEC: CsvTableSpec<Column> = { columns: ['id', 'name', 'note'], required: ['id', 'name'], maxRows: 3, row: 'thing', rows: 'things' };
const read = (text: string) => readCsvTable(text, SPEC, (cell, line) => ({ line, id: cell('id'), name: cell('name'), note: cell('note') }));

describe('readCsvTable', () => {
  it('hands over each row with the line it starts on, even after a quoted field spanning lines', () => {
    const r = read('name,id\n Ann ,1\n"Bob\nthe second",2\n\nCid,3\n');
    expect(r.errors).toEqual([]);
    expect(r.values).toEqual([
      { line: 2, id: '1', name: 'Ann', note: '' },
      { line: 3, id: '2', name: 'Bob\nthe second', note: '' },
      { line: 6, id: '3', name: 'Cid', note: '' },
    ]);
  });

  it('lists every header problem and converts no row when the header is wrong', () => {
    const r = read('id,Nmae,id\nx,y,z\n');
    expect(r.values).toEqual([]);
    expect(r.errors).toEqual([
      { line: 1, field: null, message: 'unknown column "nmae": expected id, name, note' },
      { line: 1, field: 'id', message: 'column "id" appears twice in the header' },
      { line: 1, field: 'name', message: 'the header has no "name" column (required: id, name)' },
    ]);
  });

  it('refuses a row with more fields than the header, and the rows its converter refuses, and goes on', () => {
    const r = readCsvTable('id,name\n1,a,extra\n2,b\n3,c\n', SPEC, (cell) => {
      if (cell('id') === '2') throw new CsvRowError<Column>('id', 'two is taken');
      return cell('id');
    });
    expect(r.values).toEqual(['3']);
    expect(r.errors).toEqual([
      { line: 2, field: null, message: 'the row has 3 fields but the header has 2 columns' },
      { line: 3, field: 'id', message: 'two is taken' },
    ]);
  });

  it('lets any other exception from the converter through: a bug is not a bad row', () => {
    expect(() =>
      readCsvTable('id,name\n1,a\n', SPEC, () => {
        throw new TypeError('bug');
      }),
    ).toThrow(TypeError);
  });

  it('names the empty file, malformed CSV with its line, and a file over the row cap', () => {
    expect(read('').errors).toEqual([{ line: 1, field: null, message: 'the file is empty: expected a header row and one thing per row' }]);
    const malformed = read('id,name\n1,a\n2,"unclosed\n');
    expect(malformed.errors).toHaveLength(1);
    expect(malformed.errors[0]?.message).toMatch(/^malformed CSV: /);
    expect(read('id,name\n1,a\n2,b\n3,c\n').errors).toEqual([]);
    expect(read('id,name\n1,a\n2,b\n3,c\n4,d\n').errors).toEqual([{ line: 1, field: null, message: 'the file has more than 3 things; split it' }]);
  });
});

describe('recordStartLine', () => {
  it('subtracts the line breaks inside the fields from the line the record ends on', () => {
    expect(recordStartLine(['a', 'b'], 4)).toBe(4);
    expect(recordStartLine(['a\nb\nc', 'd\n'], 9)).toBe(6);
  });
});

describe('checkRow and CsvFileError', () => {
  const schema = z.strictObject({ id: z.string().min(3, 'id is too short'), n: z.number() });
  const columnFor = (path: readonly PropertyKey[]): Column | null => (path[0] === 'id' ? 'id' : null);

  it('returns the checked value, or refuses the row on the column of the first problem', () => {
    expect(checkRow(schema, { id: 'abc', n: 1 }, columnFor, 'thing')).toEqual({ id: 'abc', n: 1 });
    let thrown: unknown;
    try {
      checkRow(schema, { id: 'a', n: 1 }, columnFor, 'thing');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CsvRowError);
    expect(thrown).toMatchObject({ field: 'id', message: 'id is too short' });
  });

  it('counts every issue and shows the first 20, one per line', () => {
    const issues = Array.from({ length: 22 }, (_, i) => ({ line: i + 2, field: i === 0 ? null : ('name' as const), message: `bad ${i}` }));
    const e = new CsvFileError('things', issues);
    expect(e.issues).toBe(issues);
    const lines = e.message.split('\n');
    expect(lines[0]).toBe('the things file has 22 errors:');
    expect(lines[1]).toBe('line 2: bad 0');
    expect(lines[2]).toBe('line 3, name: bad 1');
    expect(lines).toHaveLength(22);
    expect(lines[21]).toBe('… and 2 more');
    expect(new CsvFileError('things', [issues[0]!]).message).toBe('the things file has 1 error:\nline 2: bad 0');
  });
});
