// Promotions managed on the store server (issue 8 §4): `kassa store-server promotions import`
// and `list` against a running server on PGlite and PostgreSQL, the admin API refusing a bad
// definition, and a terminal applying the publish to its own promotions table.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { listPromotions } from '../../../../src/core/db/promotions.ts';
import { openDatabase } from '../../../../src/core/db/open.ts';
import { applyCatalogChanges } from '../../../../src/core/sync/catalog-apply.ts';
import { SYNC_PATHS, type CatalogPullResponse, type ErrorResponse, type PromotionsListResponse } from '../../../../src/shared/sync-protocol.ts';
import { runKassaMain } from '../../../support/kassa-main.ts';
import { tempDbFile } from '../../../support/sale-fixtures.ts';
import { ADMIN_TOKEN, adminHeaders, call, describeStorages, freshId, register, useStore } from './store-fixtures.ts';

const sandbox = mkdtempSync(join(tmpdir(), 'kassa-promotions-'));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));
const tokenFile = join(sandbox, 'admin-token');
writeFileSync(tokenFile, `${ADMIN_TOKEN}\n`, { mode: 0o600 });

const HEADER = 'id,name,kind,target,skus,departments,percent,amount,price,buy,get,quantity,min_spend,member_only,stacking,group,priority,weekdays,hours,from,until';
const SIX = [
  'DRINKS10,饮料九折 Drinks 10% off,percent_off,department,,drinks,10,,,,,,,no,stackable,dept,0,,,,',
  'COLA-1,Cola 1 yuan off each,amount_off,item,COLA-330,,,1.00,,,,,,no,stackable,,0,,,,',
  'MEMBER-MILK,Member price milk,fixed_price,item,MILK-1L,,,,9.90,,,,,yes,stackable,,10,,,,',
  'SNACK-B2G1,Snacks buy 2 get 1 free,buy_get,department,,snacks,,,,2,1,,,no,stackable,mix,0,,,,',
  'NOODLE-3FOR10,Noodles 3 for 10,n_for_price,item,NOODLE-BEEF|NOODLE-PORK,,,,10.00,,,3,,no,stackable,mix,0,,,,',
  'HAPPY-HOUR,Spend 100 get 10 off,spend_get,basket,,,,10.00,,,,,100.00,no,exclusive,,5,mon-fri,17:00-19:00,2026-01-01,2026-12-31',
];
let files = 0;
function csvFile(rows: readonly string[]): string {
  files += 1;
  const file = join(sandbox, `promotions-${files}.csv`);
  writeFileSync(file, [HEADER, ...rows].join('\n') + '\n');
  return file;
}

describeStorages('promotions', (kind) => {
  const ctx = useStore(kind);
  const cli = (...args: string[]) => runKassaMain(['store-server', 'promotions', ...args, '--url', ctx.current.server.url, '--admin-token-file', tokenFile]);
  const list = async (storeId: string) => (await call<PromotionsListResponse>(ctx.current.server, 'GET', SYNC_PATHS.adminPromotions(storeId), { headers: adminHeaders })).body;

  it('imports a CSV in one publish, lists it, and a terminal pulling the publish stores every promotion', async () => {
    const storeId = freshId('S');
    const till = await register(ctx.current.server, storeId, freshId('T'));
    const imported = await cli('import', csvFile(SIX), '--store', storeId);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe(`Store ${storeId}: 6 promotions published, 0 deleted (catalog versions 1–6).\n`);

    const listed = await cli('list', '--store', storeId);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`Store ${storeId}: 6 promotions`);
    expect(listed.stdout).toContain('HAPPY-HOUR  Spend 100 get 10 off: spend 100.00 get 10.00 off on basket, weekdays 1|2|3|4|5, hours 17:00-19:00, 2026-01-01 to 2026-12-31 (exclusive, priority 5)');
    expect(listed.stdout).toContain('MEMBER-MILK  Member price milk: price 9.90 on items MILK-1L (members only, stackable, priority 10)');

    const pulled = await call<CatalogPullResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.catalog}?since=0`, { headers: till.headers });
    expect(pulled.body.changes.map((c) => c.kind)).toEqual(Array(6).fill('promotion.upsert'));
    const tmp = tempDbFile();
    const db = openDatabase(tmp.file);
    try {
      const applied = applyCatalogChanges(db, pulled.body.changes, { currency: 'CNY', taxClasses: ['standard'], at: '2026-03-02T10:00:00.000Z' });
      expect(applied).toEqual({ applied: 6, skipped: 0, alreadyApplied: 0, version: 6 });
      // The terminal holds exactly what the server lists.
      expect(listPromotions(db)).toEqual((await list(storeId)).promotions);
      expect(listPromotions(db).find((p) => p.id === 'SNACK-B2G1')).toMatchObject({ kind: 'buy_get', buy: 2, get: 1, percentBps: 10_000, target: { kind: 'department', departments: ['snacks'] } });
    } finally {
      db.close();
      tmp.cleanup();
    }
  });

  it('refuses a file with bad rows, listing each with its line number, and publishes nothing', async () => {
    const storeId = freshId('S');
    await cli('import', csvFile(SIX.slice(0, 2)), '--store', storeId);
    const bad = await cli('import', csvFile([SIX[2]!, 'BAD-PCT,Too much,percent_off,item,A,,150,,,,,,,no,stackable,,0,,,,', SIX[3]!, 'BAD-KIND,Teleport,teleport,item,A,,,,,,,,,no,stackable,,0,,,,']), '--store', storeId);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/the promotions file has 2 errors/);
    expect(bad.stderr).toMatch(/^line 3, percent: /m);
    expect(bad.stderr).toMatch(/^line 5, kind: /m);
    expect(bad.stderr).toContain('nothing was published');
    expect((await list(storeId)).promotions.map((p) => p.id)).toEqual(['COLA-1', 'DRINKS10']);
    const till = await register(ctx.current.server, storeId, freshId('T'));
    expect((await call<CatalogPullResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.catalog}?since=0`, { headers: till.headers })).body.latestVersion).toBe(2);
  });

  it('--replace deletes the promotions the file no longer has, in the same publish', async () => {
    const storeId = freshId('S');
    await cli('import', csvFile(SIX), '--store', storeId);
    const changed = SIX[1]!.replace(',1.00,', ',1.50,');
    const replaced = await cli('import', csvFile([changed, 'NEW-5,Five percent off,percent_off,basket,,,5,,,,,,,no,stackable,,0,,,,']), '--store', storeId, '--replace', '--json');
    expect(replaced.code).toBe(0);
    expect(JSON.parse(replaced.stdout)).toEqual({ storeId, upserted: 2, deleted: 5, fromVersion: 7, toVersion: 13 });
    const now = await list(storeId);
    expect(now.promotions.map((p) => [p.id, p.kind === 'amount_off' ? p.amount : null])).toEqual([
      ['COLA-1', 150],
      ['NEW-5', null],
    ]);
    const till = await register(ctx.current.server, storeId, freshId('T'));
    const pulled = await call<CatalogPullResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.catalog}?since=6`, { headers: till.headers });
    expect(pulled.body.changes.filter((c) => c.kind === 'promotion.delete').map((c) => (c.kind === 'promotion.delete' ? c.id : ''))).toEqual(['DRINKS10', 'HAPPY-HOUR', 'MEMBER-MILK', 'NOODLE-3FOR10', 'SNACK-B2G1']);
    // Importing the same file again with --replace deletes nothing more.
    expect(JSON.parse((await cli('import', csvFile([changed]), '--store', storeId, '--replace', '--json')).stdout)).toMatchObject({ upserted: 1, deleted: 1 });
  });

  it('the admin API checks every definition again and refuses a bad one by name, publishing nothing', async () => {
    const storeId = freshId('S');
    const good = (await list(storeId)).promotions;
    expect(good).toEqual([]);
    const badImport = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminPromotions(storeId), {
      headers: adminHeaders,
      body: { promotions: [{ id: 'P-BAD', name: 'no kind' }], replace: false },
    });
    expect(badImport.status).toBe(400);
    expect(badImport.body.error.message).toMatch(/^promotions\[0\] "P-BAD": .*nothing was published$/);
    const badPublish = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminCatalog(storeId), {
      headers: adminHeaders,
      body: { changes: [{ kind: 'promotion.upsert', promotion: { id: 'P-OLD', name: 'old shape', startsAt: null, endsAt: null } }] },
    });
    expect(badPublish.status).toBe(400);
    expect(badPublish.body.error.message).toMatch(/^changes\[0\]: promotion "P-OLD" is not a valid promotion/);
    expect((await list(storeId)).promotions).toEqual([]);
  });
});
