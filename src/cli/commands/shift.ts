// `kassa shift`: the till's shift from the command line (issue 7 §2): status (default), open with
// a float, paid-in and paid-out with a reason, a cashier change, close with a blind count by
// denomination, and the list of shifts. The core (src/core/shifts/shift-service.ts) checks the
// input and journals every event; this file reads arguments and prints.
//
// Decisions:
// - WHO: with users on the terminal, `--user <id>` and the PIN on the first line of stdin log in
//   through StaffService (journalled; logged out again when the command ends), and the action
//   needs its permission ('shift.open', 'cash.paid-in-out', 'shift.close'); without it,
//   `--approver <id>` with the approver's PIN on the second line of stdin. With no users (setup
//   mode) nobody logs in: `--by <name>` (default: the configured cashier) says who.
// - The close is blind: the count is given first and the expected cash, its working and the
//   over/short are printed only once the count is stored. `kassa shift` (status) does not show
//   the expected cash; the X report does.
// - A count is `--count '100=3,50=1,0.5=4'`: denomination=pieces, comma separated; denominations
//   left out count 0. Bad pieces or unknown denominations are refused naming them.
// - `--training` and `--json` belong to `kassa shift` and apply to every subcommand.
// - Exit codes: 0 done; 1 refused (bad input, no shift open, wrong PIN, not permitted), nothing
//   stored; 2 a usage mistake.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { denominationLabel } from '../../domain/denominations.ts';
import type { ExpectedCash } from '../../domain/expected-cash.ts';
import { displayMoney } from '../../domain/money.ts';
import type { Permission } from '../../domain/permissions.ts';
import { loadConfig, type KassaConfig } from '../../core/config.ts';
import { dataPaths, type DataPaths } from '../../core/paths.ts';
import { NoTerminalDataError, openExistingDatabase, openTerminal } from '../../core/runtime.ts';
import { ShiftService, type ApprovalRef, type CloseResult, type Operator, type Shift } from '../../core/shifts/shift-service.ts';
import { StaffService } from '../../core/staff/staff-service.ts';
import { dataDirOf, printJson } from '../context.ts';
import { parsePositiveInt, UsageError } from '../errors.ts';
import { withCliOperator, type WhoOptions } from '../staff-login.ts';

interface Globals {
  training?: boolean;
  json?: boolean;
}

type Who = WhoOptions;

interface Folder {
  readonly paths: DataPaths;
  readonly config: KassaConfig;
  readonly json: boolean;
}

function folderOf(cmd: Command): Folder {
  const opts = cmd.optsWithGlobals<Globals>();
  const base = dataDirOf(cmd);
  const config = loadConfig(base.config);
  if (opts.training !== true) return { paths: base, config, json: opts.json === true };
  const paths = dataPaths(join(base.dir, 'training'));
  if (!existsSync(paths.database)) throw new NoTerminalDataError(`no training data in ${paths.dir} yet: run \`kassa train\` first`);
  return { paths, config: { ...config, training: true }, json: opts.json === true };
}

/** Parses "100=3,50=1,0.5=4" into {"100": "3", …}; the core checks the denominations and pieces. */
export function parseCountOption(text: string): Record<string, string> {
  const counts: Record<string, string> = {};
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new UsageError(`--count: expected denomination=pieces pairs separated by commas, e.g. 100=3,50=1,0.5=4; got "${text}"`);
  for (const part of parts) {
    const m = /^([^=\s]+)\s*=\s*(.*)$/.exec(part);
    if (!m) throw new UsageError(`--count: "${part}" is not denomination=pieces (e.g. 100=3)`);
    const [, key = '', pieces = ''] = m;
    if (Object.hasOwn(counts, key)) throw new UsageError(`--count: ${key} is given twice`);
    counts[key] = pieces;
  }
  return counts;
}

/**
 * Opens the folder, works out who is at the terminal (a log-in with users, the setup-mode
 * operator without), authorizes `permission`, runs, and logs out again.
 */
async function act<T>(cmd: Command, who: Who, permission: Permission | null, what: string, run: (service: ShiftService, operator: Operator, approvedBy: ApprovalRef | null) => T): Promise<{ folder: Folder; result: T }> {
  const folder = folderOf(cmd);
  // Refuses a folder without a database (NoTerminalDataError) before anything is created.
  openExistingDatabase(folder.paths, { readonly: true }).close();
  const terminal = await openTerminal(folder.paths, { config: folder.config });
  try {
    const { db, config } = terminal;
    const service = new ShiftService({ db, config, terminalId: config.terminalId });
    const staff = new StaffService({ db, config, terminalId: config.terminalId });
    const result = await withCliOperator(staff, config, who, async (session) => {
      if (session.setup) return run(service, session.operator, null);
      if (permission === null) throw new UsageError('internal: no permission for this action');
      const auth = await session.authorize(permission, what, service.current()?.id ?? null);
      return run(service, session.operator, auth.approvedBy);
    });
    return { folder, result };
  } finally {
    await terminal.close();
  }
}

async function read<T>(cmd: Command, run: (service: ShiftService) => T): Promise<{ folder: Folder; result: T }> {
  const folder = folderOf(cmd);
  const db = openExistingDatabase(folder.paths, { readonly: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'shifts'").get() !== undefined;
    if (!hasTable) {
      // A database from before shifts (opened read-only, so not migrated): let the migration run.
      db.close();
      const terminal = await openTerminal(folder.paths, { config: folder.config });
      try {
        return { folder, result: run(new ShiftService({ db: terminal.db, config: folder.config, terminalId: folder.config.terminalId })) };
      } finally {
        await terminal.close();
      }
    }
    return { folder, result: run(new ShiftService({ db, config: folder.config, terminalId: folder.config.terminalId })) };
  } finally {
    if (db.open) db.close();
  }
}

function withWho(c: Command): Command {
  return c
    .option('--user <id>', 'who you are, when the terminal has users (your PIN on the first line of stdin)')
    .option('--approver <id>', "someone who may do it, when you may not (their PIN on the second line of stdin)")
    .option('--by <name>', 'who you are on a terminal without users (default: the configured cashier)');
}

const money = (amount: number, currency: string) => displayMoney({ amount, currency });

function shiftLine(s: Shift): string {
  const head = `shift ${s.id}: opened ${s.openedAt} by ${s.openedBy}, float ${money(s.float, s.currency)}`;
  if (s.state === 'open') return `${head}; OPEN, the drawer is with ${s.cashier.name}`;
  const os = s.overShort ?? 0;
  return `${head}; closed ${s.closedAt ?? ''} by ${s.closedBy ?? ''}, counted ${money(s.counted ?? 0, s.currency)}, ${os === 0 ? 'exact' : os > 0 ? `over ${money(os, s.currency)}` : `short ${money(-os, s.currency)}`}`;
}

/** Terminal columns: CJK characters take two. */
function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return n;
}

function workingLines(e: ExpectedCash, currency: string): string[] {
  const labels = e.working.map((l) => (l.count === undefined ? l.label : `${l.label} (${l.count})`));
  const width = Math.max(...labels.map(columns));
  return e.working.map((l, i) => {
    const label = labels[i] ?? l.label;
    return `  ${l.sign === '-' ? '−' : '+'} ${label}${' '.repeat(width - columns(label))}  ${money(l.amount, currency)}`;
  });
}

function printClose(r: CloseResult, language: 'en' | 'zh-CN'): void {
  const c = r.shift.currency;
  const out: string[] = [`shift ${r.shift.id} closed by ${r.shift.closedBy ?? ''}`, `counted ${money(r.counted, c)}:`];
  for (const l of r.count) if (l.count > 0) out.push(`  ${denominationLabel(l.denomination, c, language)} × ${l.count} = ${money(l.amount, c)}`);
  out.push(`expected ${money(r.expected.expected, c)}:`, ...workingLines(r.expected, c));
  out.push(r.verdict === 'exact' ? 'the drawer is exact' : `${r.verdict.toUpperCase()} ${money(Math.abs(r.overShort), c)} (over/short ${r.overShort < 0 ? '-' : '+'}${money(Math.abs(r.overShort), c)})`);
  if (r.figures.setAside.sales + r.figures.setAside.refunds > 0) {
    out.push(`not counted: ${r.figures.setAside.sales} sale(s) and ${r.figures.setAside.refunds} refund(s) of the other mode (training/real)`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

export function registerShift(program: Command): void {
  const shift = program
    .command('shift')
    .description('the till\'s shift: status (default), open, paid-in, paid-out, cashier, close, list')
    .option('--training', 'the training folder (<data dir>/training)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Open with a float (--float 200.00) or with it counted (--count 100=1,50=2). Close with a blind
count by denomination, --count '100=3,50=1,0.5=4' (denomination=pieces; left out counts 0):
the expected cash, its working and the over/short are shown once the count is stored.
With users on the terminal: --user <id> and the PIN on stdin (with --approver <id>, the
approver's PIN on the next line). Without users (setup mode): --by <name>.`,
    )
    .action(async function (this: Command) {
      await status(this);
    });

  async function status(cmd: Command): Promise<void> {
    const { folder, result } = await read(cmd, (s) => {
      const current = s.current();
      return current ? s.get(current.id) : null;
    });
    if (folder.json) return printJson(result);
    if (!result) {
      process.stdout.write('no shift is open (kassa shift open --float <amount>)\n');
      return;
    }
    const c = result.currency;
    const paid = (kind: 'paid-in' | 'paid-out') => result.movements.filter((m) => m.kind === kind);
    process.stdout.write(`${shiftLine(result)}\n`);
    for (const kind of ['paid-in', 'paid-out'] as const) {
      const list = paid(kind);
      if (list.length > 0) process.stdout.write(`${kind}: ${list.length}, ${money(list.reduce((s, m) => s + m.amount, 0), c)}\n`);
    }
  }

  shift
    .command('status')
    .description('the open shift (the expected cash is on the X report, not here: the close is blind)')
    .action(async function (this: Command) {
      await status(this);
    });

  withWho(
    shift
      .command('open')
      .description('open a shift with a counted float')
      .option('--float <amount>', 'the float, e.g. 200.00')
      .option('--count <counts>', 'the float counted by denomination, e.g. 100=1,50=2'),
  ).action(async function (this: Command, opts: Who & { float?: string; count?: string }) {
    const counts = opts.count === undefined ? undefined : parseCountOption(opts.count);
    if (opts.float === undefined && counts === undefined) throw new UsageError('give the float with --float <amount> or --count <counts>');
    const { folder, result } = await act(this, opts, 'shift.open', 'open a shift', (s, op, approvedBy) =>
      s.open({ ...(opts.float === undefined ? {} : { float: opts.float }), ...(counts === undefined ? {} : { counts }) }, op, approvedBy),
    );
    if (folder.json) printJson(result);
    else process.stdout.write(`shift ${result.id} opened by ${result.openedBy} with a float of ${money(result.float, result.currency)}\n`);
  });

  for (const kind of ['paid-in', 'paid-out'] as const) {
    withWho(
      shift
        .command(`${kind} <amount>`)
        .description(kind === 'paid-in' ? 'cash put into the drawer, with a reason' : 'cash taken out of the drawer, with a reason')
        .requiredOption('--reason <text>', 'why (kept in the journal)'),
    ).action(async function (this: Command, amount: string, opts: Who & { reason: string }) {
      const { folder, result } = await act(this, opts, 'cash.paid-in-out', kind, (s, op, approvedBy) =>
        kind === 'paid-in' ? s.paidIn({ amount, reason: opts.reason }, op, approvedBy) : s.paidOut({ amount, reason: opts.reason }, op, approvedBy),
      );
      if (folder.json) printJson(result);
      else process.stdout.write(`${kind} ${money(result.amount, folder.config.currency)} (${result.reason}) by ${result.byName}, shift ${result.shiftId}\n`);
    });
  }

  withWho(shift.command('cashier').description('hand the drawer of the open shift to another cashier (who logs in, or --by)')).action(async function (this: Command, opts: Who) {
    const { folder, result } = await act(this, opts, 'shift.open', 'take over the drawer', (s, op, approvedBy) => s.changeCashier(op, approvedBy));
    if (folder.json) printJson(result);
    else process.stdout.write(`the drawer of shift ${result.id} is now with ${result.cashier.name}\n`);
  });

  withWho(
    shift
      .command('close')
      .description('close the shift: blind count by denomination, then the expected cash and over/short')
      .requiredOption('--count <counts>', "the drawer counted by denomination, e.g. '100=3,50=1,0.5=4'"),
  ).action(async function (this: Command, opts: Who & { count: string }) {
    const counts = parseCountOption(opts.count);
    const { folder, result } = await act(this, opts, 'shift.close', 'close the shift', (s, op, approvedBy) => s.close({ counts }, op, approvedBy));
    if (folder.json) printJson(result);
    else printClose(result, folder.config.language);
  });

  shift
    .command('list')
    .description('the newest shifts first')
    .option('--last <n>', 'how many', '20')
    .action(async function (this: Command, opts: { last: string }) {
      const last = parsePositiveInt(opts.last, '--last', 100_000);
      const { folder, result } = await read(this, (s) => s.list({ last }));
      if (folder.json) printJson(result);
      else if (result.length === 0) process.stdout.write('no shifts yet\n');
      else for (const s of result) process.stdout.write(`${shiftLine(s)}\n`);
    });
}
