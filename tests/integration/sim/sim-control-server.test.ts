// The `kassa sim` control API over HTTP against a rig on real socat ptys: each route does to the
// devices what it says, as seen by a SerialTransport on the application's end, and every bad
// request gets the status and an error message that names the problem.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeScreen, fitLine } from '../../../drivers/display/pole-display.ts';
import { dleEot, enableAsb, parseAsb } from '../../../drivers/printer/escpos-status.ts';
import { PRINTER_PROFILES } from '../../../drivers/printer/printer-profiles.ts';
import { encodeTestPage } from '../../../drivers/printer/receipt-encoder.ts';
import { requestWeight, ScaleReader } from '../../../drivers/scale/toledo-8213.ts';
import { renderReceiptPng } from '../../../drivers/sim/receipt-png.ts';
import { startSimControlServer } from '../../../drivers/sim/sim-control-server.ts';
import type { SimControlServer } from '../../../drivers/sim/sim-control-server.ts';
import { startSimRig } from '../../../drivers/sim/sim-rig.ts';
import type { SimRig } from '../../../drivers/sim/sim-rig.ts';
import { renderText } from '../../../drivers/sim/virtual-printer.ts';
import { PortRegistry } from '../../../drivers/transports/port-registry.ts';
import { SerialTransport } from '../../../drivers/transports/serial-transport.ts';
import { hasSocat } from '../../../drivers/transports/socat-pty-pair.ts';
import { until } from '../../support/until.ts';

const socatFound = hasSocat();

let dir: string;
let rig: SimRig;
let server: SimControlServer;
const registry = new PortRegistry();
const hosts = new Map<string, { t: SerialTransport; got: number[] }>();

beforeAll(async () => {
  if (!socatFound) return;
  dir = mkdtempSync(join(tmpdir(), 'kassa-sim-api-'));
  rig = await startSimRig({ dir: join(dir, 'sim') });
  server = await startSimControlServer(rig, { port: 0, maxBodyBytes: 1024 });
});

afterAll(async () => {
  for (const h of hosts.values()) await h.t.close().catch(() => undefined);
  await server?.close();
  await rig?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** The application's end of a link, opened once per path and shared by the tests (one owner per port). */
async function host(path: string): Promise<{ t: SerialTransport; got: number[] }> {
  const known = hosts.get(path);
  if (known !== undefined) {
    known.got.length = 0;
    return known;
  }
  const t = new SerialTransport({ path, registry, owner: 'the test driver' });
  await t.open();
  const got: number[] = [];
  t.onData((b) => got.push(...b));
  hosts.set(path, { t, got });
  return { t, got };
}


interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown> & { error?: string };
  readonly headers: Headers;
}

async function call(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Answer> {
  const init: RequestInit = { method };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${server.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Answer['json'], headers: res.headers };
}

const post = (path: string, body?: unknown): Promise<Answer> => call('POST', path, body);
const get = (path: string): Promise<Answer> => call('GET', path);

describe.skipIf(!socatFound)('sim control server', () => {
  it('listens on 127.0.0.1 only and reports every device in /status', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    const { status, json } = await get('/status');
    expect(status).toBe(200);
    const devices = json.devices as Record<string, { path: string; state: string }>;
    expect(Object.keys(devices)).toEqual(['printer', 'scanner', 'display', 'scale']);
    for (const [name, d] of Object.entries(devices)) expect(d).toMatchObject({ path: join(dir, 'sim', name), state: 'plugged' });
    expect(devices.printer).toMatchObject({ profile: 'generic-80-gbk', paper: 'ok', paperRemainingLines: null, counters: { lostReplies: 0 } });
  });

  it('POST /scanner/scan sends the code to the scanner port; bad scans are 400 with the reason', async () => {
    const scanner = await host(rig.path('scanner'));
    expect(await post('/scanner/scan', { code: '6901234567892' })).toMatchObject({ status: 200, json: { ok: true } });
    expect(await post('/scanner/scan', { code: 'QR-1', aim: ']Q1' })).toMatchObject({ status: 200 });
    await until(() => scanner.got.length >= 14 + 8, 'two scans');
    expect(String.fromCharCode(...scanner.got)).toBe('6901234567892\r]Q1QR-1\r');

    expect(await post('/scanner/scan', { cod: '1' })).toMatchObject({ status: 400, json: { error: '"code" must be a non-empty string, got nothing' } });
    expect(await post('/scanner/scan', { code: 42 })).toMatchObject({ status: 400, json: { error: '"code" must be a non-empty string, got 42' } });
    expect(await post('/scanner/scan', { code: '1', aim: 7 })).toMatchObject({ status: 400, json: { error: expect.stringContaining('"aim" must be an AIM id') } });
    expect(await post('/scanner/scan', { code: '1', aim: 'E0' })).toMatchObject({ status: 400, json: { error: '"E0" is not an AIM id (]xy)' } });
    expect(await post('/scanner/scan', { code: 'A\rB' })).toMatchObject({ status: 400, json: { error: expect.stringContaining('cannot contain CR or LF') } });
    expect(await post('/scanner/scan', '{"code":')).toMatchObject({ status: 400, json: { error: expect.stringContaining('the body is not valid JSON') } });
    expect(await post('/scanner/scan', '[1]')).toMatchObject({ status: 400, json: { error: 'expected a JSON object body, got [1]' } });
    expect(await post('/scanner/scan')).toMatchObject({ status: 400, json: { error: 'expected a JSON object body, got an empty body' } });
    expect(rig.scanner?.counters.scans).toBe(2);
  });

  it('POST /scale/weight and /scale/overload change what the scale answers', async () => {
    const scale = await host(rig.path('scale'));
    const reader = new ScaleReader({ unit: 'kg' });
    const weigh = async (): Promise<unknown> => {
      scale.got.length = 0;
      await scale.t.write(requestWeight());
      await until(() => scale.got.includes(0x0d), 'a scale reply');
      return reader.push(Uint8Array.from(scale.got), 0)[0];
    };
    expect(await post('/scale/weight', { grams: 1250 })).toMatchObject({ status: 200, json: { netGrams: 1250, motion: false } });
    expect(await weigh()).toMatchObject({ type: 'SCALE.WEIGHT', grams: 1250 });
    expect(await post('/scale/weight', { grams: 300, motion: true })).toMatchObject({ status: 200, json: { motion: true } });
    expect(await weigh()).toMatchObject({ type: 'SCALE.STATUS', motion: true });
    expect(await post('/scale/overload')).toMatchObject({ status: 200, json: { overCapacity: true } });
    expect(await weigh()).toMatchObject({ type: 'SCALE.STATUS', overCapacity: true });
    expect(await post('/scale/weight', { grams: '455' })).toMatchObject({ status: 400, json: { error: '"grams" must be a finite number, got "455"' } });
    expect(await post('/scale/weight', { grams: 1, motion: 'yes' })).toMatchObject({ status: 400, json: { error: expect.stringContaining('"motion" must be true or false') } });
  });

  it('printer faults show in the status bytes the host reads; bad values are 400', async () => {
    const printer = await host(rig.path('printer'));
    const dle = async (n: 1 | 2 | 4): Promise<number | undefined> => {
      printer.got.length = 0;
      await printer.t.write(dleEot(n));
      await until(() => printer.got.length >= 1, `DLE EOT ${n} reply`);
      return printer.got[0];
    };
    expect(await post('/printer/paper', { state: 'near-end' })).toMatchObject({ status: 200, json: { paper: 'near-end' } });
    expect(await dle(4)).toBe(0x1e);
    expect(await post('/printer/paper', { state: 'out' })).toMatchObject({ status: 200, json: { paper: 'out' } });
    expect(await dle(4)).toBe(0x7e);
    expect(await post('/printer/paper', { state: 'ok' })).toMatchObject({ status: 200, json: { paper: 'ok' } });
    expect(await dle(4)).toBe(0x12);
    expect(await post('/printer/paper', { state: 'empty' })).toMatchObject({ status: 400, json: { error: '"state" must be one of "ok", "near-end", "out", got "empty"' } });

    expect(await post('/printer/cover', { open: true })).toMatchObject({ status: 200, json: { coverOpen: true } });
    expect(await dle(2)).toBe(0x16);
    expect(await post('/printer/cover', { open: false })).toMatchObject({ status: 200, json: { coverOpen: false } });
    expect(await post('/printer/cover', { open: 'yes' })).toMatchObject({ status: 400, json: { error: '"open" must be true or false, got "yes"' } });

    expect(await post('/printer/online', { online: false })).toMatchObject({ status: 200, json: { online: false } });
    expect(await dle(1)).toBe(0x1a);
    expect(await post('/printer/online', { online: true })).toMatchObject({ status: 200, json: { online: true } });
    expect(await dle(1)).toBe(0x12);

    expect(await post('/printer/garble', { on: true })).toMatchObject({ status: 200, json: { garble: true } });
    expect(await dle(2)).toBe(0x12 ^ 0xff);
    expect(await post('/printer/garble', { on: false })).toMatchObject({ status: 200, json: { garble: false } });
    expect(await dle(2)).toBe(0x12);

    expect(await post('/printer/paper-out-after', { lines: 2.5 })).toMatchObject({ status: 400, json: { error: '"lines" must be an integer >= 0, got 2.5' } });
    expect(await post('/printer/slow', {})).toMatchObject({ status: 400, json: { error: '"bytesPerSecond" must be a number > 0 or null, got nothing' } });
    expect(await post('/printer/slow', { bytesPerSecond: -5 })).toMatchObject({ status: 400 });
    expect(await post('/printer/slow', { bytesPerSecond: 2000 })).toMatchObject({ status: 200, json: { bytesPerSecond: 2000 } });
    expect(await post('/printer/slow', { bytesPerSecond: null })).toMatchObject({ status: 200, json: { bytesPerSecond: null } });
  });

  it('reads back receipts as JSON and text; paper out mid-job marks the receipt interrupted; the drawer closes', async () => {
    expect(await post('/printer/reset')).toMatchObject({ status: 200 });
    const printer = await host(rig.path('printer'));
    await printer.t.write(enableAsb({ drawer: true }));
    await until(() => printer.got.length >= 4, 'the first ASB frame');
    printer.got.length = 0;
    expect(await post('/printer/paper-out-after', { lines: 4 })).toMatchObject({ status: 200, json: { paperRemainingLines: 4 } });
    const pulse = Uint8Array.of(0x1b, 0x70, 0x00, 0x32, 0x64);
    await printer.t.write(Uint8Array.from([...pulse, ...encodeTestPage(PRINTER_PROFILES['generic-80-gbk'])]));
    await until(() => rig.printer?.printer.heldItems !== 0 && rig.printer?.printer.paperState === 'out', 'the paper running out');
    expect(await post('/printer/paper', { state: 'ok' })).toMatchObject({ status: 200 });
    await until(() => rig.printer?.printer.receipts()[0]?.cutKind !== null, 'the rest of the receipt');

    const list = await get('/printer/receipts');
    expect(list.status).toBe(200);
    const receipts = list.json as unknown as Array<Record<string, unknown>>;
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      index: 0,
      qrs: ['KASSA TEST generic-80-gbk'],
      barcodes: [{ type: expect.any(String), data: 'KASSA-TEST' }],
      interrupted: true,
      reprintBanner: false,
      pulses: [{ pin: 2, onMs: 100, opened: true }],
    });
    expect((receipts[0]?.lines as string[])[0]?.trim()).toBe('Kassa test page');

    const text = await fetch(`${server.url}/printer/receipts/0.txt`);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const [receipt] = rig.printer?.printer.receipts() ?? [];
    if (receipt === undefined) throw new Error('no receipt');
    expect(await text.text()).toBe(renderText(receipt));

    expect(rig.printer?.printer.drawerOpen).toBe(true);
    printer.got.length = 0;
    expect(await post('/printer/drawer/close')).toMatchObject({ status: 200, json: { drawerOpen: false } });
    await until(() => printer.got.length >= 4, 'ASB drawer closed');
    // The newest frame: an ASB from the earlier paper change may still arrive after the reset.
    expect(parseAsb(Uint8Array.from(printer.got.slice(-4)))).toMatchObject({ drawerPin3High: false });

    expect(await get('/printer/receipts/7.txt')).toMatchObject({ status: 404, json: { error: 'no receipt 7: the printer has printed 1 (numbered from 0)' } });
  });

  it('GET /printer/receipts/{n}.png is the picture receipt-png.ts draws of that receipt', async () => {
    const res = await fetch(`${server.url}/printer/receipts/0.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const [receipt] = rig.printer?.printer.receipts() ?? [];
    if (receipt === undefined) throw new Error('no receipt');
    const png = new Uint8Array(await res.arrayBuffer());
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png).toEqual(renderReceiptPng(receipt));
    expect((await get('/printer/receipts/3.png')).status).toBe(404);
  });

  it('GET /display shows the two lines the host sent', async () => {
    const display = await host(rig.path('display'));
    await display.t.write(encodeScreen('epson-dmd', { line1: 'COFFEE', line2: '¥3.50' }, { charset: 'cp437-yen' }));
    await until(() => rig.display?.screen().line1 === fitLine('COFFEE', 'cp437-yen'), 'the display');
    expect(await get('/display')).toMatchObject({ status: 200, json: { line1: fitLine('COFFEE', 'cp437-yen'), line2: fitLine('¥3.50', 'cp437-yen') } });
  });

  it('unplug and replug through the API; a scan while unplugged is 409', async () => {
    expect(await post('/scanner/unplug')).toMatchObject({ status: 200, json: { device: 'scanner', state: 'unplugged' } });
    expect(await post('/scanner/scan', { code: '1' })).toMatchObject({ status: 409, json: { error: 'the scanner is unplugged: replug it first' } });
    expect(((await get('/status')).json.devices as Record<string, { state: string }>).scanner?.state).toBe('unplugged');
    expect(await post('/scanner/replug')).toMatchObject({ status: 200, json: { state: 'plugged', replugs: 1 } });
    expect(await post('/display/unplug')).toMatchObject({ status: 200, json: { state: 'unplugged' } });
    expect(await post('/display/replug')).toMatchObject({ status: 200, json: { state: 'plugged' } });
    expect(await post('/scanner/scan', { code: '1' })).toMatchObject({ status: 200 });
  });

  it('unknown paths are 404, wrong methods 405 with Allow, oversized bodies 413', async () => {
    expect(await get('/nope')).toMatchObject({ status: 404, json: { error: expect.stringContaining('no such path: GET /nope') } });
    expect(await post('/till/unplug')).toMatchObject({ status: 404 });
    const wrong = await get('/scanner/scan');
    expect(wrong).toMatchObject({ status: 405, json: { error: '/scanner/scan takes POST, not GET' } });
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(await call('PUT', '/status')).toMatchObject({ status: 405 });
    expect(await post('/scanner/scan', { code: 'x'.repeat(2000) })).toMatchObject({ status: 413, json: { error: expect.stringContaining('at most 1024 allowed') } });
    // A chunked body (no Content-Length) is cut off as it passes the limit.
    const chunk = new TextEncoder().encode(`{"code":"${'y'.repeat(600)}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const chunked = await fetch(`${server.url}/scanner/scan`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toEqual({ error: 'request body is over 1024 bytes; at most 1024 allowed' });
    // The server still answers after refusing a body.
    expect((await get('/status')).status).toBe(200);
  });
});

describe.skipIf(!socatFound)('sim control server on a partial rig', () => {
  it('routes of devices the rig does not run are 404 naming the device', async () => {
    const small = await startSimRig({ devices: ['scanner'] });
    const api = await startSimControlServer(small);
    try {
      const res = await fetch(`${api.url}/printer/paper`, { method: 'POST', body: '{"state":"out"}' });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'this simulator runs no printer' });
      const unplug = await fetch(`${api.url}/scale/unplug`, { method: 'POST' });
      expect(unplug.status).toBe(404);
      expect(await unplug.json()).toEqual({ error: 'this simulator runs no scale' });
      expect((await fetch(`${api.url}/display`)).status).toBe(404);
    } finally {
      await api.close();
      await small.stop();
    }
  });

  it('refuses a port outside 0–65535', async () => {
    const small = await startSimRig({ devices: ['scale'] });
    try {
      await expect(startSimControlServer(small, { port: 70_000 })).rejects.toThrow('port must be an integer 0–65535, got 70000');
    } finally {
      await small.stop();
    }
  });
});
