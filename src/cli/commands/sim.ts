// `kassa sim`: a counter's worth of simulated hardware for training, demos and UI tests (issue 3
// §9). It starts a printer, scanner, pole display and scale on socat pseudo-terminals
// (drivers/sim/sim-rig.ts), their HTTP control API on 127.0.0.1 (sim-control-server.ts), prints
// the kassa.config.json `devices` block that points at them, and runs until SIGINT/SIGTERM.
//
// Decisions:
// - The links go to `<data dir>/sim` unless --dir says otherwise, so the paths are the same on
//   every run and a config written once with --write-config keeps working.
// - --write-config replaces the devices of the types the simulator provides and keeps every
//   other field and device; the merged file is checked with parseConfig() before it is
//   written (atomically), so a config Kassa would refuse is never left behind.
// - stdout carries, in order: a title line, `Control API: <url>`, the devices block as a
//   pretty-printed JSON object starting with a line "{" and ending with a line "}", and the
//   stop hint, so a script can read the URL and the block.
// - A first SIGINT/SIGTERM stops everything cleanly (socat killed, links removed); a second one
//   during that cleanup falls back to Node's default and exits at once.
import type { Command } from 'commander';
import { Option } from 'commander';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../core/config.ts';
import { startSimControlServer } from '../../../drivers/sim/sim-control-server.ts';
import { SimRigError, startSimRig } from '../../../drivers/sim/sim-rig.ts';
import type { SimDeviceConfig, SimRig, SimRigOptions } from '../../../drivers/sim/sim-rig.ts';
import { dataDirOf } from '../context.ts';
import { UsageError } from '../errors.ts';
import { untilSignal } from '../signals.ts';

interface SimOptions {
  readonly dir?: string;
  readonly port: string;
  readonly writeConfig?: boolean;
  readonly printerProfile?: string;
  readonly display: NonNullable<SimRigOptions['displayCommandSet']>;
}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) > 65_535) throw new UsageError(`--port must be a whole number 0–65535, got "${value}"`);
  return Number(value);
}

/** Merges the simulator's devices into the config file (see the header); returns the file written. */
export function writeSimConfig(file: string, block: readonly SimDeviceConfig[]): void {
  let raw: Record<string, unknown> = {};
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(file, ['(top level): expected a JSON object']);
    raw = parsed as Record<string, unknown>;
  }
  const existing = Array.isArray(raw.devices) ? (raw.devices as unknown[]) : [];
  const replaced = new Set<string>(block.map((d) => d.type));
  const kept = existing.filter((d) => !(d !== null && typeof d === 'object' && replaced.has(String((d as { type?: unknown }).type))));
  const merged = { ...raw, devices: [...kept, ...block] };
  parseConfig(merged, file);
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(tmp, file);
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run simulated devices (printer, scanner, pole display, scale) on virtual serial ports with an HTTP control API')
    .option('--dir <dir>', 'folder for the serial port links (default: <data dir>/sim)')
    .option('--port <n>', 'control API port on 127.0.0.1 (0: any free port)', '8765')
    .option('--write-config', "put the simulator's devices into <data dir>/kassa.config.json (other settings are kept)")
    .option('--printer-profile <id>', 'ESC/POS printer profile of the virtual printer (default generic-80-gbk: 80 mm, 48 columns)')
    .addOption(new Option('--display <set>', 'pole display command set').choices(['epson-dmd', 'cd5220']).default('epson-dmd'))
    .addHelpText(
      'after',
      `
Needs socat (apt-get install socat). Runs until Ctrl+C (or SIGTERM), then removes the links.
Control API (JSON): GET /status, POST /scanner/scan {"code"}, POST /scale/weight {"grams"},
POST /printer/paper {"state":"ok"|"near-end"|"out"}, POST /printer/cover {"open"},
POST /<device>/unplug and /replug, GET /printer/receipts, GET /printer/receipts/<n>.txt,
GET /display; the full list is in drivers/sim/sim-control-server.ts.`,
    )
    .action(async function (this: Command, opts: SimOptions) {
      const port = parsePort(opts.port);
      const paths = dataDirOf(this);
      const dir = opts.dir ?? join(paths.dir, 'sim');
      let rig: SimRig;
      try {
        rig = await startSimRig({
          dir,
          displayCommandSet: opts.display,
          ...(opts.printerProfile === undefined ? {} : { printerProfile: opts.printerProfile }),
        });
      } catch (err) {
        if (err instanceof SimRigError && err.code === 'bad-option') throw new UsageError(err.message);
        if (err instanceof SimRigError) {
          process.stderr.write(`kassa: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      // Listening before anything is printed, so a script never reads a URL that is not up.
      const stopped = untilSignal();
      try {
        const server = await startSimControlServer(rig, { port }).catch((err: unknown) => {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE') throw new UsageError(`--port ${port}: the port is in use on 127.0.0.1; choose another or use --port 0`);
          throw err;
        });
        try {
          const block = rig.configBlock();
          if (opts.writeConfig) writeSimConfig(paths.config, block);
          say(`Kassa device simulator: ${rig.devices.join(', ')} (links in ${rig.dir})`);
          say(`Control API: ${server.url}`);
          say('kassa.config.json devices block:');
          say(JSON.stringify({ devices: block }, null, 2));
          if (opts.writeConfig) say(`Written to ${paths.config}`);
          say('Press Ctrl+C to stop.');
          const signal = await stopped.signal;
          process.stderr.write(`kassa sim: ${signal}: stopping\n`);
        } finally {
          await server.close();
        }
      } finally {
        stopped.dispose();
        await rig.stop();
      }
    });
}
