// Coupons on the store server (issue 8 §2): `kassa store-server coupons import|list` against a
// running server on PGlite and PostgreSQL; a bad import publishing nothing; terminals reserving
// and releasing single-use coupons (one winner when they race); pushed sales turning
// reservations into sales; and a coupon two offline terminals both accepted shown on the
// settlement.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { SaleCoupon } from '../../../../src/domain/sale-record.ts';
import {
  COUPON_RESERVATION_MINUTES,
  SYNC_PATHS,
  type CatalogPullResponse,
  type CouponReleaseResponse,
  type CouponReserveResponse,
  type CouponsListResponse,
  type ErrorResponse,
  type SettlementResponse,
} from '../../../../src/shared/sync-protocol.ts';
import { runKassa } from '../../../support/kassa-cli.ts';
import { adminHeaders, call, cliSandbox, describeStorages, freshId, pushSales, register, sale, storeServerCli, storeWith, useStore, type SentSale, type Till } from './store-fixtures.ts';

const HEADER = 'code,name,use,from,until,min_spend,amount,percent';
const THREE = ['SAVE10,Spend 100 save 10,single,,,100.00,10.00,', 'vip5,VIP 5% off,multi,,,,,5', 'ONCE-20,Twenty off once,single,2025-01-01,2025-12-31,,20.00,'];
const { dir: sandbox, tokenFile, csvFile } = cliSandbox('coupons', HEADER);

const withCoupon = (s: SentSale, coupon: SaleCoupon): SentSale => ({ ...s, coupon });
const couponOf = (code: string, redemption: SaleCoupon['redemption'], amount = 1000): SaleCoupon => ({ code, name: code, use: 'single', amount, redemption });

describeStorages('coupons', (kind) => {
  const ctx = useStore(kind);
  const storeCli = storeServerCli(ctx, tokenFile);
  const cli = (...args: string[]) => storeCli('coupons', ...args);
  const list = async (storeId: string) => (await call<CouponsListResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminCoupons(storeId), { headers: adminHeaders })).body;
  const reserve = (till: Till, code: string, saleId: string) =>
    call<CouponReserveResponse>(ctx.current.server, 'POST', SYNC_PATHS.couponReserve, { headers: till.headers, body: { code, saleId, at: '2025-03-01T10:00:00.000Z' } });
  const release = (till: Till, code: string, saleId: string) => call<CouponReleaseResponse>(ctx.current.server, 'POST', SYNC_PATHS.couponRelease, { headers: till.headers, body: { code, saleId } });
  const push = (till: Till, sales: readonly SentSale[]) => pushSales(ctx.current.server, till, sales);
  const importCoupons = async (storeId: string) => {
    const r = await cli('import', csvFile(THREE), '--store', storeId);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r;
  };

  it('imports a CSV in one publish, lists it, and terminals pull the coupons with the catalog', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const imported = await importCoupons(storeId);
    expect(imported.stdout).toBe(`Store ${storeId}: 3 coupons published, 0 deleted (catalog versions 1–3).\n`);
    const listed = await cli('list', '--store', storeId);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe(
      [
        `Store ${storeId}: 3 coupons`,
        '  ONCE-20  Twenty off once: 20.00 off (single-use, 2025-01-01 to 2025-12-31); not used',
        '  SAVE10  Spend 100 save 10: 10.00 off (single-use, min spend 100.00); not used',
        '  VIP5  VIP 5% off: 5% off (multi-use); not used',
        '',
      ].join('\n'),
    );
    const pulled = await call<CatalogPullResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.catalog}?since=0`, { headers: tills[0]!.headers });
    expect(pulled.body.changes.map((c) => (c.kind === 'coupon.upsert' ? c.coupon : c))).toEqual([
      { code: 'SAVE10', name: 'Spend 100 save 10', use: 'single', from: null, until: null, minSpend: 10_000, amount: 1000, percentBps: null },
      { code: 'VIP5', name: 'VIP 5% off', use: 'multi', from: null, until: null, minSpend: 0, amount: null, percentBps: 500 },
      { code: 'ONCE-20', name: 'Twenty off once', use: 'single', from: '2025-01-01', until: '2025-12-31', minSpend: 0, amount: 2000, percentBps: null },
    ]);

    // --replace deletes what the file no longer has, in the same publish.
    const replaced = await cli('import', csvFile([THREE[0]!]), '--store', storeId, '--replace', '--json');
    expect(JSON.parse(replaced.stdout)).toEqual({ storeId, upserted: 1, deleted: 2, fromVersion: 4, toVersion: 6 });
    expect((await list(storeId)).coupons.map((c) => c.code)).toEqual(['SAVE10']);
    const later = await call<CatalogPullResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.catalog}?since=4`, { headers: tills[0]!.headers });
    expect(later.body.changes.map((c) => (c.kind === 'coupon.delete' ? c.code : c.kind))).toEqual(['ONCE-20', 'VIP5']);
  });

  it('refuses a file with a bad line naming it, and a bad definition through the API, publishing nothing', async () => {
    const storeId = freshId('S');
    const bad = await cli('import', csvFile([THREE[0]!, 'TWICE,Both,single,,,,1.00,10', THREE[1]!, 'save10,Again,multi,,,,1,']), '--store', storeId);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('the coupons file has 2 errors');
    expect(bad.stderr).toMatch(/^line 3, percent: a coupon gives either an amount or a percent off/m);
    expect(bad.stderr).toMatch(/^line 5, code: coupon code "SAVE10" is already given on line 2/m);
    expect(bad.stderr).toContain('nothing was published');

    const badApi = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminCoupons(storeId), {
      headers: adminHeaders,
      body: { coupons: [{ code: 'GOOD1', name: 'Good', use: 'multi', from: null, until: null, minSpend: 0, amount: 100, percentBps: null }, { code: 'lower', name: 'Lower case' }], replace: false },
    });
    expect(badApi.status).toBe(400);
    expect(badApi.body.error.message).toMatch(/^coupons\[1\] "lower": .*nothing was published$/);
    // Coupons go through the import only: the plain catalog publish refuses them.
    const plain = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminCatalog(storeId), { headers: adminHeaders, body: { changes: [{ kind: 'coupon.delete', code: 'GOOD1' }] } });
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toMatch(/^changes\[0\]: coupons are published through the coupons import/);

    expect((await list(storeId)).coupons).toEqual([]);
    const till = await register(ctx.current.server, storeId, freshId('T'));
    expect((await call<CatalogPullResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.catalog}?since=0`, { headers: till.headers })).body.latestVersion).toBe(0);
  });

  it('reserve and release: idempotent per sale, "used" names the holder, a sold coupon is never released', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 2);
    const [a, b] = tills as [Till, Till];
    await importCoupons(storeId);
    expect((await reserve(a, 'NOPE-1', 'sale-x')).body).toEqual({ status: 'unknown', code: 'NOPE-1' });
    expect((await reserve(a, 'vip5', 'sale-x')).body).toEqual({ status: 'not-single-use', code: 'VIP5' });

    const s1 = sale(a.terminalId, 1);
    expect((await reserve(a, 'save10', s1.id)).body).toEqual({ status: 'reserved', code: 'SAVE10', saleId: s1.id });
    expect((await reserve(a, 'SAVE10', s1.id)).body).toEqual({ status: 'reserved', code: 'SAVE10', saleId: s1.id });
    const taken = await reserve(b, 'SAVE10', 'sale-of-b');
    expect(taken.body).toEqual({ status: 'used', code: 'SAVE10', by: { terminalId: a.terminalId, saleId: s1.id, state: 'reserved', receiptNo: null, at: '2025-03-01T10:00:00.000Z' } });
    // Only the holder's sale releases it.
    expect((await release(b, 'SAVE10', s1.id)).body).toEqual({ code: 'SAVE10', released: false });
    expect((await release(a, 'SAVE10', s1.id)).body).toEqual({ code: 'SAVE10', released: true });
    expect((await release(a, 'SAVE10', s1.id)).body).toEqual({ code: 'SAVE10', released: false });
    expect((await reserve(b, 'SAVE10', 'sale-of-b')).body.status).toBe('reserved');
    expect((await release(b, 'SAVE10', 'sale-of-b')).body.released).toBe(true);

    // Reserved, then sold: the push turns the reservation into the sale; it can no longer be released.
    expect((await reserve(a, 'SAVE10', s1.id)).body.status).toBe('reserved');
    expect((await push(a, [withCoupon(s1, couponOf('SAVE10', 'reserved'))])).applied).toBe(1);
    expect((await release(a, 'SAVE10', s1.id)).body.released).toBe(false);
    const after = await reserve(b, 'SAVE10', 'another');
    expect(after.body).toEqual({ status: 'used', code: 'SAVE10', by: { terminalId: a.terminalId, saleId: s1.id, state: 'sold', receiptNo: 1, at: s1.completedAt } });
    expect((await list(storeId)).coupons.find((c) => c.code === 'SAVE10')?.redemptions).toEqual([{ terminalId: a.terminalId, saleId: s1.id, state: 'sold', receiptNo: 1, at: s1.completedAt }]);

    // A sale that arrives without the coupon it reserved (removed, release lost) frees the code.
    const s2 = sale(a.terminalId, 2);
    expect((await reserve(a, 'ONCE-20', s2.id)).body.status).toBe('reserved');
    await push(a, [s2]);
    expect((await reserve(b, 'ONCE-20', 'b-sale')).body.status).toBe('reserved');

    // A reservation left behind (its sale cancelled while the server could not be told) gives
    // way to another sale once it is older than COUPON_RESERVATION_MINUTES; a fresh one does not.
    expect((await reserve(a, 'ONCE-20', 'a-sale')).body.status).toBe('used'); // b-sale holds it
    await ctx.current.storage.query(
      `UPDATE coupon_redemptions SET reserved_at = now() - make_interval(mins => $1) WHERE code = 'ONCE-20' AND sale_id = 'b-sale'`,
      [COUPON_RESERVATION_MINUTES + 1],
    );
    expect((await reserve(a, 'ONCE-20', 'a-sale')).body).toEqual({ status: 'reserved', code: 'ONCE-20', saleId: 'a-sale' });
    expect((await reserve(b, 'ONCE-20', 'b-sale')).body.status).toBe('used');

    // Terminal auth: a request without credentials is refused before anything.
    const anon = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.couponReserve, { body: { code: 'SAVE10', saleId: 'x', at: '2025-03-01T10:00:00.000Z' } });
    expect(anon.status).toBe(401);
    const malformed = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.couponReserve, { headers: a.headers, body: { code: 'SAVE10' } });
    expect(malformed.status).toBe(400);
  });

  it('terminals racing for one single-use code: exactly one gets it, the others are told who has it', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 6);
    await importCoupons(storeId);
    for (let round = 0; round < 3; round++) {
      const code = round === 0 ? 'SAVE10' : round === 1 ? 'ONCE-20' : 'SAVE10';
      if (round === 2) {
        // Free SAVE10 again for the last round.
        const holder = (await list(storeId)).coupons.find((c) => c.code === 'SAVE10')?.redemptions[0];
        const till = tills.find((t) => t.terminalId === holder?.terminalId);
        expect((await release(till!, 'SAVE10', holder!.saleId)).body.released).toBe(true);
      }
      const answers = await Promise.all(tills.map((t) => reserve(t, code, `race-${round}-${t.terminalId}`)));
      const won = answers.filter((a) => a.body.status === 'reserved');
      expect(won).toHaveLength(1);
      const winner = won[0]!.body as Extract<CouponReserveResponse, { status: 'reserved' }>;
      for (const a of answers) {
        if (a.body.status === 'reserved') continue;
        expect(a.body).toMatchObject({ status: 'used', code, by: { saleId: winner.saleId, state: 'reserved' } });
      }
    }
  });

  it('a single-use coupon two offline terminals both accepted is a double redemption on the settlement', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 3);
    const [a, b, c] = tills as [Till, Till, Till];
    await importCoupons(storeId);
    const sa = withCoupon(sale(a.terminalId, 1, { completedAt: '2025-03-01T10:00:00.000Z' }), couponOf('SAVE10', 'offline'));
    const sb = withCoupon(sale(b.terminalId, 1, { completedAt: '2025-03-02T11:00:00.000Z' }), couponOf('save10', 'offline'));
    // Used once only, and a multi-use coupon on two sales: neither is a double redemption.
    const sc = withCoupon(sale(c.terminalId, 1, { completedAt: '2025-03-01T12:00:00.000Z' }), couponOf('ONCE-20', 'offline', 2000));
    const sm1 = withCoupon(sale(c.terminalId, 2), { code: 'VIP5', name: 'VIP', use: 'multi', amount: 50, redemption: 'multi' });
    const sm2 = withCoupon(sale(a.terminalId, 2), { code: 'VIP5', name: 'VIP', use: 'multi', amount: 60, redemption: 'multi' });
    // A training sale with the coupon redeems nothing.
    const st = withCoupon(sale(c.terminalId, 3, { training: true }), { ...couponOf('ONCE-20', 'training'), redemption: 'training' });
    await push(a, [sa, sm2]);
    await push(b, [sb]);
    await push(c, [sc, sm1, st]);
    // Re-sending a batch records nothing twice.
    expect((await push(b, [sb])).duplicates).toBe(1);

    const expected = [
      {
        code: 'SAVE10',
        sales: [
          { terminalId: a.terminalId, saleId: sa.id, receiptNo: 1, completedAt: '2025-03-01T10:00:00.000Z', amount: 1000 },
          { terminalId: b.terminalId, saleId: sb.id, receiptNo: 1, completedAt: '2025-03-02T11:00:00.000Z', amount: 1000 },
        ],
      },
    ];
    const admin = await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminSettlement(storeId), { headers: adminHeaders });
    expect(admin.body.doubleRedemptions).toEqual(expected);
    const fromTill = await call<SettlementResponse>(ctx.current.server, 'GET', SYNC_PATHS.settlement, { headers: c.headers });
    expect(fromTill.body.doubleRedemptions).toEqual(expected);
    // A range holding one of the two sales still shows it (with both sales); one holding neither does not.
    const day2 = await call<SettlementResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.adminSettlement(storeId)}?from=2025-03-02T00:00:00Z&to=2025-03-03T00:00:00Z`, { headers: adminHeaders });
    expect(day2.body.doubleRedemptions).toEqual(expected);
    const day3 = await call<SettlementResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.adminSettlement(storeId)}?from=2025-03-03T00:00:00Z`, { headers: adminHeaders });
    expect(day3.body.doubleRedemptions).toEqual([]);
    // The money is taken all the same.
    expect(admin.body.store[0]?.saleCount).toBe(5);

    const printed = await storeCli('settlement', '--store', storeId);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('  1 single-use coupon redeemed more than once (the sales stand; follow up):\n');
    expect(printed.stdout).toContain(`    SAVE10: ${a.terminalId} receipt 1 at 2025-03-01T10:00:00.000Z (10.00 off); ${b.terminalId} receipt 1 at 2025-03-02T11:00:00.000Z (10.00 off)\n`);
    const listed = await cli('list', '--store', storeId);
    expect(listed.stdout).toContain(`  SAVE10  Spend 100 save 10: 10.00 off (single-use, min spend 100.00); sold 2× (${a.terminalId} receipt 1, ${b.terminalId} receipt 1) DOUBLE REDEMPTION\n`);
    expect(listed.stdout).toContain(`  ONCE-20  Twenty off once: 20.00 off (single-use, 2025-01-01 to 2025-12-31); sold 1× (${c.terminalId} receipt 1)\n`);
  });

  it('the real kassa command lists coupons (child process)', async () => {
    const storeId = freshId('S');
    await importCoupons(storeId);
    const r = await runKassa(sandbox, join(sandbox, 'data'), ['store-server', 'coupons', 'list', '--store', storeId, '--json', '--url', ctx.current.server.url, '--admin-token-file', tokenFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as CouponsListResponse).coupons.map((c) => c.code)).toEqual(['ONCE-20', 'SAVE10', 'VIP5']);
  });
});
