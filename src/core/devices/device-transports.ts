// Builds the transport a configured device talks over. Kept apart from the device manager so
// tests and `kassa sim` can hand the manager in-memory or pty transports instead.
import { HidTransport } from '../../../drivers/transports/hid-transport.ts';
import type { ReportTransport } from '../../../drivers/transports/report-transport.ts';
import type { ByteTransport } from '../../../drivers/transports/byte-transport.ts';
import { SerialTransport } from '../../../drivers/transports/serial-transport.ts';
import { TcpTransport } from '../../../drivers/transports/tcp-transport.ts';
import { UsbLpTransport } from '../../../drivers/transports/usb-lp-transport.ts';
import type { DeviceConfig } from '../device-config.ts';

export type DeviceTransport = { readonly kind: 'bytes'; readonly transport: ByteTransport } | { readonly kind: 'reports'; readonly transport: ReportTransport };

/** The transport for one device of kassa.config.json; opening it is the device manager's job. */
export function transportFor(device: DeviceConfig): DeviceTransport {
  const owner = `the ${device.type} "${device.id}" of this terminal`;
  switch (device.transport) {
    case 'serial':
      return {
        kind: 'bytes',
        transport: new SerialTransport({
          path: device.path,
          baudRate: device.baudRate,
          dataBits: device.dataBits,
          parity: device.parity,
          stopBits: device.stopBits,
          flowControl: device.flowControl,
          owner,
        }),
      };
    case 'usb-lp':
      return { kind: 'bytes', transport: new UsbLpTransport({ path: device.path, owner }) };
    case 'tcp':
      return { kind: 'bytes', transport: new TcpTransport({ host: device.host, port: device.port, owner }) };
    case 'hid':
      return {
        kind: 'reports',
        transport: new HidTransport({
          ...(device.path !== undefined ? { path: device.path } : {}),
          ...(device.vendorId !== undefined ? { vendorId: device.vendorId } : {}),
          ...(device.productId !== undefined ? { productId: device.productId } : {}),
          owner,
        }),
      };
  }
}
