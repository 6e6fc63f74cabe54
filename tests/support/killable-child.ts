// A child process the torture tests kill with SIGKILL: it is spawned with its arguments, its
// stdout is handed over line by line, and it is killed `kill.ms` after the start or after its
// first "READY " line. A guard kills a child that hangs, so a stuck child fails the test instead
// of stalling the suite.
import { spawn } from 'node:child_process';

export interface KillPlan {
  /** Count `ms` from the child's first "READY " line instead of from the start. */
  readonly afterReady: boolean;
  readonly ms: number;
}

export interface ChildExit {
  readonly stderr: string;
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
}

export function runKillableChild(args: readonly string[], options: { readonly kill: KillPlan | null; readonly guardMs: number; readonly onLine: (line: string) => void }): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const { kill } = options;
    let buffer = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (kill) timer ??= setTimeout(() => child.kill('SIGKILL'), kill.ms);
    };
    if (kill && !kill.afterReady) arm();
    const guard = setTimeout(() => child.kill('SIGKILL'), options.guardMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        options.onLine(line);
        if (kill?.afterReady && line.startsWith('READY ')) arm();
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ stderr, signal, code });
    });
  });
}
