// `kassa users`: the terminal's users (issue 7 §1): list them, add one, set a PIN or a role,
// disable or enable one, unlock one locked out by wrong PINs. The core (src/core/staff/users.ts)
// checks the input and journals every change; this file reads arguments and prints.
//
// Decisions:
// - Whoever can write the data folder owns the terminal (as with `kassa manager-token set`), so
//   these commands ask for no PIN; the journal records them as done "from the command line".
//   On the terminal's screens the same changes need 'users.manage' (StaffService).
// - A new PIN is read from the first line of stdin with --pin-stdin, else from $KASSA_NEW_PIN
//   (for scripts and tests); never from an argument, which the process list would show.
// - `--training` and `--json` belong to `kassa users` and apply to every subcommand.
// - Bad input (an unknown id, a role that does not exist, a PIN that is not 4–8 digits) exits 1
//   with a message naming it, and nothing is changed.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES } from '../../domain/permissions.ts';
import { loadConfig, type KassaConfig } from '../../core/config.ts';
import { openDatabase } from '../../core/db/open.ts';
import { dataPaths, type DataPaths } from '../../core/paths.ts';
import { openTerminal, type Terminal } from '../../core/runtime.ts';
import { addUser, listUsers, setActive, setPin, setRole, unlockUser, type Actor, type UserListItem, type UsersContext } from '../../core/staff/users.ts';
import { dataDirOf, printJson } from '../context.ts';
import { UsageError } from '../errors.ts';
import { readStdinLines } from '../staff-login.ts';

export const NEW_PIN_ENV = 'KASSA_NEW_PIN';

const COMMAND_LINE: Actor = { name: 'command line', userId: null };

interface Folder {
  readonly paths: DataPaths;
  readonly config: KassaConfig;
}

interface Globals {
  training?: boolean;
  json?: boolean;
}

function folderOf(cmd: Command): Folder & Globals {
  const opts = cmd.optsWithGlobals<Globals>();
  const base = dataDirOf(cmd);
  const config = loadConfig(base.config);
  if (opts.training !== true) return { paths: base, config, json: opts.json === true };
  return { paths: dataPaths(join(base.dir, 'training')), config: { ...config, training: true }, training: true, json: opts.json === true };
}

async function withUsers<T>(folder: Folder, run: (ctx: UsersContext, terminal: Terminal) => Promise<T> | T): Promise<T> {
  const terminal = await openTerminal(folder.paths, { config: folder.config });
  try {
    return await run({ db: terminal.db, terminalId: folder.config.terminalId, config: folder.config.staff, now: () => new Date() }, terminal);
  } finally {
    await terminal.close();
  }
}

/** The first line of stdin (a PIN): what --pin-stdin and `kassa refund --approver` read. */
export async function readStdinLine(prompt: string): Promise<string | null> {
  return (await readStdinLines(1, prompt))[0] ?? null;
}

async function newPin(pinStdin: boolean | undefined): Promise<string> {
  if (pinStdin) {
    const line = await readStdinLine('new PIN (shown as typed): ');
    if (line === null) throw new UsageError('--pin-stdin: stdin ended before a PIN was given');
    return line;
  }
  const env = process.env[NEW_PIN_ENV];
  if (env !== undefined) return env.trim();
  throw new UsageError(`no PIN given: write it on stdin with --pin-stdin, or set $${NEW_PIN_ENV}`);
}

function clockOf(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function line(u: UserListItem): string {
  const state = !u.active ? 'disabled' : u.locked ? `LOCKED until ${clockOf(u.lockedUntil as string)}` : 'active';
  return `${u.id}  ${u.name.padEnd(16)}  ${u.role.padEnd(10)}  ${state}`;
}

function report(folder: Folder & Globals, what: string, u: UserListItem): void {
  if (folder.json) printJson(u);
  else process.stdout.write(`${what}: ${line(u)}\n`);
}

export function registerUsers(program: Command): void {
  const users = program
    .command('users')
    .description('the terminal\'s users: list them (default), add, set-pin, set-role, disable, enable, unlock')
    .option('--training', 'the training folder (<data dir>/training)')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Subcommands:
  add --name <name> --role <role> [--pin-stdin]   add a user (roles: ${ROLES.join(', ')})
  set-pin <id> [--pin-stdin]                      give a user a new PIN
  set-role <id> <role>                            change a user's role
  disable <id> | enable <id>                      a disabled user cannot log in or approve
  unlock <id>                                     clear a lock after too many wrong PINs
A PIN is digits only (staff.pinLength in kassa.config.json, default 4 to 8), read from stdin
with --pin-stdin, else from $${NEW_PIN_ENV}. With no users the terminal is in setup mode: no
log-in, anyone can refund and open the drawer. The first user must be a manager.`,
    )
    .action(function (this: Command) {
      const folder = folderOf(this);
      if (!existsSync(folder.paths.database)) {
        if (folder.json) printJson([]);
        else process.stdout.write('no users yet (setup mode: no log-in; add a manager with `kassa users add --role manager`)\n');
        return;
      }
      const db = openDatabase(folder.paths.database, { readonly: true });
      try {
        const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").get() !== undefined;
        const rows = hasTable ? listUsers(db, new Date()) : [];
        if (folder.json) printJson(rows);
        else if (rows.length === 0) process.stdout.write('no users yet (setup mode: no log-in; add a manager with `kassa users add --role manager`)\n');
        else for (const u of rows) process.stdout.write(`${line(u)}\n`);
      } finally {
        db.close();
      }
    });

  users
    .command('add')
    .description('add a user with a PIN (the first user must be a manager)')
    .requiredOption('--name <name>', 'the name shown on screens, receipts and reports (unique)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--pin-stdin', `read the PIN from the first line of stdin (else $${NEW_PIN_ENV})`)
    .action(async function (this: Command, opts: { name: string; role: string; pinStdin?: boolean }) {
      const folder = folderOf(this);
      const pin = await newPin(opts.pinStdin);
      const added = await withUsers(folder, (ctx) => addUser(ctx, { name: opts.name, role: opts.role, pin }, COMMAND_LINE));
      report(folder, 'added', added);
    });

  users
    .command('set-pin <id>')
    .description('give a user a new PIN')
    .option('--pin-stdin', `read the PIN from the first line of stdin (else $${NEW_PIN_ENV})`)
    .action(async function (this: Command, id: string, opts: { pinStdin?: boolean }) {
      const folder = folderOf(this);
      const pin = await newPin(opts.pinStdin);
      report(folder, 'new PIN set', await withUsers(folder, (ctx) => setPin(ctx, id, pin, COMMAND_LINE)));
    });

  users
    .command('set-role <id> <role>')
    .description(`change a user's role (${ROLES.join(', ')})`)
    .action(async function (this: Command, id: string, role: string) {
      const folder = folderOf(this);
      report(folder, 'role changed', await withUsers(folder, (ctx) => setRole(ctx, id, role, COMMAND_LINE)));
    });

  users
    .command('disable <id>')
    .description('disable a user: they can no longer log in or approve (the row and its history stay)')
    .action(async function (this: Command, id: string) {
      const folder = folderOf(this);
      report(folder, 'disabled', await withUsers(folder, (ctx) => setActive(ctx, id, false, COMMAND_LINE)));
    });

  users
    .command('enable <id>')
    .description('enable a disabled user again')
    .action(async function (this: Command, id: string) {
      const folder = folderOf(this);
      report(folder, 'enabled', await withUsers(folder, (ctx) => setActive(ctx, id, true, COMMAND_LINE)));
    });

  users
    .command('unlock <id>')
    .description('unlock a user locked out by wrong PINs')
    .action(async function (this: Command, id: string) {
      const folder = folderOf(this);
      report(folder, 'unlocked', await withUsers(folder, (ctx) => unlockUser(ctx, id, COMMAND_LINE)));
    });
}
