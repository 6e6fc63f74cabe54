// `kassa store-server` as a real child process for tests: started with --port 0, ready once it
// prints "Press Ctrl+C to stop.", stopped with SIGINT (or killed with SIGKILL by torture tests).
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { KASSA } from '../../../support/sim-process.ts';

export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** SIGINT, then the exit. */
  stop(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `kassa <globalArgs> store-server --port 0`, in `cwd`, with XDG_DATA_HOME inside it. */
export function startServerProcess(cwd: string, globalArgs: readonly string[], extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: join(cwd, 'xdg'), ...extraEnv };
  if (extraEnv.KASSA_DATABASE_URL === undefined) delete env.KASSA_DATABASE_URL;
  delete env.KASSA_DATA_DIR;
  const child = spawn(process.execPath, [KASSA, ...globalArgs, 'store-server', '--port', '0'], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!stdout.includes('Press Ctrl+C to stop.')) return;
      child.stdout.off('data', check);
      const url = /^Listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout)?.[1];
      if (url === undefined) return reject(new Error(`unexpected output:\n${stdout}`));
      resolve({
        child,
        url,
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
        stop: async () => {
          child.kill('SIGINT');
          const code = await exited;
          return { code, stdout, stderr };
        },
      });
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`kassa store-server exited with ${code} before it was ready:\n${stdout}\n${stderr}`)));
  });
}
