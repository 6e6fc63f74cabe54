// Runs the real `kassa` command in a child process, as a person would, for the CLI tests that
// need stdin (PINs, tokens) or must not block the test's event loop while it runs.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { KASSA } from './sim-process.ts';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Variables of the machine running the tests that would change what kassa does. */
const KASSA_ENV = ['KASSA_DATA_DIR', 'KASSA_NEW_PIN', 'KASSA_MANAGER_TOKEN'] as const;

/**
 * `kassa --data-dir <dir> …args` with `stdin` written and closed, in `root` (XDG_DATA_HOME
 * under it). The KASSA_* variables are only those `env` sets. Killed after `timeoutMs`.
 */
export function runKassa(root: string, dir: string, args: readonly string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: join(root, 'xdg'), ...options.env };
  for (const name of KASSA_ENV) if (options.env?.[name] === undefined) delete env[name];
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [KASSA, '--data-dir', dir, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.end(options.stdin ?? '');
    const guard = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}
