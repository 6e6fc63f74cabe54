// `kassa store-server`: the store server terminals sync to (src/server/store), plus the two
// things its operator does from a shell: register a terminal (and get its token), and read the
// store's settlement.
//
// Decisions:
// - Storage: PostgreSQL when --database-url (or $KASSA_DATABASE_URL, which keeps a password
//   out of `ps`) is given; else embedded PGlite in <data dir>/store-server/pglite, made on the
//   first start. The global --data-dir picks the data dir, as for every command. PGlite is one
//   process per folder: run one store server per data dir.
// - The admin token lives in <data dir>/store-server/admin-token (mode 0600), made on the first
//   start, or in --admin-token-file. `register` and `settlement` read the same file, so on the
//   server's machine they need no token on the command line; they talk to the running server
//   over HTTP (--url, default http://127.0.0.1:8780), because PGlite cannot be opened twice.
// - Binds 127.0.0.1 unless --host says otherwise; any other address prints a reminder to put it
//   behind a TLS reverse proxy (tokens travel in headers).
// - stdout, in order: a title line naming the storage, indented start-up lines, `Listening on
//   <url>`, then "Press Ctrl+C to stop." once it listens, so a script can wait for that line.
//   The first SIGINT/SIGTERM closes the server (requests in flight finish) and then the
//   storage; a second one falls back to Node's default.
// - `promotions import` reads the CSV here (all of it checked, every error listed with its line
//   number, nothing sent when there is one) and sends the definitions to the admin API, which
//   checks them again and publishes them in one catalog publish; `promotions list` reads them
//   back. Both need the server running, like `register`.
// - `coupons import|list` and `members import|list|show` work the same way (members' points
//   balances are the server's: an import leaves them alone where the points column is empty).
// - `settlement` marks each terminal's flags (unsent, receipt-gap, silent) after its row, and
//   lists flagged terminals that have nothing in the range, so a manager never reads a store
//   total as final while a terminal still holds sales. It also lists single-use coupons redeemed
//   more than once and members whose points went below zero.
import type { Command } from 'commander';
import type { z } from 'zod';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { formatMoney, isSupportedCurrency } from '../../domain/money.ts';
import type { Promotion } from '../../domain/promotions/promotion.ts';
import { PromotionCsvError, readPromotionsCsv } from '../../domain/promotions/promotion-csv.ts';
import { CouponCsvError, readCouponsCsv } from '../../domain/coupons/coupon-csv.ts';
import { MemberCsvError, readMembersCsv } from '../../domain/members/member-csv.ts';
import { memberSchema } from '../../domain/members/member.ts';
import { adminRequest } from '../../server/store/admin-client.ts';
import { readAdminToken, readOrCreateAdminToken } from '../../server/store/admin-token.ts';
import { startStoreServer } from '../../server/store/http-api.ts';
import type { StoreServer } from '../../server/store/http-api.ts';
import { openStoreStorage, redactUrl } from '../../server/store/storage.ts';
import type { StoreStorage } from '../../server/store/storage.ts';
import {
  DEFAULT_SILENT_AFTER_SECONDS,
  SYNC_PATHS,
  couponsListResponse,
  importResponse,
  memberHistoryResponse,
  membersListResponse,
  promotionsListResponse,
  registerTerminalRequest,
  registerTerminalResponse,
  settlementQuery,
  settlementResponse,
  storeId as storeIdSchema,
  type CouponsListResponse,
  type ImportResponse,
  type SettlementResponse,
  type SettlementTotals,
  type TerminalStanding,
} from '../../shared/sync-protocol.ts';
import { dataDirOf, printJson } from '../context.ts';
import { UsageError } from '../errors.ts';
import { untilSignal } from '../signals.ts';

export const DEFAULT_STORE_PORT = 8780;
const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_STORE_PORT}`;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) > 65_535) throw new UsageError(`--port must be a whole number 0–65535, got "${value}"`);
  return Number(value);
}

function storeDir(cmd: Command): string {
  return join(dataDirOf(cmd).dir, 'store-server');
}

function adminTokenFile(cmd: Command, flag: string | undefined): string {
  return flag === undefined ? join(storeDir(cmd), 'admin-token') : resolve(flag);
}

/**
 * --admin-token-file as given to a sub-command: `store-server` defines it too, and commander
 * hands an option both define to the parent, wherever it is written.
 */
function tokenFileFlag(cmd: Command): string | undefined {
  return cmd.optsWithGlobals<{ adminTokenFile?: string }>().adminTokenFile;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

interface ServeOptions {
  readonly port: string;
  readonly host: string;
  readonly databaseUrl?: string;
  readonly adminTokenFile?: string;
}

async function runStoreServer(cmd: Command, opts: ServeOptions): Promise<void> {
  const port = parsePort(opts.port);
  const databaseUrl = opts.databaseUrl ?? (process.env.KASSA_DATABASE_URL?.trim() || undefined);
  const pgliteDir = join(storeDir(cmd), 'pglite');
  const tokenFile = adminTokenFile(cmd, opts.adminTokenFile);
  const stopped = untilSignal();
  let storage: StoreStorage | null = null;
  let server: StoreServer | null = null;
  try {
    say(`Kassa store server: ${databaseUrl === undefined ? `PGlite in ${pgliteDir}` : `PostgreSQL at ${redactUrl(databaseUrl)}`}`);
    storage = await openStoreStorage(databaseUrl === undefined ? { dataDir: pgliteDir } : { databaseUrl });
    // Made only once the storage opened, so a wrong --database-url leaves no files behind.
    const admin = readOrCreateAdminToken(tokenFile);
    say(`  admin token: ${tokenFile}${admin.created ? ' (made now)' : ''}`);
    if (stopped.received() !== null) return;
    server = await startStoreServer({
      storage,
      host: opts.host,
      port,
      adminToken: admin.token,
      onError: (message, err) => process.stderr.write(`kassa store-server: ${message}: ${(err as Error)?.message ?? String(err)}\n`),
    }).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`--port ${port}: the port is in use on ${opts.host}; choose another or use --port 0`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${opts.host}: not an address of this machine`);
      throw err;
    });
    if (!LOOPBACK.has(opts.host)) say(`  bound to ${opts.host}: terminal tokens travel in request headers, so put a TLS reverse proxy in front (see README)`);
    say(`Listening on ${server.url}`);
    say('Press Ctrl+C to stop.');
    const signal = await stopped.signal;
    process.stderr.write(`kassa store-server: ${signal}: stopping\n`);
  } finally {
    stopped.dispose();
    try {
      await server?.close();
    } finally {
      await storage?.close();
    }
  }
}

function money(amount: number, currency: string): string {
  return isSupportedCurrency(currency) ? formatMoney({ amount, currency }) : `${amount} (minor units)`;
}

function totalsLine(label: string, t: SettlementTotals): string {
  const methods = t.byMethod.map((m) => `${m.method} ${money(m.taken - m.refunded, t.currency)}`).join(', ');
  const training = t.trainingSaleCount > 0 ? `; ${t.trainingSaleCount} training sales not counted` : '';
  return `${label.padEnd(18)}${t.currency} ${String(t.saleCount).padStart(6)} sales ${money(t.salesTotal, t.currency).padStart(14)}  refunds ${money(t.refundTotal, t.currency).padStart(12)}  net ${money(t.net, t.currency).padStart(14)}  (${methods})${training}`;
}

/** "unsent (12 waiting), silent (last heard …)": each flag with what earned it. */
function flagText(flags: readonly string[], standing: TerminalStanding | undefined, missing: number): string {
  return flags
    .map((f) => {
      if (f === 'unsent') return `unsent (${standing?.report?.backlog ?? '?'} waiting on the terminal)`;
      if (f === 'receipt-gap') return `receipt-gap (${missing} receipt number${missing === 1 ? '' : 's'} missing)`;
      if (f === 'silent') return `silent (last heard ${standing?.lastSeenAt ?? 'never'})`;
      return f;
    })
    .join(', ');
}

/** Prints a settlement for people (also `kassa sync settlement`, from the terminal's side). */
export function printSettlement(s: SettlementResponse): void {
  const range = s.from === null && s.to === null ? 'all time' : `${s.from ?? 'the start'} – ${s.to ?? 'now'}`;
  const n = s.registeredTerminals.length;
  say(`Store ${s.storeId}, ${range} (${n} terminal${n === 1 ? '' : 's'} registered)`);
  const standing = new Map(s.standing.map((st) => [st.terminalId, st]));
  if (s.terminals.length === 0) say('  nothing synced in this range');
  for (const t of s.terminals) {
    const receipts = t.firstReceiptNo === null ? '' : `  receipts ${t.firstReceiptNo}–${t.lastReceiptNo ?? '?'}`;
    say(`${totalsLine(`  ${t.terminalId}`, t)}${receipts}`);
    if (t.flags.length > 0) say(`    flagged: ${flagText(t.flags, standing.get(t.terminalId), t.missingReceipts)}`);
  }
  for (const t of s.store) say(totalsLine('  store', t));
  const quiet = s.standing.filter((st) => st.flags.length > 0 && !s.terminals.some((t) => t.terminalId === st.terminalId));
  for (const st of quiet) say(`  ${st.terminalId}: nothing in this range; flagged: ${flagText(st.flags, st, 0)}`);
  const flagged = new Set([...s.terminals.filter((t) => t.flags.length > 0).map((t) => t.terminalId), ...quiet.map((st) => st.terminalId)]);
  if (flagged.size > 0) {
    const silent = s.silentAfterSeconds === null ? '' : ` (silent: not heard from for over ${s.silentAfterSeconds} s)`;
    say(`  ${flagged.size} terminal${flagged.size === 1 ? '' : 's'} flagged: the store totals may not be final${silent}`);
  }
  // Coupon amounts carry no currency: shown in the store's when it has one, else in minor units.
  const currency = s.store.length === 1 ? (s.store[0]?.currency ?? '') : '';
  const doubled = s.doubleRedemptions.length;
  if (doubled > 0) say(`  ${doubled} single-use coupon${doubled === 1 ? '' : 's'} redeemed more than once (the sales stand; follow up):`);
  for (const d of s.doubleRedemptions) {
    say(`    ${d.code}: ${d.sales.map((x) => `${x.terminalId} receipt ${x.receiptNo} at ${x.completedAt} (${money(x.amount, currency)} off)`).join('; ')}`);
  }
  const m = s.overdrawnMembers.length;
  if (m > 0) say(`  ${m} member${m === 1 ? '' : 's'} with points below zero (redeemed twice offline): ${s.overdrawnMembers.map((o) => `${o.memberId} ${o.balance}`).join(', ')}`);
}

export function registerStoreServer(program: Command): void {
  const command = program
    .command('store-server')
    .description('run the store server terminals sync their sales to (PostgreSQL, or embedded PGlite), or register a terminal with it')
    .option('--port <n>', 'port to listen on (0: any free port)', String(DEFAULT_STORE_PORT))
    .option('--host <addr>', 'address to bind; for other machines put a TLS reverse proxy in front', '127.0.0.1')
    .option('--database-url <url>', 'store in PostgreSQL at postgres://user:password@host:port/db (default: $KASSA_DATABASE_URL, else embedded PGlite)')
    .option('--admin-token-file <file>', 'the admin token file (default: <data dir>/store-server/admin-token, made on the first start)')
    .addHelpText(
      'after',
      `
Without a database URL the data is kept by embedded PGlite in <data dir>/store-server/pglite.
Terminals push sales at /v1/sync/push with their own token. To add a terminal, with the
server running:
  kassa store-server register --store S01 --terminal T01
and put the printed token in that terminal's sync settings. Promotions are imported from a
CSV and pushed to the terminals with the catalog, and so are coupons and members:
  kassa store-server promotions import promotions.csv --store S01 [--replace]
  kassa store-server coupons import coupons.csv --store S01 [--replace]
  kassa store-server members import members.csv --store S01 [--replace]
Runs until Ctrl+C.`,
    )
    .action(async function (this: Command, opts: ServeOptions) {
      await runStoreServer(this, opts);
    });

  command
    .command('register')
    .description('register a terminal with the running store server and print its token (shown once)')
    .requiredOption('--store <id>', 'the store the terminal belongs to, e.g. S01 (made if new)')
    .requiredOption('--terminal <id>', "the terminal's id, as in its kassa.config.json (terminalId), e.g. T01")
    .option('--rotate', 'the terminal is registered already: give it a new token (the old one stops working)')
    .option('--url <url>', 'the store server', DEFAULT_URL)
    .option('--admin-token-file <file>', 'the admin token file (default: <data dir>/store-server/admin-token)')
    .option('--json', 'print the answer as JSON')
    .action(async function (this: Command, opts: { store: string; terminal: string; rotate?: boolean; url: string; json?: boolean }) {
      const parsed = registerTerminalRequest.safeParse({ storeId: opts.store, terminalId: opts.terminal, ...(opts.rotate ? { rotate: true } : {}) });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const flag = issue?.path[0] === 'storeId' ? '--store' : '--terminal';
        throw new UsageError(`${flag}: ${issue?.message ?? 'invalid'}`);
      }
      const adminToken = readAdminToken(adminTokenFile(this, tokenFileFlag(this)));
      const answer = await adminRequest({ baseUrl: opts.url, adminToken, method: 'POST', path: SYNC_PATHS.adminTerminals, body: parsed.data, answer: registerTerminalResponse });
      if (opts.json) {
        printJson(answer);
        return;
      }
      say(`Terminal ${answer.terminalId} ${answer.rotated ? 'has a new token' : 'registered'} in store ${answer.storeId}.`);
      say(`Token (shown once; the server keeps only its hash): ${answer.token}`);
    });

  command
    .command('settlement')
    .description("print a store's settlement from the running store server: sales, refunds and net per terminal and for the store")
    .requiredOption('--store <id>', 'the store, e.g. S01')
    .option('--from <time>', 'only sales and refunds at or after this ISO time, e.g. 2025-03-01T00:00:00+08:00')
    .option('--to <time>', 'only those before this ISO time')
    .option('--silent-after <seconds>', `flag terminals not heard from for longer than this (default ${DEFAULT_SILENT_AFTER_SECONDS}: twice the terminals' 30 s poll)`)
    .option('--url <url>', 'the store server', DEFAULT_URL)
    .option('--admin-token-file <file>', 'the admin token file (default: <data dir>/store-server/admin-token)')
    .option('--json', 'print the answer as JSON (amounts in minor units)')
    .action(async function (this: Command, opts: { store: string; from?: string; to?: string; silentAfter?: string; url: string; json?: boolean }) {
      if (opts.silentAfter !== undefined && !/^\d+$/.test(opts.silentAfter.trim())) throw new UsageError(`--silent-after: expected whole seconds, e.g. 120, got "${opts.silentAfter}"`);
      const query = settlementQuery.safeParse({
        ...(opts.from === undefined ? {} : { from: opts.from }),
        ...(opts.to === undefined ? {} : { to: opts.to }),
        ...(opts.silentAfter === undefined ? {} : { silentAfterSeconds: opts.silentAfter.trim() }),
      });
      if (!query.success) {
        const issue = query.error.issues[0];
        const field = String(issue?.path[0] ?? 'from');
        if (field === 'silentAfterSeconds') throw new UsageError(`--silent-after: ${issue?.message ?? 'invalid'}`);
        throw new UsageError(`--${field}: ${issue?.message ?? 'invalid'} (expected an ISO time with offset, e.g. 2025-03-01T00:00:00+08:00)`);
      }
      const adminToken = readAdminToken(adminTokenFile(this, tokenFileFlag(this)));
      const params = new URLSearchParams(Object.entries(query.data).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
      const path = `${SYNC_PATHS.adminSettlement(opts.store)}${params === '' ? '' : `?${params}`}`;
      const answer = await adminRequest({ baseUrl: opts.url, adminToken, method: 'GET', path, answer: settlementResponse });
      if (opts.json) printJson(answer);
      else printSettlement(answer);
    });

  registerPromotionCommands(command);
  registerCouponCommands(command);
  registerMemberCommands(command);
}

/** One line per promotion for `promotions list`: id, kind, what it does and when. */
function promotionLine(p: Promotion, currency: string): string {
  const m = (amount: number) => money(amount, currency);
  const pct = (bps: number) => `${bps / 100}%`;
  const what =
    p.kind === 'percent_off'
      ? `${pct(p.percentBps)} off`
      : p.kind === 'amount_off'
        ? `${m(p.amount)} off`
        : p.kind === 'fixed_price'
          ? `price ${m(p.price)}`
          : p.kind === 'buy_get'
            ? `buy ${p.buy} get ${p.get} at ${pct(p.percentBps)} off`
            : p.kind === 'n_for_price'
              ? `${p.quantity} for ${m(p.price)}`
              : `spend ${m(p.minSpend)} get ${p.amount === null ? pct(p.percentBps ?? 0) : m(p.amount)} off`;
  const target = p.target.kind === 'basket' ? 'basket' : p.target.kind === 'item' ? `items ${p.target.skus.join('|')}` : `departments ${p.target.departments.join('|')}`;
  const w = p.window;
  const when = [
    w.weekdays === null ? '' : `weekdays ${w.weekdays.join('|')}`,
    w.hours.length === 0 ? '' : `hours ${w.hours.map((h) => `${h.start}-${h.end}`).join('|')}`,
    w.from === null && w.until === null ? '' : `${w.from ?? '…'} to ${w.until ?? '…'}`,
  ].filter((x) => x !== '');
  const flags = [p.memberOnly ? 'members only' : '', p.stacking, p.group === null ? '' : `group ${p.group}`, `priority ${p.priority}`].filter((x) => x !== '');
  return `  ${p.id}  ${p.name}: ${what} on ${target}${when.length > 0 ? `, ${when.join(', ')}` : ''} (${flags.join(', ')})`;
}

function readUtf8(file: string): string {
  const bytes = readFileSync(resolve(file));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${file}: not UTF-8 text (save the CSV as UTF-8)`);
  }
}

function registerPromotionCommands(command: Command): void {
  registerImportAndList(command, {
    kind: 'promotions',
    row: 'promotion',
    description: "manage the store's promotions on the running store server (pushed to terminals with the catalog)",
    fileHelp: 'the promotions CSV (UTF-8; columns in the README, "Promotions")',
    listDescription: "list the store's current promotions from the running store server",
    currency: true,
    read: (text, currency) => readPromotionsCsv(text, { currency }),
    csvError: PromotionCsvError,
    path: (storeId) => SYNC_PATHS.adminPromotions(storeId),
    list: promotionsListResponse,
    items: (answer) => answer.promotions,
    line: promotionLine,
    unreadable: 'published before it was checked, and not a valid promotion',
  });
}

/**
 * What differs between the `promotions`, `coupons` and `members` sub-commands; the import (read
 * the CSV here, all errors or one publish) and the list are the same for each.
 */
interface ImportAndList<Row, Item, List extends { readonly storeId: string; readonly unreadable: readonly { readonly id: string; readonly reason: string }[] }> {
  /** The sub-command, and the key of the rows in the import request. */
  readonly kind: 'promotions' | 'coupons' | 'members';
  /** One row, for "3 coupons published". */
  readonly row: string;
  readonly description: string;
  /** Help of the import's <file> argument. */
  readonly fileHelp: string;
  readonly listDescription: string;
  /** Has money columns: both sub-commands take --currency. */
  readonly currency: boolean;
  /** Reads the whole file, throwing `csvError` listing every problem. */
  readonly read: (text: string, currency: string) => Row[];
  readonly csvError: abstract new (...args: never[]) => Error;
  readonly path: (storeId: string) => string;
  readonly list: z.ZodType<List>;
  readonly items: (answer: List) => readonly Item[];
  readonly line: (item: Item, currency: string) => string;
  /** Said of a stored definition the server cannot read. */
  readonly unreadable: string;
}

/** Registers `<kind> import` and `<kind> list`; returns the `<kind>` command for more. */
function registerImportAndList<Row, Item, List extends { readonly storeId: string; readonly unreadable: readonly { readonly id: string; readonly reason: string }[] }>(
  command: Command,
  spec: ImportAndList<Row, Item, List>,
): Command {
  const { kind } = spec;
  const group = command.command(kind).description(spec.description);

  const importer = group
    .command('import')
    .description(`check a ${kind} CSV and publish its ${kind} to the store in one publish (any error: nothing is published)`)
    .argument('<file>', spec.fileHelp)
    .requiredOption('--store <id>', 'the store, e.g. S01');
  if (spec.currency) importer.option('--currency <code>', 'the store currency the money columns are in', 'CNY');
  importer
    .option('--replace', `also delete the store's ${kind} that are not in the file`)
    .option('--url <url>', 'the store server', DEFAULT_URL)
    .option('--admin-token-file <file>', 'the admin token file (default: <data dir>/store-server/admin-token)')
    .option('--json', 'print the answer as JSON')
    .action(async function (this: Command, file: string, opts: { store: string; currency?: string; replace?: boolean; url: string; json?: boolean }) {
      const storeId = storeOption(opts.store);
      const currency = opts.currency ?? '';
      if (spec.currency && !isSupportedCurrency(currency)) throw new UsageError(`--currency: "${currency}" is not a currency Kassa supports`);
      let rows: Row[];
      try {
        rows = spec.read(readUtf8(file), currency);
      } catch (err) {
        if (!(err instanceof spec.csvError)) throw err;
        // Exit 1 (the file is wrong), not 2 (the command line is): every problem, one per line.
        process.stderr.write(`kassa: ${file}: ${err.message}\nnothing was published\n`);
        process.exitCode = 1;
        return;
      }
      if (rows.length === 0 && !opts.replace) throw new UsageError(`${file}: no ${kind} in the file (to delete all of the store's ${kind}, use --replace)`);
      const adminToken = readAdminToken(adminTokenFile(this, tokenFileFlag(this)));
      const answer = await adminRequest({
        baseUrl: opts.url,
        adminToken,
        method: 'POST',
        path: spec.path(storeId),
        body: { [kind]: rows, replace: opts.replace === true },
        answer: importResponse,
      });
      if (opts.json) printJson(answer);
      else say(importedLine(answer, spec.row));
    });

  const lister = group.command('list').description(spec.listDescription).requiredOption('--store <id>', 'the store, e.g. S01');
  if (spec.currency) lister.option('--currency <code>', 'the store currency, for showing amounts', 'CNY');
  lister
    .option('--url <url>', 'the store server', DEFAULT_URL)
    .option('--admin-token-file <file>', 'the admin token file (default: <data dir>/store-server/admin-token)')
    .option('--json', spec.currency ? 'print the answer as JSON (amounts in minor units)' : 'print the answer as JSON')
    .action(async function (this: Command, opts: { store: string; currency?: string; url: string; json?: boolean }) {
      const storeId = storeOption(opts.store);
      const adminToken = readAdminToken(adminTokenFile(this, tokenFileFlag(this)));
      const answer = await adminRequest({ baseUrl: opts.url, adminToken, method: 'GET', path: spec.path(storeId), answer: spec.list });
      if (opts.json) {
        printJson(answer);
        return;
      }
      const items = spec.items(answer);
      say(`Store ${answer.storeId}: ${items.length} ${spec.row}${items.length === 1 ? '' : 's'}`);
      for (const item of items) say(spec.line(item, opts.currency ?? ''));
      for (const u of answer.unreadable) say(`  ${u.id}  (${spec.unreadable}: ${u.reason})`);
    });
  return group;
}

/** "Store S01: 3 coupons published, 1 deleted (catalog versions 4–7)." */
function importedLine(answer: ImportResponse, what: string): string {
  const versions = answer.fromVersion === null ? 'nothing to publish' : `catalog versions ${answer.fromVersion}–${answer.toVersion ?? '?'}`;
  return `Store ${answer.storeId}: ${answer.upserted} ${what}${answer.upserted === 1 ? '' : 's'} published, ${answer.deleted} deleted (${versions}).`;
}

function storeOption(value: string): string {
  const store = storeIdSchema.safeParse(value);
  if (!store.success) throw new UsageError(`--store: ${store.error.issues[0]?.message ?? 'invalid'}`);
  return store.data;
}

/** One line per coupon for `coupons list`: code, what it gives, when, and who redeemed it. */
function couponLine(c: CouponsListResponse['coupons'][number], currency: string): string {
  const off = c.amount !== null ? `${money(c.amount, currency)} off` : `${(c.percentBps ?? 0) / 100}% off`;
  const terms = [c.use === 'single' ? 'single-use' : 'multi-use', c.minSpend > 0 ? `min spend ${money(c.minSpend, currency)}` : '', c.from === null && c.until === null ? '' : `${c.from ?? '…'} to ${c.until ?? '…'}`].filter((x) => x !== '');
  const sold = c.redemptions.filter((r) => r.state === 'sold');
  const reserved = c.redemptions.filter((r) => r.state === 'reserved');
  const used = [
    sold.length === 0 ? '' : `sold ${sold.length}× (${sold.map((r) => `${r.terminalId} receipt ${r.receiptNo ?? '?'}`).join(', ')})`,
    reserved.length === 0 ? '' : `reserved by ${reserved.map((r) => `${r.terminalId} sale ${r.saleId}`).join(', ')}`,
  ].filter((x) => x !== '');
  const double = c.use === 'single' && sold.length > 1 ? ' DOUBLE REDEMPTION' : '';
  return `  ${c.code}  ${c.name}: ${off} (${terms.join(', ')})${used.length > 0 ? `; ${used.join('; ')}` : '; not used'}${double}`;
}

function registerCouponCommands(command: Command): void {
  registerImportAndList(command, {
    kind: 'coupons',
    row: 'coupon',
    description: "manage the store's coupons on the running store server (pushed to terminals with the catalog)",
    fileHelp: 'the coupons CSV (UTF-8; columns code,name,use,from,until,min_spend,amount,percent; see the README, "Coupons")',
    listDescription: "list the store's coupons and their redemptions from the running store server",
    currency: true,
    read: (text, currency) => readCouponsCsv(text, { currency }),
    csvError: CouponCsvError,
    path: (storeId) => SYNC_PATHS.adminCoupons(storeId),
    list: couponsListResponse,
    items: (answer) => answer.coupons,
    line: couponLine,
    unreadable: 'not a valid coupon',
  });
}

function memberLine(m: { id: string; name: string; phone: string | null; codes: readonly string[]; points: number; active: boolean }): string {
  const parts = [m.phone === null ? '' : `phone ${m.phone}`, m.codes.length === 0 ? '' : `codes ${m.codes.join('|')}`, `${m.points} points`, m.active ? '' : 'INACTIVE'].filter((x) => x !== '');
  return `  ${m.id}  ${m.name}  ${parts.join(', ')}`;
}

function registerMemberCommands(command: Command): void {
  const members = registerImportAndList(command, {
    kind: 'members',
    row: 'member',
    description: "manage the store's members on the running store server (pushed to terminals with the catalog; points balances kept by the server)",
    fileHelp: 'the members CSV (UTF-8; columns id,name,phone,codes,points,active; see the README, "Members")',
    listDescription: "list the store's members and their points from the running store server",
    currency: false,
    read: (text) => readMembersCsv(text),
    csvError: MemberCsvError,
    path: (storeId) => SYNC_PATHS.adminMembers(storeId),
    list: membersListResponse,
    items: (answer) => answer.members,
    line: memberLine,
    unreadable: 'not a valid member',
  });

  members
    .command('show')
    .description('show a member, their points and their synced purchases (newest first) from the running store server')
    .argument('<id>', 'the member number')
    .requiredOption('--store <id>', 'the store, e.g. S01')
    .option('--url <url>', 'the store server', DEFAULT_URL)
    .option('--admin-token-file <file>', 'the admin token file (default: <data dir>/store-server/admin-token)')
    .option('--json', 'print the answer as JSON (amounts in minor units)')
    .action(async function (this: Command, id: string, opts: { store: string; url: string; json?: boolean }) {
      const storeId = storeOption(opts.store);
      const memberId = memberSchema.shape.id.safeParse(id);
      if (!memberId.success) throw new UsageError(`<id>: ${memberId.error.issues[0]?.message ?? 'invalid'}`);
      const adminToken = readAdminToken(adminTokenFile(this, tokenFileFlag(this)));
      const answer = await adminRequest({ baseUrl: opts.url, adminToken, method: 'GET', path: SYNC_PATHS.adminMember(storeId, memberId.data), answer: memberHistoryResponse });
      if (opts.json) {
        printJson(answer);
        return;
      }
      say(`Store ${answer.storeId}, member:`);
      say(memberLine(answer.member));
      const n = answer.purchases.length;
      say(`  ${n} purchase${n === 1 ? '' : 's'} synced${n === 0 ? '' : ' (newest first):'}`);
      for (const p of answer.purchases) {
        say(`    ${p.completedAt}  ${p.terminalId} receipt ${p.receiptNo}  paid ${money(p.paid, p.currency)} ${p.currency}  points +${p.pointsEarned} −${p.pointsRedeemed}  ${p.lineCount} line${p.lineCount === 1 ? '' : 's'}`);
      }
    });
}
