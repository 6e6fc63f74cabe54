// `kassa simulate`: whole cash sales, headless, through the checkout machine and the store.
// Load and soak tests for integrators start here; the summary says what was sold and whether
// the store still verifies.
import type { Command } from 'commander';
import { formatMoney } from '../../domain/money.ts';
import { startCheckout } from '../../core/checkout-service.ts';
import { openTerminal } from '../../core/runtime.ts';
import { simulateSales } from '../../core/sale-simulator.ts';
import { verifyStore } from '../../core/verify.ts';
import { dataDirOf, printJson } from '../context.ts';
import { parsePositiveInt } from '../errors.ts';
import { startProgress } from '../progress.ts';

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run whole cash sales headless through the checkout machine and the store, then print a summary')
    .requiredOption('--sales <n>', 'number of sales to complete')
    .option('--seed <n>', 'random seed, to repeat a run exactly (default: from the clock, printed in the summary)')
    .option('--max-lines <n>', 'most items scanned per sale', '8')
    .option('--no-verify', 'skip the store check at the end')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nNeeds a catalog: kassa demo-data --products 1000 --out demo.csv && kassa import demo.csv')
    .action(async function (this: Command, opts: { sales: string; seed?: string; maxLines: string; verify: boolean; json?: boolean }) {
      const sales = parsePositiveInt(opts.sales, '--sales', 10_000_000);
      const seed = opts.seed !== undefined ? parsePositiveInt(opts.seed, '--seed', 2 ** 31) : Date.now() % 2 ** 31;
      const maxLines = parsePositiveInt(opts.maxLines, '--max-lines', 200);
      const terminal = await openTerminal(dataDirOf(this));
      const service = startCheckout({ db: terminal.db, config: terminal.config, logger: terminal.logger, printer: null });
      try {
        if (service.recovery.restored && service.recovery.saleId && !opts.json) {
          process.stderr.write(`restored sale ${service.recovery.saleId} (${service.recovery.state}, ${service.recovery.lines} lines): finishing it first\n`);
        }
        const progress = startProgress({ label: 'selling', total: sales, enabled: !opts.json });
        const summary = await simulateSales(service, terminal.db, terminal.config, { sales, seed, maxLines, onSale: (done) => progress.update(done) });
        progress.stop();
        const report = opts.verify ? verifyStore(terminal.db) : null;
        const cur = terminal.config.currency;
        const money = (n: number) => formatMoney({ amount: n, currency: cur });
        if (opts.json) {
          printJson({ seed, ...summary, currency: cur, verify: report ? { ok: report.ok, problems: report.problems.slice(0, 10) } : null });
        } else {
          const secs = summary.durationMs / 1000;
          const out = [
            `sales: ${summary.sales} completed, ${summary.cancelled} cancelled, ${summary.parkedAndResumed} parked and resumed (seed ${seed})`,
            `receipts: ${summary.firstReceipt ?? '-'} to ${summary.lastReceipt ?? '-'}`,
            `lines: ${summary.lines} sold, ${summary.voids} voided, ${summary.discounts} discounts`,
            `revenue: ${money(summary.revenue)} ${cur} (tax ${money(summary.tax)}), change given ${money(summary.change)}`,
            `time: ${secs.toFixed(1)} s, ${(summary.sales / Math.max(secs, 0.001)).toFixed(1)} sales/s`,
          ];
          if (summary.errors.length) out.push(`errors: ${summary.errors.length} (first: ${summary.errors[0]})`);
          if (report) out.push(report.ok ? 'verify: ok' : `verify: FAILED: ${report.problems[0]?.message ?? ''}`);
          process.stdout.write(`${out.join('\n')}\n`);
        }
        if (summary.errors.length > 0 || (report && !report.ok)) process.exitCode = 1;
      } finally {
        service.stop();
        await terminal.close();
      }
    });
}
