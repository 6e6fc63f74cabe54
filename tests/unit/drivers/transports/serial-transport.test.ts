// Serial without a device: error mapping and the open path for a missing port. The real
// serialport I/O over socat ptys is in tests/integration/transports/serial-socat.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PortRegistry } from '../../../../drivers/transports/port-registry.ts';
import { serialOpenError, SerialTransport } from '../../../../drivers/transports/serial-transport.ts';

describe('SerialTransport without a device', () => {
  it('a missing port is not-found, names the path, and frees the claim', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-serial-'));
    try {
      const path = join(dir, 'ttyUSB9');
      const registry = new PortRegistry();
      const t = new SerialTransport({ path, registry, owner: 'the scale driver' });
      expect(t.id).toBe(`serial:${path}`);
      await expect(t.open()).rejects.toMatchObject({ code: 'not-found', message: `serial ${path}: no such port` });
      expect(registry.list()).toEqual([]);
      expect(t.isOpen).toBe(false);
      await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed', message: `serial ${path}: not open` });
      await t.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an aborted open is refused before touching the port', async () => {
    const t = new SerialTransport({ path: '/dev/ttyS0', registry: new PortRegistry() });
    await expect(t.open(AbortSignal.abort())).rejects.toMatchObject({ code: 'closed', message: 'serial /dev/ttyS0: open aborted' });
  });

  it('maps serialport open messages (text only) to codes', () => {
    const map = (message: string): { code: string; message: string } => {
      const e = serialOpenError('/dev/ttyUSB0', new Error(message));
      return { code: e.code, message: e.message };
    };
    // The first two are the exact texts bindings-cpp 13 produced on Linux (checked over socat).
    expect(map('Error: No such file or directory, cannot open /dev/ttyUSB0')).toEqual({ code: 'not-found', message: 'serial /dev/ttyUSB0: no such port' });
    expect(map('Error Resource temporarily unavailable Cannot lock port').code).toBe('busy');
    expect(map('Error: Device or resource busy, cannot open /dev/ttyUSB0').code).toBe('busy');
    expect(map('Error: Permission denied, cannot open /dev/ttyUSB0')).toEqual({
      code: 'io',
      message: 'serial /dev/ttyUSB0: permission denied (add the user to the dialout group)',
    });
    expect(map('Error: something else').message).toBe('serial /dev/ttyUSB0: cannot open (Error: something else)');
  });
});
