// The terminal's local wall-clock time of a Date, as the shop counts days and hours (reports,
// promotions' windows, coupons' validity): the host's time zone, not UTC. Pure: Date's local
// getters only.
import type { LocalDateTime } from './promotions/engine.ts';

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** The local calendar date of `d` as yyyy-mm-dd. */
export function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** The local date and time of `d` to the minute, as the promotion engine reads it. */
export function localDateTime(d: Date): LocalDateTime {
  return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes() };
}
