// `kassa sim` as a user runs it: a real child process (`node src/cli/kassa.js`) that prints the
// control URL and the devices block, serves the API, passes bytes over real ptys, writes the
// config when asked, and on SIGTERM removes its links and exits 0. Without socat it says to
// install it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { loadConfig } from '../../src/core/config.ts';
import { SerialTransport } from '../../drivers/transports/serial-transport.ts';
import { PortRegistry } from '../../drivers/transports/port-registry.ts';
import { hasSocat } from '../../drivers/transports/socat-pty-pair.ts';
import { KASSA, startSim } from '../support/sim-process.ts';

const sandbox = mkdtempSync(join(tmpdir(), 'kassa-cli-sim-'));
const socatFound = hasSocat();
const SLOW = { timeout: 60_000 };

afterAll(() => {
  rmSync(sandbox, { recursive: true, force: true });
});

describe.concurrent('kassa sim', SLOW, () => {
  it.skipIf(!socatFound)('prints the URL and devices block, serves the API over real ports, and cleans up on SIGTERM', async ({ expect }) => {
    const dataDir = join(sandbox, 'run');
    const sim = await startSim(sandbox, dataDir, ['--port', '0', '--display', 'cd5220']);
    const simDir = join(dataDir, 'sim');
    try {
      expect(sim.devices.map((d) => [d.type, d.path])).toEqual([
        ['printer', join(simDir, 'printer')],
        ['scanner', join(simDir, 'scanner')],
        ['display', join(simDir, 'display')],
        ['scale', join(simDir, 'scale')],
      ]);
      expect(sim.devices[2]).toMatchObject({ commandSet: 'cd5220' });
      for (const d of sim.devices) expect(existsSync(d.path)).toBe(true);
      // Nothing was written without --write-config.
      expect(existsSync(join(dataDir, 'kassa.config.json'))).toBe(false);

      const registry = new PortRegistry();
      const scanner = new SerialTransport({ path: join(simDir, 'scanner'), registry });
      const printer = new SerialTransport({ path: join(simDir, 'printer'), registry });
      await scanner.open();
      await printer.open();
      try {
        const got: number[] = [];
        scanner.onData((b) => got.push(...b));
        const scan = await fetch(`${sim.url}/scanner/scan`, { method: 'POST', body: JSON.stringify({ code: '6901234567892' }) });
        expect(scan.status).toBe(200);
        const deadline = Date.now() + 5000;
        while (got.length < 14 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(String.fromCharCode(...got)).toBe('6901234567892\r');

        await printer.write(Uint8Array.from([...Buffer.from('HELLO FROM THE TEST\n', 'latin1'), 0x1d, 0x56, 0x00]));
        let receipts: Array<{ lines: string[]; cutKind: string | null }> = [];
        while (receipts.length === 0 && Date.now() < deadline) {
          receipts = (await (await fetch(`${sim.url}/printer/receipts`)).json()) as typeof receipts;
          if (receipts.length === 0) await new Promise((r) => setTimeout(r, 10));
        }
        expect(receipts).toMatchObject([{ lines: ['HELLO FROM THE TEST'], cutKind: 'full' }]);
        const bad = await fetch(`${sim.url}/scale/weight`, { method: 'POST', body: '{"grams":"heavy"}' });
        expect(bad.status).toBe(400);
        expect(await bad.json()).toEqual({ error: '"grams" must be a finite number, got "heavy"' });
      } finally {
        await scanner.close();
        await printer.close();
      }
    } finally {
      sim.child.kill('SIGTERM');
    }
    expect(await sim.exited).toBe(0);
    expect(sim.stderr()).toContain('kassa sim: SIGTERM: stopping');
    expect(readdirSync(simDir)).toEqual([]);
  });

  it.skipIf(!socatFound)('--write-config merges the devices into kassa.config.json and keeps every other setting', async ({ expect }) => {
    const dataDir = join(sandbox, 'config');
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'kassa.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        storeName: 'Corner Shop',
        terminalId: 'T07',
        devices: [
          { id: 'receipt', type: 'printer', transport: 'tcp', host: '10.0.0.7' },
          { id: 'pinpad-scale', type: 'scale', transport: 'serial', path: '/dev/ttyUSB3' },
        ],
      }),
    );
    const dir = join(sandbox, 'config-links');
    const sim = await startSim(sandbox, dataDir, ['--port', '0', '--dir', dir, '--write-config', '--printer-profile', 'xprinter-58']);
    try {
      expect(sim.stdout()).toContain(`Written to ${file}`);
      const raw = JSON.parse(readFileSync(file, 'utf8')) as { storeName: string; terminalId: string; devices: unknown[] };
      expect(raw.storeName).toBe('Corner Shop');
      expect(raw.terminalId).toBe('T07');
      expect(raw.devices).toEqual(sim.devices);
      const config = loadConfig(file);
      expect(config.devices.map((d) => [d.id, d.type, d.transport === 'serial' ? d.path : null])).toEqual([
        ['printer', 'printer', join(dir, 'printer')],
        ['scanner', 'scanner', join(dir, 'scanner')],
        ['display', 'display', join(dir, 'display')],
        ['scale', 'scale', join(dir, 'scale')],
      ]);
      expect(config.devices[0]).toMatchObject({ profile: 'xprinter-58' });
    } finally {
      sim.child.kill('SIGTERM');
    }
    expect(await sim.exited).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('without socat it says to install it and exits 1', async ({ expect }) => {
    const emptyPath = join(sandbox, 'no-bin');
    mkdirSync(emptyPath, { recursive: true });
    const child = spawn(process.execPath, [KASSA, '--data-dir', join(sandbox, 'nosocat'), 'sim', '--port', '0'], {
      cwd: sandbox,
      env: { ...process.env, PATH: emptyPath, XDG_DATA_HOME: join(sandbox, 'xdg') },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.resume();
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(guard);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^kassa: socat was not found: the simulator needs it for its virtual serial ports; install it/);
  });

  it('a bad option is a usage error (exit 2) that names it', async ({ expect }) => {
    const child = spawn(process.execPath, [KASSA, '--data-dir', join(sandbox, 'bad'), 'sim', '--port', '99999'], { cwd: sandbox, env: { ...process.env, XDG_DATA_HOME: join(sandbox, 'xdg') } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.resume();
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(guard);
    expect(code).toBe(2);
    expect(stderr).toContain('kassa: --port must be a whole number 0–65535, got "99999"');
  });
});
