// Calendar days as the manager's panels ask for them (yyyy-mm-dd in the terminal's local time,
// as report.x, reconcile.run and store.settlement take them). Local time on purpose: the day a
// manager closes is the shop's day, not UTC's.

/** The local calendar date of `d` as yyyy-mm-dd (the terminal's day, as reports count it). */
export function localDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** `date` (yyyy-mm-dd) moved by `days`. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00`);
  d.setDate(d.getDate() + days);
  return localDate(d);
}

/** "2026-11-26 14:05" in the page's local time; the raw text when it is not a date. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${localDate(d)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
