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
// - `settlement` marks each terminal's flags (unsent, receipt-gap, silent) after its row, and
//   lists flagged terminals that have nothing in the range, so a manager never reads a store
//   total as final while a terminal still holds sales.
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { formatMoney, isSupportedCurrency } from '../../domain/money.ts';
import type { Promotion } from '../../domain/promotions/promotion.ts';
import { PromotionCsvError, readPromotionsCsv } from '../../domain/promotions/promotion-csv.ts';
import { adminRequest } from '../../server/store/admin-client.ts';
import { readAdminToken, readOrCreateAdminToken } from '../../server/store/admin-token.ts';
import { startStoreServer } from '../../server/store/http-api.ts';
import type { StoreServer } from '../../server/store/http-api.ts';
import { openStoreStorage, redactUrl } from '../../server/store/storage.ts';
import type { StoreStorage } from '../../server/store/storage.ts';
import {
  DEFAULT_SILENT_AFTER_SECONDS,
  SYNC_PATHS,
  promotionsImportResponse,
  promotionsListResponse,
  registerTerminalRequest,
  registerTerminalResponse,
  settlementQuery,
  settlementResponse,
  storeId as storeIdSchema,
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
CSV and pushed to the terminals with the catalog:
  kassa store-server promotions import promotions.csv --store S01 [--replace]
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
  const promotions = command.command('promotions').description("manage the store's promotions on the running store server (pushed to terminals with the catalog)");

  promotions
    .command('import')
    .description('check a promotions CSV and publish its promotions to the store in one publish (any error: nothing is published)')
    .argument('<file>', 'the promotions CSV (UTF-8; columns in the README, "Promotions")')
    .requiredOption('--store <id>', 'the store, e.g. S01')
    .option('--currency <code>', 'the store currency the money columns are in', 'CNY')
    .option('--replace', "also delete the store's promotions that are not in the file")
    .option('--url <url>', 'the store server', DEFAULT_URL)
    .option('--admin-token-file <file>', 'the admin token file (default: <data dir>/store-server/admin-token)')
    .option('--json', 'print the answer as JSON')
    .action(async function (this: Command, file: string, opts: { store: string; currency: string; replace?: boolean; url: string; json?: boolean }) {
      const store = storeIdSchema.safeParse(opts.store);
      if (!store.success) throw new UsageError(`--store: ${store.error.issues[0]?.message ?? 'invalid'}`);
      if (!isSupportedCurrency(opts.currency)) throw new UsageError(`--currency: "${opts.currency}" is not a currency Kassa supports`);
      let definitions: Promotion[];
      try {
        definitions = readPromotionsCsv(readUtf8(file), { currency: opts.currency });
      } catch (err) {
        if (!(err instanceof PromotionCsvError)) throw err;
        // Exit 1 (the file is wrong), not 2 (the command line is): every problem, one per line.
        process.stderr.write(`kassa: ${file}: ${err.message}\nnothing was published\n`);
        process.exitCode = 1;
        return;
      }
      if (definitions.length === 0 && !opts.replace) throw new UsageError(`${file}: no promotions in the file (to delete all of the store's promotions, use --replace)`);
      const adminToken = readAdminToken(adminTokenFile(this, tokenFileFlag(this)));
      const answer = await adminRequest({
        baseUrl: opts.url,
        adminToken,
        method: 'POST',
        path: SYNC_PATHS.adminPromotions(store.data),
        body: { promotions: definitions, replace: opts.replace === true },
        answer: promotionsImportResponse,
      });
      if (opts.json) {
        printJson(answer);
        return;
      }
      const versions = answer.fromVersion === null ? 'nothing to publish' : `catalog versions ${answer.fromVersion}–${answer.toVersion ?? '?'}`;
      say(`Store ${answer.storeId}: ${answer.upserted} promotion${answer.upserted === 1 ? '' : 's'} published, ${answer.deleted} deleted (${versions}).`);
    });

  promotions
    .command('list')
    .description("list the store's current promotions from the running store server")
    .requiredOption('--store <id>', 'the store, e.g. S01')
    .option('--currency <code>', 'the store currency, for showing amounts', 'CNY')
    .option('--url <url>', 'the store server', DEFAULT_URL)
    .option('--admin-token-file <file>', 'the admin token file (default: <data dir>/store-server/admin-token)')
    .option('--json', 'print the answer as JSON (amounts in minor units)')
    .action(async function (this: Command, opts: { store: string; currency: string; url: string; json?: boolean }) {
      const store = storeIdSchema.safeParse(opts.store);
      if (!store.success) throw new UsageError(`--store: ${store.error.issues[0]?.message ?? 'invalid'}`);
      const adminToken = readAdminToken(adminTokenFile(this, tokenFileFlag(this)));
      const answer = await adminRequest({ baseUrl: opts.url, adminToken, method: 'GET', path: SYNC_PATHS.adminPromotions(store.data), answer: promotionsListResponse });
      if (opts.json) {
        printJson(answer);
        return;
      }
      const n = answer.promotions.length;
      say(`Store ${answer.storeId}: ${n} promotion${n === 1 ? '' : 's'}`);
      for (const p of answer.promotions) say(promotionLine(p, opts.currency));
      for (const u of answer.unreadable) say(`  ${u.id}  (published before it was checked, and not a valid promotion: ${u.reason})`);
    });
}
