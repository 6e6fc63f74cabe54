// print_link_ratio: how much of a link's raw throughput survives printing through the ESC/POS
// driver. Both figures are measured on the same socat pty pair in the same run, in interleaved
// rounds (raw first in odd rounds, print first in even ones, after one unmeasured warm-up of
// each), and the figure is the median of the per-round ratios:
//   print: receipts encoded with encodeReceipt (sale-fixtures sales, 80 mm GBK profile, barcode,
//          QR, cut, GS r 1) printed with EscPosPrinter.print, all issued at once (the driver
//          pipelines them), timed from the first print() to the last 'printed' (every job must be
//          confirmed by its GS r reply, and the printer must have decoded every receipt);
//   raw:   the same bytes on the same host port in the writes the driver makes of them (it
//          coalesces jobs queued back to back into writes of up to MAX_COALESCED_BYTES), timed
//          until the far end has read them all and sent one acknowledgement byte back (the same
//          one-reply round trip the last GS r costs the print figure).
// The far end runs in a child process (this file with --printer-end): a receipt printer is
// separate hardware, so its work must not take CPU from the driver. In raw rounds it counts
// bytes; in print rounds it is the printer's front end (StatusResponder): it answers every DLE
// EOT and GS r as the bytes stream in, as a printer's firmware answers them ahead of its print
// engine. Rendering the receipts is the print engine's job, and a real one is far slower than
// any link (a thermal head prints a receipt in about half a second), so it is not in the timed
// part: after each print round the child decodes the round's bytes with a fresh VirtualPrinter,
// and the round fails unless it finds every receipt cut and exactly the status queries the
// responder answered. That decode's speed is reported in the note (a simulator decoding in real
// time would bound the figure there, not the driver).
// Both processes report the CPU they used in each round (process.cpuUsage), so the note can say
// which end bounds the print figure: the printer end when it was busy for 85 % of the round or
// more, else the driver side's own work when it used well over a raw round's CPU.
// Rounds are 5,000 receipts (about 6 MB, 150–250 ms), 21 of them: shorter or fewer rounds
// measured the shared 2-core VM's scheduling noise more than the link.
//
//   npx tsx tests/bench/print-link.ts      prints the result JSON (a few seconds)
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EscPosPrinter, MAX_COALESCED_BYTES } from '../../drivers/printer/escpos-printer.ts';
import { DLE, EOT, GS, gsRFunction } from '../../drivers/printer/escpos-status.ts';
import { getPrinterProfile } from '../../drivers/printer/printer-profiles.ts';
import { encodeReceipt } from '../../drivers/printer/receipt-encoder.ts';
import { VirtualPrinter } from '../../drivers/sim/virtual-printer.ts';
import { EscPosDecoder } from '../../drivers/sim/escpos-decoder.ts';
import type { ByteTransport } from '../../drivers/transports/byte-transport.ts';
import { SerialTransport } from '../../drivers/transports/serial-transport.ts';
import { hasSocat, startPtyPair } from '../../drivers/transports/socat-pty-pair.ts';
import { buildReceiptModel } from '../../src/domain/receipt.ts';
import { makeSale } from '../support/sale-fixtures.ts';

export interface PrintLinkResult {
  readonly ratio: number;
  readonly printBytesPerS: number;
  readonly rawBytesPerS: number;
  readonly note: string;
  /** Bytes per CPU second the printer end (child process) needs: its ceiling on this machine. */
  readonly printerCpuBytesPerS: number;
  /** print rate / printerCpuBytesPerS: 1 means the driver kept the printer end busy all the time. */
  readonly printerSaturation: number;
  /** Bytes per CPU second a fresh VirtualPrinter takes to decode and render a round (after the timed part). */
  readonly printerDecodeBytesPerS: number;
  /** CPU ms the bench process (driver side) used per print round and per raw round (medians). */
  readonly hostCpuMsPerRound: { readonly print: number; readonly raw: number };
  readonly rounds: number;
}

export interface PrintLinkOptions {
  readonly rounds?: number;
  readonly jobsPerRound?: number;
}

const ROOT = resolve(import.meta.dirname, '../..');
const THIS_FILE = resolve(import.meta.dirname, 'print-link.ts');
const PROFILE = getPrinterProfile('generic-80-gbk');
const ACK = 0x06;
const PHASE_TIMEOUT_MS = 30_000;

type ToChild = { readonly cmd: 'raw'; readonly bytes: number } | { readonly cmd: 'printer' } | { readonly cmd: 'report' } | { readonly cmd: 'exit' };
type FromChild =
  | { readonly ready: 'open' | 'raw' | 'printer' }
  | {
      readonly report: {
        readonly cut: number;
        /** Status queries the responder answered, and those the virtual printer finds in the same bytes. */
        readonly queries: number;
        readonly decodedQueries: number;
        readonly cpuMs: number;
        readonly decodeCpuMs: number;
        readonly fed: number;
      };
    }
  | { readonly error: string };

// ---------------------------------------------------------------------------------------------
// The far end (child process)

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/**
 * The printer's front end: answers the status queries (DLE EOT n, GS r n) as they stream in, the
 * way a printer's firmware answers them ahead of its print engine, all ready (DLE EOT: 0x12, GS
 * r: 0x00). A query split across two reads is found (the last two bytes carry over). The whole
 * stream is checked after the round by a real VirtualPrinter decode (see `report`).
 */
class StatusResponder {
  queries = 0;
  fed = 0;
  readonly chunks: Uint8Array[] = [];
  #b1 = -1;
  #b2 = -1;

  answer(bytes: Uint8Array): Uint8Array | null {
    this.fed += bytes.length;
    this.chunks.push(bytes);
    const out: number[] = [];
    // A query split over two reads starts in the previous read's last two bytes: check those
    // starts first. The rest is found with the native indexOf for the two prefixes, in stream
    // order, as a printer's front end matches them.
    const carried = [this.#b1, this.#b2].filter((b) => b >= 0);
    const head = Uint8Array.from([...carried, ...bytes.subarray(0, 2)]);
    let from = 0;
    for (let i = 0; i < carried.length && i + 2 < head.length; i += 1) {
      const r = replyAt(head, i);
      if (r !== null) {
        out.push(r);
        from = i + 3 - carried.length;
        break;
      }
    }
    let dle = bytes.indexOf(DLE, from);
    let gs = bytes.indexOf(GS, from);
    while (dle >= 0 || gs >= 0) {
      const i = dle < 0 ? gs : gs < 0 ? dle : Math.min(dle, gs);
      const r = i + 2 < bytes.length ? replyAt(bytes, i) : null;
      const next = r === null ? i + 1 : i + 3;
      if (r !== null) out.push(r);
      if (dle >= 0 && dle < next) dle = bytes.indexOf(DLE, next);
      if (gs >= 0 && gs < next) gs = bytes.indexOf(GS, next);
    }
    this.queries += out.length;
    const len = bytes.length;
    this.#b1 = len >= 2 ? (bytes[len - 2] ?? -1) : this.#b2;
    this.#b2 = len >= 1 ? (bytes[len - 1] ?? -1) : -1;
    return out.length === 0 ? null : Uint8Array.from(out);
  }
}

/** The reply to a status query starting at `i` (DLE EOT n: ready 0x12; GS r n: 0x00), else null. */
function replyAt(bytes: Uint8Array, i: number): number | null {
  const a = bytes[i];
  const b = bytes[i + 1];
  const n = bytes[i + 2] ?? -1;
  if (a === DLE && b === EOT && n >= 1 && n <= 4) return 0x12;
  if (a === GS && b === 0x72 && gsRFunction(n) !== null) return 0x00;
  return null;
}

/** Decodes a round's bytes with a fresh VirtualPrinter: the cut receipts, the status queries it saw, and its CPU ms. */
function decodeRound(chunks: readonly Uint8Array[]): { readonly cut: number; readonly queries: number; readonly cpuMs: number } {
  const printer = new VirtualPrinter({ paperMm: PROFILE.paperMm, columns: PROFILE.columns });
  const start = process.cpuUsage();
  for (const chunk of chunks) printer.write(chunk, 0);
  const cpuMs = cpuMsSince(start);
  const decoder = new EscPosDecoder();
  let queries = 0;
  for (const chunk of chunks) {
    for (const item of decoder.push(chunk)) if (item.kind === 'status-query' && item.command !== 'asb') queries += 1;
  }
  return { cut: printer.receipts().filter((r) => r.cutKind === 'full').length, queries, cpuMs };
}

async function printerEnd(devicePath: string): Promise<void> {
  const send = (message: FromChild): void => {
    process.send?.(message);
  };
  const port = new SerialTransport({ path: devicePath, baudRate: 115_200, owner: 'the bench printer end' });
  await port.open();
  let off: (() => void) | null = null;
  let responder: StatusResponder | null = null;
  let cpuAtStart = process.cpuUsage();
  const stop = (): void => {
    off?.();
    off = null;
  };
  process.on('message', (message: ToChild) => {
    switch (message.cmd) {
      case 'raw': {
        stop();
        let got = 0;
        off = port.onData((bytes) => {
          got += bytes.length;
          if (got >= message.bytes) {
            stop();
            port.write(Uint8Array.of(ACK)).catch((e: unknown) => send({ error: String(e) }));
          }
        });
        send({ ready: 'raw' });
        return;
      }
      case 'printer': {
        stop();
        const r = new StatusResponder();
        responder = r;
        cpuAtStart = process.cpuUsage();
        off = port.onData((bytes) => {
          const reply = r.answer(bytes);
          if (reply !== null) port.write(reply).catch((e: unknown) => send({ error: String(e) }));
        });
        send({ ready: 'printer' });
        return;
      }
      case 'report': {
        const cpuMs = cpuMsSince(cpuAtStart);
        stop();
        const r = responder;
        responder = null;
        if (r === null) {
          send({ error: 'report without a print round' });
          return;
        }
        const decoded = decodeRound(r.chunks);
        send({ report: { cut: decoded.cut, queries: r.queries, decodedQueries: decoded.queries, cpuMs, decodeCpuMs: decoded.cpuMs, fed: r.fed } });
        return;
      }
      case 'exit':
        stop();
        void port.close().finally(() => process.exit(0));
        return;
    }
  });
  send({ ready: 'open' });
}

// ---------------------------------------------------------------------------------------------
// The host end

function receiptJobs(count: number): Uint8Array[] {
  const distinct = Array.from({ length: Math.min(count, 40) }, (_, i) => {
    const record = { ...makeSale(), receiptNo: i + 1 };
    const model = buildReceiptModel(record, { lang: 'zh-CN', header: ['Kassa Store', '收银小票'] });
    return encodeReceipt(model, PROFILE, { cut: true, barcode: `T01-${String(i + 1).padStart(6, '0')}`, qr: `https://kassa.example/r/${record.id}` });
  });
  return Array.from({ length: count }, (_, i) => distinct[i % distinct.length] ?? new Uint8Array(0));
}

/** The writes EscPosPrinter makes of jobs queued back to back: consecutive jobs up to MAX_COALESCED_BYTES. */
function coalesced(jobs: readonly Uint8Array[]): Uint8Array[] {
  const writes: Uint8Array[] = [];
  let group: Uint8Array[] = [];
  let size = 0;
  const flush = (): void => {
    if (group.length === 0) return;
    const out = new Uint8Array(size);
    let at = 0;
    for (const j of group) {
      out.set(j, at);
      at += j.length;
    }
    writes.push(out);
    group = [];
    size = 0;
  };
  for (const job of jobs) {
    if (size > 0 && size + job.length > MAX_COALESCED_BYTES) flush();
    group.push(job);
    size += job.length;
  }
  flush();
  return writes;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`print-link bench: ${what} took longer than ${PHASE_TIMEOUT_MS} ms`)), PHASE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

class ChildLink {
  readonly #child: ChildProcess;
  readonly #waiting: Array<(m: FromChild) => void> = [];
  #failure: Error | null = null;

  constructor(devicePath: string) {
    this.#child = spawn(process.execPath, [join(ROOT, 'src/cli/run-ts.js'), THIS_FILE, '--printer-end', devicePath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (m: FromChild) => {
      if ('error' in m) this.#failure = new Error(`print-link bench printer end: ${m.error}`);
      this.#waiting.shift()?.(m);
    });
    this.#child.once('exit', (code) => {
      this.#failure ??= new Error(`print-link bench: the printer end exited (code ${String(code)})`);
      for (const w of this.#waiting.splice(0)) w({ error: this.#failure.message });
    });
  }

  next(what: string): Promise<FromChild> {
    if (this.#failure) return Promise.reject(this.#failure);
    return within(
      new Promise<FromChild>((resolveMessage, reject) =>
        this.#waiting.push((m) => ('error' in m ? reject(new Error(m.error)) : resolveMessage(m))),
      ),
      what,
    );
  }

  send(message: ToChild): void {
    this.#child.send(message);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.#child.once('exit', () => r()));
    this.#child.send({ cmd: 'exit' } satisfies ToChild);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

interface RoundResult {
  readonly bytesPerS: number;
  /** CPU this (the driver's) process used during the timed part. */
  readonly hostCpuMs: number;
}

async function rawRound(link: ChildLink, host: ByteTransport, jobs: readonly Uint8Array[], total: number): Promise<RoundResult> {
  link.send({ cmd: 'raw', bytes: total });
  await link.next('the raw counter to start');
  let acked!: () => void;
  const ack = new Promise<void>((r) => {
    acked = r;
  });
  const off = host.onData((bytes) => {
    if (bytes.includes(ACK)) acked();
  });
  const cpuAtStart = process.cpuUsage();
  const start = performance.now();
  for (const write of coalesced(jobs)) await host.write(write);
  await within(ack, 'the raw round');
  const ms = performance.now() - start;
  const hostCpuMs = cpuMsSince(cpuAtStart);
  off();
  return { bytesPerS: (total / ms) * 1000, hostCpuMs };
}

async function printRound(
  link: ChildLink,
  host: ByteTransport,
  jobs: readonly Uint8Array[],
  total: number,
): Promise<RoundResult & { readonly cpuBytesPerS: number; readonly decodeBytesPerS: number }> {
  link.send({ cmd: 'printer' });
  await link.next('the virtual printer to start');
  const driver = new EscPosPrinter({ profile: PROFILE, confirmTimeoutMs: PHASE_TIMEOUT_MS });
  try {
    await within(driver.attach(host), 'the printer handshake');
    const cpuAtStart = process.cpuUsage();
    const start = performance.now();
    const results = await within(Promise.all(jobs.map((job, i) => driver.print(job, { jobId: `bench-${i}` }))), 'the print round');
    const ms = performance.now() - start;
    const hostCpuMs = cpuMsSince(cpuAtStart);
    const unconfirmed = results.filter((r) => r.outcome !== 'printed').length;
    if (unconfirmed > 0) throw new Error(`print-link bench: ${unconfirmed} of ${jobs.length} jobs were not confirmed`);
    link.send({ cmd: 'report' });
    const m = await link.next('the printer report');
    if (!('report' in m)) throw new Error('print-link bench: expected the printer report');
    if (m.report.cut !== jobs.length) throw new Error(`print-link bench: the printer decoded ${m.report.cut} cut receipts, expected ${jobs.length}`);
    if (m.report.queries !== m.report.decodedQueries) {
      throw new Error(`print-link bench: the responder answered ${m.report.queries} status queries, the virtual printer finds ${m.report.decodedQueries} in the same bytes`);
    }
    const perCpuS = (cpuMs: number): number => (cpuMs > 0 ? (m.report.fed / cpuMs) * 1000 : Number.NaN);
    return { bytesPerS: (total / ms) * 1000, hostCpuMs, cpuBytesPerS: perCpuS(m.report.cpuMs), decodeBytesPerS: perCpuS(m.report.decodeCpuMs) };
  } finally {
    driver.detach();
  }
}

export async function measurePrintLink(options: PrintLinkOptions = {}): Promise<PrintLinkResult> {
  const rounds = options.rounds ?? 21;
  const jobsPerRound = options.jobsPerRound ?? 5000;
  if (!hasSocat()) throw new Error('print-link bench needs socat (apt-get install socat)');
  const dir = mkdtempSync(join(tmpdir(), 'kassa-print-link-'));
  const hostPath = join(dir, 'printer.host');
  const devicePath = join(dir, 'printer.dev');
  const pair = await startPtyPair(hostPath, devicePath);
  let link: ChildLink | null = null;
  const host = new SerialTransport({ path: hostPath, baudRate: 115_200, owner: 'the bench driver' });
  try {
    link = new ChildLink(devicePath);
    await link.next('the printer end to open its port');
    await host.open();
    const jobs = receiptJobs(jobsPerRound);
    const total = jobs.reduce((sum, j) => sum + j.length, 0);
    const ratios: number[] = [];
    const raws: number[] = [];
    const prints: number[] = [];
    const ceilings: number[] = [];
    const decodeRates: number[] = [];
    const saturations: number[] = [];
    const hostCpuPrint: number[] = [];
    const hostCpuRaw: number[] = [];
    // Warm-up: JIT, serialport buffers, the child's decoder.
    await rawRound(link, host, jobs, total);
    await printRound(link, host, jobs, total);
    for (let round = 0; round < rounds; round += 1) {
      let raw: RoundResult;
      let print: Awaited<ReturnType<typeof printRound>>;
      if (round % 2 === 0) {
        raw = await rawRound(link, host, jobs, total);
        print = await printRound(link, host, jobs, total);
      } else {
        print = await printRound(link, host, jobs, total);
        raw = await rawRound(link, host, jobs, total);
      }
      raws.push(raw.bytesPerS);
      prints.push(print.bytesPerS);
      ceilings.push(print.cpuBytesPerS);
      decodeRates.push(print.decodeBytesPerS);
      saturations.push(print.bytesPerS / print.cpuBytesPerS);
      ratios.push(print.bytesPerS / raw.bytesPerS);
      hostCpuPrint.push(print.hostCpuMs);
      hostCpuRaw.push(raw.hostCpuMs);
      if (process.env.KASSA_BENCH_DEBUG === '1') {
        process.stderr.write(
          `print-link round ${round + 1}: raw ${(raw.bytesPerS / 1e6).toFixed(2)} MB/s (driver side ${raw.hostCpuMs.toFixed(1)} CPU ms), ` +
            `print ${(print.bytesPerS / 1e6).toFixed(2)} MB/s (driver side ${print.hostCpuMs.toFixed(1)} CPU ms), ` +
            `printer end ${(print.cpuBytesPerS / 1e6).toFixed(2)} MB per CPU s, decoding ${(print.decodeBytesPerS / 1e6).toFixed(2)} MB per CPU s\n`,
        );
      }
    }
    const ratio = median(ratios);
    const ceiling = median(ceilings);
    const saturation = median(saturations);
    const printBytesPerS = median(prints);
    const rawBytesPerS = median(raws);
    const decodeRate = median(decodeRates);
    const hostCpuMsPerRound = { print: median(hostCpuPrint), raw: median(hostCpuRaw) };
    // A printer end busy nearly all the round is what holds the driver back; one that waits for
    // bytes while the driver side burns more CPU than a raw round is held back by the driver.
    const printerBound = saturation >= 0.85;
    const driverBound = !printerBound && hostCpuMsPerRound.print > hostCpuMsPerRound.raw * 1.5;
    const note =
      `median of ${rounds} interleaved rounds (ratio range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}), ` +
      `${jobsPerRound} receipts of ~${Math.round(total / jobsPerRound)} B (${(total / 1024).toFixed(0)} KiB) per round over one socat pty pair; ` +
      `print ${(printBytesPerS / 1e6).toFixed(2)} MB/s confirmed by GS r vs raw ${(rawBytesPerS / 1e6).toFixed(2)} MB/s; ` +
      `the printer end (child process: answering status queries, port I/O, GC) needs 1 CPU s per ${(ceiling / 1e6).toFixed(2)} MB, so the driver kept it ${(saturation * 100).toFixed(0)} % busy ` +
      `(decoding the same bytes afterwards, the virtual printer renders ${(decodeRate / 1e6).toFixed(1)} MB per CPU s); ` +
      `the driver side used ${hostCpuMsPerRound.print.toFixed(1)} CPU ms per print round against ${hostCpuMsPerRound.raw.toFixed(1)} per raw round` +
      (printerBound ? '; the printer end\'s ceiling bounds the print figure, not the driver' : '') +
      (driverBound ? '; the printer end waits for bytes, so the driver side\'s own work (EscPosPrinter, the replies it reads) bounds the print figure' : '');
    return {
      ratio,
      printBytesPerS,
      rawBytesPerS,
      note,
      printerCpuBytesPerS: ceiling,
      printerSaturation: saturation,
      printerDecodeBytesPerS: decodeRate,
      hostCpuMsPerRound,
      rounds,
    };
  } finally {
    await host.close().catch(() => undefined);
    await link?.stop();
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const printerEndAt = process.argv.indexOf('--printer-end');
if (printerEndAt >= 0) {
  const devicePath = process.argv[printerEndAt + 1];
  if (devicePath === undefined) throw new Error('usage: print-link.ts --printer-end <device pty path>');
  await printerEnd(devicePath);
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = await measurePrintLink();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
