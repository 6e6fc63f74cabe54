// Bench `scan_to_event_p99_ms`: from the moment the last byte of a scan is written to the pty
// (the scanner's side of a socat null-modem) to the SCAN event in the core (the device
// manager's scan listener, called right before the checkout receives it). The host side is
// the real path a serial scanner takes: SerialTransport → SerialScanner → DeviceManager.
// Bounded: SCANS scans, each waited for, with a per-scan timeout.
//
//   npx tsx tests/bench/scan-to-event.ts    prints the result as JSON when run directly
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanToSerialBytes } from '../../drivers/sim/virtual-scanner.ts';
import { SerialTransport } from '../../drivers/transports/serial-transport.ts';
import { hasSocat, startPtyPair } from '../../drivers/transports/socat-pty-pair.ts';
import { parseConfig } from '../../src/core/config.ts';
import { openDatabase } from '../../src/core/db/open.ts';
import { DeviceManager } from '../../src/core/devices/device-manager.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { percentile } from './percentile.ts';

const SCANS = 2000;
const WARMUP = 100;

export interface ScanToEventResult {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly scans: number;
}


export async function measureScanToEvent(): Promise<ScanToEventResult> {
  if (!hasSocat()) throw new Error('scan_to_event needs socat (apt install socat)');
  const dir = mkdtempSync(join(tmpdir(), 'kassa-bench-scan-'));
  const host = join(dir, 'scanner');
  const device = join(dir, 'scanner-device');
  const pair = await startPtyPair(host, device);
  const db = openDatabase(join(dir, 'kassa.db'));
  const config = parseConfig({ devices: [{ type: 'scanner', transport: 'serial', path: host, baudRate: 115200, suffix: 'CR' }] });
  const manager = new DeviceManager({ config, db, logger: silentLogger() });
  const scannerSide = new SerialTransport({ path: device, baudRate: 115200, owner: 'the bench scanner', lock: false });
  try {
    manager.start();
    await manager.whenReady('scanner', 5000);
    await scannerSide.open();
    let waiting: { code: string; resolve: (at: bigint) => void } | null = null;
    manager.onScan((scan) => {
      const at = process.hrtime.bigint();
      if (waiting && scan.data === waiting.code) waiting.resolve(at);
    });
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + SCANS; i++) {
      const code = `690${String(1_000_000_000 + i)}`;
      const bytes = scanToSerialBytes(code, { suffix: 'CR' });
      const seen = new Promise<bigint>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`scan ${i} (${code}) never reached the core`)), 2000);
        waiting = {
          code,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
      });
      // Everything but the last byte first, so the clock starts at the last byte's write.
      await scannerSide.write(bytes.subarray(0, bytes.length - 1));
      await new Promise((r) => setTimeout(r, 1));
      const t0 = process.hrtime.bigint();
      await scannerSide.write(bytes.subarray(bytes.length - 1));
      const at = await seen;
      if (i >= WARMUP) samples.push(Number(at - t0) / 1e6);
    }
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples), scans: samples.length };
  } finally {
    await scannerSide.close().catch(() => undefined);
    await manager.stop();
    db.close();
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measureScanToEvent();
  process.stdout.write(`${JSON.stringify({ bench: 'scan_to_event_p99_ms', value: Number(r.p99.toPrecision(4)), unit: 'ms', p50: r.p50, max: r.max, scans: r.scans })}\n`);
}
