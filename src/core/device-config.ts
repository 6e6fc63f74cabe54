// The `devices` block of kassa.config.json: which printer, scanners, pole display and scale
// this terminal drives, over which transport. Checked with zod like the rest of the config, so a
// wrong baud rate or an unknown printer profile is refused with the field named.
//
// Decisions:
// - One entry per device; `id` names it in `kassa devices`, the journal and the logs.
// - The cash drawer hangs on the printer's kick-out port, so it is the printer's `drawer` block,
//   not a device of its own.
// - `transport` picks the address fields: serial → path (+ line settings), usb-lp → path,
//   tcp → host (+ port), hid → path or vendorId/productId.
// - USB ids are written as hex strings ("0x0519") or numbers.
import { z } from 'zod';
import { isBuiltInProfileId, PRINTER_PROFILES } from '../../drivers/printer/printer-profiles.ts';

const deviceId = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected 1–32 characters of a–z, 0–9 or "-", starting with a letter, e.g. "printer"');

const usbId = z.unknown().transform((v, ctx): number => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff) return v;
  if (typeof v === 'string' && /^(0x)?[0-9a-fA-F]{1,4}$/.test(v)) return Number.parseInt(v.replace(/^0x/i, ''), 16);
  ctx.addIssue({ code: 'custom', message: 'expected a USB id such as "0x0519" (or a number 0–65535)' });
  return z.NEVER;
});

const serialTransport = z.strictObject({
  transport: z.literal('serial'),
  path: z.string().min(1, 'expected a serial port path, e.g. "/dev/ttyUSB0"'),
  baudRate: z
    .number()
    .int()
    .refine((n) => [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200].includes(n), 'expected one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200')
    .default(9600),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  flowControl: z.enum(['none', 'xonxoff', 'rtscts']).default('none'),
});

const usbLpTransport = z.strictObject({
  transport: z.literal('usb-lp'),
  path: z.string().regex(/^\/dev\/usb\/lp\d+$|^\/dev\/lp\d+$/, 'expected a USB printer device such as "/dev/usb/lp0"'),
});

const tcpTransport = z.strictObject({
  transport: z.literal('tcp'),
  host: z.string().min(1, 'expected a host name or IP address'),
  port: z.number().int().min(1).max(65_535).default(9100),
});

const hidTransport = z
  .strictObject({
    transport: z.literal('hid'),
    path: z.string().min(1).optional(),
    vendorId: usbId.optional(),
    productId: usbId.optional(),
  })
  .refine((t) => t.path !== undefined || (t.vendorId !== undefined && t.productId !== undefined), 'expected "path" (e.g. "/dev/hidraw0") or both "vendorId" and "productId"');

type TransportFields = z.output<typeof serialTransport> | z.output<typeof usbLpTransport> | z.output<typeof tcpTransport> | z.output<typeof hidTransport>;

const drawerSchema = z.strictObject({
  pin: z.union([z.literal(2), z.literal(5)]).default(2),
  /** Pulse on and off times in ms; ESC p takes them in 2 ms steps up to 510. */
  onMs: z.number().int().min(2).max(510).default(100),
  offMs: z.number().int().min(2).max(510).default(200),
  polarity: z.enum(['high-is-open', 'high-is-closed']).default('high-is-open'),
  /** Seconds the drawer may stay open before "drawer left open" is raised; 0 turns it off. */
  leftOpenAlertS: z.number().int().min(0).max(3600).default(60),
  /** Open the drawer with the receipt of a sale paid (partly) in cash. */
  openOnCashSale: z.boolean().default(true),
});

export type DrawerConfig = z.output<typeof drawerSchema>;

const printerFields = {
  id: deviceId.default('printer'),
  type: z.literal('printer'),
  profile: z
    .string()
    .refine(isBuiltInProfileId, `expected a printer profile: ${Object.keys(PRINTER_PROFILES).join(', ')}`)
    .default('epson-tm-t88'),
  /** Seconds to wait for GS r to confirm a printed job before it is left "unconfirmed". */
  confirmTimeoutS: z.number().min(1).max(120).default(15),
  /** How often to poll DLE EOT while idle, in ms. */
  pollMs: z.number().int().min(100).max(60_000).default(1000),
  /** An e-receipt link printed as a QR code at the foot of each receipt; `{saleId}` and `{receiptNo}` are replaced. */
  qrUrl: z.string().max(200).nullable().default(null),
  drawer: drawerSchema.nullable().default(null),
};

const scannerFields = {
  id: deviceId.default('scanner'),
  type: z.literal('scanner'),
  /** Serial scanners: what ends a scan. */
  suffix: z.enum(['CR', 'LF', 'CRLF', 'none']).default('CR'),
  /** Serial scanners: bytes programmed before each scan (Latin-1). */
  prefix: z.string().max(8).default(''),
  /** The scanner sends AIM symbology ids (]E0, ]C1…). */
  aim: z.boolean().default(false),
};

const displayFields = {
  id: deviceId.default('display'),
  type: z.literal('display'),
  commandSet: z.enum(['epson-dmd', 'cd5220']).default('epson-dmd'),
  charset: z.enum(['ascii', 'cp437-yen', 'gbk']).default('cp437-yen'),
  language: z.enum(['en', 'zh']).default('en'),
};

const scaleFields = {
  id: deviceId.default('scale'),
  type: z.literal('scale'),
  unit: z.enum(['kg', 'g', 'lb', 'oz']).default('kg'),
  mode: z.enum(['demand', 'continuous']).default('demand'),
};

function withTransports<F extends z.ZodRawShape>(fields: F, allowed: readonly TransportFields['transport'][]) {
  const options = [
    allowed.includes('serial') ? serialTransport.extend(fields) : null,
    allowed.includes('usb-lp') ? usbLpTransport.extend(fields) : null,
    allowed.includes('tcp') ? tcpTransport.extend(fields) : null,
    allowed.includes('hid') ? hidTransport.extend(fields) : null,
  ].filter((o) => o !== null);
  return options;
}

// zod's discriminated unions cannot nest, so each device type is checked in two steps: the type,
// then the transport with that type's fields.
const byType = {
  printer: withTransports(printerFields, ['serial', 'usb-lp', 'tcp']),
  scanner: withTransports(scannerFields, ['serial', 'hid']),
  display: withTransports(displayFields, ['serial']),
  scale: withTransports(scaleFields, ['serial']),
} as const;

export type DeviceType = keyof typeof byType;
export const DEVICE_TYPES = Object.keys(byType) as DeviceType[];

type Common = { readonly id: string };
export type PrinterDeviceConfig = Common & { readonly type: 'printer'; readonly profile: string; readonly confirmTimeoutS: number; readonly pollMs: number; readonly qrUrl: string | null; readonly drawer: DrawerConfig | null } & TransportOf<'serial' | 'usb-lp' | 'tcp'>;
export type ScannerDeviceConfig = Common & { readonly type: 'scanner'; readonly suffix: 'CR' | 'LF' | 'CRLF' | 'none'; readonly prefix: string; readonly aim: boolean } & TransportOf<'serial' | 'hid'>;
export type DisplayDeviceConfig = Common & { readonly type: 'display'; readonly commandSet: 'epson-dmd' | 'cd5220'; readonly charset: 'ascii' | 'cp437-yen' | 'gbk'; readonly language: 'en' | 'zh' } & TransportOf<'serial'>;
export type ScaleDeviceConfig = Common & { readonly type: 'scale'; readonly unit: 'kg' | 'g' | 'lb' | 'oz'; readonly mode: 'demand' | 'continuous' } & TransportOf<'serial'>;
export type DeviceConfig = PrinterDeviceConfig | ScannerDeviceConfig | DisplayDeviceConfig | ScaleDeviceConfig;

export type SerialTransportConfig = z.output<typeof serialTransport>;
export type UsbLpTransportConfig = z.output<typeof usbLpTransport>;
export type TcpTransportConfig = z.output<typeof tcpTransport>;
export type HidTransportConfig = z.output<typeof hidTransport>;
type TransportOf<T extends TransportFields['transport']> = Readonly<Extract<TransportFields, { transport: T }>>;

const deviceSchema = z.unknown().transform((raw, ctx): DeviceConfig => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    ctx.addIssue({ code: 'custom', message: 'expected a device object with "type" and "transport"' });
    return z.NEVER;
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in byType)) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: `expected one of ${DEVICE_TYPES.join(', ')}` });
    return z.NEVER;
  }
  const options = byType[type as DeviceType];
  const transport = (raw as { transport?: unknown }).transport;
  const allowed = options.map((o) => (o.shape.transport as z.ZodLiteral<string>).value);
  const schema = options.find((o) => (o.shape.transport as z.ZodLiteral<string>).value === transport);
  if (!schema) {
    ctx.addIssue({ code: 'custom', path: ['transport'], message: `a ${type} connects over ${allowed.map((a) => `"${a}"`).join(', ')}` });
    return z.NEVER;
  }
  const parsed = (schema as z.ZodType).safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path } as never);
    return z.NEVER;
  }
  return parsed.data as DeviceConfig;
});

export const devicesSchema = z
  .array(deviceSchema)
  .max(16, 'expected at most 16 devices')
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((d, i) => {
      const first = seen.get(d.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `device id "${d.id}" is already used by device ${first}` });
      else seen.set(d.id, i);
    });
    const address = new Map<string, number>();
    list.forEach((d, i) => {
      const key = deviceAddress(d);
      const first = address.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: `${key} is already used by device ${first}: one port has one owner` });
      else address.set(key, i);
    });
    if (list.filter((d) => d.type === 'printer').length > 1) ctx.addIssue({ code: 'custom', message: 'expected at most one receipt printer' });
    if (list.filter((d) => d.type === 'display').length > 1) ctx.addIssue({ code: 'custom', message: 'expected at most one pole display' });
    if (list.filter((d) => d.type === 'scale').length > 1) ctx.addIssue({ code: 'custom', message: 'expected at most one scale' });
    list.forEach((d, i) => {
      if (d.type === 'display' && d.language === 'zh' && d.charset !== 'gbk') {
        ctx.addIssue({ code: 'custom', path: [i, 'language'], message: 'Chinese needs a display with the GBK font: set "charset": "gbk", or "language": "en"' });
      }
    });
  });

/** Where a device is attached, as `kassa devices` shows it: "serial:/dev/ttyUSB0", "tcp:10.0.0.7:9100". */
export function deviceAddress(d: DeviceConfig): string {
  switch (d.transport) {
    case 'serial':
    case 'usb-lp':
      return `${d.transport}:${d.path}`;
    case 'tcp':
      return `tcp:${d.host}:${d.port}`;
    case 'hid':
      return d.path !== undefined ? `hid:${d.path}` : `hid:${hex4(d.vendorId ?? 0)}:${hex4(d.productId ?? 0)}`;
  }
}

function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}
