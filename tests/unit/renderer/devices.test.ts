import { describe, expect, it } from 'vitest';
import type { DeviceView } from '../../../src/shared/api.ts';
import { needingAttention, severityOf, sortDevices } from '../../../src/renderer/devices.ts';

const d = (id: string, type: DeviceView['type'], state: DeviceView['state']): DeviceView => ({ id, type, state, address: 'serial:/dev/x', detail: '', warnings: 0, lastWarning: null, since: null });

describe('device states as the surfaces show them', () => {
  it('rates every state', () => {
    expect(severityOf('ready')).toBe('ok');
    expect(['degraded', 'connecting', 'reconnecting'].map((s) => severityOf(s as DeviceView['state']))).toEqual(['warn', 'warn', 'warn']);
    expect(['fault', 'disconnected'].map((s) => severityOf(s as DeviceView['state']))).toEqual(['bad', 'bad']);
  });

  it('lists the printer first, then by type and id', () => {
    const sorted = sortDevices([d('s2', 'scanner', 'ready'), d('disp', 'display', 'ready'), d('s1', 'scanner', 'ready'), d('p', 'printer', 'ready')]);
    expect(sorted.map((x) => x.id)).toEqual(['p', 's1', 's2', 'disp']);
  });

  it('tells the cashier only about devices that are not ready, worst first', () => {
    const list = [d('p', 'printer', 'degraded'), d('s', 'scanner', 'fault'), d('x', 'scale', 'ready')];
    expect(needingAttention(list).map((x) => x.id)).toEqual(['s', 'p']);
  });
});
