// `kassa refund`, `kassa refunds` and `kassa manager-token` as a shop manager runs them: real child
// processes on throw-away data folders. Cash refunds on simulated sales; an Alipay refund against
// the sandbox gateway (running in this process on 127.0.0.1, so the child is spawned
// asynchronously) with kassa.config.json pointing at it; refused operations leave the store
// exactly as it was.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runKassa, type CliRun } from '../support/kassa-cli.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/core/db/open.ts';
import { recordAttempt, settleAttempt } from '../../src/core/db/payment-attempts.ts';
import { commitSale } from '../../src/core/db/sales.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { newOutTradeNo } from '../../src/core/payment-service.ts';
import { RefundService } from '../../src/core/refund-service.ts';
import { createAlipayProvider } from '../../src/payments/alipay/alipay-provider.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import { startSandbox, type SandboxServer } from '../../src/payments/sandbox/server.ts';
import { makeSale, SNAPSHOT, TERMINAL } from '../support/sale-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'kassa-cli-refund-'));
const TOKEN = 'manager-2468';
const SLOW = { timeout: 90_000 };

function kassa(dir: string, args: readonly string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliRun> {
  return runKassa(root, dir, args, options);
}

const withToken = { env: { KASSA_MANAGER_TOKEN: TOKEN } };

/** What a refund could change, as one comparable string. */
function dump(dir: string): string {
  const db = new Database(join(dir, 'kassa.db'), { readonly: true });
  try {
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'refunds'").get() !== undefined;
    return JSON.stringify([
      has ? db.prepare('SELECT * FROM refunds ORDER BY refund_id, part_no').all() : [],
      db.prepare('SELECT seq, hash FROM journal ORDER BY seq').all(),
      db.prepare('SELECT seq FROM outbox ORDER BY seq').all(),
      db.prepare('SELECT * FROM settings ORDER BY key').all(),
    ]);
  } finally {
    db.close();
  }
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('cash refunds from the command line', SLOW, () => {
  const shop = join(root, 'shop');

  beforeAll(async () => {
    const csv = join(root, 'demo.csv');
    expect((await kassa(shop, ['demo-data', '--products', '50', '--out', csv])).code).toBe(0);
    expect((await kassa(shop, ['import', csv])).code).toBe(0);
    expect((await kassa(shop, ['simulate', '--sales', '3', '--seed', '3'])).code).toBe(0);
  }, 90_000);

  it('without a manager token set, a refund is refused and nothing changes', async () => {
    const before = dump(shop);
    const status = await kassa(shop, ['manager-token']);
    expect(status.stdout).toContain('no manager token is set: refunds cannot be authorized until one is (kassa manager-token set)');
    const r = await kassa(shop, ['refund', '1', '--manager-token', TOKEN]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('kassa: no manager token is set on this terminal, so nothing can be authorized: set one with `kassa manager-token set`\n');
    expect(dump(shop)).toBe(before);
  });

  it('sets the token from stdin (too short is refused), then refunds partly and fully', async () => {
    const short = await kassa(shop, ['manager-token', 'set', '--token', '12345']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('the new manager token must be at least 6 characters (got 5)');

    const set = await kassa(shop, ['manager-token', 'set'], { stdin: `${TOKEN}\n` });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^manager token set \(id [a-f0-9]{8}\); refunds now need it\n$/);
    expect((await kassa(shop, ['manager-token'])).stdout).toMatch(/^a manager token is set \(id [a-f0-9]{8}, since /);

    const before = dump(shop);
    const refused = await Promise.all([
      kassa(shop, ['refund', '1', '--amount', '1.005'], withToken),
      kassa(shop, ['refund', '1', '--amount', '0'], withToken),
      kassa(shop, ['refund', 'T01-000099'], withToken),
      kassa(shop, ['refund', '1', '--manager-token', 'not-the-token']),
      kassa(shop, ['refund', '1']),
      kassa(shop, ['refund', '1', '--training'], withToken),
    ]);
    expect(refused.map((r) => [r.code, r.stderr.trim()])).toEqual([
      [1, 'kassa: refund amount: "1.005" has 3 decimals; CNY allows at most 2'],
      [1, 'kassa: the refund amount must be above 0 (got "0")'],
      [1, 'kassa: there is no receipt T01-000099 on this terminal'],
      [1, 'kassa: the manager token is not correct: nothing was done'],
      [1, 'kassa: a manager must authorize this: give the manager token'],
      [1, `kassa: no training sales in ${join(shop, 'training')} yet: run \`kassa train\` first`],
    ]);
    expect(dump(shop)).toBe(before);

    const part = await kassa(shop, ['refund', 'T01-000001', '--amount', '1.00', '--reason', 'broken lid'], withToken);
    expect(part.code, part.stderr).toBe(0);
    expect(part.stdout).toMatch(/^refund \S+-T01 of receipt T01-000001, ¥1\.00:\n {2}¥1\.00 in cash: refunded\nopen the cash drawer and hand back ¥1\.00\nleft to refund on T01-000001: ¥\d+\.\d\d\n$/);

    const rest = await kassa(shop, ['refund', '1', '--json'], withToken);
    expect(rest.code, rest.stderr).toBe(0);
    const summary = JSON.parse(rest.stdout) as { amount: number; cash: number; openDrawer: boolean; leftToRefund: number; parts: { reason: string; state: string }[] };
    expect(summary).toMatchObject({ openDrawer: true, leftToRefund: 0 });
    expect(summary.cash).toBe(summary.amount);
    expect(summary.parts).toMatchObject([{ reason: 'customer refund', state: 'refunded' }]);

    const again = await kassa(shop, ['refund', '1'], withToken);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^kassa: receipt T01-000001 has nothing left to refund \(¥[\d.]+ paid; ¥[\d.]+ already refunded or pending\)\n$/);

    const list = await kassa(shop, ['refunds']);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    expect(list.stdout).toContain('T01-000001');
    expect((await kassa(shop, ['refunds', '--pending'])).stdout).toBe('no refund is pending\n');
    const verify = await kassa(shop, ['verify']);
    expect(verify.code, verify.stdout).toBe(0);
  });
});

describe('an Alipay refund against the sandbox gateway', SLOW, () => {
  const till = join(root, 'till');
  const APP_ID = '2021000122670002';
  let sb: SandboxServer;
  let outTradeNo = '';
  let saleId = '';
  let provider: PaymentProvider;

  beforeAll(async () => {
    const gateway = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(till, { recursive: true });
    writeFileSync(join(till, 'app.key'), app.privateKey.export({ type: 'pkcs1', format: 'pem' }));
    writeFileSync(join(till, 'alipay.pub'), gateway.publicKey.export({ type: 'spki', format: 'pem' }));
    sb = await startSandbox({ gatewayPrivateKey: gateway.privateKey, alipayApps: [{ appId: APP_ID, publicKey: app.publicKey }] });
    const alipay = { appId: APP_ID, privateKeyPath: 'app.key', alipayPublicKeyPath: 'alipay.pub', gateway: sb.gatewayUrl };
    writeFileSync(join(till, 'kassa.config.json'), JSON.stringify({ terminalId: TERMINAL, payments: { alipay } }));

    // A sale paid by Alipay barcode (through the provider, against the sandbox), as the checkout stores it.
    const db = openDatabase(join(till, 'kassa.db'));
    try {
      const buyer = sb.wallet.createBuyer({ balanceFen: 100_00, password: null });
      const record = makeSale({ tenders: [{ method: 'alipay' }] });
      outTradeNo = newOutTradeNo(TERMINAL);
      provider = createAlipayProvider(alipay, { baseDir: till });
      const paid = await provider.pay({
        wallet: 'alipay',
        outTradeNo,
        authCode: sb.wallet.issueCode(buyer.id, 'alipay').code,
        amount: record.total,
        currency: 'CNY',
        subject: 'Kassa',
        storeId: 'SH001',
        terminalId: TERMINAL,
        operatorId: 'alice',
      });
      if (paid.kind !== 'paid') throw new Error(JSON.stringify(paid));
      const at = new Date().toISOString();
      recordAttempt(db, { outTradeNo, saleId: record.id, terminalId: TERMINAL, wallet: 'alipay', mode: 'barcode', amount: record.total, currency: 'CNY', at });
      settleAttempt(db, outTradeNo, 'paid', { tradeNo: paid.tradeNo, at });
      commitSale(db, { record: { ...record, tenders: record.tenders.map((t) => ({ ...t, reference: paid.tradeNo })) }, snapshot: SNAPSHOT, at });
      saleId = record.id;
    } finally {
      db.close();
    }
    expect((await kassa(till, ['manager-token', 'set', '--token', TOKEN])).code).toBe(0);
  }, 90_000);

  afterAll(async () => {
    expect(sb.ledger.check()).toEqual([]);
    await sb.close();
  });

  const refundedAtGateway = () => sb.ledger.tradeByOut('alipay', APP_ID, outTradeNo)?.refundedFen;

  it('refunds to Alipay (no cash, no drawer), and the sandbox ledger agrees', async () => {
    const r = await kassa(till, ['refund', '1', '--amount', '5'], withToken);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ {2}¥5\.00 to Alipay: refunded\n/);
    expect(r.stdout).not.toContain('cash drawer');
    expect(refundedAtGateway()).toBe(500);
  });

  it('a refund left pending is listed, and `kassa refunds retry` carries it out with its own refund number', async () => {
    // Recorded but not sent (as after a crash right after the record): the core API's prepare(),
    // which asks no wallet.
    const db = openDatabase(join(till, 'kassa.db'));
    let key: string;
    try {
      const s = new RefundService({ db, logger: silentLogger(), providers: new Map([['alipay', provider]]), terminalId: TERMINAL, training: false });
      const prepared = await s.prepare({ saleId, amount: '2.50', reason: 'late', authorization: TOKEN, operator: 'alice' });
      key = prepared.parts[0]?.outRequestNo ?? '';
    } finally {
      db.close();
    }
    expect(refundedAtGateway()).toBe(500);
    const listed = await kassa(till, ['refunds', '--pending']);
    expect(listed.stdout).toContain(`¥2.50 to Alipay: PENDING (refund number ${key})`);
    const retried = await kassa(till, ['refunds', 'retry']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toBe('T01-000001  ¥2.50 to Alipay: refunded\n');
    expect(refundedAtGateway()).toBe(750);
    expect((await kassa(till, ['refunds', 'retry'])).stdout).toBe('no refund is pending\n');
    expect((await kassa(till, ['verify'])).code).toBe(0);
  });
});
