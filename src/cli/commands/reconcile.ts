// `kassa reconcile --date yyyy-mm-dd`: the wallets' bills of a day set against the terminal's
// payments and refunds (src/core/reconcile/reconcile-service.ts does the work), with the items
// that do not match listed beside what to do about them; `kassa reconcile query <key>` asks the
// wallet about one item, `kassa reconcile resolve <key> --reason …` records that a person
// settled it (journalled).
//
// Decisions:
// - Exit codes: 0 every item matched or resolved; 3 unmatched items are listed and not all are
//   resolved (for scripts); 1 refused (a bad bill, a day not over, an unknown key…).
// - `--bill <file>` reads a bill saved earlier (Alipay: the zip `kassa payments bill` saves;
//   WeChat: the text) instead of downloading it, and needs `--wallet`.
// - Who resolved: `--by <name>`, else the config's cashier name (the operator of a terminal
//   without users; a terminal with users gets its operator from the manager screen).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { buildPaymentProviders } from '../../core/payment-providers.ts';
import { walletSettings } from '../../core/payments-config.ts';
import { ReconcileService, type ProviderReport, type ReconcileReport } from '../../core/reconcile/reconcile-service.ts';
import { openExistingDatabase } from '../../core/runtime.ts';
import { formatMoney } from '../../domain/money.ts';
import type { ReconcileItem, ReconcileWallet } from '../../domain/reconcile.ts';
import { configOf, printJson } from '../context.ts';
import { UsageError } from '../errors.ts';

const NAMES: Readonly<Record<ReconcileWallet, string>> = { alipay: 'Alipay', wechat: 'WeChat Pay' };
const yuan = (fen: number | null) => (fen === null ? '—' : formatMoney({ amount: fen, currency: 'CNY' }));

function walletOf(value: string | undefined): ReconcileWallet | undefined {
  if (value === undefined) return undefined;
  if (value !== 'alipay' && value !== 'wechat') throw new UsageError(`--wallet must be alipay or wechat, got "${value}"`);
  return value;
}

function withService<T>(cmd: Command, run: (service: ReconcileService) => Promise<T>): Promise<T> {
  const { paths, config } = configOf(cmd);
  const db = openExistingDatabase(paths);
  const service = new ReconcileService({ db, terminalId: config.terminalId, providers: buildPaymentProviders(config, paths.dir), storeId: walletSettings(config).storeId });
  return run(service).finally(() => db.close());
}

function providerLines(p: ProviderReport): string[] {
  const t = p.totals;
  const other = p.otherTerminalRows > 0 ? `, ${p.otherTerminalRows} line(s) of other terminals left out` : '';
  return [
    `${NAMES[p.provider]} (bill ${p.source === 'download' ? 'downloaded' : 'from file'}, account ${p.account}${p.accountChecked ? '' : ', NOT checked: no bill fetched with this terminal\'s keys yet'}): ${p.billRows} bill line(s), ${p.localRows} terminal record(s)`,
    `  matched ${p.matched}, missing locally ${p.missingLocally}, missing at ${NAMES[p.provider]} ${p.missingAtProvider}, amount mismatch ${p.amountMismatch}; ${p.unresolved} unresolved${other}`,
    `  bill:     payments ${yuan(t.bill.payments)}, refunds ${yuan(t.bill.refunds)}, net ${yuan(t.bill.net)}`,
    `  terminal: payments ${yuan(t.local.payments)}, refunds ${yuan(t.local.refunds)}, net ${yuan(t.local.net)}; difference ${yuan(t.difference)}`,
  ];
}

function itemLine(i: ReconcileItem): string {
  const what = i.entry === 'payment' ? 'payment' : i.entry === 'refund' ? 'refund ' : 'reversal';
  const state = i.localState !== null && i.local === null ? ` (terminal: ${i.localState})` : '';
  const line = `  ${i.status.padEnd(19)} ${what} ${i.key}  terminal ${yuan(i.local)}${state}  ${NAMES[i.provider]} ${yuan(i.billed)}`;
  return i.resolved === null ? line : `${line}\n      resolved by ${i.resolved.by} at ${i.resolved.at}: ${i.resolved.reason}`;
}

function printReport(r: ReconcileReport): void {
  const out: string[] = [`Reconciliation of ${r.date} (Beijing day ${r.range.from} to ${r.range.to}), terminal ${r.terminalId}`];
  for (const p of r.providers) out.push(...providerLines(p));
  const open = r.items.filter((i) => i.status !== 'matched');
  if (open.length === 0) out.push('every item matched');
  else {
    out.push(`${open.length} item(s) not matched:`);
    for (const i of open) out.push(itemLine(i));
    if (open.some((i) => i.resolved === null)) out.push('ask the wallet: kassa reconcile query <key>; after settling one: kassa reconcile resolve <key> --reason "what was done"');
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

export function registerReconcile(program: Command): void {
  const reconcile = program
    .command('reconcile')
    .description("match a day's wallet bills (Alipay, WeChat Pay) with the terminal's payments and refunds")
    .option('--date <yyyy-mm-dd>', 'the day (a Beijing day that is over)')
    .option('--wallet <wallet>', 'alipay or wechat (default: every wallet set up)')
    .option('--bill <file>', 'read this saved bill instead of downloading it (needs --wallet)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Statuses: matched, missing-locally (the wallet has it, the terminal does not count it),
missing-at-provider (the terminal counts it, the bill does not have it), amount-mismatch.
Item keys look like 2025-03-01/alipay/pay/<out_trade_no> or …/refund/<out_request_no>.
Subcommands: query <key> asks the wallet about an item; resolve <key> --reason records that
it was settled (journalled, with --by or the config's cashier name).
Exit codes: 0 all matched or resolved, 3 unresolved items listed, 1 refused (bad bill…).`,
    )
    .action(async function (this: Command, opts: { date?: string; wallet?: string; bill?: string; json?: boolean }) {
      if (opts.date === undefined) throw new UsageError('--date yyyy-mm-dd is required (the day to reconcile)');
      const wallet = walletOf(opts.wallet);
      if (opts.bill !== undefined && wallet === undefined) throw new UsageError('--bill needs --wallet alipay or --wallet wechat (which wallet the file is from)');
      const bills = opts.bill !== undefined && wallet !== undefined ? { [wallet]: readFileSync(resolvePath(opts.bill)) } : undefined;
      const report = await withService(this, (s) => s.run({ date: opts.date ?? '', ...(wallet ? { wallet } : {}), ...(bills ? { bills } : {}) }));
      if (opts.json) printJson(report);
      else printReport(report);
      if (report.items.some((i) => i.status !== 'matched' && i.resolved === null)) process.exitCode = 3;
    });

  reconcile
    .command('query')
    .description('ask the wallet about one item (trade query or refund query); changes nothing')
    .argument('<key>', 'the item key, as kassa reconcile lists it')
    .option('--json', 'print the answer as JSON')
    .action(async function (this: Command, key: string, opts: { json?: boolean }) {
      const answer = await withService(this, (s) => s.query(key));
      if (opts.json) printJson(answer);
      else process.stdout.write(`${answer.says}\n`);
    });

  reconcile
    .command('resolve')
    .description('record that a person settled an unmatched item, and why (journalled)')
    .argument('<key>', 'the item key, as kassa reconcile lists it')
    .requiredOption('--reason <text>', 'what was done, e.g. "refunded by hand, slip 42"')
    .option('--by <name>', "who resolved it (default: the config's cashier name)")
    .action(async function (this: Command, key: string, opts: { reason: string; by?: string }) {
      const by = opts.by ?? configOf(this).config.cashier;
      const done = await withService(this, async (s) => s.resolve(key, opts.reason, by));
      process.stdout.write(`resolved ${done.key} by ${done.by} at ${done.at} (journal entry ${done.journalSeq})\n`);
    });
}
