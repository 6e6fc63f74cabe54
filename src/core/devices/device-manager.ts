// Runs the terminal's configured devices: one device lifecycle machine each
// (state-machines/device.machine.ts), the driver that speaks the device's protocol, and the
// wiring to the checkout: scans become SCAN events, the printer's state becomes PRINTER.STATUS,
// the pole display follows the sale, the scale gives weighed lines their stable weight, and the
// cash drawer is watched for being left open.
//
// Decisions:
// - The manager owns opening, closing and reconnecting transports; drivers are attached to an
//   open transport and detached when it closes, so a cable pulled and plugged back in is one
//   TRANSPORT.LOST and a reconnect with backoff, never a new driver.
// - A device that is garbled, slow or missing never stops the checkout: its warnings are
//   counted on its machine and logged; the sale goes on.
// - The printer "cannot print" while it is in fault (paper out, cover open, offline) or its
//   link is down (reconnecting, disconnected); that is what the checkout's no-paper question
//   and the receipt service's automatic reprint follow.
// - Drawer openings outside a sale and drawers left open are journalled (ARCHITECTURE.md §3
//   rule 6); openings with a sale's receipt are part of that sale.
import { createActor, type Actor } from 'xstate';
import { encodeInit, encodeScreen, thankYouScreen, welcomeScreen, type DisplayScreen } from '../../../drivers/display/pole-display.ts';
import { statusSeverity } from '../../../drivers/printer/escpos-status.ts';
import { describePrinterStatus, EscPosPrinter, type PrinterDriverEvent, type PrintResult } from '../../../drivers/printer/escpos-printer.ts';
import { getPrinterProfile } from '../../../drivers/printer/printer-profiles.ts';
import { encodeTestPage } from '../../../drivers/printer/receipt-encoder.ts';
import { requestWeight, requestTare, requestZero, ScaleReader, StableWeightPolicy } from '../../../drivers/scale/toledo-8213.ts';
import { HidPosScanner, SerialScanner } from '../../../drivers/scanner/scanner-driver.ts';
import { DEFAULT_BACKOFF } from '../../../drivers/transports/backoff.ts';
import type { ByteTransport } from '../../../drivers/transports/byte-transport.ts';
import type { ReportTransport } from '../../../drivers/transports/report-transport.ts';
import { deviceSummary, provideDevice, type DeviceKind, type DeviceSeverity, type DeviceState, type ReconnectBackoff } from '../../../state-machines/device.machine.ts';
import { classifiableText, type ScanEvent } from '../../shared/scan-event.ts';
import type { KassaConfig } from '../config.ts';
import { stateName, type CheckoutService } from '../checkout-service.ts';
import { deviceAddress, type DeviceConfig, type DisplayDeviceConfig, type PrinterDeviceConfig, type ScaleDeviceConfig, type ScannerDeviceConfig } from '../device-config.ts';
import { appendJournal } from '../db/journal.ts';
import type { Db } from '../db/open.ts';
import type { Logger } from '../logger.ts';
import type { ReceiptPrinter } from '../receipt-printer.ts';
import { deviceReceiptPrinter } from './device-receipt-printer.ts';
import { transportFor as defaultTransportFor, type DeviceTransport } from './device-transports.ts';
import { poleScreen } from './pole-presenter.ts';

export interface DeviceView {
  readonly id: string;
  readonly type: DeviceConfig['type'];
  readonly address: string;
  readonly state: DeviceState;
  /** Cashier-readable: "ready", "paper out", "serial /dev/ttyUSB0: no such port". */
  readonly detail: string;
  readonly warnings: number;
  readonly lastWarning: string | null;
  readonly since: string | null;
}

export type DeviceNotice =
  | { readonly type: 'drawer-left-open'; readonly deviceId: string; readonly openForS: number }
  | { readonly type: 'drawer'; readonly deviceId: string; readonly open: boolean };

export interface DeviceManagerOptions {
  readonly config: KassaConfig;
  readonly db: Db;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Test seam: the transport for a device (default: serial, usb-lp, tcp or hid from its config). */
  readonly transportFor?: (device: DeviceConfig) => DeviceTransport;
  readonly backoff?: ReconnectBackoff;
  /** Scale polling period in demand mode (default 200 ms, what the stable-weight rule is sized for). */
  readonly scalePollMs?: number;
  /** How long the change and the thank-you stay on the pole display (default 8 s each). */
  readonly displayHoldMs?: number;
}

type DeviceLogic = ReturnType<typeof provideDevice>;

interface Runner {
  readonly config: DeviceConfig;
  readonly kind: DeviceKind;
  readonly actor: Actor<DeviceLogic>;
  readonly link: DeviceTransport;
}

const KIND: Readonly<Record<DeviceConfig['type'], DeviceKind>> = { printer: 'printer', scanner: 'scanner', display: 'display', scale: 'scale' };

export class DeviceError extends Error {
  override name = 'DeviceError';
}

export class DeviceManager {
  readonly #config: KassaConfig;
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #runners = new Map<string, Runner>();
  readonly #changeListeners = new Set<(views: DeviceView[]) => void>();
  readonly #scanListeners = new Set<(scan: ScanEvent, deviceId: string) => void>();
  readonly #noticeListeners = new Set<(notice: DeviceNotice) => void>();
  readonly #cleanups: (() => void)[] = [];
  readonly #scalePollMs: number;
  readonly #displayHoldMs: number;
  #checkout: CheckoutService | null = null;
  #started = false;

  // printer
  #printerConfig: PrinterDeviceConfig | null = null;
  #printerDriver: EscPosPrinter | null = null;
  #printerAttached = false;
  readonly receiptPrinter: ReceiptPrinter | null = null;
  #lastPrinterCanPrint: boolean | null = null;

  // display
  #displayConfig: DisplayDeviceConfig | null = null;
  #displayShown: string | null = null;
  #displayWanted: DisplayScreen | null = null;
  #displayTimer: ReturnType<typeof setTimeout> | null = null;

  // scale
  #scaleConfig: ScaleDeviceConfig | null = null;
  #scaleReader: ScaleReader | null = null;
  readonly #stable = new StableWeightPolicy();
  #scalePoll: ReturnType<typeof setInterval> | null = null;

  constructor(options: DeviceManagerOptions) {
    this.#config = options.config;
    this.#db = options.db;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
    this.#scalePollMs = options.scalePollMs ?? 200;
    this.#displayHoldMs = options.displayHoldMs ?? 8000;
    const transportFor = options.transportFor ?? defaultTransportFor;
    const backoff = options.backoff ?? DEFAULT_BACKOFF;

    for (const device of this.#config.devices) {
      const link = transportFor(device);
      const actor = createActor(
        provideDevice({
          openDevice: async (_input, signal) => {
            await link.transport.open(signal);
            try {
              await this.#attach(device, link, signal);
            } catch (err) {
              this.#detach(device);
              await link.transport.close().catch(() => undefined);
              throw err;
            }
            return { at: this.#at() };
          },
        }),
        { input: { deviceId: device.id, kind: KIND[device.type], backoff } },
      );
      const runner: Runner = { config: device, kind: KIND[device.type], actor, link };
      this.#runners.set(device.id, runner);
      const offClose = link.transport.onClose((reason) => {
        this.#detach(device);
        if (reason) {
          this.#logger.warn({ device: device.id, err: reason.message }, 'device link lost');
          actor.send({ type: 'TRANSPORT.LOST', error: reason.message, at: this.#at() });
        }
      });
      this.#cleanups.push(offClose);
      const sub = actor.subscribe(() => this.#changed(runner));
      this.#cleanups.push(() => sub.unsubscribe());

      if (device.type === 'printer') {
        this.#printerConfig = device;
        const profile = getPrinterProfile(device.profile);
        this.#printerDriver = new EscPosPrinter({
          profile,
          pollMs: device.pollMs,
          confirmTimeoutMs: device.confirmTimeoutS * 1000,
          drawer: device.drawer ? { polarity: device.drawer.polarity, leftOpenAlertMs: device.drawer.leftOpenAlertS * 1000 } : null,
        });
        this.#cleanups.push(this.#printerDriver.onEvent((e) => this.#printerEvent(runner, e)));
        this.receiptPrinter = deviceReceiptPrinter(device, profile, () => (this.#printerAttached ? this.#printerDriver : null));
      } else if (device.type === 'display') {
        this.#displayConfig = device;
      } else if (device.type === 'scale') {
        this.#scaleConfig = device;
        this.#scaleReader = new ScaleReader({ unit: device.unit, mode: device.mode });
      }
    }
  }

  /** Starts every device's machine and connects. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const r of this.#runners.values()) {
      r.actor.start();
      r.actor.send({ type: 'CONNECT', at: this.#at() });
    }
  }

  async stop(): Promise<void> {
    if (this.#displayTimer) clearTimeout(this.#displayTimer);
    this.#displayTimer = null;
    for (const r of this.#runners.values()) {
      r.actor.send({ type: 'STOP', at: this.#at() });
      this.#detach(r.config);
    }
    for (const c of this.#cleanups.splice(0)) c();
    await Promise.all([...this.#runners.values()].map((r) => r.link.transport.close().catch(() => undefined)));
    for (const r of this.#runners.values()) r.actor.stop();
    this.#started = false;
  }

  list(): DeviceView[] {
    return [...this.#runners.values()].map((r) => this.#view(r));
  }

  view(id: string): DeviceView {
    const r = this.#runners.get(id);
    if (!r) throw new DeviceError(`there is no device "${id}" in kassa.config.json (configured: ${[...this.#runners.keys()].join(', ') || 'none'})`);
    return this.#view(r);
  }

  /**
   * Connects one device again now (the manager screen's "reconnect"): a device waiting to retry
   * retries at once; a connected one (a fault that will not clear, a link that seems stuck) has
   * its transport closed and opened again, as if the cable were pulled and plugged back in.
   * Answers the view once the attempt is under way; 'devices' listeners hear the rest.
   */
  async reconnect(id: string): Promise<DeviceView> {
    const r = this.#runners.get(id);
    if (!r) throw new DeviceError(`there is no device "${id}" in kassa.config.json (configured: ${[...this.#runners.keys()].join(', ') || 'none'})`);
    if (!this.#started) throw new DeviceError('the devices are not started');
    const state = this.#view(r).state;
    if (state === 'ready' || state === 'degraded' || state === 'fault') {
      this.#logger.info({ device: id, state }, 'device reconnect asked for');
      r.actor.send({ type: 'STOP', at: this.#at() });
      this.#detach(r.config);
      await r.link.transport.close().catch(() => undefined);
      r.actor.send({ type: 'CONNECT', at: this.#at() });
    } else if (state === 'reconnecting' || state === 'disconnected') {
      r.actor.send({ type: 'CONNECT', at: this.#at() });
    }
    return this.#view(r);
  }

  onChange(listener: (views: DeviceView[]) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  onScan(listener: (scan: ScanEvent, deviceId: string) => void): () => void {
    this.#scanListeners.add(listener);
    return () => this.#scanListeners.delete(listener);
  }

  onNotice(listener: (notice: DeviceNotice) => void): () => void {
    this.#noticeListeners.add(listener);
    return () => this.#noticeListeners.delete(listener);
  }

  /** Resolves once every device has left `connecting` (ready, degraded, fault or reconnecting), or after the timeout. */
  async settled(timeoutMs = 5000): Promise<DeviceView[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const views = this.list();
      if (views.every((v) => v.state !== 'connecting' && v.state !== 'disconnected')) return views;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.list();
  }

  /** Waits until one device is ready (or degraded), failing with what it is doing instead. */
  async whenReady(id: string, timeoutMs = 5000): Promise<DeviceView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = this.view(id);
      if (v.state === 'ready' || v.state === 'degraded') return v;
      if (Date.now() >= deadline) throw new DeviceError(`${v.type} "${id}" at ${v.address} is not ready: ${v.state}${v.detail ? ` (${v.detail})` : ''}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Connects the checkout: scans go to it, the printer's state and the pole display follow it. */
  bindCheckout(service: CheckoutService): () => void {
    this.#checkout = service;
    this.#sendPrinterStatus(true);
    const sub = service.actor.subscribe((snap) => this.#showSale(snap));
    this.#showSale(service.actor.getSnapshot());
    return () => {
      sub.unsubscribe();
      if (this.#checkout === service) this.#checkout = null;
    };
  }

  // --- scale ------------------------------------------------------------------------------

  get hasScale(): boolean {
    return this.#scaleConfig !== null;
  }

  /** The weight a weighed line may take now, or why there is none. */
  weigh(): { readonly grams: number } | { readonly error: string } {
    const scale = this.#scaleConfig;
    if (!scale) return { error: 'no scale is configured on this terminal' };
    const v = this.view(scale.id);
    if (v.state !== 'ready' && v.state !== 'degraded') return { error: `the scale is not connected (${v.state}${v.detail ? `: ${v.detail}` : ''})` };
    const grams = this.#stable.stableGrams(Date.now());
    if (grams === null) return { error: 'the scale has no steady weight yet: put the item on the scale and wait for it to settle' };
    return { grams };
  }

  async zeroScale(): Promise<void> {
    await this.#scaleWrite(requestZero());
  }

  async tareScale(): Promise<void> {
    await this.#scaleWrite(requestTare());
  }

  // --- printer and drawer -----------------------------------------------------------------

  /** Prints the printer's test page. */
  async testPrint(by: string): Promise<PrintResult> {
    const printer = this.#printerOrThrow();
    const result = await printer.driver.print(encodeTestPage(printer.profile), { jobId: `test-${Date.now()}` });
    this.#journal('device.test-print', printer.config.id, { device: printer.config.id, outcome: result.outcome, by });
    return result;
  }

  /**
   * The receipt printer for documents other than receipts (X and Z reports): its profile and a
   * print call. The driver queues jobs in order, so a report never interleaves with a receipt.
   */
  reportPrinter(): { readonly profile: ReturnType<typeof getPrinterProfile>; print(job: Uint8Array, options: { readonly jobId?: string }): Promise<PrintResult> } {
    const printer = this.#printerOrThrow();
    return { profile: printer.profile, print: (job, options) => printer.driver.print(job, options) };
  }

  /** Opens the cash drawer outside a sale ("no sale"); journalled with who and why. */
  async openDrawer(by: string, reason: string): Promise<void> {
    const printer = this.#printerOrThrow();
    const drawer = printer.config.drawer;
    if (!drawer) throw new DeviceError(`printer "${printer.config.id}" has no cash drawer configured: add a "drawer" block to it in kassa.config.json`);
    if (reason.trim() === '') throw new DeviceError('give a reason for opening the drawer without a sale, e.g. "change for the float"');
    // Journal first (intent before effect): an opening that fails half-way is still on record.
    this.#journal('drawer.opened', printer.config.id, { device: printer.config.id, pin: drawer.pin, by, reason: reason.trim() });
    await printer.driver.openDrawer({ pin: drawer.pin, onMs: drawer.onMs, offMs: drawer.offMs });
    this.#logger.info({ device: printer.config.id, by, reason }, 'cash drawer opened without a sale');
  }

  #printerOrThrow(): { driver: EscPosPrinter; config: PrinterDeviceConfig; profile: ReturnType<typeof getPrinterProfile> } {
    const config = this.#printerConfig;
    const driver = this.#printerDriver;
    if (!config || !driver) throw new DeviceError('no receipt printer is configured: add one to the "devices" block of kassa.config.json');
    if (!this.#printerAttached) {
      const v = this.view(config.id);
      throw new DeviceError(`the printer "${config.id}" at ${v.address} is not connected (${v.state}${v.detail ? `: ${v.detail}` : ''})`);
    }
    return { driver, config, profile: getPrinterProfile(config.profile) };
  }

  // --- attaching drivers ------------------------------------------------------------------

  async #attach(device: DeviceConfig, link: DeviceTransport, signal: AbortSignal): Promise<void> {
    switch (device.type) {
      case 'printer': {
        if (link.kind !== 'bytes' || !this.#printerDriver) throw new DeviceError(`printer "${device.id}" needs a byte transport`);
        const status = await this.#printerDriver.attach(link.transport, signal);
        this.#printerAttached = true;
        this.#runners.get(device.id)?.actor.send({ type: 'STATUS', severity: statusSeverity(status), detail: describePrinterStatus(status), at: this.#at() });
        return;
      }
      case 'scanner':
        this.#attachScanner(device, link);
        return;
      case 'display':
        if (link.kind !== 'bytes') throw new DeviceError(`display "${device.id}" needs a byte transport`);
        this.#displayShown = null;
        await link.transport.write(encodeInit(device.commandSet, { charset: device.charset }));
        this.#flushDisplay();
        return;
      case 'scale':
        if (link.kind !== 'bytes') throw new DeviceError(`scale "${device.id}" needs a byte transport`);
        this.#attachScale(device, link.transport);
        return;
    }
  }

  #scanners = new Map<string, SerialScanner | HidPosScanner>();

  #attachScanner(device: ScannerDeviceConfig, link: DeviceTransport): void {
    let scanner = this.#scanners.get(device.id);
    if (!scanner) {
      scanner =
        link.kind === 'reports'
          ? new HidPosScanner()
          : new SerialScanner({ suffix: device.suffix, ...(device.prefix !== '' ? { prefix: device.prefix } : {}), aim: device.aim });
      scanner.onScan((scan) => this.#scanned(device.id, scan));
      scanner.onWarning((w) => {
        this.#runners.get(device.id)?.actor.send({ type: 'WARNING', reason: w.reason });
        this.#logger.warn({ device: device.id, warning: w }, 'scanner warning');
      });
      this.#scanners.set(device.id, scanner);
    }
    if (link.kind === 'reports' && scanner instanceof HidPosScanner) scanner.attach(link.transport as ReportTransport);
    else if (link.kind === 'bytes' && scanner instanceof SerialScanner) scanner.attach(link.transport);
    else throw new DeviceError(`scanner "${device.id}": transport does not match the scanner kind`);
  }

  #scanned(deviceId: string, scan: ScanEvent): void {
    for (const l of this.#scanListeners) l(scan, deviceId);
    this.#checkout?.send({ type: 'SCAN', data: classifiableText(scan) });
  }

  #attachScale(device: ScaleDeviceConfig, transport: ByteTransport): void {
    const reader = this.#scaleReader;
    if (!reader) return;
    reader.reset();
    this.#stable.reset();
    const off = transport.onData((bytes) => {
      for (const e of reader.push(bytes, Date.now())) {
        this.#stable.observe(e);
        const actor = this.#runners.get(device.id)?.actor;
        if (e.type === 'SCALE.WARNING') actor?.send({ type: 'WARNING', reason: `${e.reason}: ${e.detail}` });
        else {
          const severity: DeviceSeverity = e.overCapacity ? 'fault' : e.underZero ? 'degraded' : 'ready';
          const detail = e.overCapacity ? 'over capacity: take the load off' : e.underZero ? 'under zero: zero the scale' : 'ready';
          if (actor && actor.getSnapshot().context.lastStatus?.detail !== detail) actor.send({ type: 'STATUS', severity, detail, at: this.#at() });
        }
      }
    });
    if (device.mode === 'demand') {
      if (this.#scalePoll) clearInterval(this.#scalePoll);
      this.#scalePoll = setInterval(() => {
        if (transport.isOpen) transport.write(requestWeight()).catch(() => undefined);
      }, this.#scalePollMs);
      this.#scalePoll.unref?.();
    }
    this.#scaleDetach = () => {
      off();
      if (this.#scalePoll) clearInterval(this.#scalePoll);
      this.#scalePoll = null;
    };
  }

  #scaleDetach: (() => void) | null = null;

  async #scaleWrite(bytes: Uint8Array): Promise<void> {
    const scale = this.#scaleConfig;
    if (!scale) throw new DeviceError('no scale is configured on this terminal');
    const r = this.#runners.get(scale.id);
    if (!r || r.link.kind !== 'bytes' || !r.link.transport.isOpen) throw new DeviceError(`the scale "${scale.id}" is not connected`);
    this.#stable.reset();
    await r.link.transport.write(bytes);
  }

  #detach(device: DeviceConfig): void {
    switch (device.type) {
      case 'printer':
        if (this.#printerAttached) this.#printerDriver?.detach();
        this.#printerAttached = false;
        return;
      case 'scanner':
        this.#scanners.get(device.id)?.detach();
        return;
      case 'display':
        this.#displayShown = null;
        return;
      case 'scale':
        this.#scaleDetach?.();
        this.#scaleDetach = null;
        this.#stable.reset();
        return;
    }
  }

  // --- printer events ---------------------------------------------------------------------

  #printerEvent(runner: Runner, e: PrinterDriverEvent): void {
    switch (e.type) {
      case 'status':
        runner.actor.send({ type: 'STATUS', severity: e.severity, detail: e.detail, at: this.#at() });
        return;
      case 'warning':
        runner.actor.send({ type: 'WARNING', reason: e.reason });
        this.#logger.warn({ device: runner.config.id, reason: e.reason }, 'printer warning');
        return;
      case 'drawer':
        for (const l of this.#noticeListeners) l({ type: 'drawer', deviceId: runner.config.id, open: e.open });
        return;
      case 'drawer-left-open': {
        const openForS = Math.round(e.openForMs / 1000);
        this.#journal('drawer.left-open', runner.config.id, { device: runner.config.id, openForS });
        this.#logger.warn({ device: runner.config.id, openForS }, 'cash drawer left open');
        for (const l of this.#noticeListeners) l({ type: 'drawer-left-open', deviceId: runner.config.id, openForS });
        return;
      }
    }
  }

  /** null while connecting: not known yet, so nothing changes for the checkout. */
  #printerCanPrint(): boolean | null {
    const config = this.#printerConfig;
    if (!config) return null;
    const state = this.view(config.id).state;
    if (state === 'connecting') return null;
    return state === 'ready' || state === 'degraded';
  }

  #sendPrinterStatus(force = false): void {
    const config = this.#printerConfig;
    if (!config) return;
    const can = this.#printerCanPrint();
    if (can === null || (!force && can === this.#lastPrinterCanPrint)) return;
    const wasBlocked = this.#lastPrinterCanPrint === false;
    this.#lastPrinterCanPrint = can;
    const v = this.view(config.id);
    const detail = v.state === 'ready' || v.state === 'degraded' || v.state === 'fault' ? v.detail || v.state : `printer ${v.state}`;
    this.#checkout?.send({ type: 'PRINTER.STATUS', printer: { cannotPrint: !can, detail } });
    if (can && wasBlocked && this.#checkout) {
      this.#checkout.receipts.reprintInterrupted().catch((err: unknown) => this.#logger.error({ err }, 'reprinting interrupted receipts failed'));
    }
  }

  // --- pole display -----------------------------------------------------------------------

  #showSale(snap: ReturnType<CheckoutService['actor']['getSnapshot']>): void {
    const display = this.#displayConfig;
    if (!display) return;
    const state = stateName(snap);
    const screen = poleScreen({ state, context: snap.context }, { charset: display.charset, language: display.language, storeName: this.#config.storeName });
    if (!screen) return;
    const key = JSON.stringify(screen);
    if (this.#displayWanted && JSON.stringify(this.#displayWanted) === key) return;
    this.#displayWanted = screen;
    if (this.#displayTimer) clearTimeout(this.#displayTimer);
    this.#displayTimer = null;
    // After a sale: change (or thank-you), then thank-you, then the welcome.
    if (state === 'idle' && snap.context.lastSale) {
      const store = { nameZh: this.#config.storeName, nameEn: this.#config.storeName };
      const then = (next: DisplayScreen, after: () => void) => {
        this.#displayTimer = setTimeout(() => {
          this.#displayWanted = next;
          this.#flushDisplay();
          after();
        }, this.#displayHoldMs);
        this.#displayTimer.unref?.();
      };
      const opts = { charset: display.charset, language: display.language };
      if (snap.context.lastSale.change > 0) then(thankYouScreen(opts), () => then(welcomeScreen(store, opts), () => undefined));
      else then(welcomeScreen(store, opts), () => undefined);
    }
    this.#flushDisplay();
  }

  #flushDisplay(): void {
    const display = this.#displayConfig;
    const screen = this.#displayWanted;
    if (!display || !screen) return;
    const r = this.#runners.get(display.id);
    if (!r || r.link.kind !== 'bytes' || !r.link.transport.isOpen) return;
    const key = JSON.stringify(screen);
    if (this.#displayShown === key) return;
    this.#displayShown = key;
    r.link.transport.write(encodeScreen(display.commandSet, screen, { charset: display.charset })).catch((err: unknown) => {
      this.#displayShown = null;
      r.actor.send({ type: 'WARNING', reason: `display write failed: ${(err as Error).message}` });
    });
  }

  // --- views ------------------------------------------------------------------------------

  #changed(runner: Runner): void {
    if (runner.config.type === 'printer') this.#sendPrinterStatus();
    const views = this.list();
    for (const l of this.#changeListeners) l(views);
  }

  #view(r: Runner): DeviceView {
    const snap = r.actor.getSnapshot();
    const summary = deviceSummary(snap);
    const c = snap.context;
    return {
      id: r.config.id,
      type: r.config.type,
      address: deviceAddress(r.config),
      state: summary.state,
      detail: summary.detail,
      warnings: c.warnings,
      lastWarning: c.lastWarning,
      since: c.since,
    };
  }

  #journal(kind: 'drawer.opened' | 'drawer.left-open' | 'device.test-print', ref: string, payload: Record<string, unknown>): void {
    const at = this.#at();
    this.#db.transaction(() => appendJournal(this.#db, { terminalId: this.#config.terminalId, kind, ref, payload, at })).immediate();
  }

  #at(): string {
    return this.#now().toISOString();
  }
}

