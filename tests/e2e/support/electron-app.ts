// The Electron host for the e2e specs: whether it can run here, and the training terminal it
// starts, so the same specs drive the Electron windows when a binary exists.
//
// Decisions a caller must know:
// - "Can run" means the electron package points at an executable binary (the same probe
//   `kassa start` uses, src/server/serve/start-plan.ts) AND the app is built
//   (.vite/build/main.js, made by electron-forge's Vite build). Otherwise `reason` says which,
//   for the skip message.
// - The app is launched as `kassa start` launches it: the package root, `--data-dir <dir>`,
//   `--training` (electron/launch.ts). Its main process prints the core's progress as
//   "[kassa] core: …" lines, from which the sim control API and the sandbox gateway addresses
//   are read (same progress lines as `kassa serve`).
// - The cashier window is the first window. The customer window exists only when the machine
//   has a second display (electron/displays.ts); without one, a spec that needs it is skipped.
// - UNVERIFIED HERE: no Electron binary exists on the development machine, so this path has
//   only been type-checked. The first run on a machine with Electron should confirm it.
import { _electron, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { probeElectron } from '../../../src/server/serve/start-plan.ts';
import { ROOT } from './kassa-serve.ts';
import { killLeftovers, leftoverProcesses } from './leftovers.ts';

export type ElectronAvailability = { readonly ok: true; readonly binary: string } | { readonly ok: false; readonly reason: string };

export function electronAvailability(): ElectronAvailability {
  const probe = probeElectron();
  if (!probe.found) return { ok: false, reason: `no Electron binary is installed (${probe.reason}); the same specs run in browser mode (project "browser")` };
  if (!existsSync(join(ROOT, '.vite', 'build', 'main.js'))) {
    return { ok: false, reason: `Electron is installed (${probe.path}) but the app is not built: run \`npm run electron:package\` (or \`npm run electron:start\` once) to make .vite/build/main.js` };
  }
  return { ok: true, binary: probe.path };
}

export interface ElectronTerminal {
  readonly app: ElectronApplication;
  readonly simUrl: string;
  readonly sandboxUrl: string;
  readonly output: () => string;
  /** The window showing `/customer`, or null when Electron opened none (one display). */
  window(surface: 'cashier' | 'customer'): Promise<Page | null>;
  stop(): Promise<void>;
}

export async function launchElectronTerminal(binary: string, dataDir: string, timeoutMs = 90_000): Promise<ElectronTerminal> {
  const app = await _electron.launch({ executablePath: binary, args: [ROOT, '--data-dir', dataDir, '--training'], cwd: ROOT, timeout: timeoutMs });
  let output = '';
  app.process().stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
  app.process().stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  const stop = async (): Promise<void> => {
    await app.close().catch(() => undefined);
    const left = leftoverProcesses(dataDir);
    if (left.length > 0) {
      killLeftovers(left);
      throw new Error(`the Electron app left ${left.length} process(es) running; killed them:\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`);
    }
  };
  const deadline = Date.now() + timeoutMs;
  let sim: string | undefined;
  let sandbox: string | undefined;
  while (Date.now() < deadline) {
    sim = /control API (http:\/\/127\.0\.0\.1:\d+)\)/.exec(output)?.[1];
    sandbox = /training sandbox at (http:\/\/127\.0\.0\.1:\d+)\/gateway\.do/.exec(output)?.[1];
    if (sim !== undefined && sandbox !== undefined && /core ready:/.test(output)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (sim === undefined || sandbox === undefined) {
    await stop().catch(() => undefined);
    throw new Error(`the Electron app did not say where its simulated devices and sandbox listen within ${timeoutMs} ms:\n${output}`);
  }
  const simUrl = sim;
  const sandboxUrl = sandbox;
  return {
    app,
    simUrl,
    sandboxUrl,
    output: () => output,
    async window(surface) {
      if (surface === 'cashier') return app.firstWindow();
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const found = app.windows().find((w) => new URL(w.url()).pathname === '/customer');
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    },
    stop,
  };
}
