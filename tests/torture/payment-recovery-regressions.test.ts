// Two recovery bugs the payment fault test found, kept as plain regressions (both need a restart
// that finds no checkout snapshot to restore, e.g. one discarded after an upgrade):
// A. a wallet payment applied to a sale that was never completed is given back at start-up;
// B. recovery of a barcode attempt the gateway does not know yet cancels it (the pay request may
//    still land), instead of calling it failed and letting the late pay charge the customer.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startCheckout } from '../../src/core/checkout-service.ts';
import { openDatabase } from '../../src/core/db/open.ts';
import { getAttempt, listAttempts } from '../../src/core/db/payment-attempts.ts';
import { loadSnapshot, saveSnapshot } from '../../src/core/db/snapshots.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { newOutTradeNo, PaymentService } from '../../src/core/payment-service.ts';
import { attemptOwnedBy, saleOpenIn } from '../../src/core/terminal-payments.ts';
import type { SandboxServer } from '../../src/payments/sandbox/server.ts';
import { checkoutMachineVersion } from '../../state-machines/checkout.machine.ts';
import { createWorld, FAST_WALLETS, newTerminalDb, PRODUCTS, startWorldSandbox, VirtualClock, walletProviders, type World } from './payment-faults-world.ts';

let world: World;
let sb: SandboxServer;
beforeEach(async () => {
  world = await createWorld();
  sb = await startWorldSandbox(world, new VirtualClock(), []);
});
afterEach(async () => {
  await sb.close();
  world.cleanup();
});

it('A: the wallet tender of a sale lost with its snapshot is given back; one of the open sale is kept', async () => {
  const providers = walletProviders(world.keys, sb.url);
  const file = newTerminalDb(world, join(world.dir, 'a.db'));
  const buyer = sb.wallet.createBuyer({ balanceFen: 10_000 });
  let db = openDatabase(file);
  let service = new PaymentService({ db, logger: silentLogger(), providers, terminalId: 'T01' });
  let checkout = startCheckout({ db, config: world.config, logger: silentLogger(), printer: null, payments: { service, settings: FAST_WALLETS } });
  const product = PRODUCTS[0];
  if (!product) throw new Error('no product');
  checkout.send({ type: 'SCAN', data: product.barcode });
  await checkout.settle();
  checkout.send({ type: 'TENDER' });
  checkout.send({ type: 'PAY_WALLET', wallet: 'alipay', mode: 'barcode', authCode: sb.wallet.issueCode(buyer.id, 'alipay').code, amount: 1000, outTradeNo: 'T01_SPLIT1' });
  expect((await checkout.settle()).context.tenders).toMatchObject([{ method: 'alipay', amount: 1000 }]);

  // A restart that restores the sale keeps its tender.
  checkout.stop();
  db.close();
  db = openDatabase(file);
  service = new PaymentService({ db, logger: silentLogger(), providers, terminalId: 'T01' });
  checkout = startCheckout({ db, config: world.config, logger: silentLogger(), printer: null, payments: { service, settings: FAST_WALLETS } });
  expect(checkout.recovery.restored).toBe(true);
  await service.recover(attemptOwnedBy(checkout), undefined, saleOpenIn(checkout));
  expect(getAttempt(db, 'T01_SPLIT1')?.state).toBe('paid');
  expect(sb.wallet.buyer(buyer.id).balanceFen).toBe(9_000);

  // An upgrade bumps checkoutMachineVersion: the stored snapshot is discarded at the next start.
  checkout.stop();
  saveSnapshot(db, 'checkout', checkoutMachineVersion + 1, loadSnapshot(db, 'checkout')?.snapshot, new Date().toISOString());
  db.close();
  db = openDatabase(file);
  service = new PaymentService({ db, logger: silentLogger(), providers, terminalId: 'T01' });
  checkout = startCheckout({ db, config: world.config, logger: silentLogger(), printer: null, payments: { service, settings: FAST_WALLETS } });
  expect(checkout.recovery.discarded).not.toBeNull();
  await service.recover(attemptOwnedBy(checkout), undefined, saleOpenIn(checkout));
  const attempt = getAttempt(db, 'T01_SPLIT1');
  checkout.stop();
  db.close();
  expect(attempt?.state).toBe('cancelled');
  expect(sb.wallet.buyer(buyer.id).balanceFen).toBe(10_000);
  expect(sb.ledger.check()).toEqual([]);
});

it('B: recovery cancels a barcode attempt the gateway does not know yet, so a late pay cannot charge', async () => {
  const db = openDatabase(newTerminalDb(world, join(world.dir, 'b.db')));
  const service = new PaymentService({ db, logger: silentLogger(), providers: walletProviders(world.keys, sb.url), terminalId: 'T01' });
  const buyer = sb.wallet.createBuyer({ balanceFen: 10_000 });
  sb.faults.add({ method: 'alipay.trade.pay', fault: { kind: 'latency', ms: 600, beforeCommit: true }, count: 1 });
  const outTradeNo = newOutTradeNo('T01');
  const request = { wallet: 'alipay' as const, outTradeNo, authCode: sb.wallet.issueCode(buyer.id, 'alipay').code, amount: 1234, currency: 'CNY', subject: 'x', storeId: 'S01', terminalId: 'T01', operatorId: 'c' };
  // The terminal sends the pay and stops before the answer; no snapshot owns the attempt.
  void service.effects(() => 'SALE-B').pay(request, new AbortController().signal);
  await new Promise((r) => setTimeout(r, 300));
  await service.recover(null);
  await new Promise((r) => setTimeout(r, 700));
  const attempt = listAttempts(db)[0];
  db.close();
  expect(attempt?.state).toBe('cancelled');
  expect(sb.ledger.trades().every((t) => t.status !== 'TRADE_SUCCESS')).toBe(true);
  expect(sb.wallet.buyer(buyer.id).balanceFen).toBe(10_000);
});
