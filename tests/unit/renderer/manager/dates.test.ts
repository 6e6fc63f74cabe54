import { describe, expect, it } from 'vitest';
import { addDays, formatDateTime, localDate } from '../../../../src/renderer/manager/dates.ts';

describe('manager dates', () => {
  it('gives the local calendar day', () => {
    expect(localDate(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });

  it('moves across month and year ends', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('shows a time in local time, and a non-date as it came', () => {
    expect(formatDateTime(new Date(2026, 10, 26, 9, 5).toISOString())).toBe('2026-11-26 09:05');
    expect(formatDateTime('soon')).toBe('soon');
  });
});
