// A throw-away real PostgreSQL for tests: Debian's server binaries (/usr/lib/postgresql/<v>/bin)
// run on a temp data dir and a free port on 127.0.0.1, trust auth, no fsync (nothing here must
// survive a power cut), gone when stopped. One per test file: initdb + start take ~1–2 s.
//
// PostgreSQL refuses to run as root, and CI runs as root: then every server command runs as the
// `postgres` user (made by Debian's postgresql package) through `runuser -u postgres --`, on a
// temp dir that user owns. Without any PostgreSQL binaries `POSTGRES_MISSING` says why, and
// callers skip with that message (describe.skipIf); any other failure to start is an error.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The bin dir of the newest installed PostgreSQL, or null. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : join(root, versions[0], 'bin');
}

const BIN = findPostgresBin();
const AS_ROOT = process.getuid?.() === 0;

/** Why real-PostgreSQL tests cannot run here, or null when they can. */
export const POSTGRES_MISSING: string | null =
  BIN === null ? 'no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql): real-PostgreSQL tests skipped' : null;

export interface TestPostgres {
  /** postgres://…/postgres on 127.0.0.1 */
  readonly url: string;
  readonly port: number;
  /** Makes a fresh, empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown) and removes its data dir. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (line === undefined || uid === undefined || gid === undefined) {
    throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as (Debian\'s postgresql package creates it)');
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** argv for a server binary, as the postgres user when we are root. */
function command(bin: string, args: readonly string[]): [string, string[]] {
  const path = join(BIN ?? '', bin);
  return AS_ROOT ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited with ${child.exitCode} while starting:\n${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within 20 s (${(err as Error).message}):\n${log()}`, { cause: err });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

export async function startTestPostgres(): Promise<TestPostgres> {
  if (BIN === null) throw new Error(POSTGRES_MISSING ?? 'no PostgreSQL');
  const dir = mkdtempSync(join(tmpdir(), 'kassa-pg-'));
  const data = join(dir, 'data');
  if (AS_ROOT) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  try {
    const [initdb, initArgs] = command('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
    execFileSync(initdb, initArgs, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`initdb failed: ${e.stderr?.toString() ?? e.message}`, { cause: err });
  }
  const port = await freePort();
  const [postgres, args] = command('postgres', [
    '-D', data, '-p', String(port), '-k', dir,
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'max_connections=50', '-c', 'shared_buffers=32MB',
  ]);
  let output = '';
  const child = spawn(postgres, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      // The postmaster's own pid (runuser may sit between us and it): SIGINT = fast shutdown.
      const pidFile = join(data, 'postmaster.pid');
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
      try {
        if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
        else child.kill('SIGINT');
      } catch {
        child.kill('SIGINT');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitReady(url, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
  };
}
