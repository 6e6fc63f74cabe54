// Statements and helpers that are prepared once per database connection: preparing a statement
// costs more than running it, and several of these sit on the sale commit path.
import type { Db } from './open.ts';

/** Wraps `make` so it runs once per connection; later calls with the same db get the same value. */
export function perConnection<T>(make: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let value = made.get(db);
    if (value === undefined) {
      value = make(db);
      made.set(db, value);
    }
    return value;
  };
}
