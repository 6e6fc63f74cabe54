// Who acts at the command line (issue 7): the same rules as the screens. On a terminal with
// users, `--user <id>` logs in with the PIN on the first line of stdin and `--approver <id>`
// approves in place with theirs on the second; on a terminal without users (setup mode) nobody
// logs in and `--by <name>` (default: the configured cashier) says who. One module so every
// command (shift, report, …) asks the same way and says the same things when something is off.
//
// Decisions a caller must know:
// - PINs come from stdin only, never from arguments (they would stay in the shell's history
//   and in `ps`).
// - The log-in lasts for the one command: `withCliOperator` logs out again when `run` ends,
//   whatever happens (both are journalled, like a log-in at the till).
import { createInterface } from 'node:readline';
import type { Permission } from '../domain/permissions.ts';
import type { ApprovalRequest, Authorization, Operator, StaffService } from '../core/staff/staff-service.ts';
import { UsageError } from './errors.ts';

export interface WhoOptions {
  readonly user?: string;
  readonly approver?: string;
  readonly by?: string;
}

/** Up to `n` lines of stdin, trimmed (the prompt only when a person is typing). */
export async function readStdinLines(n: number, prompt: string): Promise<string[]> {
  if (process.stdin.isTTY) process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines: string[] = [];
  try {
    for await (const line of rl) {
      lines.push(line.trim());
      if (lines.length >= n) break;
    }
    return lines;
  } finally {
    rl.close();
  }
}

export interface CliSession {
  /** Who is at the terminal for this command. */
  readonly operator: Operator;
  /** true: no users yet, nobody logged in (every authorize passes). */
  readonly setup: boolean;
  /** What `permission` allows: the operator's own right, or the --approver's PIN. */
  authorize(permission: Permission, what: string, ref: string | null): Promise<Authorization>;
}

/** Runs `run` as the person the options name; see the module comment. */
export async function withCliOperator<T>(staff: StaffService, config: { readonly cashier: string }, who: WhoOptions, run: (session: CliSession) => Promise<T> | T): Promise<T> {
  if (!staff.hasUsers()) {
    if (who.user !== undefined || who.approver !== undefined) {
      throw new UsageError('this terminal has no users yet (setup mode): nobody logs in; leave out --user/--approver (--by <name> says who)');
    }
    const name = (who.by ?? config.cashier).trim();
    if (name === '') throw new UsageError('--by: expected a name');
    const operator: Operator = { userId: null, name, role: 'manager' };
    return run({
      operator,
      setup: true,
      authorize: async (permission) => ({ permission, by: name, userId: null, approvedBy: null, at: new Date().toISOString() }),
    });
  }
  if (who.by !== undefined) throw new UsageError('this terminal has users: log in with --user <id> and your PIN on stdin instead of --by');
  if (who.user === undefined) throw new UsageError('this terminal has users: say who you are with --user <id> and write your PIN on stdin');
  const pins = await readStdinLines(who.approver === undefined ? 1 : 2, who.approver === undefined ? 'PIN: ' : "PIN, then the approver's PIN: ");
  const pin = pins[0];
  if (pin === undefined || pin === '') throw new UsageError('--user: write the PIN on the first line of stdin');
  const approverPin = pins[1];
  if (who.approver !== undefined && (approverPin === undefined || approverPin === '')) throw new UsageError("--approver: write the approver's PIN on the second line of stdin");
  const approval: ApprovalRequest | null = who.approver === undefined ? null : { userId: who.approver, pin: approverPin as string };
  const operator = await staff.login(who.user, pin);
  try {
    return await run({ operator, setup: false, authorize: (permission, what, ref) => staff.authorize(permission, approval, what, ref) });
  } finally {
    staff.logout();
  }
}
