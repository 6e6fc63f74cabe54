// `kassa sales` and `kassa verify`: reading the terminal's sales and proving them whole.
import type { Command } from 'commander';
import { formatMoney } from '../../domain/money.ts';
import { listSales } from '../../core/db/sales.ts';
import { openExistingDatabase } from '../../core/runtime.ts';
import { verifyStore } from '../../core/verify.ts';
import { dataDirOf, printJson } from '../context.ts';
import { parsePositiveInt } from '../errors.ts';
import { startProgress } from '../progress.ts';

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function registerSalesCommands(program: Command): void {
  program
    .command('sales')
    .description('list the most recent sales with receipt numbers and totals')
    .option('--last <n>', 'how many of the newest sales to show', '20')
    .option('--json', 'print the sales as JSON')
    .action(function (this: Command, opts: { last: string; json?: boolean }) {
      const last = parsePositiveInt(opts.last, '--last', 1_000_000);
      const db = openExistingDatabase(dataDirOf(this), { readonly: true });
      try {
        const rows = listSales(db, { last });
        if (opts.json) {
          printJson(rows.map((r) => ({ ...r, total: formatMoney({ amount: r.total, currency: r.currency }), totalMinor: r.total })));
          return;
        }
        if (rows.length === 0) {
          process.stdout.write('no sales yet\n');
          return;
        }
        const money = (amount: number, currency: string) => formatMoney({ amount: amount, currency });
        process.stdout.write(`${pad('receipt', 12)}${pad('completed', 26)}${pad('lines', 6, true)}${pad('total', 12, true)}${pad('change', 10, true)}  cashier\n`);
        for (const r of rows) {
          const receipt = `${r.terminalId}-${String(r.receiptNo).padStart(6, '0')}`;
          const flag = r.training ? ' (training)' : '';
          process.stdout.write(
            `${pad(receipt, 12)}${pad(r.completedAt, 26)}${pad(String(r.lines), 6, true)}${pad(money(r.total + r.rounding, r.currency), 12, true)}${pad(money(r.change, r.currency), 10, true)}  ${r.cashier}${flag}\n`,
          );
        }
      } finally {
        db.close();
      }
    });

  program
    .command('verify')
    .description('check the journal hash chain, that every sale adds up, and that receipt numbers are gapless')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExits 0 when everything checks out, 1 and names the first bad row otherwise.')
    .action(function (this: Command, opts: { json?: boolean }) {
      const db = openExistingDatabase(dataDirOf(this), { readonly: true });
      try {
        const progress = startProgress({ label: 'verifying', total: 0, enabled: !opts.json });
        let phase = '';
        const report = verifyStore(db, {
          onProgress: (p) => {
            if (p.phase !== phase) phase = p.phase;
            progress.update(p.done, p.total);
          },
        });
        progress.stop();
        if (opts.json) printJson(report);
        else {
          const c = report.checked;
          if (report.ok) {
            process.stdout.write(`ok: ${c.journalRows} journal rows chained, ${c.sales} sales add up, receipts gapless (${c.receipts})\n`);
          } else {
            const first = report.problems[0];
            process.stdout.write(`FAILED: ${report.problems.length} problem(s)\n`);
            for (const p of report.problems.slice(0, 20)) {
              const where = [p.where, p.seq !== undefined ? `journal row ${p.seq}` : '', p.receiptNo !== undefined ? `receipt ${p.receiptNo}` : '', p.saleId ?? '']
                .filter(Boolean)
                .join(', ');
              process.stdout.write(`  - ${where}: ${p.message}\n`);
            }
            if (first) process.stderr.write(`kassa verify: first bad row: ${first.where}${first.seq !== undefined ? ` ${first.seq}` : ''}: ${first.message}\n`);
          }
        }
        if (!report.ok) process.exitCode = 1;
      } finally {
        db.close();
      }
    });
}
