// How the surfaces rank and colour device states: the cashier's header shows only devices that
// need attention, the manager's panel shows all. Pure.
import type { DeviceState, DeviceView } from '../shared/api.ts';

export type Severity = 'ok' | 'warn' | 'bad';

export function severityOf(state: DeviceState): Severity {
  switch (state) {
    case 'ready':
      return 'ok';
    case 'degraded':
    case 'connecting':
    case 'reconnecting':
      return 'warn';
    case 'fault':
    case 'disconnected':
      return 'bad';
  }
}

const TYPE_ORDER: readonly DeviceView['type'][] = ['printer', 'scanner', 'drawer', 'display', 'scale'];

/** Printer first (it stops sales), then by type, then by id. */
export function sortDevices(devices: readonly DeviceView[]): DeviceView[] {
  return [...devices].sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || a.id.localeCompare(b.id));
}

/** Devices the cashier must see: anything not ready, worst first. */
export function needingAttention(devices: readonly DeviceView[]): DeviceView[] {
  const rank: Record<Severity, number> = { bad: 0, warn: 1, ok: 2 };
  return sortDevices(devices)
    .filter((d) => severityOf(d.state) !== 'ok')
    .sort((a, b) => rank[severityOf(a.state)] - rank[severityOf(b.state)]);
}
