// `kassa serve`: the terminal in browser mode. It opens the terminal (TerminalApp + PosHost),
// serves the built renderer and the API WebSocket (src/server/serve), prints the addresses of
// the cashier screen, the customer display and the manager screen, and runs until
// SIGINT/SIGTERM. `kassa start` runs the same when there is no Electron.
//
// Decisions:
// - Which terminal: --training, or no kassa.config.json in the data dir → a training terminal
//   in <data dir>/training (simulated devices, sandbox wallets); else the configured terminal
//   (src/server/serve/start-plan.ts).
// - Bound to 127.0.0.1 unless --host says otherwise; any other address needs the access token,
//   which is printed once, inside the addresses (opening one signs that browser in). The token
//   is new on every start unless --token-file keeps it.
// - The renderer is dist/renderer; missing, it is built first (one progress line) or the start
//   fails naming `npm run build:renderer`. --renderer-dir serves another build, never builds.
// - stdout, in order: a title line, start-up progress lines (indented), `Device simulator:
//   <url>` (training with socat), `Sandbox wallet: <url>` (training: the sandbox's wallet API,
//   which plays the customer), `Cashier:`, `Customer:`, `Manager:` with their addresses (for
//   every address when bound to 0.0.0.0 or ::), then "Press Ctrl+C to stop." once everything
//   listens, so a script can wait for that line.
// - A first SIGINT/SIGTERM (also during start-up) closes everything cleanly in reverse order:
//   the server and its WebSockets, the PosHost, the terminal (devices, payments, database); a
//   second one during that falls back to Node's default and exits at once.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createPosHost } from '../../core/api/pos-host.ts';
import { openTerminalApp } from '../../core/terminal-app.ts';
import type { TerminalApp } from '../../core/terminal-app.ts';
import { SimRigError } from '../../../drivers/sim/sim-rig.ts';
import { ensureRendererBuilt, isRendererBuilt } from '../../server/serve/renderer-build.ts';
import { ServeError, startServeHost } from '../../server/serve/serve-host.ts';
import type { ServeHost } from '../../server/serve/serve-host.ts';
import { planTerminal } from '../../server/serve/start-plan.ts';
import { readOrCreateTokenFile } from '../../server/serve/token-file.ts';
import { dataDirOf } from '../context.ts';
import { UsageError } from '../errors.ts';
import { untilSignal } from '../signals.ts';

export const DEFAULT_SERVE_PORT = 8770;

export interface BrowserModeOptions {
  readonly port: string;
  readonly host: string;
  readonly training?: boolean;
  readonly tokenFile?: string;
  readonly rendererDir?: string;
}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) > 65_535) throw new UsageError(`--port must be a whole number 0–65535, got "${value}"`);
  return Number(value);
}

/** The addresses to print for one base URL. */
export function surfaceLines(base: string, token: string | null): string[] {
  const q = token === null ? '' : `?token=${token}`;
  return [`Cashier:  ${base}/${q}`, `Customer: ${base}/customer${q}`, `Manager:  ${base}/manager${q}`];
}

/** Browser mode from start to stop (what `kassa serve` does; `kassa start` without Electron too). */
export async function runBrowserMode(cmd: Command, opts: BrowserModeOptions, commandName: string): Promise<void> {
  const port = parsePort(opts.port);
  const paths = dataDirOf(cmd);
  const plan = planTerminal(paths.dir, opts.training === true, existsSync);
  const stopped = untilSignal();
  const progress = (message: string): void => say(`  ${message}`);
  let app: TerminalApp | null = null;
  let server: ServeHost | null = null;
  let posHost: ReturnType<typeof createPosHost> | null = null;
  try {
    say(`Kassa browser mode: ${plan.why}`);
    const rendererDir = opts.rendererDir === undefined ? await ensureRendererBuilt({ onProgress: progress }) : resolve(opts.rendererDir);
    // Checked before the terminal opens, so a wrong folder costs nothing (startServeHost checks again).
    if (!isRendererBuilt(rendererDir)) throw new ServeError(`no index.html in ${rendererDir}: build the renderer with \`npm run build:renderer\``);
    const token = opts.tokenFile === undefined ? undefined : readOrCreateTokenFile(resolve(opts.tokenFile));
    if (token?.created) progress(`made a new access token in ${resolve(opts.tokenFile ?? '')}`);
    try {
      app = await openTerminalApp({ dataDir: plan.dataDir, mode: plan.mode, log: 'file', onProgress: progress });
    } catch (err) {
      if (err instanceof SimRigError) throw new ServeError(err.message);
      throw err;
    }
    if (stopped.received() !== null) return;
    const opened = app;
    posHost = createPosHost(opened, { host: 'browser' });
    server = await startServeHost({
      posHost,
      rendererDir,
      host: opts.host,
      port,
      ...(token === undefined ? {} : { token: token.token }),
      onError: (message, err) => opened.logger.error({ err }, `browser mode: ${message}`),
    }).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`--port ${port}: the port is in use on ${opts.host}; choose another or use --port 0`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${opts.host}: not an address of this machine`);
      throw err;
    });
    if (opened.sim?.controlUrl) say(`Device simulator: ${opened.sim.controlUrl}`);
    if (opened.payments?.sandbox) say(`Sandbox wallet: ${opened.payments.sandbox.walletApiUrl}`);
    for (const base of server.urls) for (const line of surfaceLines(base, server.token)) say(line);
    if (server.token !== null) {
      say(`Other devices need the access token in these addresses (opening one signs that browser in)${opts.tokenFile ? `; it is kept in ${resolve(opts.tokenFile)}` : '; it changes on every start'}.`);
    }
    say('Press Ctrl+C to stop.');
    const signal = await stopped.signal;
    process.stderr.write(`kassa ${commandName}: ${signal}: stopping\n`);
  } finally {
    stopped.dispose();
    try {
      await server?.close();
      await posHost?.close();
    } finally {
      await app?.close();
    }
    if (stopped.received() !== null && server === null) process.stderr.write(`kassa ${commandName}: ${stopped.received() ?? ''} during start-up: stopped\n`);
  }
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the terminal in browser mode: the cashier, customer and manager screens over HTTP on this machine')
    .option('--port <n>', `port to listen on (0: any free port)`, String(DEFAULT_SERVE_PORT))
    .option('--host <addr>', 'address to bind; anything but 127.0.0.1/localhost/::1 requires the access token', '127.0.0.1')
    .option('--training', 'run a training terminal in <data dir>/training (simulated devices, sandbox wallets)')
    .option('--token-file <file>', 'keep the access token in this file (made if missing, mode 0600) so browsers stay signed in across restarts')
    .option('--renderer-dir <dir>', 'serve this renderer build instead of dist/renderer (never built automatically)')
    .addHelpText(
      'after',
      `
Without a kassa.config.json in the data dir, a training terminal runs in <data dir>/training.
The renderer is dist/renderer (npm run build:renderer); it is built first when missing.
Open the printed addresses in a browser: / is the cashier screen, /customer the customer
display, /manager the manager screen. The API is a WebSocket at /api. Runs until Ctrl+C.`,
    )
    .action(async function (this: Command, opts: BrowserModeOptions) {
      await runBrowserMode(this, opts, 'serve');
    });
}
