// Alipay and WeChat Pay speak China Standard Time (GMT+8, no daylight saving) whatever the
// host's time zone: `gmt_payment` "2025-03-01 09:30:00", WeChat `time_end` "20250301093000",
// bill dates "2025-03-01". Hand-written: a fixed +8 h offset is one addition, and Intl's time
// zone data would make the output depend on the ICU build.

const OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

function parts(ms: number): { y: string; mo: string; d: string; h: string; mi: string; s: string } {
  const iso = new Date(ms + OFFSET_MS).toISOString(); // "2025-03-01T01:30:00.000Z" shifted to +8
  return { y: iso.slice(0, 4), mo: iso.slice(5, 7), d: iso.slice(8, 10), h: iso.slice(11, 13), mi: iso.slice(14, 16), s: iso.slice(17, 19) };
}

/** "yyyy-MM-dd HH:mm:ss" in GMT+8 (Alipay's timestamps). */
export function formatBeijing(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}`;
}

/** "yyyyMMddHHmmss" in GMT+8 (WeChat Pay's time_end). */
export function formatBeijingCompact(ms: number): string {
  const p = parts(ms);
  return `${p.y}${p.mo}${p.d}${p.h}${p.mi}${p.s}`;
}

/** "yyyy-MM-dd" of the GMT+8 day that holds `ms`. */
export function beijingDate(ms: number): string {
  return formatBeijing(ms).slice(0, 10);
}

/**
 * The [start, end) epoch-ms range of a GMT+8 calendar day given as "yyyy-MM-dd", or null when
 * the text is not a real date (2025-02-30 included).
 */
export function beijingDayRange(date: string): { readonly start: number; readonly end: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) return null;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(utc).toISOString().slice(0, 10) !== date) return null;
  const start = utc - OFFSET_MS;
  return { start, end: start + DAY_MS };
}
