import { describe, expect, it } from 'vitest';
import type { ReconcileItemView, ReconcileView } from '../../../../src/shared/api.ts';
import { ApprovingClient } from '../../../../src/renderer/client/approving-client.ts';
import { ApiError, PosClient } from '../../../../src/renderer/client/pos-client.ts';
import { applyResolved, difference, isOpen, openCount, orderItems, queryItem, ResolveInputError, resolveItem } from '../../../../src/renderer/manager/reconcile-model.ts';
import { fakeCore } from '../fake-pos-channel.ts';

const item = (over: Partial<ReconcileItemView>): ReconcileItemView => ({
  key: 'K',
  provider: 'alipay',
  kind: 'payment',
  status: 'matched',
  local: 1000,
  atProvider: 1000,
  resolved: null,
  ...over,
});

const view: ReconcileView = {
  date: '2026-11-25',
  providers: [],
  items: [
    item({ key: 'M1' }),
    item({ key: 'R1', status: 'missing-locally', local: null, resolved: { reason: 'paid twice, refunded at the counter', by: 'Li', at: '2026-11-26T08:00:00Z' } }),
    item({ key: 'P1', status: 'missing-at-provider', atProvider: null, provider: 'wechat' }),
    item({ key: 'A1', status: 'amount-mismatch', atProvider: 900 }),
    item({ key: 'L1', status: 'missing-locally', local: null }),
  ],
};

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('reconciliation list', () => {
  it('lists open problems first (mismatch, missing here, missing at the wallet), then resolved, then matched', () => {
    expect(orderItems(view.items).map((i) => i.key)).toEqual(['A1', 'L1', 'P1', 'R1', 'M1']);
    expect(openCount(view)).toBe(3);
    expect(isOpen(view.items[1]!)).toBe(false);
  });

  it('shows the difference only when both sides have an amount', () => {
    expect(difference(item({ local: 1000, atProvider: 900 }))).toBe(-100);
    expect(difference(item({ local: null, atProvider: 900 }))).toBeNull();
  });

  it('replaces an item by provider and key, not by key alone', () => {
    const twoWallets: ReconcileView = { ...view, items: [item({ key: 'X', provider: 'alipay', status: 'missing-locally' }), item({ key: 'X', provider: 'wechat', status: 'missing-locally' })] };
    const stored = item({ key: 'X', provider: 'wechat', status: 'missing-locally', resolved: { reason: 'r', by: 'Li', at: 'now' } });
    const next = applyResolved(twoWallets, stored);
    expect(next.items.map((i) => i.resolved !== null)).toEqual([false, true]);
    expect(twoWallets.items[1]!.resolved).toBeNull();
  });
});

describe('resolve flow', () => {
  it('sends date, provider, key and the trimmed reason, and puts the stored item in place', async () => {
    const core = fakeCore((req) => {
      const p = req.params as { key: string; provider: 'alipay'; reason: string };
      return { ok: true, result: item({ key: p.key, provider: p.provider, status: 'amount-mismatch', atProvider: 900, resolved: { reason: p.reason, by: 'Zhang', at: '2026-11-26T09:00:00Z' } }) };
    });
    const client = new ApprovingClient(new PosClient(core.channel));
    const next = await resolveItem(client, view, view.items[3]!, '  wallet fee taken  ');
    expect(core.posted.map((m) => [m.name, m.params])).toEqual([['reconcile.resolve', { date: '2026-11-25', provider: 'alipay', key: 'A1', reason: 'wallet fee taken' }]]);
    expect(next.items.find((i) => i.key === 'A1')?.resolved).toEqual({ reason: 'wallet fee taken', by: 'Zhang', at: '2026-11-26T09:00:00Z' });
    expect(openCount(next)).toBe(2);
  });

  it('goes through an approval in place when the operator may not reconcile', async () => {
    const core = fakeCore((req) => {
      const p = req.params as { approval?: { userId: string; pin: string }; key: string };
      if (!p.approval) return { ok: false, error: { code: 'approval-required', message: 'a manager must approve: wallet reconciliation', permission: 'reconcile' } };
      return { ok: true, result: item({ key: p.key, status: 'missing-locally', local: null, resolved: { reason: 'ok', by: 'Boss', at: 'now' } }) };
    });
    const client = new ApprovingClient(new PosClient(core.channel));
    const done = resolveItem(client, view, view.items[4]!, 'ok');
    await tick();
    expect(client.pending).toMatchObject({ request: 'reconcile.resolve', permission: 'reconcile' });
    await client.submit({ userId: 'U-boss', pin: '1234' });
    const next = await done;
    expect(next.items.find((i) => i.key === 'L1')?.resolved?.by).toBe('Boss');
    expect(core.posted[1]?.params).toMatchObject({ key: 'L1', approval: { userId: 'U-boss', pin: '1234' } });
  });

  it('changes nothing when the core refuses, and passes the refusal on', async () => {
    const core = fakeCore(() => ({ ok: false, error: { code: 'refused', message: 'no bill for 2026-11-25 was reconciled yet' } }));
    const client = new PosClient(core.channel);
    await expect(resolveItem(client, view, view.items[4]!, 'ok')).rejects.toThrow(ApiError);
    expect(view.items[4]!.resolved).toBeNull();
  });

  it('refuses an empty reason or a matched item before asking the core', async () => {
    const core = fakeCore(() => ({ ok: true, result: null }));
    const client = new PosClient(core.channel);
    await expect(resolveItem(client, view, view.items[4]!, '   ')).rejects.toMatchObject({ reasonKey: 'mgr.reconcile.reasonMissing' });
    await expect(resolveItem(client, view, view.items[0]!, 'why not')).rejects.toBeInstanceOf(ResolveInputError);
    expect(core.posted).toEqual([]);
  });

  it('asks the wallet about an item and answers what it said', async () => {
    const core = fakeCore(() => ({ ok: true, result: { message: 'TRADE_SUCCESS 9.00 at 2026-11-25 18:03' } }));
    const client = new PosClient(core.channel);
    await expect(queryItem(client, view.items[2]!)).resolves.toBe('TRADE_SUCCESS 9.00 at 2026-11-25 18:03');
    expect(core.posted[0]).toMatchObject({ name: 'reconcile.query', params: { provider: 'wechat', key: 'P1' } });
  });
});
