import { readFileSync, readdirSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, SchemaVersionError } from '../../../../src/core/db/migrations.ts';
import { openDatabase } from '../../../../src/core/db/open.ts';
import { tempDbFile } from '../../../support/sale-fixtures.ts';

let tmp: ReturnType<typeof tempDbFile>;
beforeEach(() => {
  tmp = tempDbFile();
});
afterEach(() => tmp.cleanup());

function fingerprint(file: string) {
  const st = statSync(file);
  return { bytes: readFileSync(file), mtimeMs: st.mtimeMs, size: st.size };
}

describe('openDatabase on a newer schema', () => {
  it.each([
    ['a Kassa database (WAL)', true],
    ['a plain rollback-journal file', false],
  ])('refuses %s with both versions named and leaves the file unchanged', (_label, kassaFile) => {
    if (kassaFile) {
      const db = openDatabase(tmp.file);
      db.prepare("INSERT INTO settings (key, value) VALUES ('terminal.id', '\"T01\"')").run();
      db.close();
    }
    const raw = new Database(tmp.file);
    raw.pragma('user_version = 999');
    raw.close();
    const before = fingerprint(tmp.file);
    const filesBefore = readdirSync(tmp.dir).sort();

    let error: unknown;
    try {
      openDatabase(tmp.file).close();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect((error as Error).message).toContain('schema version 999');
    expect((error as Error).message).toContain(`up to ${SCHEMA_VERSION}`);
    expect((error as Error).message).toContain(tmp.file);

    const after = fingerprint(tmp.file);
    expect(after.size).toBe(before.size);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.bytes.equals(before.bytes)).toBe(true);
    expect(readdirSync(tmp.dir).sort()).toEqual(filesBefore);
  });
});
