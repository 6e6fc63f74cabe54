// `kassa start` (what `npm start` runs): the terminal app. With an Electron binary installed it
// launches the Electron app; without one (CI, a server, a checkout whose Electron download was
// skipped) it says so in one line and runs browser mode exactly as `kassa serve` does, printing
// the addresses to open. The choice and which terminal opens are in
// src/server/serve/start-plan.ts.
//
// Decisions:
// - Electron gets `--data-dir <dir>` (resolved as every command resolves it) and `--training`
//   when given; it inherits stdio, SIGINT/SIGTERM are passed on to it, and its exit code is
//   this command's.
// - --port, --host, --token-file and --renderer-dir apply to browser mode only; --browser
//   forces browser mode.
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PACKAGE_ROOT } from '../../server/serve/renderer-build.ts';
import { planStart, probeElectron } from '../../server/serve/start-plan.ts';
import { dataDirOf } from '../context.ts';
import { DEFAULT_SERVE_PORT, runBrowserMode, type BrowserModeOptions } from './serve.ts';

interface StartOptions extends BrowserModeOptions {
  readonly browser?: boolean;
}

/** Runs the Electron app to its end, passing signals on; resolves with its exit code. */
function runElectron(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolveExit, reject) => {
    const child = spawn(command, args, { cwd: PACKAGE_ROOT, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const done = (): void => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    };
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('close', (code, signal) => {
      done();
      resolveExit(code ?? (signal === null ? 1 : 128 + (signal === 'SIGINT' ? 2 : 15)));
    });
  });
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start the terminal app (what npm start runs): Electron when installed, else browser mode')
    .option('--training', 'run a training terminal in <data dir>/training (simulated devices, sandbox wallets)')
    .option('--browser', 'browser mode even when Electron is installed')
    .option('--port <n>', 'browser mode: port to listen on (0: any free port)', String(DEFAULT_SERVE_PORT))
    .option('--host <addr>', 'browser mode: address to bind; anything but loopback requires the access token', '127.0.0.1')
    .option('--token-file <file>', 'browser mode: keep the access token in this file (see kassa serve --help)')
    .option('--renderer-dir <dir>', 'browser mode: serve this renderer build instead of dist/renderer')
    .addHelpText(
      'after',
      `
Without a kassa.config.json in the data dir, a training terminal runs in <data dir>/training.
Electron is used when the electron package has its binary (npm install downloads it); the
app is .vite/build (electron-forge's Vite build), or electron-forge start builds it first.
Without Electron this is kassa serve: open the printed address in a browser.`,
    )
    .action(async function (this: Command, opts: StartOptions) {
      const paths = dataDirOf(this);
      const plan = planStart({
        electron: probeElectron(),
        browser: opts.browser === true,
        root: PACKAGE_ROOT,
        exists: existsSync,
        dataDir: paths.dir,
        training: opts.training === true,
        node: process.execPath,
      });
      if (plan.kind === 'browser') {
        if (opts.browser !== true) process.stdout.write(`kassa start: ${plan.why}: starting browser mode instead.\n`);
        await runBrowserMode(this, opts, 'start');
        return;
      }
      process.stdout.write(`kassa start: launching ${plan.why}\n`);
      process.exitCode = await runElectron(plan.command, plan.args);
    });
}
