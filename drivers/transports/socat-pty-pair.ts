// Starts socat as a virtual null-modem cable: two raw pseudo-terminals whose bytes cross
// over, reached through stable symlinks (reference/hardware.md §6). The integration tests and
// `kassa sim` open one end with SerialTransport and put a simulator on the other; killing
// socat is the unplug, starting it again with the same links the replug. Hand-written: no
// npm package wraps socat, and node-pty starts ptys in cooked mode, which mangles 0D/11/13.
//
// Readiness is socat's own "starting data transfer loop" line (-d -d) plus both links
// existing: links left by a socat that was SIGKILLed would otherwise look ready at once.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

export interface PtyPair {
  /** Link to the end the application opens. */
  readonly hostPath: string;
  /** Link to the end the simulator (or test) opens. */
  readonly devicePath: string;
  readonly pid: number;
  readonly running: boolean;
  /** Ends socat (SIGTERM, then SIGKILL after `graceMs`) and removes links it left behind. */
  stop(graceMs?: number): Promise<void>;
}

export interface PtyPairOptions {
  readonly socatPath?: string;
  /** How long to wait for socat to be ready (default 5000). */
  readonly timeoutMs?: number;
}

export function hasSocat(socatPath = 'socat'): boolean {
  const probe = spawnSync(socatPath, ['-V'], { stdio: 'ignore', timeout: 5000 });
  return probe.status === 0;
}

export async function startPtyPair(hostPath: string, devicePath: string, options: PtyPairOptions = {}): Promise<PtyPair> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const child = spawn(
    options.socatPath ?? 'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let log = '';
  let started = false;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    if (log.length < 16_384) log += text;
    if (log.includes('starting data transfer loop')) started = true;
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const pair: PtyPair = {
    hostPath,
    devicePath,
    pid: child.pid ?? -1,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    async stop(graceMs = 2000) {
      await stopChild(child, exited, graceMs);
      for (const link of [hostPath, devicePath]) rmSync(link, { force: true });
    },
  };

  const deadline = Date.now() + timeoutMs;
  // Bounded by the deadline; 10 ms steps.
  for (;;) {
    if (started && existsSync(hostPath) && existsSync(devicePath)) return pair;
    let tick: ReturnType<typeof setTimeout> | undefined;
    const failure = await Promise.race([
      spawnError,
      exited.then(() => new Error(`socat exited before it was ready: ${log.trim() || 'no output'}`)),
      new Promise<null>((resolve) => {
        tick = setTimeout(() => resolve(null), 10);
      }),
    ]);
    clearTimeout(tick);
    if (failure) {
      await pair.stop(0);
      throw failure;
    }
    if (Date.now() > deadline) {
      await pair.stop(0);
      throw new Error(`socat was not ready within ${timeoutMs} ms: ${log.trim() || 'no output'}`);
    }
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
}
