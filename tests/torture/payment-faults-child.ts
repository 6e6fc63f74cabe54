// Child process of the SIGKILL payment fault test (payment-faults-kill.test.ts): one terminal
// paying against the sandbox gateway that runs in the parent. It opens the terminal's database
// (restoring the checkout's snapshot and resuming its payment, then start-up recovery, the cancel
// queue and pending refunds, as a host does), reports READY, and then sells and refunds random
// steps (payment-faults-steps.ts, from its seed) until the parent kills it. The customers act
// through the sandbox's wallet API over HTTP.
//
//   payment-faults-child <db-file> <sandbox-url> <keys-dir> <seed> sell|final
//
// `final`: no selling; finish the restored sale in cash, let everything settle, close cleanly,
// print DONE and exit 0. Output lines: READY {…}, STEP <n> <kind>, FINDING <text>, DONE {…}.
import { writeSync } from 'node:fs';
import fc from 'fast-check';
import { stateName } from '../../src/core/checkout-service.ts';
import { parseConfig } from '../../src/core/config.ts';
import { listOpenAttempts } from '../../src/core/db/payment-attempts.ts';
import { ensureSandboxKeys } from '../../src/payments/sandbox/keys.ts';
import { finishSale, httpCustomers, newPlayStats, playRefund, playSale, refundArb, saleArb, type Counter } from './payment-faults-steps.ts';
import { Pos, TERMINAL_ID, VirtualClock, walletProviders } from './payment-faults-world.ts';

const [file, url, keysDir, seedText, mode] = process.argv.slice(2);
if (!file || !url || !keysDir || !seedText || (mode !== 'sell' && mode !== 'final')) {
  process.stderr.write('usage: payment-faults-child <db-file> <sandbox-url> <keys-dir> <seed> sell|final\n');
  process.exit(2);
}
const out = (line: string) => writeSync(1, `${line}\n`);

/** Slower than in process, so the parent's kills land anywhere in a payment. */
const CHILD_WALLETS = {
  storeId: 'S01',
  subject: 'Kassa kill test',
  timing: { pollIntervalMs: 15, deadlineMs: 200, queryDelayMs: 10, cancelRetryMs: 15, cancelRetries: 1, closeRetryMs: 15, closeRetries: 1 },
};

const clock = new VirtualClock();
const keys = ensureSandboxKeys(keysDir);
const pos = new Pos({
  file,
  config: parseConfig({ terminalId: TERMINAL_ID, training: false }),
  providers: walletProviders(keys, url),
  clock,
  settings: CHILD_WALLETS,
  queue: { delaysMs: [20, 50, 100], everyMs: 200 },
});
const restored = pos.checkout.actor.getSnapshot();
out(`READY ${JSON.stringify({ restored: pos.checkout.recovery.restored, state: stateName(restored), open: listOpenAttempts(pos.db).length })}`);

const counter: Counter = { pos, customers: httpCustomers(`${url}/wallet`), stats: newPlayStats(), usedCodes: new Map(), findings: [], customersBusy: new Set() };
let reported = 0;
const report = () => {
  const all = [...counter.findings, ...pos.findings];
  for (; reported < all.length; reported++) out(`FINDING ${JSON.stringify(all[reported])}`);
};

if (mode === 'final') {
  await finishSale(counter, 'cash');
  await pos.settleEverything(clock);
  await finishSale(counter, 'cash');
  await Promise.all([...counter.customersBusy]);
  await pos.close();
  report();
  out(`DONE ${JSON.stringify({ open: 'closed' })}`);
  process.exit(0);
}

// The cashier first finishes whatever sale the restart brought back.
await finishSale(counter, 'cash');
report();
const actions = fc.sample(fc.oneof({ weight: 4, arbitrary: saleArb }, { weight: 1, arbitrary: refundArb }), { seed: Number(seedText), numRuns: 10_000 });
for (const [i, action] of actions.entries()) {
  if (action.kind === 'sale') await playSale(counter, action);
  else await playRefund(counter, action);
  report();
  out(`STEP ${i} ${action.kind} ${JSON.stringify(counter.stats.payments)}`);
}
