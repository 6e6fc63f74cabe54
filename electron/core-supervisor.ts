// Main's side of the core's utilityProcess: starts it, tells the relay when it is ready or gone,
// restarts it after a crash, and stops it cleanly when Kassa quits. The process itself is behind
// a small interface so all of this is tested without Electron.
//
// Decisions a caller must know:
// - A core that fails before it is ready (a bad kassa.config.json, a locked database) is not
//   restarted: it would fail the same way. The windows get its message as an error notice and
//   every request is answered `unavailable` with it.
// - A core that dies after it was ready is restarted after `delayMs`, at most `maxRestarts` times
//   in `windowMs`; then it stays down with a message saying to restart Kassa.
// - stop() asks the core to close (journal, devices, gateway) and waits `timeoutMs` for it to
//   exit before killing it.
import type { Notice } from '../src/shared/api.ts';
import { parseCoreMessage, type CoreControl, type MainToCore } from './core-protocol.ts';
import type { PosRelay } from './ipc-relay.ts';

export interface CoreChild {
  postMessage(message: MainToCore): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type CoreReady = Extract<CoreControl, { t: 'ready' }>;

export interface RestartPolicy {
  readonly maxRestarts: number;
  readonly windowMs: number;
  readonly delayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 3, windowMs: 60_000, delayMs: 1000 };

export interface SupervisorOptions {
  readonly spawn: () => CoreChild;
  readonly relay: PosRelay;
  readonly log: (line: string) => void;
  readonly onReady?: (ready: CoreReady) => void;
  readonly restart?: RestartPolicy;
  readonly now?: () => number;
}

/** Whether another restart fits the policy, given when the earlier ones happened. */
export function mayRestart(restarts: readonly number[], now: number, policy: RestartPolicy): boolean {
  return restarts.filter((t) => now - t < policy.windowMs).length < policy.maxRestarts;
}

type State = 'idle' | 'starting' | 'ready' | 'stopping' | 'down';

export class CoreSupervisor {
  readonly #options: SupervisorOptions;
  readonly #policy: RestartPolicy;
  readonly #restarts: number[] = [];
  #child: CoreChild | null = null;
  #state: State = 'idle';
  #failure: string | null = null;
  #exited: (() => void) | null = null;
  #restartTimer: NodeJS.Timeout | null = null;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#policy = options.restart ?? DEFAULT_RESTART_POLICY;
  }

  get state(): State {
    return this.#state;
  }

  start(): void {
    if (this.#state === 'starting' || this.#state === 'ready' || this.#state === 'stopping') return;
    this.#failure = null;
    this.#state = 'starting';
    this.#options.relay.coreStarting();
    let child: CoreChild;
    try {
      child = this.#options.spawn();
    } catch (err) {
      this.#down(`the core could not be started: ${(err as Error).message}`);
      return;
    }
    this.#child = child;
    child.onMessage((raw) => {
      if (this.#child === child) this.#onMessage(raw);
    });
    child.onExit((code) => {
      if (this.#child === child) this.#onExit(code);
    });
  }

  /** Asks the core to close and waits for it (killing it after `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    const child = this.#child;
    if (!child) {
      this.#state = 'down';
      return;
    }
    this.#state = 'stopping';
    const exited = new Promise<void>((resolve) => {
      this.#exited = resolve;
    });
    try {
      child.postMessage({ t: 'stop' });
    } catch {
      child.kill();
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([exited.then(() => 'exited' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#options.log(`the core did not stop within ${timeoutMs} ms: killing it`);
      child.kill();
    }
    this.#child = null;
    this.#state = 'down';
    this.#options.relay.coreDown('Kassa is closing');
  }

  #onMessage(raw: unknown): void {
    const parsed = parseCoreMessage(raw);
    if (parsed.kind === 'api') return this.#options.relay.fromCore(parsed.message);
    if (parsed.kind === 'garbage') {
      this.#options.relay.counters.garbageFromCore++;
      this.#options.log(`the core sent garbage: ${parsed.reason}`);
      return;
    }
    const control = parsed.message;
    switch (control.t) {
      case 'progress':
        this.#options.log(`core: ${control.message}`);
        return;
      case 'ready':
        if (this.#state !== 'starting') return;
        this.#state = 'ready';
        this.#options.log(`core ready: terminal ${control.terminalId}${control.training ? ' (training)' : ''} in ${control.dataDir}`);
        this.#options.relay.coreReady();
        this.#options.onReady?.(control);
        return;
      case 'failed':
        this.#failure = control.message;
        this.#options.log(`core failed: ${control.message}`);
        return;
      case 'stopped':
        return;
    }
  }

  #onExit(code: number | null): void {
    this.#child = null;
    if (this.#state === 'stopping') {
      this.#exited?.();
      return;
    }
    const wasReady = this.#state === 'ready';
    const why = this.#failure ?? `the core exited unexpectedly (code ${code ?? 'none'})`;
    if (!wasReady) {
      this.#down(why);
      return;
    }
    const now = (this.#options.now ?? Date.now)();
    if (!mayRestart(this.#restarts, now, this.#policy)) {
      this.#down(`${why}; it stopped ${this.#policy.maxRestarts} times within ${Math.round(this.#policy.windowMs / 1000)} s, so it is not restarted: restart Kassa`);
      return;
    }
    this.#restarts.push(now);
    this.#state = 'starting';
    this.#options.relay.coreDown(`${why}; restarting`);
    this.#notice('warning', `${why}; restarting the core`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.#state = 'idle';
      this.start();
    }, this.#policy.delayMs);
  }

  #down(reason: string): void {
    this.#state = 'down';
    this.#options.log(reason);
    this.#options.relay.coreDown(reason);
    this.#notice('error', reason);
  }

  #notice(level: Notice['level'], message: string): void {
    const notice: Notice = { level, message, at: new Date().toISOString() };
    this.#options.relay.broadcast({ t: 'evt', name: 'notice', payload: notice });
  }
}
