import { describe, expect, it } from 'vitest';
import type { RequestMessage } from '../../../../src/shared/api.ts';
import { posRequests, type RequestName } from '../../../../src/shared/api.ts';
import { acceptsApproval, ApprovalCancelledError, ApprovingClient } from '../../../../src/renderer/client/approving-client.ts';
import { ApiError, PosClient } from '../../../../src/renderer/client/pos-client.ts';
import { fakeCore, type Reply } from '../fake-pos-channel.ts';

const PIN_OK = '4321';
const needsApproval = (req: RequestMessage, permission: string): Reply => {
  const params = req.params as { approval?: { userId: string; pin: string } };
  if (!params.approval) return { ok: false, error: { code: 'approval-required', message: `a manager must approve: ${permission}`, permission } };
  if (params.approval.pin !== PIN_OK) return { ok: false, error: { code: 'refused', message: 'the PIN is not correct (4 tries left before Wang is locked for 15 minutes)' } };
  return { ok: true, result: { done: req.name, approvedBy: params.approval.userId } };
};

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ApprovingClient', () => {
  it('passes a request that needs no approval straight through', async () => {
    const core = fakeCore(() => ({ ok: true, result: [] }));
    const client = new ApprovingClient(new PosClient(core.channel));
    await expect(client.request('devices.list', {})).resolves.toEqual([]);
    expect(client.pending).toBeNull();
  });

  it('asks for an approval, then sends the SAME request again with it and resolves with its result', async () => {
    const core = fakeCore((req) => needsApproval(req, 'drawer.no-sale'));
    const client = new ApprovingClient(new PosClient(core.channel));
    const changes: unknown[] = [];
    client.subscribe(() => changes.push(client.pending));
    const p = client.request('devices.openDrawer', { reason: 'change for a customer' });
    await tick();
    expect(client.pending).toMatchObject({ request: 'devices.openDrawer', permission: 'drawer.no-sale', message: 'a manager must approve: drawer.no-sale', error: null, busy: false });
    await client.submit({ userId: 'U1', pin: PIN_OK });
    await expect(p).resolves.toEqual({ done: 'devices.openDrawer', approvedBy: 'U1' });
    expect(client.pending).toBeNull();
    expect(core.posted.map((m) => m.params)).toEqual([{ reason: 'change for a customer' }, { reason: 'change for a customer', approval: { userId: 'U1', pin: PIN_OK } }]);
    expect(changes.at(-1)).toBeNull();
  });

  it('keeps the approval open with the core message after a wrong PIN, and lets them try again', async () => {
    const core = fakeCore((req) => needsApproval(req, 'void.after-tender'));
    const client = new ApprovingClient(new PosClient(core.channel));
    const p = client.request('checkout.send', { command: { type: 'VOID_LINE', lineNo: 2, reason: 'wrong item' } });
    await tick();
    const first = client.pending;
    await client.submit({ userId: 'U1', pin: '0000' });
    expect(client.pending).toMatchObject({ id: first?.id, error: 'the PIN is not correct (4 tries left before Wang is locked for 15 minutes)', busy: false });
    await client.submit({ userId: 'U1', pin: PIN_OK });
    await expect(p).resolves.toMatchObject({ done: 'checkout.send' });
    expect(core.posted).toHaveLength(3);
    expect(core.posted[2]?.params).toEqual({ command: { type: 'VOID_LINE', lineNo: 2, reason: 'wrong item' }, approval: { userId: 'U1', pin: PIN_OK } });
  });

  it('shows busy while the resend is on its way and ignores a second submit meanwhile', async () => {
    const core = fakeCore((req) => needsApproval(req, 'receipt.reprint'));
    const client = new ApprovingClient(new PosClient(core.channel));
    const p = client.request('sales.reprint', { saleId: 'S1' });
    await tick();
    const a = client.submit({ userId: 'U1', pin: PIN_OK });
    expect(client.pending?.busy).toBe(true);
    const b = client.submit({ userId: 'U1', pin: PIN_OK });
    await Promise.all([a, b]);
    await p;
    expect(core.posted).toHaveLength(2);
  });

  it('Esc before any try: the request rejects as not approved and nothing is resent', async () => {
    const core = fakeCore((req) => needsApproval(req, 'refund'));
    const client = new ApprovingClient(new PosClient(core.channel), { cancelledMessage: () => 'Not approved: nothing was done.' });
    const p = client.request('sales.refund', { saleId: 'S1', reason: 'faulty' });
    await tick();
    client.cancel();
    const error = await p.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApprovalCancelledError);
    expect((error as Error).message).toBe('Not approved: nothing was done.');
    expect(client.pending).toBeNull();
    expect(core.posted).toHaveLength(1);
  });

  it('Esc after a refusal: the request rejects with the core refusal, for the screen to show', async () => {
    const core = fakeCore((req) => needsApproval(req, 'refund'));
    const client = new ApprovingClient(new PosClient(core.channel));
    const p = client.request('sales.refund', { saleId: 'S1', reason: 'faulty' });
    await tick();
    await client.submit({ userId: 'U1', pin: '9999' });
    client.cancel();
    await expect(p).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('PIN is not correct') });
  });

  it('ends the approval and rejects when the resend fails for another reason (the core broke)', async () => {
    let calls = 0;
    const core = fakeCore(() => (++calls === 1 ? { ok: false, error: { code: 'approval-required', message: 'approve', permission: 'report.z' } } : { ok: false, error: { code: 'internal', message: 'report.z failed: disk full (the error is logged)' } }));
    const client = new ApprovingClient(new PosClient(core.channel));
    const p = client.request('report.z', {});
    await tick();
    await client.submit({ userId: 'U1', pin: PIN_OK });
    await expect(p).rejects.toMatchObject({ code: 'internal' });
    expect(client.pending).toBeNull();
  });

  it('does not open an approval for a request that cannot carry one', async () => {
    const core = fakeCore(() => ({ ok: false, error: { code: 'approval-required', message: 'sales history needs a supervisor', permission: 'sales.history' } }));
    const client = new ApprovingClient(new PosClient(core.channel));
    await expect(client.request('sales.search', {})).rejects.toMatchObject({ code: 'approval-required', permission: 'sales.history' });
    expect(client.pending).toBeNull();
  });

  it('asks one approval at a time, in the order the requests were refused', async () => {
    const core = fakeCore((req) => needsApproval(req, req.name === 'sales.reprint' ? 'receipt.reprint' : 'drawer.no-sale'));
    const client = new ApprovingClient(new PosClient(core.channel));
    const a = client.request('sales.reprint', { saleId: 'S1' });
    const b = client.request('devices.openDrawer', { reason: 'float' });
    await tick();
    expect(client.pending?.request).toBe('sales.reprint');
    await client.submit({ userId: 'U1', pin: PIN_OK });
    await a;
    expect(client.pending?.request).toBe('devices.openDrawer');
    client.cancel();
    await expect(b).rejects.toBeInstanceOf(ApprovalCancelledError);
  });

  it('tells its listeners when a request says somebody must log in, and still rejects', async () => {
    const core = fakeCore(() => ({ ok: false, error: { code: 'login-required', message: 'log in first' } }));
    const client = new ApprovingClient(new PosClient(core.channel));
    let heard = 0;
    const off = client.onLoginRequired(() => heard++);
    await expect(client.request('checkout.view', {})).rejects.toBeInstanceOf(ApiError);
    expect(heard).toBe(1);
    off();
    await expect(client.request('checkout.view', {})).rejects.toMatchObject({ code: 'login-required' });
    expect(heard).toBe(1);
  });
});

describe('acceptsApproval', () => {
  it('is true exactly for the requests whose params take an approval in api.ts', () => {
    const names = (Object.keys(posRequests) as RequestName[]).filter(acceptsApproval).sort();
    expect(names).toEqual(
      [
        'checkout.send',
        'devices.openDrawer',
        'reconcile.resolve',
        'report.z',
        'sales.refund',
        'sales.reprint',
        'shift.cash',
        'shift.close',
        'shift.open',
        'users.add',
        'users.update',
      ].sort(),
    );
  });
});
