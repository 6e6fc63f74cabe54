// Messages pushed by the core ('notice' events: drawer left open, paper out, payment results)
// as the surfaces keep them on screen. Pure, so the rules are tested without a page.
//
// Decisions a caller must know:
// - Every notice goes by itself (info after INFO_TTL_MS, warnings WARNING_TTL_MS, errors
//   ERROR_TTL_MS) or when dismissed: a notice is an event ("paper out"), and the device's
//   lasting state is shown apart, as a chip in the header for as long as it is not ready
//   (devices.ts), so a fault stays visible while a stale "paper out" does not outlive the
//   "ready again" that followed it.
// - The same message again does not stack: it counts (×2, ×3) and moves to the top.
// - At most MAX_NOTICES are kept, newest first; when one must go, the oldest info goes first,
//   else the oldest of all.
import type { Notice } from '../shared/api.ts';

export const MAX_NOTICES = 3;
export const INFO_TTL_MS = 10_000;
export const WARNING_TTL_MS = 30_000;
export const ERROR_TTL_MS = 60_000;

export interface ShownNotice extends Notice {
  readonly id: number;
  readonly count: number;
  /** Page clock (ms) after which it goes by itself. */
  readonly expiresAt: number;
}

export interface NoticeList {
  readonly items: readonly ShownNotice[];
  readonly nextId: number;
}

export const emptyNotices: NoticeList = { items: [], nextId: 1 };

export function addNotice(list: NoticeList, notice: Notice, nowMs: number): NoticeList {
  const expiresAt = nowMs + (notice.level === 'info' ? INFO_TTL_MS : notice.level === 'warning' ? WARNING_TTL_MS : ERROR_TTL_MS);
  const same = list.items.find((n) => n.message === notice.message && n.level === notice.level);
  const rest = list.items.filter((n) => n !== same);
  const item: ShownNotice = same ? { ...same, at: notice.at, count: same.count + 1, expiresAt } : { ...notice, id: list.nextId, count: 1, expiresAt };
  let items = [item, ...rest];
  while (items.length > MAX_NOTICES) {
    const oldestInfo = items.findLastIndex((n) => n.level === 'info');
    const drop = oldestInfo === -1 ? items.length - 1 : oldestInfo;
    items = items.filter((_, i) => i !== drop);
  }
  return { items, nextId: same ? list.nextId : list.nextId + 1 };
}

export function dismissNotice(list: NoticeList, id: number): NoticeList {
  const items = list.items.filter((n) => n.id !== id);
  return items.length === list.items.length ? list : { ...list, items };
}

export function dismissAll(list: NoticeList): NoticeList {
  return list.items.length === 0 ? list : { ...list, items: [] };
}

export function expireNotices(list: NoticeList, nowMs: number): NoticeList {
  const items = list.items.filter((n) => n.expiresAt > nowMs);
  return items.length === list.items.length ? list : { ...list, items };
}

/** When the next one expires (to arm one timer), or null. */
export function nextExpiry(list: NoticeList): number | null {
  let next: number | null = null;
  for (const n of list.items) if (next === null || n.expiresAt < next) next = n.expiresAt;
  return next;
}

/**
 * The notices worth a banner of their own: one that repeats a message already on screen (the
 * core often reports a payment result both as the sale's error and as a notice) is left out.
 */
export function notRepeating(items: readonly ShownNotice[], onScreen: readonly (string | null)[]): readonly ShownNotice[] {
  const texts = onScreen.filter((t): t is string => t !== null && t !== '');
  if (texts.length === 0) return items;
  return items.filter((n) => !texts.some((t) => n.message.includes(t) || t.includes(n.message)));
}
