// `kassa sales`, `kassa sales search`, `kassa verify` and `kassa journal`: reading the
// terminal's sales, finding one, and proving the record whole (the journal commands live in
// journal.ts and are registered from here, with verify).
//
// `sales search` dates: --from/--to take a day (yyyy-mm-dd, the terminal's local time, --to
// inclusive of that whole day) or an ISO timestamp (taken as is, --to exclusive). --amount is
// an amount in the terminal's currency ("12.34") or a range ("10..20").
import type { Command } from 'commander';
import { MoneyError, formatMoney, parseMoney } from '../../domain/money.ts';
import { listSales } from '../../core/db/sales.ts';
import { openExistingDatabase } from '../../core/runtime.ts';
import { MAX_PAGE, TENDER_FILTERS, searchSales, type SalesSearch, type TenderFilter } from '../../core/sales-history.ts';
import { verifyStore } from '../../core/verify.ts';
import { configOf, dataDirOf, printJson } from '../context.ts';
import { UsageError, parsePositiveInt } from '../errors.ts';
import { startProgress } from '../progress.ts';
import { registerJournal } from './journal.ts';

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A --from/--to value as an ISO instant: a local day's start (or, for --to, the next day's). */
export function dayOrInstant(value: string, option: '--from' | '--to'): string {
  const day = DAY.exec(value.trim());
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const start = new Date(y, m - 1, d + (option === '--to' ? 1 : 0));
    if (m < 1 || m > 12 || d < 1 || d > new Date(y, m, 0).getDate()) throw new UsageError(`${option} "${value}" is not a date: expected yyyy-mm-dd`);
    return start.toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw new UsageError(`${option} "${value}" is not a date: expected yyyy-mm-dd (local day) or an ISO timestamp`);
}

/** --amount "12.34" (exact) or "10..20" (inclusive range), in minor units. */
export function amountRange(value: string, currency: string): { amountMin: number; amountMax: number } {
  const parts = value.split('..');
  const read = (t: string) => {
    try {
      return parseMoney(t, currency).amount;
    } catch (err) {
      if (err instanceof MoneyError) throw new UsageError(`--amount "${value}": ${err.message}`);
      throw err;
    }
  };
  if (parts.length === 1) {
    const a = read(value);
    return { amountMin: a, amountMax: a };
  }
  if (parts.length === 2 && parts[0] !== undefined && parts[1] !== undefined) return { amountMin: read(parts[0]), amountMax: read(parts[1]) };
  throw new UsageError(`--amount "${value}" is not an amount: expected e.g. 12.34 or 10..20`);
}

export function registerSalesCommands(program: Command): void {
  const sales = program
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

  sales
    .command('search')
    .description('find sales by receipt number, date, amount, tender or cashier, newest first')
    .option('--receipt <no>', 'receipt number as printed (T01-000123) or just the number')
    .option('--from <date>', 'from this day (yyyy-mm-dd, local) or ISO timestamp')
    .option('--to <date>', 'up to and including this day (yyyy-mm-dd), or before this ISO timestamp')
    .option('--amount <amount>', 'the amount (12.34) or a range (10..20), due or paid')
    .option('--tender <tender>', TENDER_FILTERS.join(', '))
    .option('--cashier <name>', "the cashier's name as on the receipt")
    .option('--limit <n>', `rows per page (at most ${MAX_PAGE})`, '50')
    .option('--before <cursor>', 'the next page: the cursor the previous page printed')
    .option('--json', 'print the page as JSON')
    .action(function (this: Command, opts: { receipt?: string; from?: string; to?: string; amount?: string; tender?: string; cashier?: string; limit: string; before?: string; json?: boolean }) {
      const { paths, config } = configOf(this);
      if (opts.tender !== undefined && !(TENDER_FILTERS as readonly string[]).includes(opts.tender)) {
        throw new UsageError(`--tender must be one of ${TENDER_FILTERS.join(', ')}, got "${opts.tender}"`);
      }
      const search: SalesSearch = {
        limit: parsePositiveInt(opts.limit, '--limit', MAX_PAGE),
        ...(opts.receipt === undefined ? {} : { receipt: opts.receipt }),
        ...(opts.from === undefined ? {} : { from: dayOrInstant(opts.from, '--from') }),
        ...(opts.to === undefined ? {} : { to: dayOrInstant(opts.to, '--to') }),
        ...(opts.amount === undefined ? {} : amountRange(opts.amount, config.currency)),
        ...(opts.tender === undefined ? {} : { tender: opts.tender as TenderFilter }),
        ...(opts.cashier === undefined ? {} : { cashier: opts.cashier }),
        ...(opts.before === undefined ? {} : { before: opts.before }),
      };
      // `kassa sales` has a --json of its own, which commander gives the parent: read both.
      const json = opts.json === true || this.optsWithGlobals<{ json?: boolean }>().json === true;
      const db = openExistingDatabase(paths, { readonly: true });
      try {
        const page = searchSales(db, search);
        if (json) {
          printJson(page);
          return;
        }
        if (page.rows.length === 0) {
          process.stdout.write(page.next === null ? 'no sales match\n' : `no match among the sales checked so far: older ones with --before ${page.next}\n`);
          return;
        }
        const money = (amount: number, currency: string) => formatMoney({ amount, currency });
        process.stdout.write(`${pad('receipt', 12)}${pad('completed', 26)}${pad('total', 12, true)}${pad('refunded', 10, true)}  ${pad('tenders', 20)}cashier\n`);
        for (const r of page.rows) {
          const tenders = r.tenders.map((t) => t.method).join('+');
          const refunded = r.refunded > 0 ? money(r.refunded, r.currency) : '';
          process.stdout.write(
            `${pad(r.receipt, 12)}${pad(r.completedAt, 26)}${pad(money(r.total + r.rounding, r.currency), 12, true)}${pad(refunded, 10, true)}  ${pad(tenders, 20)}${r.cashier}${r.training ? ' (training)' : ''}\n`,
          );
        }
        if (page.next !== null) process.stdout.write(`more: kassa sales search … --before ${page.next}\n`);
      } finally {
        db.close();
      }
    });

  registerJournal(program);

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
