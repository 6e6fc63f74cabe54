// barcode_pay_ms: one barcode payment that succeeds at once, end to end on loopback: the payment
// machine (state-machines/payment.machine.ts) run by the terminal's PaymentService (the attempt
// and each call written to SQLite before and after, WAL + synchronous=FULL, as at the counter),
// the Alipay provider (the official alipay-sdk: RSA2 request signature, response signature
// verified) and the sandbox gateway as `kassa sandbox` in its own process (its ledger on disk).
// Timed from starting the machine with the scanned code to its `paid` result; payment codes
// are issued through the wallet API before the clock starts. One payment at a time, as one
// terminal pays: 30 unmeasured, then 300 measured; the figure is the median, p99 in the note.
//
//   npx tsx tests/bench/barcode-pay.ts      prints the result JSON (about 10 s)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createActor, toPromise } from 'xstate';
import { openDatabase } from '../../src/core/db/open.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { newOutTradeNo, PaymentService } from '../../src/core/payment-service.ts';
import { createAlipayProvider } from '../../src/payments/alipay/alipay-provider.ts';
import { providePayment } from '../../state-machines/payment.machine.ts';
import { percentile } from './percentile.ts';
import { post, startGateway } from './sandbox-tps.ts';

const WARMUP = 30;
const MEASURED = 300;

export async function measureBarcodePay(): Promise<{ medianMs: number; note: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kassa-bench-pay-'));
  const gateway = await startGateway(join(dir, 'sandbox'));
  const db = openDatabase(join(dir, 'kassa.db'));
  try {
    const { config } = gateway;
    const buyer = await post<{ id: string }>(`${config.walletApi}/buyers`, { balance: '1000000.00' });
    const { codes } = await post<{ codes: Array<{ code: string }> }>(`${config.walletApi}/codes`, { buyer: buyer.id, wallet: 'alipay', count: WARMUP + MEASURED });
    const provider = createAlipayProvider(
      { appId: config.alipay.appId, gateway: config.alipay.gateway, privateKeyPath: config.alipay.privateKeyPath, alipayPublicKeyPath: config.alipay.alipayPublicKeyPath },
      {},
    );
    const service = new PaymentService({ db, logger: silentLogger(), providers: new Map([['alipay', provider]]), terminalId: 'T01' });
    const machine = providePayment(service.effects(() => 'BENCH-SALE-T01'));
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + MEASURED; i += 1) {
      const code = codes[i]?.code;
      if (code === undefined) throw new Error('the wallet API issued fewer codes than asked');
      const started = performance.now();
      const actor = createActor(machine, {
        input: {
          wallet: 'alipay',
          mode: 'barcode',
          outTradeNo: newOutTradeNo('T01'),
          amount: 888,
          currency: 'CNY',
          authCode: code,
          subject: 'Kassa bench',
          storeId: 'S01',
          terminalId: 'T01',
          operatorId: 'bench',
        },
      });
      actor.start();
      const result = await toPromise(actor);
      const ms = performance.now() - started;
      if (result.kind !== 'paid') throw new Error(`a bench payment did not succeed at once: ${JSON.stringify(result)}`);
      service.settle(result);
      if (i >= WARMUP) samples.push(ms);
    }
    const median = percentile(samples, 50);
    return {
      medianMs: median,
      note:
        `median of ${MEASURED} payments one after another (p99 ${percentile(samples, 99).toFixed(2)} ms, after ${WARMUP} unmeasured): ` +
        'payment machine + PaymentService (attempt and calls written ahead to SQLite) + alipay-sdk (RSA2 both ways) → `kassa sandbox` on loopback (file ledger), answer 10000',
    };
  } finally {
    db.close();
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = await measureBarcodePay();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
