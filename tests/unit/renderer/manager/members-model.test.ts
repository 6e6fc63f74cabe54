import { describe, expect, it } from 'vitest';
import type { MemberHistoryView } from '../../../../src/shared/api.ts';
import { posRequests } from '../../../../src/shared/api.ts';
import { ApiError, PosClient } from '../../../../src/renderer/client/pos-client.ts';
import { memberQuery, memberSearchFailure, purchaseTotals } from '../../../../src/renderer/manager/members-model.ts';
import { fakeCore } from '../fake-pos-channel.ts';

describe('the members search box', () => {
  it('sends the trimmed text as the query the core accepts', () => {
    const built = memberQuery('  13800138000 ');
    expect(built).toEqual({ ok: true, value: { query: '13800138000' } });
    if (built.ok) expect(posRequests['members.find'].params.safeParse(built.value).success).toBe(true);
  });

  it('refuses an empty box and an over-long query in the manager\'s language', () => {
    expect(memberQuery('   ')).toEqual({ ok: false, error: 'mgr.members.queryMissing' });
    expect(memberQuery('x'.repeat(129))).toEqual({ ok: false, error: 'mgr.members.queryTooLong', params: { max: '128' } });
    expect(memberQuery('x'.repeat(128)).ok).toBe(true);
  });
});

describe('a member the core does not find', () => {
  it('is said as "no member" with the query and the core\'s words', async () => {
    const { channel } = fakeCore(() => ({ ok: false, error: { code: 'refused', message: 'no member matches 139' } }));
    const client = new PosClient(channel);
    const error = await client.request('members.find', { query: '139' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(memberSearchFailure(error, '139')).toEqual({ notFound: true, key: 'mgr.members.notFound', params: { query: '139' }, detail: 'no member matches 139' });
  });

  it('is not confused with the core being down or a bad request: those show as written', () => {
    const down = new ApiError('unavailable', 'the terminal is starting', 'members.find');
    expect(memberSearchFailure(down, '139')).toEqual({ notFound: false, key: null, params: {}, detail: 'the terminal is starting' });
    expect(memberSearchFailure(new Error('socket closed'), '139')).toMatchObject({ notFound: false, detail: 'socket closed' });
  });
});

describe('the purchases table', () => {
  const purchase = (n: number, paid: number, earned: number, redeemed: number): MemberHistoryView['purchases'][number] => ({
    saleId: `S${n}`,
    receiptNo: n,
    completedAt: '2026-11-26T10:00:00Z',
    paid,
    pointsEarned: earned,
    pointsRedeemed: redeemed,
  });

  it('adds up what is listed in its totals row', () => {
    expect(purchaseTotals([purchase(1, 12_000, 120, 0), purchase(2, 4_550, 45, 300), purchase(3, 0, 0, 1000)])).toEqual({ count: 3, paid: 16_550, pointsEarned: 165, pointsRedeemed: 1300 });
  });

  it('is all zeros with no purchases', () => {
    expect(purchaseTotals([])).toEqual({ count: 0, paid: 0, pointsEarned: 0, pointsRedeemed: 0 });
  });
});
