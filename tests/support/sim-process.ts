// Runs `kassa sim` as a user does (a child process) for CLI tests: waits for it to print the
// control URL and the devices block, and hands both back with the process.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';

export const KASSA = join(resolve(import.meta.dirname, '../..'), 'src/cli/kassa.js');

export interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly devices: Array<{ type: string; path: string }>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `kassa sim` and waits until it has printed the stop hint (the API is up by then). */
export function startSim(sandbox: string, dataDir: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Running> {
  const child = spawn(process.execPath, [KASSA, '--data-dir', dataDir, 'sim', ...args], { cwd: sandbox, env: { ...env, XDG_DATA_HOME: join(sandbox, 'xdg') } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const exited = new Promise<number | null>((resolveExit) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolveExit(code);
    }),
  );
  return new Promise((resolveStart, reject) => {
    const check = (): void => {
      if (!stdout.includes('Press Ctrl+C to stop.')) return;
      child.stdout.off('data', check);
      const url = /^Control API: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout)?.[1];
      const lines = stdout.split('\n');
      const from = lines.indexOf('{');
      const to = lines.indexOf('}', from);
      if (url === undefined || from < 0 || to < 0) {
        reject(new Error(`unexpected output:\n${stdout}`));
        return;
      }
      const block = JSON.parse(lines.slice(from, to + 1).join('\n')) as { devices: Running['devices'] };
      resolveStart({ child, url, devices: block.devices, stdout: () => stdout, stderr: () => stderr, exited });
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`kassa sim exited with ${code} before it was ready:\n${stdout}\n${stderr}`)));
  });
}
