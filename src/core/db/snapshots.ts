// Persisted XState snapshots, one row per machine, so a terminal resumes a sale after a crash.
// Hand-written: it is an upsert on our `machine_snapshots` table. Snapshots are stored with
// JSON.stringify, not canonical JSON: XState's persisted snapshots are plain JSON made for
// JSON.stringify, they are never hashed, and they may carry values canonical JSON refuses.
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.ts';
import { perConnection } from './per-connection.ts';

export interface StoredSnapshot {
  /** The machine definition version that wrote it; a different version may need migrating or discarding. */
  readonly version: number;
  readonly snapshot: unknown;
  readonly updatedAt: string;
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

// Prepared once per connection: the checkout saves a snapshot on every change and every sale.
const upsertFor = perConnection((db): Statement =>
  db.prepare(
    `INSERT INTO machine_snapshots (machine_id, version, snapshot, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (machine_id) DO UPDATE SET version = excluded.version, snapshot = excluded.snapshot, updated_at = excluded.updated_at`,
  ),
);

export function saveSnapshot(db: Db, machineId: string, version: number, snapshot: unknown, at: string): void {
  if (machineId === '') throw new SnapshotError('a snapshot needs a machine id');
  if (!Number.isSafeInteger(version)) throw new SnapshotError(`snapshot version must be a whole number, got ${version}`);
  // Serialized once, here.
  const text = JSON.stringify(snapshot) as string | undefined;
  if (text === undefined) throw new SnapshotError(`snapshot for ${machineId} is not JSON data (got ${typeof snapshot})`);
  upsertFor(db).run(machineId, version, text, at);
}

export function loadSnapshot(db: Db, machineId: string): StoredSnapshot | null {
  const r = db.prepare('SELECT version, snapshot, updated_at FROM machine_snapshots WHERE machine_id = ?').get(machineId) as
    | { version: number; snapshot: string; updated_at: string }
    | undefined;
  if (!r) return null;
  let snapshot: unknown;
  try {
    snapshot = JSON.parse(r.snapshot);
  } catch (err) {
    throw new SnapshotError(`snapshot for ${machineId} is not readable JSON: ${(err as Error).message}`);
  }
  return { version: r.version, snapshot, updatedAt: r.updated_at };
}

/** Returns true when a snapshot was there. */
export function deleteSnapshot(db: Db, machineId: string): boolean {
  return db.prepare('DELETE FROM machine_snapshots WHERE machine_id = ?').run(machineId).changes > 0;
}
