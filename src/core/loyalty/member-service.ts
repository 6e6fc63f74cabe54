// Identifying a member at the counter (issue 8 §3): the cashier scans a card or QR code, or
// types a member number or phone, and the checkout gets the member with the points that can be
// redeemed now. Hand-written over core/db/members.ts; nothing here talks to the network.
//
// Decisions a caller must know:
// - `points` is the store server's balance (as last pulled with the catalog) plus this
//   terminal's sales it has not counted yet (pendingPoints). It can be below zero when points
//   were redeemed offline on two terminals: nothing can be redeemed then (maxRedeemablePoints).
// - An inactive member (card blocked) is refused with a message naming them; a phone that two
//   members share is refused asking for the card or number instead of picking one.
// - `purchases` lists this terminal's sales only; the whole store's history is the store
//   server's (memberHistoryResponse).
import type { Db } from '../db/open.ts';
import type { Member } from '../../domain/members/member.ts';
import { findMember, memberPurchases, pendingPoints, type MemberPurchaseRow } from '../db/members.ts';

export interface IdentifiedMember {
  readonly id: string;
  readonly name: string;
  /** Server balance + this terminal's unsynced sales. */
  readonly points: number;
}

export type IdentifyResult = { readonly ok: true; readonly member: IdentifiedMember } | { readonly ok: false; readonly error: string };

export class MemberService {
  readonly #db: Db;

  constructor(options: { readonly db: Db }) {
    this.#db = options.db;
  }

  /** Who the cashier's input names (see the header). */
  identify(raw: string): IdentifyResult {
    const found = this.lookup(raw);
    if (!found.ok) return found;
    const m = found.member;
    if (!m.active) return { ok: false, error: `member ${m.id} (${m.name}) is not active` };
    return { ok: true, member: { id: m.id, name: m.name, points: found.points } };
  }

  /**
   * The member the input names, active or not (the manager looks up blocked members too), with
   * the points redeemable now; or why there is none.
   */
  lookup(raw: string): { readonly ok: true; readonly member: Member; readonly points: number } | { readonly ok: false; readonly error: string } {
    const typed = raw.trim();
    if (typed === '') return { ok: false, error: 'no member number, card or phone was given' };
    const found = findMember(this.#db, typed);
    switch (found.kind) {
      case 'none':
        return { ok: false, error: `no member with number, card or phone "${typed}"` };
      case 'ambiguous':
        return { ok: false, error: `phone "${typed}" belongs to more than one member (${found.memberIds.join(', ')}): scan the card or type the member number` };
      case 'member':
        return { ok: true, member: found.member, points: found.member.points + pendingPoints(this.#db, found.member.id) };
    }
  }

  /** The member's sales on this terminal, newest first (at most `limit`, default 20). */
  purchases(memberId: string, limit = 20): MemberPurchaseRow[] {
    return memberPurchases(this.#db, memberId, limit);
  }
}
