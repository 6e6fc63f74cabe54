// `kassa devices`: what is plugged in and what kassa.config.json says should be, with each
// configured device's live status; `test-print` and `open-drawer` for the person installing or
// running the counter. Drawer openings without a sale are journalled.
import type { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { listHidDevices } from '../../../drivers/transports/hid-discovery.ts';
import { listSerialPorts } from '../../../drivers/transports/discovery.ts';
import { DeviceManager, type DeviceView } from '../../core/devices/device-manager.ts';
import { openTerminal, type Terminal } from '../../core/runtime.ts';
import { configOf, printJson } from '../context.ts';
import { parsePositiveInt, UsageError } from '../errors.ts';

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s.padEnd(n);
}

interface Detected {
  readonly serial: { path: string; vendor: string | null; manufacturer: string | null; vendorId: string | null; productId: string | null }[];
  readonly hid: { path: string | null; vendor: string | null; product: string | null; vendorId: string; productId: string; usagePage: number | null; hidPos: boolean }[];
  readonly usbLp: string[];
  readonly problems: string[];
}

const hex = (n: number | null) => (n === null ? null : `0x${n.toString(16).padStart(4, '0')}`);

async function detect(): Promise<Detected> {
  const problems: string[] = [];
  const serial = await listSerialPorts().catch((err: unknown) => {
    // serialport asks udevadm for vendor details; without it (containers, minimal installs)
    // the device nodes are still worth showing.
    problems.push(`serial port details are not available (${(err as Error).message}); install udev for vendor names`);
    return serialNodes().map((path) => ({ path, manufacturer: null, vendorId: null, productId: null, serialNumber: null, vendor: null }));
  });
  const hid = await listHidDevices().catch((err: unknown) => {
    problems.push(`HID devices could not be listed: ${(err as Error).message}`);
    return [];
  });
  let usbLp: string[] = [];
  try {
    usbLp = readdirSync('/dev/usb')
      .filter((f) => /^lp\d+$/.test(f))
      .map((f) => `/dev/usb/${f}`);
  } catch {
    // no /dev/usb: no USB printers
  }
  return {
    serial: serial.map((p) => ({ path: p.path, vendor: p.vendor?.name ?? null, manufacturer: p.manufacturer, vendorId: hex(p.vendorId), productId: hex(p.productId) })),
    hid: hid.map((d) => ({
      path: d.path,
      vendor: d.vendor?.name ?? null,
      product: d.product,
      vendorId: hex(d.vendorId) ?? '',
      productId: hex(d.productId) ?? '',
      usagePage: d.usagePage,
      hidPos: d.hidPos,
    })),
    usbLp,
    problems,
  };
}

function serialNodes(): string[] {
  try {
    return readdirSync('/dev')
      .filter((f) => /^tty(USB|ACM)\d+$/.test(f))
      .map((f) => `/dev/${f}`);
  } catch {
    return [];
  }
}

/** Opens the terminal and its devices, runs `work`, and always closes both. */
async function withDevices<T>(cmd: Command, work: (devices: DeviceManager, terminal: Terminal) => Promise<T>): Promise<T> {
  const { paths } = configOf(cmd);
  const terminal = await openTerminal(paths);
  const devices = new DeviceManager({ config: terminal.config, db: terminal.db, logger: terminal.logger });
  try {
    devices.start();
    return await work(devices, terminal);
  } finally {
    await devices.stop();
    await terminal.close();
  }
}

function describe(v: DeviceView): string {
  return `${pad(v.id, 10)}${pad(v.type, 9)}${pad(v.address, 28)}${pad(v.state, 13)}${v.detail}${v.warnings ? ` (${v.warnings} warnings, last: ${v.lastWarning ?? ''})` : ''}`;
}

export function registerDevices(program: Command): void {
  const devices = program
    .command('devices')
    .description('list detected and configured devices with their status')
    .option('--json', 'print the list as JSON')
    .option('--wait <ms>', 'how long to give configured devices to connect', '3000')
    .addHelpText(
      'after',
      '\nDevices are configured in the "devices" block of kassa.config.json in the data folder; see the README\'s hardware section.\n' +
        'Subcommands: test-print, open-drawer.',
    )
    .action(async function (this: Command, opts: { json?: boolean; wait: string }) {
      const wait = parsePositiveInt(opts.wait, '--wait', 60_000);
      const detected = await detect();
      const { config } = configOf(this);
      const configured = config.devices.length === 0 ? [] : await withDevices(this, async (m) => m.settled(wait));
      if (opts.json) {
        printJson({ configured, detected });
        return;
      }
      process.stdout.write('configured (kassa.config.json):\n');
      if (configured.length === 0) process.stdout.write('  none: add a "devices" block to kassa.config.json (or run `kassa sim --write-config`)\n');
      for (const v of configured) process.stdout.write(`  ${describe(v)}\n`);
      process.stdout.write('detected:\n');
      const none = detected.serial.length + detected.hid.length + detected.usbLp.length === 0;
      for (const p of detected.serial) process.stdout.write(`  serial   ${pad(p.path, 22)}${p.vendor ?? p.manufacturer ?? 'unknown vendor'}${p.vendorId ? ` ${p.vendorId}:${p.productId ?? ''}` : ''}\n`);
      for (const d of detected.hid)
        process.stdout.write(`  hid      ${pad(d.path ?? '?', 22)}${d.vendor ?? 'unknown vendor'} ${d.product ?? ''} ${d.vendorId}:${d.productId}${d.hidPos ? ' (HID-POS scanner)' : ''}\n`);
      for (const p of detected.usbLp) process.stdout.write(`  usb-lp   ${p}\n`);
      if (none) process.stdout.write('  nothing: no serial ports, POS HID devices or USB printers found\n');
      for (const p of detected.problems) process.stdout.write(`  (${p})\n`);
    });

  devices
    .command('test-print')
    .description('print a test page on the configured receipt printer')
    .option('--by <name>', 'who is testing (journalled)')
    .option('--wait <ms>', 'how long to wait for the printer to connect', '5000')
    .action(async function (this: Command, opts: { by?: string; wait: string }) {
      const wait = parsePositiveInt(opts.wait, '--wait', 60_000);
      const { config } = configOf(this);
      const printer = config.devices.find((d) => d.type === 'printer');
      if (!printer) throw new UsageError('no receipt printer is configured: add one to the "devices" block of kassa.config.json');
      await withDevices(this, async (m) => {
        await m.whenReady(printer.id, wait);
        const result = await m.testPrint(opts.by ?? config.cashier);
        if (result.outcome === 'printed') process.stdout.write(`test page printed on "${printer.id}" (confirmed by the printer)\n`);
        else {
          process.stdout.write(`test page sent to "${printer.id}", but not confirmed: ${result.reason}\n`);
          process.exitCode = 1;
        }
      });
    });

  devices
    .command('open-drawer')
    .description('open the cash drawer without a sale (journalled with who and why)')
    .requiredOption('--reason <text>', 'why the drawer is opened, e.g. "change for the float"')
    .option('--by <name>', 'who opens it (default: the configured cashier)')
    .option('--wait <ms>', 'how long to wait for the printer to connect', '5000')
    .action(async function (this: Command, opts: { reason: string; by?: string; wait: string }) {
      const wait = parsePositiveInt(opts.wait, '--wait', 60_000);
      const { config } = configOf(this);
      const printer = config.devices.find((d) => d.type === 'printer');
      if (!printer) throw new UsageError('no receipt printer is configured: the drawer opens through the printer\'s kick-out port');
      if (opts.reason.trim() === '') throw new UsageError('--reason must say why the drawer is opened');
      await withDevices(this, async (m) => {
        await m.whenReady(printer.id, wait);
        await m.openDrawer(opts.by ?? config.cashier, opts.reason);
        process.stdout.write(`drawer opened through "${printer.id}" and journalled\n`);
      });
    });
}
