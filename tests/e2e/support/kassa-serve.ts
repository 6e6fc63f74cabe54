// Runs `kassa serve` as a person does (a child process of the real CLI) for the end-to-end
// tests and the UI benchmarks, learns from its output where everything listens, and stops it
// the way Ctrl+C does, checking that nothing it started is left running.
//
// Decisions a caller must know:
// - Ready means the line "Press Ctrl+C to stop." (serve.ts prints it once everything listens).
//   Start-up is bounded (`startTimeoutMs`, default 90 s: a first start makes the sandbox keys
//   and a demo catalog); a child that exits or hangs first fails the start with its output.
// - Addresses come from the output: `Cashier:` (base URL and, off loopback, the token),
//   `Device simulator:` and the progress line "control API http://…" (the sim control API),
//   and the progress line "wallets go to the training sandbox at http://…/gateway.do" (the
//   sandbox gateway; its wallet API is <base>/wallet, fault injection <base>/sandbox/faults).
//   The sandbox line is progress text, not a contract: if it changes, the start fails naming it.
// - stop(): SIGTERM (a clean stop: devices, payments, database), at most `stopTimeoutMs`
//   (default 20 s), then SIGKILL. Then no process whose command line names the data dir may
//   remain (the virtual devices' socat); any that do are killed by pid and reported.
// - If this process exits while a child still runs (an interrupted test run), the child gets
//   SIGTERM on the way out, so it stops cleanly instead of holding its ptys as an orphan.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { KASSA } from '../../support/sim-process.ts';
import { killLeftovers, leftoverProcesses, type LeftoverProcess } from './leftovers.ts';

export const ROOT = resolve(import.meta.dirname, '../../..');

export interface ServeOptions {
  /** `--data-dir`: the terminal's folder (training runs in <dir>/training). */
  readonly dataDir: string;
  /** `--training` (default true). */
  readonly training?: boolean;
  /** `--host` (default 127.0.0.1). */
  readonly host?: string;
  /** `--port` (default 0: a free port). */
  readonly port?: number;
  /** `--renderer-dir`; default the CLI's own (dist/renderer). */
  readonly rendererDir?: string;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  /** Every stdout line as it arrives, with process.hrtime.bigint() at arrival. */
  readonly onLine?: (line: string, at: bigint) => void;
  readonly env?: NodeJS.ProcessEnv;
}

export interface StopReport {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when SIGTERM was not enough. */
  readonly killed: boolean;
}

export interface RunningServe {
  readonly pid: number;
  /** `http://127.0.0.1:<port>`: the address this machine uses, without the token. */
  readonly baseUrl: string;
  /** The access token when the server requires one (bound off loopback), else null. */
  readonly token: string | null;
  /** The sim control API (training with socat), else null. */
  readonly simUrl: string | null;
  /** The sandbox gateway's base URL (training), else null. */
  readonly sandboxUrl: string | null;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<StopReport>;
  stop(): Promise<StopReport>;
}

export class ServeStartError extends Error {
  override name = 'ServeStartError';
}

const SIM_LINE = /^Device simulator: (http:\/\/127\.0\.0\.1:\d+)\s*$/m;
const SIM_PROGRESS = /control API (http:\/\/127\.0\.0\.1:\d+)\)/;
const SANDBOX_PROGRESS = /training sandbox at (http:\/\/127\.0\.0\.1:\d+)\/gateway\.do/;
const CASHIER_LINE = /^Cashier:\s+(http:\/\/\S+)\s*$/m;

/** What the output says about the addresses (exported for the bench, which reads them early). */
export function addressesFrom(stdout: string): { baseUrl: string; token: string | null; simUrl: string | null; sandboxUrl: string | null } | null {
  const cashier = CASHIER_LINE.exec(stdout)?.[1];
  if (cashier === undefined) return null;
  const url = new URL(cashier);
  return {
    baseUrl: `${url.protocol}//${url.host}`,
    token: url.searchParams.get('token'),
    simUrl: SIM_LINE.exec(stdout)?.[1] ?? SIM_PROGRESS.exec(stdout)?.[1] ?? null,
    sandboxUrl: SANDBOX_PROGRESS.exec(stdout)?.[1] ?? null,
  };
}

export function startServe(options: ServeOptions): Promise<RunningServe> {
  const args = [KASSA, '--data-dir', options.dataDir, 'serve', '--port', String(options.port ?? 0)];
  if (options.training ?? true) args.push('--training');
  if (options.host !== undefined) args.push('--host', options.host);
  if (options.rendererDir !== undefined) args.push('--renderer-dir', options.rendererDir);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  const onExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const at = process.hrtime.bigint();
    stdout += chunk;
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      options.onLine?.(line, at);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-64_000);
  });
  let killed = false;
  const exited = new Promise<StopReport>((done) =>
    child.on('close', (code, signal) => {
      process.off('exit', onExit);
      done({ code, signal, killed });
    }),
  );
  const pid = child.pid ?? -1;

  let stopping: Promise<StopReport> | null = null;
  const stop = (): Promise<StopReport> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const guard = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, options.stopTimeoutMs ?? 20_000);
      const report = await exited;
      clearTimeout(guard);
      const left: LeftoverProcess[] = leftoverProcesses(options.dataDir);
      if (left.length > 0) {
        killLeftovers(left);
        throw new Error(`kassa serve (pid ${pid}) left ${left.length} process(es) running after it stopped; killed them:\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`);
      }
      return { ...report, killed };
    })();
    return stopping;
  };

  return new Promise<RunningServe>((resolveStart, rejectStart) => {
    const timeoutMs = options.startTimeoutMs ?? 90_000;
    const timer = setTimeout(() => {
      void stop().catch(() => undefined);
      rejectStart(new ServeStartError(`kassa serve did not get ready within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    const check = (): void => {
      if (!stdout.includes('Press Ctrl+C to stop.')) return;
      child.stdout.off('data', check);
      clearTimeout(timer);
      const found = addressesFrom(stdout);
      if (found === null) {
        void stop().catch(() => undefined);
        rejectStart(new ServeStartError(`kassa serve printed no "Cashier:" address:\n${stdout}`));
        return;
      }
      if ((options.training ?? true) && (found.simUrl === null || found.sandboxUrl === null)) {
        void stop().catch(() => undefined);
        rejectStart(
          new ServeStartError(
            `kassa serve --training did not say where the ${found.simUrl === null ? 'device simulator' : 'sandbox gateway ("wallets go to the training sandbox at …")'} listens:\n${stdout}`,
          ),
        );
        return;
      }
      resolveStart({ pid, ...found, stdout: () => stdout, stderr: () => stderr, exited, stop });
    };
    child.stdout.on('data', check);
    void exited.then((r) => {
      clearTimeout(timer);
      rejectStart(new ServeStartError(`kassa serve exited (${r.code ?? r.signal}) before it was ready:\n${stdout}\n${stderr}`));
    });
  });
}
