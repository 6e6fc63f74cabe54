// `kassa devices`, `kassa devices test-print`, `kassa devices open-drawer` and `kassa receipts`
// as an installer runs them: against `kassa sim` (virtual devices on socat ptys, written into
// the terminal's kassa.config.json with --write-config), each command a real child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSocat } from '../../drivers/transports/socat-pty-pair.ts';
import { KASSA, startSim, type Running } from '../support/sim-process.ts';

const sandbox = mkdtempSync(join(tmpdir(), 'kassa-cli-devices-'));
const dataDir = join(sandbox, 'terminal');
const socatFound = hasSocat();
let sim: Running | null = null;

function kassa(...args: string[]) {
  const r = spawnSync(process.execPath, [KASSA, '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_DATA_HOME: join(sandbox, 'xdg') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  if (!socatFound) return;
  sim = await startSim(sandbox, dataDir, ['--port', '0', '--write-config']);
}, 60_000);

afterAll(async () => {
  if (sim) {
    sim.child.kill('SIGTERM');
    await sim.exited;
  }
  rmSync(sandbox, { recursive: true, force: true });
});

describe.skipIf(!socatFound)('kassa devices against kassa sim', { timeout: 60_000 }, () => {
  it('lists every configured device as ready, with its address', () => {
    const r = kassa('devices', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { configured: { id: string; type: string; address: string; state: string; detail: string }[] };
    expect(out.configured.map((d) => [d.id, d.type, d.state])).toEqual([
      ['printer', 'printer', 'ready'],
      ['scanner', 'scanner', 'ready'],
      ['display', 'display', 'ready'],
      ['scale', 'scale', 'ready'],
    ]);
    expect(out.configured[0]?.address).toBe(`serial:${join(dataDir, 'sim', 'printer')}`);
    const text = kassa('devices');
    expect(text.stdout).toMatch(/printer +printer +serial:\S+ +ready +ready/);
  });

  it('test-print prints a test page the printer confirms, and it is journalled', async () => {
    const r = kassa('devices', 'test-print', '--by', 'installer');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('test page printed on "printer" (confirmed by the printer)');
    const receipts = (await (await fetch(`${sim?.url}/printer/receipts`)).json()) as { lines: string[] }[];
    expect(receipts.length).toBeGreaterThan(0);
    const db = new Database(join(dataDir, 'kassa.db'), { readonly: true });
    try {
      const row = db.prepare("SELECT payload FROM journal WHERE kind = 'device.test-print'").pluck().get() as string;
      expect(JSON.parse(row)).toMatchObject({ device: 'printer', outcome: 'printed', by: 'installer' });
    } finally {
      db.close();
    }
  });

  it('open-drawer needs a reason, opens the drawer and journals who and why', async () => {
    const refused = kassa('devices', 'open-drawer');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("required option '--reason <text>'");
    const r = kassa('devices', 'open-drawer', '--reason', 'change for the float', '--by', 'amy');
    expect(r.code, r.stderr).toBe(0);
    const status = (await (await fetch(`${sim?.url}/status`)).json()) as { devices: { printer: { printer: { drawerOpen: boolean } } } };
    expect(status.devices.printer.printer.drawerOpen).toBe(true);
    const db = new Database(join(dataDir, 'kassa.db'), { readonly: true });
    try {
      const row = db.prepare("SELECT payload FROM journal WHERE kind = 'drawer.opened'").pluck().get() as string;
      expect(JSON.parse(row)).toMatchObject({ by: 'amy', reason: 'change for the float' });
    } finally {
      db.close();
    }
  });

  it('a printer that is out of paper is shown as a fault; reprinting a missing receipt names it', async () => {
    await fetch(`${sim?.url}/printer/paper`, { method: 'POST', body: JSON.stringify({ state: 'out' }) });
    try {
      const r = kassa('devices');
      expect(r.stdout).toMatch(/printer +printer +serial:\S+ +fault +paper out/);
      const reprint = kassa('receipts', 'reprint', '7', '--wait', '500');
      expect(reprint.code).not.toBe(0);
      expect(reprint.stderr).toMatch(/printer "printer" .* is not ready: fault \(paper out\)|there is no receipt 7/);
    } finally {
      await fetch(`${sim?.url}/printer/paper`, { method: 'POST', body: JSON.stringify({ state: 'ok' }) });
    }
    const missing = kassa('receipts', 'reprint', '7');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no receipt 7 on terminal T01');
    const list = kassa('receipts');
    expect(list.stdout).toBe('every receipt is printed\n');
  });

  it('kassa train drives the configured devices: the training receipt prints on the (virtual) printer', async () => {
    const r = kassa('train');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/printer \(printer, serial:\S+\): ready/);
    expect(r.stdout).toContain('receipt on the printer: printed');
    const receipts = (await (await fetch(`${sim?.url}/printer/receipts`).catch((err: unknown) => {
      throw new Error(`the sim did not answer (${String(err)}):\n${sim?.stderr() ?? ''}`);
    })).json()) as { lines: string[] }[];
    expect(receipts.at(-1)?.lines.join('\n')).toContain('培训模式');
    const display = (await (await fetch(`${sim?.url}/display`)).json()) as { line1: string; line2: string };
    // The training sale ends paid in full (cash, then Alipay for the rest): no change, so the
    // display thanks the customer.
    expect(display.line1.trim()).toBe('THANK YOU');
    expect(display.line2.trim()).toBe('PLEASE COME AGAIN');
  });

  it('kassa report x --print prints the X report on the (virtual) printer', async () => {
    const before = ((await (await fetch(`${sim?.url}/printer/receipts`)).json()) as unknown[]).length;
    const r = kassa('report', 'x', '--print', '--lang', 'en');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/printed the X report on "printer"/);
    const receipts = (await (await fetch(`${sim?.url}/printer/receipts`)).json()) as { lines: string[] }[];
    expect(receipts.length).toBe(before + 1);
    expect(receipts.at(-1)?.lines.join('\n')).toContain('X REPORT (day not closed)');
  });
});
