// Opens what the core process serves: the TerminalApp of the chosen data dir and mode, and the
// PosHost on top of it (host 'electron'). Closing closes them in reverse. Apart from
// core-process.ts so tests open the same thing without a utilityProcess.
import { createPosHost } from '../src/core/api/pos-host.ts';
import { openTerminalApp, type TerminalAppOptions } from '../src/core/terminal-app.ts';
import type { CoreLaunch } from './core-protocol.ts';
import type { OpenCore } from './core-server.ts';

/** `extra`: tests turn off the simulated devices, shrink the demo catalog, silence the log. */
export function openCore(launch: CoreLaunch, extra: Partial<Omit<TerminalAppOptions, 'dataDir' | 'mode' | 'onProgress'>> = {}): OpenCore {
  return async (progress) => {
    const app = await openTerminalApp({ ...extra, dataDir: launch.dataDir, mode: launch.mode, onProgress: progress });
    try {
      const host = createPosHost(app, { host: 'electron' });
      return {
        host,
        ready: { terminalId: app.config.terminalId, training: app.config.training, dataDir: app.paths.dir, customerDisplay: app.config.ui.customerDisplay },
        async close() {
          await host.close();
          await app.close();
        },
      };
    } catch (err) {
      await app.close();
      throw err;
    }
  };
}
