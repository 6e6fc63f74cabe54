import { describe, expect, it } from 'vitest';
import { TransportError } from '../../../../drivers/transports/byte-transport.ts';
import { PortRegistry } from '../../../../drivers/transports/port-registry.ts';

describe('port registry: one owner per port', () => {
  it('refuses a second owner with a message naming the holder', () => {
    const registry = new PortRegistry();
    registry.claim('serial:/dev/ttyS0', 'the scale driver');
    let caught: unknown;
    try {
      registry.claim('serial:/dev/ttyS0', 'the printer driver');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TransportError);
    expect(caught).toMatchObject({ code: 'busy', message: 'serial:/dev/ttyS0 is already used by the scale driver' });
    expect(registry.ownerOf('serial:/dev/ttyS0')).toBe('the scale driver');
  });

  it('refuses the same owner twice too: one open per port', () => {
    const registry = new PortRegistry();
    registry.claim('tcp:10.0.0.7:9100', 'the printer driver');
    expect(() => registry.claim('tcp:10.0.0.7:9100', 'the printer driver')).toThrow(/already used by the printer driver/);
  });

  it('frees the port on release; release is idempotent and a stale claim cannot free a newer one', () => {
    const registry = new PortRegistry();
    const first = registry.claim('serial:/dev/ttyS0', 'the scale driver');
    first.release();
    expect(first.released).toBe(true);
    expect(registry.ownerOf('serial:/dev/ttyS0')).toBeNull();
    const second = registry.claim('serial:/dev/ttyS0', 'the printer driver');
    first.release();
    expect(registry.ownerOf('serial:/dev/ttyS0')).toBe('the printer driver');
    expect(registry.list()).toEqual([{ id: 'serial:/dev/ttyS0', owner: 'the printer driver' }]);
    second.release();
    expect(registry.list()).toEqual([]);
  });

  it('keeps different ports independent', () => {
    const registry = new PortRegistry();
    registry.claim('serial:/dev/ttyS0', 'the scale driver');
    expect(() => registry.claim('serial:/dev/ttyS1', 'the display driver')).not.toThrow();
  });
});
