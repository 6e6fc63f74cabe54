// GMT+8 formatting whatever the host's time zone, and day ranges for bills.
import { describe, expect, it } from 'vitest';
import { beijingDate, beijingDayRange, formatBeijing, formatBeijingCompact } from '../../../../src/payments/sandbox/beijing-time.ts';

describe('Beijing time', () => {
  it('formats an instant as GMT+8, across the UTC date line', () => {
    const t = Date.UTC(2025, 1, 28, 16, 5, 9); // 2025-03-01 00:05:09 in Beijing
    expect(formatBeijing(t)).toBe('2025-03-01 00:05:09');
    expect(formatBeijingCompact(t)).toBe('20250301000509');
    expect(beijingDate(t)).toBe('2025-03-01');
  });

  it('gives the [start, end) of a GMT+8 day, and null for dates that do not exist', () => {
    expect(beijingDayRange('2025-03-01')).toEqual({ start: Date.UTC(2025, 1, 28, 16), end: Date.UTC(2025, 2, 1, 16) });
    expect(beijingDayRange('2025-02-29')).toBeNull();
    expect(beijingDayRange('2025-3-1')).toBeNull();
    expect(beijingDayRange('2024-02-29')).not.toBeNull();
  });
});
