// Child process of the crash test: opens the terminal (recovering whatever the last, killed
// process left), reports what it restored, then sells until it is killed. Every durably saved
// snapshot is reported with a synchronous write, so the parent knows the last saved state.
import { writeSync } from 'node:fs';
import { startCheckout } from '../../src/core/checkout-service.ts';
import { dataPaths } from '../../src/core/paths.ts';
import { openTerminal } from '../../src/core/runtime.ts';
import { simulateSales } from '../../src/core/sale-simulator.ts';
import { saleStateHash } from '../support/sale-state-hash.ts';

const [dir, seedText] = process.argv.slice(2);
if (!dir || !seedText) {
  process.stderr.write('usage: crash-child <data-dir> <seed>\n');
  process.exit(2);
}
const out = (line: string) => writeSync(1, `${line}\n`);

const terminal = await openTerminal(dataPaths(dir), { log: 'silent' });
const service = startCheckout({
  db: terminal.db,
  config: terminal.config,
  logger: terminal.logger,
  printer: null,
  onSnapshotSaving: (snap) => out(`SAVING ${saleStateHash(snap)}`),
  onSnapshotSaved: (snap) => out(`SAVED ${saleStateHash(snap)}`),
});
const restored = service.actor.getSnapshot();
out(
  `READY ${JSON.stringify({
    restored: service.recovery.restored,
    discarded: service.recovery.discarded,
    hash: saleStateHash(restored),
    state: restored.value,
    saleId: restored.context.saleId,
    lines: restored.context.cart.lines.length,
  })}`,
);
await simulateSales(service, terminal.db, terminal.config, {
  sales: 1_000_000,
  seed: Number(seedText),
  maxLines: 6,
  onSale: (_done, snap) => {
    if (snap.context.lastSale) out(`SOLD ${snap.context.lastSale.receiptNo}`);
  },
});
