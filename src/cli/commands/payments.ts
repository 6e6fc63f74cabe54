// `kassa payments`: the terminal's wallet payment attempts (payment_attempts), for the person who
// closes the day. By default only those that need attention: `open` (not resolved yet; the
// terminal resolves them when it starts), `cancel-pending` (the cancel queue is still retrying
// the cancel/close) and `manual` (the queue gave up: compare with the wallet's bill and settle by
// hand). `--all` adds the most recent settled ones.
//
// Decisions: read-only (the database is opened read-only and no gateway is called), so it is safe
// while the terminal runs; the sale's receipt number is shown when the sale was completed.
import type { Command } from 'commander';
import { formatMoney } from '../../domain/money.ts';
import type { PaymentAttempt } from '../../core/db/payment-attempts.ts';
import type { Db } from '../../core/db/open.ts';
import { openExistingDatabase } from '../../core/runtime.ts';
import { dataDirOf, printJson } from '../context.ts';
import { parsePositiveInt } from '../errors.ts';

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
  program
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
Training attempts are in the training folder: kassa --data-dir <data dir>/training payments.`,
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
}
