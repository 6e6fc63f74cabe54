// Catalog, price and promotion changes published on the store server and pulled by its
// terminals, against PGlite and a real PostgreSQL: versions per store, gapless and in order,
// even while several publishers and pullers run at once.
import { expect, it } from 'vitest';
import {
  SYNC_PATHS,
  type CatalogChange,
  type CatalogProduct,
  type CatalogPublishResponse,
  type CatalogPullResponse,
  type ErrorResponse,
  type VersionedCatalogChange,
} from '../../../../src/shared/sync-protocol.ts';
import { describeStorages, adminHeaders, call, storeWith, useStore, type Till } from './store-fixtures.ts';

function product(sku: string, price: number, extra: Partial<CatalogProduct> = {}): CatalogProduct {
  return { sku, nameZh: `商品 ${sku}`, nameEn: `Item ${sku}`, price, currency: 'CNY', taxClass: 'standard', unit: 'each', department: 'grocery', active: true, barcodes: [`0690000000${sku.slice(-4)}`], ...extra };
}

describeStorages('catalog changes', (kind) => {
  const ctx = useStore(kind);
  const publish = (storeId: string, changes: unknown) =>
    call<CatalogPublishResponse & ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminCatalog(storeId), { headers: adminHeaders, body: { changes } });
  const pull = (till: Till, query: string) => call<CatalogPullResponse & ErrorResponse>(ctx.current.server, 'GET', `${SYNC_PATHS.catalog}?${query}`, { headers: till.headers });
  const strip = (c: VersionedCatalogChange): CatalogChange => {
    const { version: _v, publishedAt: _p, ...change } = c;
    return change as CatalogChange;
  };

  it('hands out versions 1, 2, 3… per store and pulls them back in pages, as published, never splitting a publish', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const till = tills[0]!;
    expect((await pull(till, 'since=0')).body).toEqual({ storeId, since: 0, changes: [], latestVersion: 0, more: false });

    const changes: CatalogChange[] = [
      { kind: 'product.upsert', product: product('SKU-0001', 350) },
      { kind: 'price.set', sku: 'SKU-0001', price: 399, currency: 'CNY' },
      {
        kind: 'promotion.upsert',
        promotion: {
          id: 'P1',
          name: '买二送一',
          kind: 'buy_get',
          buy: 2,
          get: 1,
          percentBps: 10_000,
          target: { kind: 'item', skus: ['SKU-0001'] },
          memberOnly: false,
          stacking: 'stackable',
          group: null,
          priority: 0,
          window: { weekdays: null, hours: [], from: '2025-03-01', until: null },
        },
      },
    ];
    const published = await publish(storeId, changes);
    expect(published.status).toBe(200);
    expect(published.body).toEqual({ storeId, fromVersion: 1, toVersion: 3 });

    // A page never ends inside a publish: limit 2 runs on to the publish's last change, so a
    // terminal applying a page whole applies the publish whole.
    const whole = await pull(till, 'since=0&limit=2');
    expect(whole.status).toBe(200);
    expect(whole.body.changes.map((c) => c.version)).toEqual([1, 2, 3]);
    expect(whole.body).toMatchObject({ since: 0, latestVersion: 3, more: false });
    expect(whole.body.changes.map(strip)).toEqual(changes);
    expect(Number.isNaN(Date.parse(whole.body.changes[0]!.publishedAt))).toBe(false);
    // Starting inside a publish (a terminal that applied part of it under an older server) runs to its end.
    expect((await pull(till, 'since=1&limit=1')).body.changes.map((c) => c.version)).toEqual([2, 3]);

    const later = await publish(storeId, [{ kind: 'product.delete', sku: 'SKU-0001' }, { kind: 'promotion.delete', id: 'P1' }]);
    expect(later.body).toEqual({ storeId, fromVersion: 4, toVersion: 5 });
    expect((await publish(storeId, [{ kind: 'product.upsert', product: product('SKU-0002', 120) }])).body).toEqual({ storeId, fromVersion: 6, toVersion: 6 });
    // Between publishes, pages cut where the limit says.
    const page1 = await pull(till, 'since=3&limit=2');
    expect(page1.body.changes.map((c) => [c.version, c.kind])).toEqual([
      [4, 'product.delete'],
      [5, 'promotion.delete'],
    ]);
    expect(page1.body.more).toBe(true);
    const page2 = await pull(till, 'since=5&limit=2');
    expect(page2.body.changes.map((c) => c.version)).toEqual([6]);
    expect(page2.body.more).toBe(false);
    expect((await pull(till, 'since=6')).body).toMatchObject({ changes: [], latestVersion: 6, more: false });
  });

  it("keeps each store's catalog to itself", async () => {
    const [a, b] = [await storeWith(ctx.current.server, 1), await storeWith(ctx.current.server, 1)];
    await publish(a.storeId, [{ kind: 'product.upsert', product: product('A-0001', 100) }]);
    await publish(a.storeId, [{ kind: 'product.upsert', product: product('A-0002', 200) }]);
    expect((await publish(b.storeId, [{ kind: 'product.upsert', product: product('B-0001', 300) }])).body.fromVersion).toBe(1);
    const fromB = await pull(b.tills[0]!, 'since=0');
    expect(fromB.body.changes.map((c) => (c.kind === 'product.upsert' ? c.product.sku : '?'))).toEqual(['B-0001']);
    expect(fromB.body.latestVersion).toBe(1);
  });

  it('gives concurrent publishes disjoint, gapless version ranges that pullers see in order while they run', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 3);
    const publishes = Array.from({ length: 8 }, (_, p) => Array.from({ length: 3 }, (_, k): CatalogChange => ({ kind: 'price.set', sku: `SKU-${p}-${k}`, price: 100 * p + k, currency: 'CNY' })));
    const seen = tills.map(() => [] as number[]);
    let publishing = true;
    const pullers = tills.map(async (till, t) => {
      let since = 0;
      for (let round = 0; round < 500; round++) {
        const stop = !publishing;
        const r = await pull(till, `since=${since}&limit=5`);
        expect(r.status).toBe(200);
        for (const c of r.body.changes) seen[t]!.push(c.version);
        since = r.body.changes[r.body.changes.length - 1]?.version ?? since;
        if (stop && !r.body.more) return;
      }
      throw new Error('puller did not catch up within 500 rounds');
    });
    const answers = await Promise.all(publishes.map((changes) => publish(storeId, changes)));
    publishing = false;
    await Promise.all(pullers);

    const ranges = answers.map((a) => [a.body.fromVersion, a.body.toVersion] as const).sort((x, y) => x[0] - y[0]);
    ranges.forEach(([from, to], i) => {
      expect(to - from).toBe(2);
      expect(from).toBe(i * 3 + 1);
    });
    const all = Array.from({ length: 24 }, (_, i) => i + 1);
    for (const s of seen) expect(s).toEqual(all);
    // Each publish's changes got its own consecutive versions, in the order sent.
    const every = await pull(tills[0]!, 'since=0&limit=100');
    for (const [i, a] of answers.entries()) {
      const got = every.body.changes.filter((c) => c.version >= a.body.fromVersion && c.version <= a.body.toVersion).map(strip);
      expect(got).toEqual(publishes[i]);
    }
  });

  it('refuses a bad publish whole, naming the change, and publishes nothing of it', async () => {
    const { storeId, tills } = await storeWith(ctx.current.server, 1);
    const bad = await publish(storeId, [{ kind: 'product.upsert', product: product('OK-0001', 100) }, { kind: 'product.upsert', product: product('BAD-0001', -5) }]);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'malformed']);
    expect(bad.body.error.message).toContain('changes[1].product.price');
    const nul = await publish(storeId, [{ kind: 'product.upsert', product: product('NUL-0001', 100, { nameEn: 'bad\u0000name' }) }]);
    expect([nul.status, nul.body.error.code]).toEqual([400, 'malformed']);
    expect(nul.body.error.message).toContain('changes[0].product.nameEn');
    const unknownKind = await publish(storeId, [{ kind: 'stock.set', sku: 'X', qty: 1 }]);
    expect(unknownKind.status).toBe(400);
    const asTerminal = await call<ErrorResponse>(ctx.current.server, 'POST', SYNC_PATHS.adminCatalog(storeId), {
      headers: tills[0]!.headers,
      body: { changes: [{ kind: 'product.delete', sku: 'X' }] },
    });
    expect([asTerminal.status, asTerminal.body.error.code]).toEqual([401, 'bad-token']);
    expect((await pull(tills[0]!, 'since=0')).body.latestVersion).toBe(0);
  });

  it('refuses a pull with a bad query, naming the parameter', async () => {
    const { tills } = await storeWith(ctx.current.server, 1);
    for (const [query, mention] of [
      ['since=-1', 'since'],
      ['since=1.5', 'since'],
      ['since=0&limit=0', 'limit'],
      ['since=0&limit=999999', 'limit'],
      ['', 'since'],
      ['since=0&sku=1', 'sku'],
    ] as const) {
      const r = await pull(tills[0]!, query);
      expect(r.status, query).toBe(400);
      expect(r.body.error.message, query).toContain(mention);
    }
  });
});
