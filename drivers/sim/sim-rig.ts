// A full set of simulated devices behind socat pseudo-terminals (issue 3 §9): a printer, a
// scanner, a pole display and a scale, each on its own virtual null-modem cable, so the real
// drivers open real serial ports and cannot tell them from hardware. `kassa sim`, training mode,
// the UI tests and the integration tests start it; ./sim-control-server.ts drives it over HTTP.
// Hand-written: it only wires Kassa's own pieces (socat-pty-pair.ts, SerialTransport and the
// virtual devices) together.
//
// Decisions (a caller can rely on them):
// - One directory holds the links: `<dir>/<device>` is the end the application opens (what
//   configBlock() lists), `<dir>/<device>.sim` the end the virtual device holds. Without `dir`
//   a fresh temporary directory is made and removed by stop(); a given directory is created if
//   missing and keeps everything but the links (and a lock file) after stop().
// - A lock file `<dir>/.kassa-sim.pid` keeps two rigs out of one directory, this process's
//   included: socat silently replaces existing links, which would steal the ports of a rig
//   still running. A lock left by a process that no longer runs is taken over.
// - unplug() kills that device's socat (the cable pulled: the application's port hangs up) and
//   closes the simulator's end; replug() starts socat again on the same link paths and reopens
//   the same SerialTransport, so the virtual device keeps its subscriptions and its state
//   (receipts, paper, drawer, weight): only the cable was pulled, not the power.
// - Operations on one device run one after another; stop() waits for them and is idempotent.
// - The printer profile decides the paper (58/80 mm) and columns; the default is
//   'generic-80-gbk' (80 mm, 48 columns, GBK), the common Chinese counter printer, so Chinese
//   receipts print in training. StarPRNT profiles are refused: the virtual printer speaks
//   ESC/POS only.
// - The scanner sends an AIM id only when one is given per scan, unless `scannerAim` is set;
//   then a scan without one gets a plausible id (13 digits → ]E0, 8 digits → ]E4, FNC1 inside
//   → ]C1, anything else → ]C0), so the configured framer always finds one.
// - Baud rates are the devices' usual 9600; ptys ignore them anyway.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isBuiltInProfileId, PRINTER_PROFILES } from '../printer/printer-profiles.ts';
import type { PrinterProfile } from '../printer/printer-profiles.ts';
import type { DisplayCharset, DisplayCommandSet } from '../display/pole-display.ts';
import type { SerialSuffix } from '../scanner/serial-scan-framer.ts';
import type { ScaleUnit } from '../scale/toledo-8213.ts';
import { SerialTransport } from '../transports/serial-transport.ts';
import { hasSocat, startPtyPair } from '../transports/socat-pty-pair.ts';
import type { PtyPair } from '../transports/socat-pty-pair.ts';
import { VirtualDisplayDevice } from './virtual-display.ts';
import { VirtualPrinter } from './virtual-printer.ts';
import type { PaperWidth } from './virtual-printer.ts';
import { VirtualPrinterDevice } from './virtual-printer-device.ts';
import { VirtualScale } from './virtual-scale.ts';
import { VirtualScanner } from './virtual-scanner.ts';

export type SimDeviceName = 'printer' | 'scanner' | 'display' | 'scale';
export const SIM_DEVICE_NAMES: readonly SimDeviceName[] = ['printer', 'scanner', 'display', 'scale'];

export interface SimRigOptions {
  /** Where the links go; default a new temporary directory (removed by stop()). */
  readonly dir?: string;
  /** Which devices to start; default all four. */
  readonly devices?: readonly SimDeviceName[];
  /** A built-in ESC/POS printer profile id; default by paperMm (80: 'generic-80-gbk', 58: 'xprinter-58'). */
  readonly printerProfile?: string;
  /** Default 80, or the profile's width. */
  readonly paperMm?: PaperWidth;
  /** Default 'epson-dmd'. */
  readonly displayCommandSet?: DisplayCommandSet;
  /** Default 'cp437-yen'. */
  readonly displayCharset?: DisplayCharset;
  /** Default 'CR'. */
  readonly scannerSuffix?: SerialSuffix;
  /** The scanner sends AIM ids (guessed when a scan gives none); default false. */
  readonly scannerAim?: boolean;
  /** Default 'kg'. */
  readonly scaleUnit?: ScaleUnit;
  readonly socatPath?: string;
  /** How long to wait for socat each time it starts (default 5000 ms). */
  readonly socatTimeoutMs?: number;
}

/** The devices block entries, as kassa.config.json takes them (device-config.ts). */
export interface SimPrinterConfig {
  readonly id: 'printer';
  readonly type: 'printer';
  readonly transport: 'serial';
  readonly path: string;
  readonly baudRate: number;
  readonly profile: string;
  readonly drawer: {
    readonly pin: 2 | 5;
    readonly onMs: number;
    readonly offMs: number;
    readonly polarity: 'high-is-open' | 'high-is-closed';
    readonly leftOpenAlertS: number;
    readonly openOnCashSale: boolean;
  };
}
export interface SimScannerConfig {
  readonly id: 'scanner';
  readonly type: 'scanner';
  readonly transport: 'serial';
  readonly path: string;
  readonly baudRate: number;
  readonly suffix: SerialSuffix;
  readonly aim: boolean;
}
export interface SimDisplayConfig {
  readonly id: 'display';
  readonly type: 'display';
  readonly transport: 'serial';
  readonly path: string;
  readonly baudRate: number;
  readonly commandSet: DisplayCommandSet;
  readonly charset: DisplayCharset;
}
export interface SimScaleConfig {
  readonly id: 'scale';
  readonly type: 'scale';
  readonly transport: 'serial';
  readonly path: string;
  readonly baudRate: number;
  readonly unit: ScaleUnit;
  readonly mode: 'demand';
}
export type SimDeviceConfig = SimPrinterConfig | SimScannerConfig | SimDisplayConfig | SimScaleConfig;

/**
 * 'plugged': socat runs and the simulator's end is open. 'unplugged': unplug() was called.
 * 'lost': the link went away by itself (socat killed from outside); replug() brings it back.
 */
export type SimLinkState = 'plugged' | 'unplugged' | 'lost';

export interface SimLinkStatus {
  readonly device: SimDeviceName;
  /** The end the application opens. */
  readonly path: string;
  /** The end the simulator holds. */
  readonly simPath: string;
  readonly state: SimLinkState;
  /** socat's pid while plugged. */
  readonly socatPid: number | null;
  readonly unplugs: number;
  readonly replugs: number;
}

/** 'unplugged': the device's link is down; 'no-device': the rig does not run it; 'bad-option'; 'stopped'; 'busy': the directory is taken; 'no-socat'. */
export type SimRigErrorCode = 'unplugged' | 'no-device' | 'bad-option' | 'stopped' | 'busy' | 'no-socat';

export class SimRigError extends Error {
  override readonly name = 'SimRigError';
  constructor(
    readonly code: SimRigErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const BAUD = 9600;
const LOCK_FILE = '.kassa-sim.pid';
const DEFAULT_PROFILE: Readonly<Record<PaperWidth, string>> = { 80: 'generic-80-gbk', 58: 'xprinter-58' };

class Link {
  pair: PtyPair | null = null;
  unplugged = false;
  unplugs = 0;
  replugs = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    readonly device: SimDeviceName,
    readonly path: string,
    readonly simPath: string,
    readonly transport: SerialTransport,
  ) {}

  /** Runs `step` after every earlier operation on this link. */
  serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(step);
    this.#chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  get state(): SimLinkState {
    if (this.unplugged) return 'unplugged';
    return this.pair?.running === true && this.transport.isOpen ? 'plugged' : 'lost';
  }
}

/** The AIM id a scanner would most likely send for `code` (see the header). */
export function guessAim(code: string): string {
  if (/^\d{13}$/.test(code)) return ']E0';
  if (/^\d{8}$/.test(code)) return ']E4';
  if (code.includes('\x1d')) return ']C1';
  return ']C0';
}

/** Picks and checks the printer profile for the options (see the header). */
export function simPrinterProfile(options: Pick<SimRigOptions, 'printerProfile' | 'paperMm'>): PrinterProfile {
  const id = options.printerProfile ?? DEFAULT_PROFILE[options.paperMm ?? 80];
  if (!isBuiltInProfileId(id)) {
    throw new SimRigError('bad-option', `unknown printer profile "${id}": expected one of ${Object.keys(PRINTER_PROFILES).join(', ')}`);
  }
  const profile: PrinterProfile = PRINTER_PROFILES[id];
  if (profile.language !== 'esc-pos') {
    const escpos = Object.values(PRINTER_PROFILES as Readonly<Record<string, PrinterProfile>>).filter((p) => p.language === 'esc-pos');
    throw new SimRigError('bad-option', `printer profile "${id}" speaks ${profile.language}; the virtual printer speaks ESC/POS only: use one of ${escpos.map((p) => p.id).join(', ')}`);
  }
  if (options.paperMm !== undefined && options.paperMm !== profile.paperMm) {
    throw new SimRigError('bad-option', `printer profile "${id}" is for ${profile.paperMm} mm paper, not ${options.paperMm} mm`);
  }
  return profile;
}

export class SimRig {
  readonly dir: string;
  readonly printer: VirtualPrinterDevice | null;
  readonly scanner: VirtualScanner | null;
  readonly display: VirtualDisplayDevice | null;
  readonly scale: VirtualScale | null;
  readonly printerProfile: PrinterProfile;
  readonly scannerSuffix: SerialSuffix;
  readonly scannerAim: boolean;
  readonly displayCommandSet: DisplayCommandSet;
  readonly displayCharset: DisplayCharset;
  readonly scaleUnit: ScaleUnit;
  readonly #links: ReadonlyMap<SimDeviceName, Link>;
  readonly #ownDir: boolean;
  readonly #socat: { socatPath?: string; timeoutMs: number };
  #stopping: Promise<void> | null = null;

  /** Use startSimRig(). */
  constructor(init: {
    dir: string;
    ownDir: boolean;
    links: ReadonlyMap<SimDeviceName, Link>;
    profile: PrinterProfile;
    options: SimRigOptions;
  }) {
    const o = init.options;
    this.dir = init.dir;
    this.#ownDir = init.ownDir;
    this.#links = init.links;
    this.#socat = { ...(o.socatPath === undefined ? {} : { socatPath: o.socatPath }), timeoutMs: o.socatTimeoutMs ?? 5000 };
    this.printerProfile = init.profile;
    this.scannerSuffix = o.scannerSuffix ?? 'CR';
    this.scannerAim = o.scannerAim ?? false;
    this.displayCommandSet = o.displayCommandSet ?? 'epson-dmd';
    this.displayCharset = o.displayCharset ?? 'cp437-yen';
    this.scaleUnit = o.scaleUnit ?? 'kg';
    const transport = (name: SimDeviceName): SerialTransport | null => init.links.get(name)?.transport ?? null;
    const p = transport('printer');
    this.printer =
      p &&
      new VirtualPrinterDevice(
        p,
        new VirtualPrinter({ paperMm: this.printerProfile.paperMm, columns: this.printerProfile.columns, drawerPin: 2, drawerPolarity: 'high-is-open' }),
      );
    const s = transport('scanner');
    this.scanner = s && new VirtualScanner(s, { suffix: this.scannerSuffix });
    const d = transport('display');
    this.display = d && new VirtualDisplayDevice(d, { commandSet: this.displayCommandSet, charset: this.displayCharset });
    const w = transport('scale');
    this.scale = w && new VirtualScale(w, { unit: this.scaleUnit });
  }

  /** The devices this rig runs, in the order of SIM_DEVICE_NAMES. */
  get devices(): SimDeviceName[] {
    return SIM_DEVICE_NAMES.filter((n) => this.#links.has(n));
  }

  has(device: SimDeviceName): boolean {
    return this.#links.has(device);
  }

  /** Where the application opens `device`. */
  path(device: SimDeviceName): string {
    return this.#link(device).path;
  }

  links(): SimLinkStatus[] {
    return this.devices.map((name) => {
      const l = this.#link(name);
      return {
        device: name,
        path: l.path,
        simPath: l.simPath,
        state: l.state,
        socatPid: l.pair?.running === true ? l.pair.pid : null,
        unplugs: l.unplugs,
        replugs: l.replugs,
      };
    });
  }

  /** The `devices` array of kassa.config.json that points at this rig's ports. */
  configBlock(): SimDeviceConfig[] {
    const out: SimDeviceConfig[] = [];
    for (const name of this.devices) {
      const path = this.path(name);
      switch (name) {
        case 'printer':
          out.push({
            id: 'printer',
            type: 'printer',
            transport: 'serial',
            path,
            baudRate: BAUD,
            profile: this.printerProfile.id,
            drawer: { pin: 2, onMs: 100, offMs: 200, polarity: 'high-is-open', leftOpenAlertS: 60, openOnCashSale: true },
          });
          break;
        case 'scanner':
          out.push({ id: 'scanner', type: 'scanner', transport: 'serial', path, baudRate: BAUD, suffix: this.scannerSuffix, aim: this.scannerAim });
          break;
        case 'display':
          out.push({ id: 'display', type: 'display', transport: 'serial', path, baudRate: BAUD, commandSet: this.displayCommandSet, charset: this.displayCharset });
          break;
        case 'scale':
          out.push({ id: 'scale', type: 'scale', transport: 'serial', path, baudRate: BAUD, unit: this.scaleUnit, mode: 'demand' });
          break;
      }
    }
    return out;
  }

  /** Scans `code`; `aim` overrides the AIM id (null: none). Rejects while the scanner is unplugged. */
  async scan(code: string, aim?: string | null): Promise<void> {
    const scanner = this.scanner;
    if (scanner === null) throw new SimRigError('no-device', 'this rig has no scanner');
    const link = this.#link('scanner');
    if (link.state !== 'plugged') throw new SimRigError('unplugged', `the scanner is ${link.state}: replug it first`);
    await scanner.scan(code, aim === undefined && this.scannerAim ? guessAim(code) : aim);
  }

  /** Pulls the cable: kills the device's socat, so the application's port hangs up. */
  unplug(device: SimDeviceName): Promise<SimLinkStatus> {
    const link = this.#link(device);
    return link.serial(async () => {
      this.#checkRunning();
      if (!link.unplugged) {
        link.unplugged = true;
        link.unplugs += 1;
        const pair = link.pair;
        link.pair = null;
        await pair?.stop();
        await link.transport.close();
      }
      return this.#status(device);
    });
  }

  /** Plugs the cable back: socat again on the same links, the simulator's end reopened. */
  replug(device: SimDeviceName): Promise<SimLinkStatus> {
    const link = this.#link(device);
    return link.serial(async () => {
      this.#checkRunning();
      if (link.state === 'plugged') return this.#status(device);
      await link.pair?.stop();
      await link.transport.close();
      link.pair = null;
      link.pair = await startPtyPair(link.path, link.simPath, this.#socat);
      await link.transport.open();
      link.unplugged = false;
      link.replugs += 1;
      return this.#status(device);
    });
  }

  /** Kills every socat and removes the links (and the directory if the rig made it). */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.printer?.detach();
    this.display?.detach();
    this.scale?.detach();
    for (const link of this.#links.values()) {
      await link.serial(async () => {
        await link.transport.close().catch(() => undefined);
        await link.pair?.stop();
        link.pair = null;
        rmSync(link.path, { force: true });
        rmSync(link.simPath, { force: true });
      });
    }
    releaseLock(this.dir);
    if (this.#ownDir) rmSync(this.dir, { recursive: true, force: true });
  }

  #status(device: SimDeviceName): SimLinkStatus {
    const found = this.links().find((l) => l.device === device);
    if (found === undefined) throw new SimRigError('no-device', `this rig has no ${device}`);
    return found;
  }

  #checkRunning(): void {
    if (this.#stopping !== null) throw new SimRigError('stopped', 'the simulator rig is stopped');
  }

  #link(device: SimDeviceName): Link {
    const link = this.#links.get(device);
    if (link === undefined) throw new SimRigError('no-device', `this rig has no ${device} (it runs ${this.devices.join(', ') || 'nothing'})`);
    return link;
  }
}

/** Starts socat for every device, opens the simulators' ends and attaches the virtual devices. */
export async function startSimRig(options: SimRigOptions = {}): Promise<SimRig> {
  const names = options.devices ?? SIM_DEVICE_NAMES;
  for (const n of names) {
    if (!SIM_DEVICE_NAMES.includes(n)) throw new SimRigError('bad-option', `unknown simulated device "${String(n)}": expected ${SIM_DEVICE_NAMES.join(', ')}`);
  }
  const profile = simPrinterProfile(options);
  if (!hasSocat(options.socatPath)) {
    throw new SimRigError('no-socat', `socat was not found${options.socatPath === undefined ? '' : ` at ${options.socatPath}`}: the simulator needs it for its virtual serial ports; install it (e.g. "apt-get install socat" or "brew install socat")`);
  }
  const ownDir = options.dir === undefined;
  const dir = ownDir ? mkdtempSync(join(tmpdir(), 'kassa-sim-')) : resolve(options.dir ?? '.');
  if (!ownDir) mkdirSync(dir, { recursive: true });
  takeLock(dir);
  const links = new Map<SimDeviceName, Link>();
  const socat = { ...(options.socatPath === undefined ? {} : { socatPath: options.socatPath }), timeoutMs: options.socatTimeoutMs ?? 5000 };
  try {
    for (const name of SIM_DEVICE_NAMES.filter((n) => names.includes(n))) {
      const path = join(dir, name);
      const simPath = `${path}.sim`;
      const transport = new SerialTransport({ path: simPath, baudRate: BAUD, owner: `the virtual ${name}` });
      const link = new Link(name, path, simPath, transport);
      links.set(name, link);
      link.pair = await startPtyPair(path, simPath, socat);
      await transport.open();
    }
  } catch (error) {
    for (const link of links.values()) {
      await link.transport.close().catch(() => undefined);
      await link.pair?.stop();
    }
    releaseLock(dir);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return new SimRig({ dir, ownDir, links, profile, options });
}

function takeLock(dir: string): void {
  const file = join(dir, LOCK_FILE);
  if (existsSync(file)) {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) {
      throw new SimRigError('busy', `${dir} is used by another simulator (process ${pid}): stop it or choose another directory`);
    }
  }
  writeFileSync(file, `${process.pid}\n`);
}

function releaseLock(dir: string): void {
  const file = join(dir, LOCK_FILE);
  try {
    if (Number.parseInt(readFileSync(file, 'utf8').trim(), 10) === process.pid) rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
