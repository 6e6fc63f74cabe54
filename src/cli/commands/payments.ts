// `kassa payments`: the terminal's wallet payment attempts (payment_attempts), for the person who
// closes the day. By default only those that need attention: `open` (not resolved yet; the
// terminal resolves them when it starts), `cancel-pending` (the cancel queue is still retrying
// the cancel/close) and `manual` (the queue gave up: compare with the wallet's bill and settle by
// hand). `--all` adds the most recent settled ones.
//
// Decisions: read-only (the database is opened read-only and no gateway is called), so it is safe
// while the terminal runs; the sale's receipt number is shown when the sale was completed.
// `payments bill <date>` downloads the Alipay bill of a day or month as Alipay serves it (a zip
// of GBK CSV files) for the manager's reconciliation; it only reads the config and the keys.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../core/config.ts';
import { buildPaymentProviders } from '../../core/payment-providers.ts';
import { AlipayProvider } from '../../payments/alipay/alipay-provider.ts';
import { formatMoney } from '../../domain/money.ts';
import type { PaymentAttempt } from '../../core/db/payment-attempts.ts';
import type { Db } from '../../core/db/open.ts';
import { openExistingDatabase } from '../../core/runtime.ts';
import { configOf, dataDirOf, printJson } from '../context.ts';
import { parsePositiveInt, UsageError } from '../errors.ts';

/** What each state asks of a person, in the order they are listed. */
const ATTENTION: ReadonlyArray<readonly [PaymentAttempt['state'], string]> = [
  ['manual', 'need manual reconciliation: compare with the wallet bill, then settle by hand'],
  ['cancel-pending', 'wait for a cancel/close the terminal keeps retrying (for 24 h, then listed as manual)'],
  ['open', 'are not resolved yet: the terminal asks the gateway when it next starts'],
];

const WALLET_NAMES: Readonly<Record<PaymentAttempt['wallet'], string>> = { alipay: 'Alipay', wechat: 'WeChat Pay' };

interface Listed extends PaymentAttempt {
  /** "T01-000012" when the sale was completed, else null. */
  readonly receipt: string | null;
}

function attempts(db: Db, where: string, limit?: number): Listed[] {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'payment_attempts'").get() !== undefined;
  if (!hasTable) return [];
  const rows = db
    .prepare(
      `SELECT a.*, s.receipt_no AS receipt_no_of_sale, s.terminal_id AS sale_terminal
       FROM payment_attempts a LEFT JOIN sales s ON s.id = a.sale_id
       WHERE ${where} ORDER BY a.created_at DESC, a.out_trade_no DESC${limit === undefined ? '' : ` LIMIT ${limit}`}`,
    )
    .all() as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    outTradeNo: String(r.out_trade_no),
    saleId: String(r.sale_id),
    terminalId: String(r.terminal_id),
    wallet: r.wallet as PaymentAttempt['wallet'],
    mode: r.mode as PaymentAttempt['mode'],
    amount: Number(r.amount),
    currency: String(r.currency),
    codeHint: (r.code_hint as string | null) ?? null,
    state: r.state as PaymentAttempt['state'],
    tradeNo: (r.trade_no as string | null) ?? null,
    detail: (r.detail as string | null) ?? null,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    receipt: r.receipt_no_of_sale === null ? null : `${String(r.sale_terminal)}-${String(r.receipt_no_of_sale).padStart(6, '0')}`,
  }));
}

function describe(a: Listed, withState = false): string {
  const money = formatMoney({ amount: a.amount, currency: a.currency });
  const parts = [
    `${withState ? `${a.state.padEnd(9)} ` : ''}${a.outTradeNo}  ${WALLET_NAMES[a.wallet]} ${a.mode === 'qr' ? 'QR' : 'code'}${a.codeHint ? ` ${a.codeHint}` : ''}  ${money.padStart(10)}  ${a.createdAt}`,
    a.tradeNo ? `trade ${a.tradeNo}` : '',
    a.receipt ? `receipt ${a.receipt}` : `sale ${a.saleId}`,
  ].filter(Boolean);
  return `  ${parts.join('  ')}${a.detail ? `\n      ${a.detail}` : ''}`;
}

export function registerPayments(program: Command): void {
  const payments = program
    .command('payments')
    .description('list wallet payment attempts that need attention (open, cancel pending, manual reconciliation)')
    .option('--all', 'also list the most recent settled attempts (paid, failed, cancelled, expired)')
    .option('--last <n>', 'with --all: how many settled attempts to show', '50')
    .option('--json', 'print the attempts as JSON')
    .addHelpText(
      'after',
      `
States: open (resolved at the next start), cancel-pending (the cancel queue retries it),
manual (reconcile with the wallet bill), paid, failed, cancelled, expired.
Training attempts are in the training folder: kassa --data-dir <data dir>/training payments.
Subcommand: bill <date> downloads the Alipay bill of a day (yyyy-MM-dd) or month (yyyy-MM).`,
    )
    .action(function (this: Command, opts: { all?: boolean; last: string; json?: boolean }) {
      const last = parsePositiveInt(opts.last, '--last', 1_000_000);
      const db = openExistingDatabase(dataDirOf(this), { readonly: true });
      try {
        const attention = attempts(db, "a.state IN ('open', 'cancel-pending', 'manual')");
        const settled = opts.all ? attempts(db, "a.state NOT IN ('open', 'cancel-pending', 'manual')", last) : [];
        if (opts.json) {
          printJson([...attention, ...settled]);
          return;
        }
        const out = (text: string) => process.stdout.write(`${text}\n`);
        if (attention.length === 0) out('no wallet payment needs attention');
        for (const [state, what] of ATTENTION) {
          const group = attention.filter((a) => a.state === state);
          if (group.length === 0) continue;
          out(`${group.length} ${state} attempt(s) ${what}:`);
          for (const a of group) out(describe(a));
        }
        if (opts.all) {
          out(settled.length === 0 ? 'no settled wallet payments' : `${settled.length} most recent settled attempt(s):`);
          for (const a of settled) out(describe(a, true));
        }
      } finally {
        db.close();
      }
    });

  payments
    .command('bill')
    .description("download the Alipay bill (a zip of GBK CSV files) of a day or a month, to reconcile the terminal's trades")
    .argument('<date>', 'yyyy-MM-dd for a day (available the next day), yyyy-MM for a month')
    .option('--out <file>', 'where to save the zip (default: alipay-bill-<date>.zip in the current folder)')
    .option('--type <type>', 'trade (the store\'s trades) or signcustomer (the account\'s flows)', 'trade')
    .action(async function (this: Command, date: string, opts: { out?: string; type: string }) {
      if (!/^\d{4}-\d{2}(-\d{2})?$/.test(date)) throw new UsageError(`the date must be yyyy-MM-dd (a day) or yyyy-MM (a month), got "${date}"`);
      if (opts.type !== 'trade' && opts.type !== 'signcustomer') throw new UsageError(`--type must be trade or signcustomer, got "${opts.type}"`);
      const { paths, config } = configOf(this);
      const alipay = buildPaymentProviders(config, paths.dir).get('alipay');
      if (!(alipay instanceof AlipayProvider)) throw new ConfigError(paths.config, ['payments.alipay: Alipay is not set up on this terminal, so it has no Alipay bill (see the README, Wallet payments)']);
      process.stderr.write(`kassa: asking Alipay for the ${opts.type} bill of ${date}…\n`);
      const zip = await alipay.downloadBill(date, opts.type);
      const out = resolve(opts.out ?? `alipay-bill-${date}.zip`);
      writeFileSync(out, zip);
      process.stdout.write(`saved the Alipay ${opts.type} bill of ${date} (${zip.length} bytes) to ${out}\n`);
    });
}
