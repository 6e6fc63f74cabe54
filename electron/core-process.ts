// The core's own process (Electron utilityProcess, forked by main): the whole terminal (journal,
// devices, receipts, payments, checkout) behind the PosHost, talking to main over
// `process.parentPort`. A utilityProcess rather than child_process.fork because the RunAsNode
// fuse is off (forge.config.ts), and rather than main itself so a slow disk or a device driver
// never freezes the windows. The conversation is in core-server.ts, what it opens in
// open-core.ts; this file only wires them to the port.
import { parseCoreArgs } from './core-protocol.ts';
import { serveCore, type PortLike } from './core-server.ts';
import { openCore } from './open-core.ts';

const port: PortLike | undefined = process.parentPort;
if (!port) {
  process.stderr.write('electron/core-process runs inside Electron (utilityProcess.fork from main); use `kassa serve` for browser mode\n');
  process.exit(2);
}

process.on('uncaughtException', (err) => {
  port.postMessage({ t: 'failed', message: `the core crashed: ${err.message}` });
  setTimeout(() => process.exit(1), 200);
});

await serveCore(
  port,
  openCore(parseCoreArgs(process.argv)),
  // Exit a moment after the last message, so "failed: <why>" reaches main before the port closes.
  (code) => setTimeout(() => process.exit(code), 200),
);
