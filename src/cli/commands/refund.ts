// `kassa refund <receipt-no>`: refund a completed sale, fully or partly, with the manager token;
// `kassa refunds` lists refunds (those still pending or needing a person first) and `kassa
// refunds retry` carries the pending ones out; `kassa manager-token` says whether a token is set
// and `kassa manager-token set` sets it. The core (src/core/refund-service.ts) does the work and
// the checks; this file only reads arguments and prints.
//
// Decisions:
// - The manager token comes from --manager-token or KASSA_MANAGER_TOKEN (the variable keeps it
//   out of the process list and the shell history); the new token for `set` from --token or the
//   first line of stdin.
// - Instead of the token, a user who may refund (`kassa users`) can authorize: --approver <id>
//   with their PIN on the first line of stdin (staff/staff-service.ts: wrong PINs count towards
//   the lockout; the approval is journalled). The operator defaults to the approver then.
// - `--training` works on the training folder (<data dir>/training, where `kassa train` sells):
//   its own sales, its own manager token, and wallets that go to the training sandbox (unless
//   payments.training is "configured"). Training sales are never refunded from the real folder,
//   nor real sales from the training one.
// - No device is touched: when cash is owed the command says how much to hand back, and the
//   drawer is opened by hand (or with `kassa devices open-drawer`).
// - Exit codes: 0 everything asked was refunded; 1 refused (bad input, authorization) or a
//   wallet refused a part, or a part needs a person; 3 a wallet part is still pending (it is
//   retried by `kassa refunds retry` or the running terminal, with the same refund number).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { displayMoney } from '../../domain/money.ts';
import type { WalletId } from '../../domain/payment.ts';
import type { PaymentProvider } from '../../payments/provider.ts';
import { loadConfig, type KassaConfig } from '../../core/config.ts';
import { listRefundParts, pendingRefundParts, type RefundPart, type RefundState } from '../../core/db/refunds.ts';
import { managerTokenInfo, MIN_MANAGER_TOKEN_LENGTH, setManagerToken } from '../../core/manager-auth.ts';
import { buildPaymentProviders, openTrainingSandbox } from '../../core/payment-providers.ts';
import { dataPaths, type DataPaths } from '../../core/paths.ts';
import { RefundService, receiptLabel, type RefundSummary } from '../../core/refund-service.ts';
import { StaffError, StaffService, type Authorization } from '../../core/staff/staff-service.ts';
import { NoTerminalDataError, openExistingDatabase, openTerminal, type Terminal } from '../../core/runtime.ts';
import { dataDirOf, printJson } from '../context.ts';
import { parsePositiveInt, UsageError } from '../errors.ts';
import { readStdinLine } from './users.ts';

export const MANAGER_TOKEN_ENV = 'KASSA_MANAGER_TOKEN';

const WALLET_NAMES: Record<WalletId, string> = { alipay: 'Alipay', wechat: 'WeChat Pay' };

interface Folder {
  readonly base: DataPaths;
  readonly paths: DataPaths;
  readonly config: KassaConfig;
  readonly training: boolean;
}

/** The terminal's folder, or its training folder; refused when it holds no data yet. */
function folderOf(cmd: Command, training: boolean): Folder {
  const base = dataDirOf(cmd);
  const config = loadConfig(base.config);
  if (!training) return { base, paths: base, config, training: config.training };
  const paths = dataPaths(join(base.dir, 'training'));
  if (!existsSync(paths.database)) throw new NoTerminalDataError(`no training sales in ${paths.dir} yet: run \`kassa train\` first`);
  return { base, paths, config: { ...config, training: true }, training: true };
}

async function open(folder: Folder): Promise<Terminal> {
  // Refuses a folder without a database (NoTerminalDataError) before anything is created.
  openExistingDatabase(folder.paths, { readonly: true }).close();
  return openTerminal(folder.paths, { config: folder.config });
}

/** The wallets for this folder: the training sandbox in training (unless configured otherwise), else kassa.config.json's. */
async function walletsFor(folder: Folder): Promise<{ providers: Map<WalletId, PaymentProvider>; close: () => Promise<void> }> {
  if (folder.training && folder.config.payments.training === 'sandbox') {
    const sandbox = await openTrainingSandbox(join(folder.paths.dir, 'sandbox'));
    return { providers: sandbox.providers, close: () => sandbox.close() };
  }
  return { providers: buildPaymentProviders(folder.config, folder.base.dir), close: async () => {} };
}

async function withService<T>(folder: Folder, run: (service: RefundService, terminal: Terminal) => Promise<T>): Promise<T> {
  const terminal = await open(folder);
  try {
    const wallets = await walletsFor(folder);
    try {
      const service = new RefundService({
        db: terminal.db,
        logger: terminal.logger,
        providers: wallets.providers,
        terminalId: folder.config.terminalId,
        training: folder.training,
      });
      return await run(service, terminal);
    } finally {
      await wallets.close();
    }
  } finally {
    await terminal.close();
  }
}

function how(p: RefundPart): string {
  return p.method === 'cash' ? 'in cash' : `to ${WALLET_NAMES[p.method]}`;
}

function partLine(p: RefundPart): string {
  const money = displayMoney({ amount: p.amount, currency: p.currency });
  const state: Record<RefundState, string> = {
    refunded: 'refunded',
    pending: `PENDING (refund number ${p.outRequestNo ?? ''}): retried with the same number by \`kassa refunds retry\` or the running terminal; do not refund it another way`,
    failed: `REFUSED: ${p.detail ?? 'no reason given'}`,
    manual: `NEEDS A PERSON: ${p.detail ?? ''}`,
  };
  return `${money} ${how(p)}: ${state[p.state]}`;
}

function printSummary(s: RefundSummary): void {
  const money = (a: number) => displayMoney({ amount: a, currency: s.currency });
  process.stdout.write(`refund ${s.refundId} of receipt ${s.receipt}, ${money(s.amount)}:\n`);
  for (const p of s.parts) process.stdout.write(`  ${partLine(p)}\n`);
  if (s.openDrawer) process.stdout.write(`open the cash drawer and hand back ${money(s.cash)}\n`);
  process.stdout.write(`left to refund on ${s.receipt}: ${money(s.leftToRefund)}\n`);
}

function exitCodeOf(parts: readonly RefundPart[]): number {
  if (parts.some((p) => p.state === 'failed' || p.state === 'manual')) return 1;
  if (parts.some((p) => p.state === 'pending')) return 3;
  return 0;
}

async function readFirstLine(): Promise<string | null> {
  if (process.stdin.isTTY) process.stderr.write('new manager token (shown as typed): ');
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return null;
  } finally {
    rl.close();
  }
}

export function registerRefund(program: Command): void {
  program
    .command('refund <receipt-no>')
    .description('refund a completed sale, fully or partly (needs the manager token)')
    .option('--amount <decimal>', "how much to refund, in the sale's currency (e.g. 12.50); default: everything still refundable")
    .option('--reason <text>', 'why, kept in the journal', 'customer refund')
    .option('--manager-token <token>', `the manager token (default: $${MANAGER_TOKEN_ENV}, which keeps it out of the process list)`)
    .option('--approver <user-id>', 'authorize with this user\'s PIN (first line of stdin) instead of the manager token')
    .option('--operator <id>', 'who is at the till (default: the configured cashier, or the approver)')
    .option('--training', 'refund a training sale, in the training folder (<data dir>/training)')
    .option('--json', 'print the refund as JSON')
    .addHelpText(
      'after',
      `
<receipt-no> is the number on the receipt, e.g. T01-000123, or just 123 for this terminal.
The amount goes back wallet first (to the Alipay / WeChat Pay trades that paid, each at most
what it paid less what was already refunded), then in cash. Cash to hand back is printed: open
the cash drawer for it. A wallet refund that cannot be confirmed stays pending and is retried
with the same refund number (kassa refunds retry), so it is never paid twice.

Set the manager token first: kassa manager-token set. Or, once the terminal has users (kassa
users), authorize with --approver <user-id> and that user's PIN on stdin.
Exit codes: 0 refunded; 1 refused, or a wallet refused a part; 3 a wallet part is still pending.`,
    )
    .action(async function (
      this: Command,
      receipt: string,
      opts: { amount?: string; reason: string; managerToken?: string; approver?: string; operator?: string; training?: boolean; json?: boolean },
    ) {
      const folder = folderOf(this, opts.training === true);
      if (opts.approver !== undefined && opts.managerToken !== undefined) throw new UsageError('give either --manager-token or --approver, not both');
      const token = opts.managerToken ?? process.env[MANAGER_TOKEN_ENV];
      const pin = opts.approver === undefined ? null : await readStdinLine(`PIN of ${opts.approver}: `);
      if (opts.approver !== undefined && (pin === null || pin === '')) throw new UsageError('--approver: write the approver\'s PIN on the first line of stdin');
      const summary = await withService(folder, async (service, terminal) => {
        let authorization: string | Authorization | undefined = token;
        if (opts.approver !== undefined) {
          const staff = new StaffService({ db: terminal.db, config: folder.config, terminalId: folder.config.terminalId });
          if (!staff.hasUsers()) throw new StaffError('this terminal has no users yet, so nobody can approve with a PIN: add a manager with `kassa users add`, or use the manager token');
          authorization = await staff.authorize('refund', { userId: opts.approver, pin: pin as string }, `refund receipt ${receipt}`, receipt);
        }
        return service.refund({
          receipt,
          ...(opts.amount === undefined ? {} : { amount: opts.amount }),
          reason: opts.reason,
          authorization,
          operator: opts.operator ?? (typeof authorization === 'object' ? authorization.by : folder.config.cashier),
        });
      });
      if (opts.json) printJson(summary);
      else printSummary(summary);
      process.exitCode = exitCodeOf(summary.parts);
    });

  const refunds = program
    .command('refunds')
    .description('list refunds, those still pending or needing a person first')
    .option('--pending', 'only refunds not settled (pending or needing a person)')
    .option('--last <n>', 'how many of the newest refund parts to show', '50')
    .option('--training', 'the training folder (<data dir>/training)')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', '\nSubcommand: retry (carries out pending wallet refunds, with their own refund numbers).')
    .action(function (this: Command, opts: { pending?: boolean; last: string; training?: boolean; json?: boolean }) {
      const last = parsePositiveInt(opts.last, '--last', 1_000_000);
      const folder = folderOf(this, opts.training === true);
      const db = openExistingDatabase(folder.paths, { readonly: true });
      try {
        // A database from before refunds (opened read-only, so not migrated) has none.
        const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refunds'").get() !== undefined;
        const attention = hasTable ? [...listRefundParts(db, { state: 'manual', last }), ...pendingRefundParts(db)] : [];
        const settled = hasTable && !opts.pending ? listRefundParts(db, { last }).filter((p) => p.state === 'refunded' || p.state === 'failed') : [];
        const rows = [...attention, ...settled].slice(0, Math.max(last, attention.length));
        if (opts.json) {
          printJson(rows);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write(opts.pending ? 'no refund is pending\n' : 'no refunds yet\n');
          return;
        }
        for (const p of rows) process.stdout.write(`${receiptLabel(p.terminalId, p.receiptNo)}  ${p.createdAt}  ${partLine(p)}\n`);
      } finally {
        db.close();
      }
    });

  refunds
    .command('retry')
    .description('carry out the pending wallet refunds now (each with its own refund number, so none is paid twice)')
    .option('--training', 'the training folder (<data dir>/training)')
    .option('--json', 'print the refunds as JSON')
    .action(async function (this: Command, opts: { training?: boolean; json?: boolean }) {
      const folder = folderOf(this, opts.training === true);
      const parts = await withService(folder, (service) => service.resumePending());
      if (opts.json) printJson(parts);
      else if (parts.length === 0) process.stdout.write('no refund is pending\n');
      else for (const p of parts) process.stdout.write(`${receiptLabel(p.terminalId, p.receiptNo)}  ${partLine(p)}\n`);
      process.exitCode = exitCodeOf(parts);
    });

  const token = program
    .command('manager-token')
    .description('whether a manager token is set (it authorizes refunds); subcommand: set')
    .option('--training', 'the training folder (<data dir>/training)')
    .addHelpText('after', `\nSet or replace it with: kassa manager-token set [--token <token>] (else the first line of stdin; at least ${MIN_MANAGER_TOKEN_LENGTH} characters).`)
    .action(function (this: Command, opts: { training?: boolean }) {
      const folder = folderOf(this, opts.training === true);
      const db = openExistingDatabase(folder.paths, { readonly: true });
      try {
        const info = managerTokenInfo(db);
        process.stdout.write(info.set ? `a manager token is set (id ${info.tokenId}, since ${info.setAt})\n` : 'no manager token is set: refunds cannot be authorized until one is (kassa manager-token set)\n');
      } finally {
        db.close();
      }
    });

  token
    .command('set')
    .description('set the manager token, replacing any earlier one (only its scrypt hash is stored)')
    .option('--token <token>', 'the new token (default: the first line of stdin)')
    .option('--training', 'the training folder (<data dir>/training)')
    .action(async function (this: Command, opts: { token?: string; training?: boolean }) {
      const folder = folderOf(this, opts.training === true);
      const given = opts.token ?? (await readFirstLine());
      if (given === null) throw new UsageError('no token given: pass --token <token> or write it on stdin');
      const terminal = await open(folder);
      try {
        const { tokenId } = setManagerToken(terminal.db, given);
        terminal.logger.info({ tokenId }, 'manager token set');
        process.stdout.write(`manager token set (id ${tokenId}); refunds now need it\n`);
      } finally {
        await terminal.close();
      }
    });
}
