// Wallet bills speak Beijing time (GMT+8, no daylight saving) whatever the terminal's zone:
// "2025-03-01 09:30:00" in Alipay's and WeChat's bills, "2025年03月01日 00:00:00" in Alipay's
// header. Hand-written, as src/payments/sandbox/beijing-time.ts is (a fixed offset is one
// subtraction; Intl's zone data would tie the result to the ICU build); the day range itself
// comes from that module so the sandbox's bills and this reader agree on what a day is.
import { beijingDayRange } from '../../payments/sandbox/beijing-time.ts';

export { beijingDayRange };

const OFFSET_MS = 8 * 60 * 60 * 1000;
const TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Epoch ms of a "yyyy-MM-dd HH:mm:ss" Beijing time, or null when it is not a real time. */
export function parseBeijingTime(text: string): number | null {
  const m = TIME.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (h > 23 || mi > 59 || s > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(utc).toISOString().slice(0, 10) !== text.slice(0, 10)) return null;
  return utc - OFFSET_MS;
}

/** "yyyy-MM-dd" of the Beijing day holding `ms`. */
export function beijingDateOf(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

/** "88.88" / "-10.00" (yuan, two decimals) → fen, or null when it is not such an amount. */
export function parseYuan(text: string): number | null {
  const m = /^(-?)(\d{1,12})\.(\d{2})$/.exec(text);
  if (m === null) return null;
  const fen = Number(m[2]) * 100 + Number(m[3]);
  return m[1] === '-' ? -fen : fen;
}
