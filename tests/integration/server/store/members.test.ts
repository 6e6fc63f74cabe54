// Members on the store server (issue 8 §3): `kassa store-server members import|list|show`
// against a running server on PGlite and PostgreSQL; the points balance the server keeps from
// every terminal's synced sales (published back to the terminals in the same push); members
// overdrawn by offline redemptions on the settlement; and a member's purchase history.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { SaleMember } from '../../../../src/domain/sale-record.ts';
import {
  SYNC_PATHS,
  type CatalogPullResponse,
  type ErrorResponse,
  type MemberHistoryResponse,
  type MembersListResponse,
  type SettlementResponse,
} from '../../../../src/shared/sync-protocol.ts';
import { runKassa } from '../../../support/kassa-cli.ts';
import { adminHeaders, call, cliSandbox, describeStorages, freshId, pushSales, register, sale, storeServerCli, storeWith, useStore, type SentSale, type Till } from './store-fixtures.ts';

const HEADER = 'id,name,phone,codes,points,active';
const THREE = ['M001,王丽 Wang Li,+86 138-0000-0001,QR-M001,100,', 'M002,Bob,13800000002,,,', 'M003,Carol,,CARD-3|QR-3,5,no'];
const { dir: sandbox, tokenFile, csvFile } = cliSandbox('members', HEADER);

const withMember = (s: SentSale, id: string, pointsEarned: number, pointsRedeemed = 0): SentSale => {
  const member: SaleMember = { id, name: id, pointsRedeemed, pointsDiscount: pointsRedeemed, pointsEarned };
  return { ...s, member };
};

describeStorages('members', (kind) => {
  const ctx = useStore(kind);
  const storeCli = storeServerCli(ctx, tokenFile);
  const cli = (...args: string[]) => storeCli('members', ...args);
  const list = async (storeId: string) => (await call<MembersListResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminMembers(storeId), { headers: adminHeaders })).body;
  const points = async (storeId: string) => Object.fromEntries((await list(storeId)).members.map((m) => [m.id, m.points]));
  const pull = async (till: Till, since: number) => (await call<CatalogPullResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.catalog}?since=${since}`, { headers: till.headers })).body;
  const push = (till: Till, sales: readonly SentSale[]) => pushSales(ctx.current.server, till, sales);
  const importThree = async (storeId: string) => {
    const r = await cli('import', csvFile(THREE), '--store', storeId);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r;
  };

  it('imports a CSV in one publish, lists it, and terminals pull the members with their points', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    expect((await importThree(storeId)).stdout).toBe(`Store ${storeId}: 3 members published, 0 deleted (catalog versions 1–3).\n`);
    const listed = await cli('list', '--store', storeId);
    expect(listed.stdout).toBe(
      [
        `Store ${storeId}: 3 members`,
        '  M001  王丽 Wang Li  phone 8613800000001, codes QR-M001, 100 points',
        '  M002  Bob  phone 13800000002, 0 points',
        '  M003  Carol  codes CARD-3|QR-3, 5 points, INACTIVE',
        '',
      ].join('\n'),
    );
    const pulled = await pull(tills[0]!, 0);
    expect(pulled.changes.map((c) => (c.kind === 'member.upsert' ? c.member : c))).toEqual([
      { id: 'M001', name: '王丽 Wang Li', phone: '8613800000001', codes: ['QR-M001'], points: 100, active: true },
      { id: 'M002', name: 'Bob', phone: '13800000002', codes: [], points: 0, active: true },
      { id: 'M003', name: 'Carol', phone: null, codes: ['CARD-3', 'QR-3'], points: 5, active: false },
    ]);

    // Empty points keep the server's balance; a number sets it. --replace deletes the rest.
    const again = await cli('import', csvFile(['M001,Wang Li,,QR-M001,,', 'M002,Bob,13800000002,,40,']), '--store', storeId, '--replace', '--json');
    expect(JSON.parse(again.stdout)).toEqual({ storeId, upserted: 2, deleted: 1, fromVersion: 4, toVersion: 6 });
    expect(await points(storeId)).toEqual({ M001: 100, M002: 40 });
    expect((await pull(tills[0]!, 3)).changes.map((c) => c.kind)).toEqual(['member.upsert', 'member.upsert', 'member.delete']);
  });

  it('refuses a bad line, or a phone or code that would belong to two members, publishing nothing', async () => {
    const storeId = freshId('S');
    await importThree(storeId);
    const bad = await cli('import', csvFile(['M010,Dan,not a phone,,,', 'M011,Eve,,,,', 'M012,Fay,,QR-M001|QR-12,,', 'M013,Gus,,QR-12,,']), '--store', storeId);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('the members file has 2 errors');
    expect(bad.stderr).toMatch(/^line 2, phone: phone "not a phone" is not a phone number/m);
    expect(bad.stderr).toMatch(/^line 5, codes: code "QR-12" is already member M012's on line 4/m);
    expect(bad.stderr).toContain('nothing was published');

    // Against members already on the server: M001 keeps QR-M001, so M012 may not have it.
    const clash = await cli('import', csvFile(['M012,Fay,,QR-M001,,']), '--store', storeId);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('code "QR-M001" would belong to both imported member "M012" and member "M001" (already on the server, not in this import)');
    // …unless the same import gives M001 other codes.
    const moved = await cli('import', csvFile(['M001,Wang Li,,QR-NEW,,', 'M012,Fay,,QR-M001,,']), '--store', storeId);
    expect(moved.code).toBe(0);

    const badApi = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminMembers(storeId), {
      headers: adminHeaders,
      body: { members: [{ id: 'M020', name: 'Ok', phone: null, codes: [], points: null, active: true }, { id: 'M021', name: 'Bad', phone: '12', codes: [], points: -1, active: true }], replace: false },
    });
    expect(badApi.status).toBe(400);
    expect(badApi.body.error.message).toMatch(/^members\[1\] "M021": .*nothing was published$/);
    const plain = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminCatalog(storeId), {
      headers: adminHeaders,
      body: { changes: [{ kind: 'member.upsert', member: { id: 'M099', name: 'Sneaky', phone: null, codes: [], points: 1_000_000, active: true } }] },
    });
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toMatch(/^changes\[0\]: members are published through the members import/);
    expect((await list(storeId)).members.map((m) => m.id)).toEqual(['M001', 'M002', 'M003', 'M012']);
    const till = await register(ctx.current.server, storeId, freshId('T'));
    expect((await pull(till, 0)).latestVersion).toBe(5);
  });

  it('keeps the points balance from every pushed sale and publishes it in the same push; overdrawn members are on the settlement', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 2);
    const [a, b] = tills as [Till, Till];
    await importThree(storeId);
    const before = (await pull(a, 0)).latestVersion;

    // M001 earns 30 on A and 12 on B, redeems 20 on B; Bob earns 0 (nothing published for him).
    await push(a, [withMember(sale(a.terminalId, 1), 'M001', 30), withMember(sale(a.terminalId, 2), 'M002', 0)]);
    await push(b, [withMember(sale(b.terminalId, 1), 'M001', 12, 20)]);
    expect(await points(storeId)).toEqual({ M001: 122, M002: 0, M003: 5 });
    const published = (await pull(a, before)).changes.map((c) => (c.kind === 'member.upsert' ? [c.member.id, c.member.points] : c.kind));
    expect(published).toEqual([
      ['M001', 130],
      ['M001', 122],
    ]);

    // A re-sent batch, a training sale and an unknown member move nothing (the sales still count as money).
    const resent = withMember(sale(a.terminalId, 3), 'M003', 7);
    await push(a, [resent]);
    expect((await push(a, [resent])).duplicates).toBe(1);
    const training = withMember(sale(a.terminalId, 4, { training: true }), 'M001', 50);
    const stranger = withMember(sale(a.terminalId, 5), 'M999', 9);
    expect((await push(a, [training, stranger])).applied).toBe(2);
    expect(await points(storeId)).toEqual({ M001: 122, M002: 0, M003: 12 });

    // Carol redeems her 12 points on both terminals while they are offline: −12.
    await push(a, [withMember(sale(a.terminalId, 6), 'M003', 0, 12)]);
    await push(b, [withMember(sale(b.terminalId, 2), 'M003', 0, 12)]);
    expect(await points(storeId)).toEqual({ M001: 122, M002: 0, M003: 0 });
    const settled = await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminSettlement(storeId), { headers: adminHeaders });
    expect(settled.body.overdrawnMembers).toEqual([{ memberId: 'M003', balance: -12 }]);
    expect((await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.settlement, { headers: b.headers })).body.overdrawnMembers).toEqual([{ memberId: 'M003', balance: -12 }]);
    expect(settled.body.store[0]?.saleCount).toBe(7);
    const printed = await storeCli('settlement', '--store', storeId);
    expect(printed.stdout).toContain('  1 member with points below zero (redeemed twice offline): M003 -12\n');

    // Earning again brings her back above zero and off the list.
    await push(b, [withMember(sale(b.terminalId, 3), 'M003', 20)]);
    expect(await points(storeId)).toMatchObject({ M003: 8 });
    expect((await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminSettlement(storeId), { headers: adminHeaders })).body.overdrawnMembers).toEqual([]);
  });

  it("shows a member's synced purchases, newest first, and refuses an unknown member", async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 2);
    const [a, b] = tills as [Till, Till];
    await importThree(storeId);
    const s1 = withMember(sale(a.terminalId, 1, { completedAt: '2025-03-01T09:00:00.000Z' }), 'M002', 25);
    const s2 = withMember(sale(b.terminalId, 1, { completedAt: '2025-03-03T09:00:00.000Z', lines: [{ sku: 'A', unitPrice: 500 }, { sku: 'B', unitPrice: 300, voided: true }] }), 'M002', 5, 10);
    const s3 = withMember(sale(a.terminalId, 2, { completedAt: '2025-03-02T09:00:00.000Z', training: true }), 'M002', 99);
    await push(a, [s1, s3]);
    await push(b, [s2]);
    const history = await call<MemberHistoryResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminMember(storeId, 'M002'), { headers: adminHeaders });
    expect(history.status).toBe(200);
    expect(history.body.member).toEqual({ id: 'M002', name: 'Bob', phone: '13800000002', codes: [], points: 20, active: true });
    expect(history.body.purchases).toEqual([
      { terminalId: b.terminalId, saleId: s2.id, receiptNo: 1, completedAt: '2025-03-03T09:00:00.000Z', currency: 'CNY', paid: 500, pointsEarned: 5, pointsRedeemed: 10, lineCount: 1 },
      { terminalId: a.terminalId, saleId: s1.id, receiptNo: 1, completedAt: '2025-03-01T09:00:00.000Z', currency: 'CNY', paid: s1.total, pointsEarned: 25, pointsRedeemed: 0, lineCount: 3 },
    ]);
    const shown = await cli('show', 'M002', '--store', storeId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('  M002  Bob  phone 13800000002, 20 points\n  2 purchases synced (newest first):\n');
    expect(shown.stdout).toContain(`    2025-03-03T09:00:00.000Z  ${b.terminalId} receipt 1  paid 5.00 CNY  points +5 −10  1 line\n`);

    const unknown = await call<ErrorResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminMember(storeId, 'NOBODY'), { headers: adminHeaders });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe(`no member "NOBODY" in store ${storeId}`);
    const notAnId = await call<ErrorResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminMember(storeId, 'a b'), { headers: adminHeaders });
    expect(notAnId.status).toBe(400);
    const noToken = await call<ErrorResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminMember(storeId, 'M002'));
    expect(noToken.status).toBe(401);
  });

  it('the real kassa command shows a member (child process)', async () => {
    const storeId = freshId('S');
    await importThree(storeId);
    const r = await runKassa(sandbox, join(sandbox, 'data'), ['store-server', 'members', 'show', 'M001', '--store', storeId, '--url', ctx.current.server.url, '--admin-token-file', tokenFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Store ${storeId}, member:\n  M001  王丽 Wang Li  phone 8613800000001, codes QR-M001, 100 points\n  0 purchases synced\n`);
  });
});
