// `kassa train` (what `npm start` runs until the terminal app lands): one training sale, step by
// step, in a training folder beside the terminal's data so real receipt numbers are never used.
// It shows a cashier (or an integrator checking an install) the whole path: scans, a weighed
// item from a scale label, a quantity change, a discount, part of the sale paid in cash and the
// rest with Alipay, the receipt, and the store check.
//
// Wallets: training pays against the sandbox gateway started in this process (keys and ledger
// in <training folder>/sandbox, made once), whose wallet API plays the customer: it makes a
// buyer and issues the Alipay payment code the cashier scans. No real money can move. With
// `payments.training: "configured"` the configured gateways are kept, there is no customer to
// play, and the sale is paid in cash.
import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEmbedded } from '../../domain/barcodes/embedded-barcode.ts';
import { computeTotals } from '../../domain/cart.ts';
import { displayMoney, formatMoney } from '../../domain/money.ts';
import { amountDue } from '../../domain/tender.ts';
import { importCatalog } from '../../core/catalog-import.ts';
import { startCheckout, type CheckoutService, type CheckoutSnapshot } from '../../core/checkout-service.ts';
import { loadConfig } from '../../core/config.ts';
import { getSale } from '../../core/db/sales.ts';
import { writeDemoCatalog } from '../../core/demo-data.ts';
import { dataPaths } from '../../core/paths.ts';
import { DeviceManager } from '../../core/devices/device-manager.ts';
import { textReceiptPrinter } from '../../core/receipt-printer.ts';
import { ReceiptService } from '../../core/receipt-service.ts';
import { openTerminal } from '../../core/runtime.ts';
import { openPayments, type TerminalPayments } from '../../core/terminal-payments.ts';
import { verifyStore } from '../../core/verify.ts';
import { dataDirOf } from '../context.ts';

const TRAINING_PRODUCTS = 500;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function step(service: CheckoutService, label: string, event: Parameters<CheckoutService['send']>[0]): Promise<CheckoutSnapshot> {
  service.send(event);
  const snap = await service.settle();
  const err = snap.context.lastError;
  if (err !== null) {
    say(`  ${label}: refused: ${err}`);
    service.send({ type: 'CLEAR_ERROR' });
  }
  return snap;
}

/** The sandbox wallet API playing the customer: a buyer with `balanceFen`, and one Alipay payment code. */
async function customerPaymentCode(walletApiUrl: string, balanceFen: number): Promise<{ code: string; balanceFen: number }> {
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${walletApiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`the sandbox wallet refused ${path}: ${String(json.error ?? res.status)}`);
    return json;
  };
  const buyer = await post('/buyers', { balanceFen, name: 'Training customer' });
  const issued = await post('/codes', { buyer: buyer.id, wallet: 'alipay' });
  const code = (issued.codes as Array<{ code?: unknown }> | undefined)?.[0]?.code;
  if (typeof code !== 'string') throw new Error('the sandbox wallet issued no payment code');
  return { code, balanceFen: Number(buyer.balanceFen) };
}

function showCart(snap: CheckoutSnapshot): void {
  const totals = computeTotals(snap.context.cart);
  const cur = snap.context.cart.currency;
  for (const l of totals.lines) {
    const line = snap.context.cart.lines.find((c) => c.lineNo === l.lineNo);
    if (!line) continue;
    const qty = line.unit === 'kg' ? `${(line.quantityMilli / 1000).toFixed(3)} kg` : `× ${line.quantityMilli / 1000}`;
    const flag = line.voided ? ' (void)' : '';
    say(`    ${String(line.lineNo).padStart(2)}. ${line.name} ${qty}  ${formatMoney({ amount: l.amount, currency: cur })}${flag}`);
  }
  say(`    total ${displayMoney({ amount: totals.total, currency: cur })}`);
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('run one training sale end to end (what npm start does), in a training folder')
    .option('--fresh', 'use a new temporary training folder and delete it afterwards')
    .addHelpText('after', '\nThe training folder is <data dir>/training; its sales are flagged as training and never touch the real receipts.')
    .action(async function (this: Command, opts: { fresh?: boolean }) {
      const base = dataDirOf(this);
      const dir = opts.fresh ? mkdtempSync(join(tmpdir(), 'kassa-training-')) : join(base.dir, 'training');
      const paths = dataPaths(dir);
      const config = { ...loadConfig(base.config), training: true };
      say(`Kassa training sale (data in ${dir})`);
      const firstRun = !existsSync(paths.database);
      const terminal = await openTerminal(paths, { config });
      try {
        if (firstRun || (terminal.db.prepare('SELECT count(*) FROM products').pluck().get() as number) === 0) {
          const csv = join(dir, 'training-catalog.csv');
          await writeDemoCatalog(csv, { products: TRAINING_PRODUCTS, seed: 7, currency: config.currency });
          const result = await importCatalog(terminal.db, csv, {
            currency: config.currency,
            taxClasses: config.taxClasses,
            defaultTaxClass: config.defaultTaxClass,
            journal: { terminalId: config.terminalId },
          });
          say(`  loaded a training catalog of ${result.imported} products`);
        }
        // With devices in kassa.config.json (real ones, or `kassa sim --write-config`), the
        // training sale drives them: the receipt prints on the printer, the pole display follows.
        const devices = config.devices.length > 0 ? new DeviceManager({ config, db: terminal.db, logger: terminal.logger }) : null;
        const receipts = new ReceiptService({
          db: terminal.db,
          config,
          logger: terminal.logger,
          printer: devices ? devices.receiptPrinter : textReceiptPrinter((line) => say(`    | ${line}`)),
        });
        const payments: TerminalPayments | null = await openPayments({
          db: terminal.db,
          config,
          logger: terminal.logger,
          dataDir: base.dir,
          training: true,
          sandboxDir: join(dir, 'sandbox'),
        });
        try {
          const service = startCheckout({
            db: terminal.db,
            config,
            logger: terminal.logger,
            printer: null,
            receipts,
            ...(payments ? { payments } : {}),
            ...(devices?.hasScale ? { weigh: () => devices.weigh() } : {}),
          });
          if (payments?.sandbox) say(`  wallets: Alipay and WeChat Pay go to the training sandbox at ${payments.sandbox.gatewayUrl} (no real money)`);
          else if (payments) say(`  wallets: ${payments.service.wallets.join(' and ')} on the configured gateways (payments.training is "configured")`);
          const recovered = (await payments?.start(service)) ?? [];
          for (const a of recovered) say(`  a wallet payment left open by the last run (${a.outTradeNo}) was resolved: ${a.state}${a.detail ? `, ${a.detail}` : ''}`);
          if (devices) {
            devices.bindCheckout(service);
            devices.start();
            say('  devices from kassa.config.json:');
            for (const v of await devices.settled(5000)) say(`    ${v.id} (${v.type}, ${v.address}): ${v.state}${v.detail && v.detail !== v.state ? `, ${v.detail}` : ''}`);
          }
          try {
            if (service.recovery.restored && service.recovery.saleId) {
              say(`  a sale left open by the last run was restored (${service.recovery.state}); ending it first`);
              // A wallet payment it was taking resumes by itself: wait for its answer (at most the
              // longest payment deadline the config allows, 600 s, and the cancels after it).
              let s = await service.settle(11 * 60_000);
              const resumed = s.context.lastPayment;
              if (service.recovery.state === 'walletPaying' && resumed) say(`  its ${resumed.wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'} payment ended: ${resumed.message}`);
              if (s.matches('tendering') && s.context.tenders.some((t) => t.method !== 'cash')) {
                // A wallet payment was taken: the sale cannot be cancelled, so the rest is paid in cash.
                const rest = amountDue(computeTotals(s.context.cart), s.context.tenders, config.cashRounding).cashDue;
                s = await step(service, 'cash', { type: 'TENDER_CASH', received: rest });
                say(`  it had a wallet payment: finished with ${displayMoney({ amount: rest, currency: config.currency })} in cash (receipt ${s.context.lastSale?.receiptNo ?? '?'})`);
              } else if (s.value !== 'idle') {
                s = await step(service, 'cancel', { type: 'CANCEL', reason: 'training: left open by an earlier run' });
                if (s.value === 'idle') say('  the sale is cancelled');
              }
            }
            // Active products from the training catalog: three sold per item, one weighed.
            const each = terminal.db
              .prepare(
                `SELECT min(b.code) FROM products p JOIN barcodes b ON b.sku = p.sku
                 WHERE p.active = 1 AND p.unit = 'each' AND length(b.code) = 14 GROUP BY p.sku ORDER BY p.sku LIMIT 3`,
              )
              .pluck()
              .all() as string[];
            const ean = (key: string | undefined) => (key ?? '').replace(/^0/, '');
            say('\n1. The cashier scans three items, one of them twice:');
            let snap = await step(service, 'scan', { type: 'SCAN', data: ean(each[0]) });
            snap = await step(service, 'scan', { type: 'SCAN', data: ean(each[1]) });
            snap = await step(service, 'scan', { type: 'SCAN', data: ean(each[1]) });
            snap = await step(service, 'scan', { type: 'SCAN', data: ean(each[2]) });
            showCart(snap);

            const plu = terminal.db
              .prepare(
                `SELECT b.code FROM products p JOIN barcodes b ON b.sku = p.sku
                 WHERE p.active = 1 AND p.unit = 'kg' AND length(b.code) <= 7 ORDER BY p.sku LIMIT 1`,
              )
              .pluck()
              .get() as string | undefined;
            const layout = config.scan.embedded.find((l) => l.kind === 'weight');
            if (plu && layout) {
              const label = encodeEmbedded(layout, plu.padStart(layout.itemDigits, '0'), 455);
              if (label) {
                say(`\n2. A scale label for 0.455 kg of a weighed item (${label}):`);
                snap = await step(service, 'scan', { type: 'SCAN', data: label });
                showCart(snap);
              }
            }

            say('\n3. A mistyped code is refused and the cart stays as it was:');
            snap = await step(service, 'scan', { type: 'SCAN', data: '6901234567890' });

            say('\n4. The customer takes 3 of the first item, and a damaged box gets 10% off:');
            const first = snap.context.cart.lines[0];
            if (first) {
              snap = await step(service, 'quantity', { type: 'SET_QUANTITY', lineNo: first.lineNo, quantityMilli: 3000 });
              snap = await step(service, 'discount', { type: 'LINE_DISCOUNT', lineNo: first.lineNo, discount: { percentBps: 1000 }, reason: 'damaged box' });
            }
            showCart(snap);

            snap = await step(service, 'tender', { type: 'TENDER' });
            const due = amountDue(computeTotals(snap.context.cart), snap.context.tenders, config.cashRounding);
            const money = (amount: number) => displayMoney({ amount, currency: config.currency });
            // Alipay takes yuan only: a terminal selling in another currency trains with cash.
            const walletApi = config.currency === 'CNY' ? (payments?.sandbox?.walletApiUrl ?? null) : null;
            if (walletApi) {
              // A round note that leaves something for the wallet to pay.
              const note = [10_000, 5_000, 2_000, 1_000].find((n) => n < due.remaining) ?? 0;
              say(`\n5. Payment: ${note > 0 ? `${money(note)} in cash, the rest` : 'all'} with Alipay:`);
              if (note > 0) {
                say(`    due ${money(due.cashDue)}, the customer hands over ${money(note)} in cash`);
                snap = await step(service, 'cash', { type: 'TENDER_CASH', received: note });
              }
              const rest = amountDue(computeTotals(snap.context.cart), snap.context.tenders, config.cashRounding).remaining;
              const customer = await customerPaymentCode(walletApi, rest + 100_00);
              say(`    ${money(rest)} still to pay: the customer shows an Alipay payment code (…${customer.code.slice(-4)}, sandbox wallet balance ${money(customer.balanceFen)})`);
              say('\n6. The cashier scans the code; once Alipay has paid, the sale is committed and the receipt prints:');
              snap = await step(service, 'alipay', { type: 'SCAN', data: customer.code });
              const result = snap.context.lastPayment;
              if (result?.kind === 'paid') {
                say(`   Alipay paid ${money(result.trade.amount)}, trade ${result.trade.tradeNo}`);
              } else {
                say(`   Alipay did not take it (${result?.message ?? snap.context.lastError ?? 'no answer'}): the rest is paid in cash`);
                const cash = amountDue(computeTotals(snap.context.cart), snap.context.tenders, config.cashRounding).cashDue;
                snap = await step(service, 'cash', { type: 'TENDER_CASH', received: cash });
              }
            } else {
              say('\n5. Payment in cash:');
              const received = Math.ceil(due.cashDue / 10_000) * 10_000 || 10_000;
              say(`    due ${money(due.cashDue)}, customer hands over ${money(received)}`);
              say('\n6. The sale is committed, then the receipt prints:');
              snap = await step(service, 'cash', { type: 'TENDER_CASH', received });
            }
            const last = snap.context.lastSale;
            if (!last) throw new Error('the training sale did not complete');
            const tenders = (getSale(terminal.db, last.id)?.tenders ?? []).map((t) => `${t.method === 'cash' ? 'cash' : t.method === 'alipay' ? 'Alipay' : 'WeChat Pay'} ${money(t.amount)}`).join(' + ');
            say(`\n   receipt ${last.receiptNo}, change ${money(last.change)}${tenders ? ` (paid ${tenders})` : ''}`);
            if (devices) say(`   receipt on the printer: ${last.receipt ?? 'not printed'}${snap.context.notice ? ` (${snap.context.notice})` : ''}`);
          } finally {
            service.stop();
            await devices?.stop();
          }
        } finally {
          await payments?.close();
        }
        const report = verifyStore(terminal.db);
        say(
          report.ok
            ? `\n7. kassa verify: ok (${report.checked.sales} training sales, journal of ${report.checked.journalRows} rows intact)`
            : `\n7. kassa verify: FAILED: ${report.problems[0]?.message ?? ''}`,
        );
        if (!report.ok) process.exitCode = 1;
      } finally {
        await terminal.close();
        if (opts.fresh) rmSync(dir, { recursive: true, force: true });
      }
    });
}
