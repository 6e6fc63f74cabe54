// Terminal settings as JSON values in the `settings` table (e.g. the terminal id). Hand-written:
// a key/value read and upsert. Values are stored as canonical JSON with fractions allowed
// (a setting may be a ratio), so equal values are equal text.
import type { z } from 'zod';
import { canonicalJson } from './canonical-json.ts';
import type { Db } from './open.ts';

export class SettingError extends Error {
  override name = 'SettingError';
}

/** The stored value, or undefined when the key is not set. With a zod schema, the value is checked. */
export function getSetting(db: Db, key: string): unknown;
export function getSetting<T>(db: Db, key: string, schema: z.ZodType<T>): T | undefined;
export function getSetting<T>(db: Db, key: string, schema?: z.ZodType<T>): unknown {
  const text = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined;
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SettingError(`setting "${key}" is not readable JSON: ${(err as Error).message}`);
  }
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new SettingError(`setting "${key}" has an unexpected value${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function setSetting(db: Db, key: string, value: unknown): void {
  if (key === '') throw new SettingError('a setting needs a key');
  if (value === undefined) throw new SettingError(`setting "${key}" cannot be set to undefined; use deleteSetting`);
  const text = canonicalJson(value, { allowFractions: true });
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, text);
}

/** Returns true when the key was set. */
export function deleteSetting(db: Db, key: string): boolean {
  return db.prepare('DELETE FROM settings WHERE key = ?').run(key).changes > 0;
}
