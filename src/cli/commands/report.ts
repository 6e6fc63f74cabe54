// `kassa report`: X and Z reports and the year summary from the command line (issue 7 §4). The
// core (src/core/reports) adds up and stores; this file reads arguments, says who, and writes
// the report as text, CSV, PDF or JSON.
//
// Decisions:
// - `kassa report x` reads the figures since the last Z (with the open shift's expected cash);
//   `--date yyyy-mm-dd` reads a calendar day instead. Nothing is stored.
// - `kassa report z` CLOSES THE DAY: it makes the next Z (refused while a shift is open, when
//   nothing happened since the last Z, or — when the terminal syncs — while sales are unsent,
//   unless --close-with-unsent is given and allowed). `kassa report z --date yyyy-mm-dd` makes
//   nothing: it shows the Zs stored for that business day (to reprint or export); `--z <n>`
//   picks one.
// - WHO, as for `kassa shift`: with users on the terminal, `--user <id>` and the PIN on the
//   first line of stdin ('report.z' for a Z, 'report.x' for an X); `--approver <id>` with the
//   approver's PIN on the second line when the user may not (the same approval covers
//   'day.close-with-unsent'). Without users (setup mode) `--by <name>` (default: the configured
//   cashier) says who.
// - Formats: text (default; `--width` columns, 48 like 80 mm paper), json, csv (RFC 4180), pdf
//   (needs --out). `--out <file>` writes the file instead of stdout.
// - Printing on the receipt printer is the running terminal's (the device manager owns the
//   port): the manager screen prints; the CLI writes files.
// - Exit codes: 0 done; 1 refused (bad input, shift open, asked twice, unsent, wrong PIN), nothing
//   stored; 2 a usage mistake.
import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Permission } from '../../domain/permissions.ts';
import type { ReportData } from '../../domain/reports/day-report.ts';
import { parseDate } from '../../domain/reports/day-report.ts';
import { renderReportText, type ReportLang } from '../../domain/reports/report-text.ts';
import { displayMoney, formatMoney } from '../../domain/money.ts';
import { loadConfig, type KassaConfig } from '../../core/config.ts';
import { dataPaths, type DataPaths } from '../../core/paths.ts';
import { reportCsv } from '../../core/reports/report-csv.ts';
import { reportPdf } from '../../core/reports/report-pdf.ts';
import { printReport } from '../../core/reports/report-print.ts';
import { DeviceManager } from '../../core/devices/device-manager.ts';
import { yearSummary } from '../../core/reports/year-summary.ts';
import { antifraudPort, getZ, makeZ, shiftsPort, xReport, zReportsOfDay, type ReportAuthorization, type ReportContext } from '../../core/reports/z-reports.ts';
import { NoTerminalDataError, openExistingDatabase, openTerminal, type Terminal } from '../../core/runtime.ts';
import { ShiftService } from '../../core/shifts/shift-service.ts';
import { StaffService } from '../../core/staff/staff-service.ts';
import { dataDirOf, printJson } from '../context.ts';
import { parsePositiveInt, UsageError } from '../errors.ts';
import { withCliOperator, type WhoOptions } from '../staff-login.ts';

const FORMATS = ['text', 'json', 'csv', 'pdf'] as const;
type Format = (typeof FORMATS)[number];

interface OutputOptions {
  format: string;
  out?: string;
  width: string;
  lang?: string;
  print?: boolean;
}

/** How long --print waits for the receipt printer to connect. */
const PRINTER_WAIT_MS = 5000;

/** --print: the report on the configured receipt printer, as the manager screen prints it. */
async function printOut(reports: readonly ReportData[], terminal: Terminal, lang: ReportLang): Promise<void> {
  const printer = terminal.config.devices.find((d) => d.type === 'printer');
  if (!printer) throw new UsageError('--print: no receipt printer is configured (add one to the "devices" block of kassa.config.json)');
  const devices = new DeviceManager({ config: terminal.config, db: terminal.db, logger: terminal.logger });
  try {
    devices.start();
    await devices.whenReady(printer.id, PRINTER_WAIT_MS);
    for (const r of reports) {
      const name = r.kind === 'Z' ? `Z ${r.zNo ?? '?'}` : 'the X report';
      const out = await printReport(r, devices.reportPrinter(), { lang, header: [terminal.config.storeName] });
      if (out.outcome === 'printed') process.stderr.write(`printed ${name} on "${printer.id}"\n`);
      else {
        process.stderr.write(`${name} went to "${printer.id}" but the printer did not confirm it: ${out.reason}\n`);
        process.exitCode = 1;
      }
    }
  } finally {
    await devices.stop();
  }
}

function folderOf(cmd: Command): { paths: DataPaths; config: KassaConfig } {
  const training = cmd.optsWithGlobals<{ training?: boolean }>().training === true;
  const base = dataDirOf(cmd);
  const config = loadConfig(base.config);
  if (!training) return { paths: base, config };
  const paths = dataPaths(join(base.dir, 'training'));
  if (!existsSync(paths.database)) throw new NoTerminalDataError(`no training data in ${paths.dir} yet: run \`kassa train\` first`);
  return { paths, config: { ...config, training: true } };
}

async function withTerminal<T>(cmd: Command, run: (terminal: Terminal, ctx: ReportContext) => Promise<T>): Promise<T> {
  const { paths, config } = folderOf(cmd);
  // Refuses a folder without a database (NoTerminalDataError) before anything is created.
  openExistingDatabase(paths, { readonly: true }).close();
  const terminal = await openTerminal(paths, { config });
  try {
    const shifts = new ShiftService({ db: terminal.db, config, terminalId: config.terminalId });
    const ctx: ReportContext = {
      db: terminal.db,
      terminalId: config.terminalId,
      currency: config.currency,
      syncs: config.sync !== undefined,
      training: config.training,
      now: () => new Date(),
      shifts: shiftsPort(shifts),
      antifraud: antifraudPort(config.antifraud.thresholds, shifts),
    };
    return await run(terminal, ctx);
  } finally {
    await terminal.close();
  }
}

/**
 * Who acts, authorized for `permission` (and for 'day.close-with-unsent' when `unsent`): a
 * log-in with users, the setup-mode name without (src/cli/staff-login.ts).
 */
async function authorize(terminal: Terminal, who: WhoOptions, permission: Permission, what: string, unsent: boolean): Promise<{ auth: ReportAuthorization; unsent: ReportAuthorization | null }> {
  const { db, config } = terminal;
  const staff = new StaffService({ db, config, terminalId: config.terminalId });
  return withCliOperator(staff, config, who, async (session) => ({
    auth: await session.authorize(permission, what, null),
    unsent: unsent ? await session.authorize('day.close-with-unsent', `${what} with unsent sales`, null) : null,
  }));
}

function formatOf(o: OutputOptions): Format {
  if (!(FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, got "${o.format}"`);
  const format = o.format as Format;
  if (format === 'pdf' && o.out === undefined) throw new UsageError('--format pdf needs --out <file>');
  return format;
}

function langOf(o: OutputOptions, config: KassaConfig): ReportLang {
  const lang = o.lang ?? config.language;
  if (lang !== 'en' && lang !== 'zh-CN') throw new UsageError(`--lang: expected en or zh-CN, got "${lang}"`);
  return lang;
}

async function write(reports: readonly ReportData[], o: OutputOptions, terminal: Terminal): Promise<void> {
  const { config } = terminal;
  const format = formatOf(o);
  const lang = langOf(o, config);
  const width = parsePositiveInt(o.width, '--width', 200);
  if (width < 24) throw new UsageError(`--width: at least 24 columns, got ${width}`);
  const header = [config.storeName];
  let body: string | Uint8Array;
  if (format === 'json') body = `${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`;
  else if (format === 'text') body = `${reports.map((r) => renderReportText(r, width, { lang, header }).join('\n')).join('\n\n')}\n`;
  else {
    if (reports.length !== 1) throw new UsageError(`${reports.length} Z reports that day: pick one with --z <n> for ${format}`);
    const report = reports[0] as ReportData;
    body = format === 'csv' ? reportCsv(report, { lang, header }) : (await reportPdf(report, { lang, header })).bytes;
  }
  if (o.out !== undefined) {
    writeFileSync(o.out, body);
    process.stderr.write(`wrote ${o.out}\n`);
  } else process.stdout.write(body);
  if (o.print) await printOut(reports, terminal, lang);
}

function withOutput(c: Command): Command {
  return c
    .option('--format <format>', `${FORMATS.join(' | ')}`, 'text')
    .option('--out <file>', 'write to this file instead of stdout (needed for pdf)')
    .option('--width <columns>', 'text width in columns (48: 80 mm paper, 32: 58 mm)', '48')
    .option('--lang <lang>', 'en or zh-CN (default: the terminal language)')
    .option('--print', 'also print it on the configured receipt printer');
}

function withWho(c: Command): Command {
  return c
    .option('--user <id>', 'who you are, when the terminal has users (your PIN on the first line of stdin)')
    .option('--approver <id>', 'someone who may do it, when you may not (their PIN on the second line of stdin)')
    .option('--by <name>', 'who you are on a terminal without users (default: the configured cashier)');
}

function checkDate(date: string | undefined): void {
  if (date === undefined) return;
  try {
    parseDate(date);
  } catch {
    throw new UsageError(`--date: expected a date as yyyy-mm-dd, got "${date}"`);
  }
}

export function registerReport(program: Command): void {
  const report = program
    .command('report')
    .description('X report (any time), Z report (closes the day) and the year summary')
    .option('--training', 'the training folder (<data dir>/training) instead of the real one')
    .addHelpText('after', '\nSubcommands: x, z, year. `kassa report z` closes the day; `kassa report z --date yyyy-mm-dd` shows the stored Zs of a day.');

  withWho(withOutput(report.command('x').description('the figures so far (since the last Z), or of one day with --date; stores nothing')))
    .option('--date <yyyy-mm-dd>', 'a calendar day (terminal local time) instead of since the last Z')
    .action(async function (this: Command, opts: OutputOptions & WhoOptions & { date?: string }) {
      checkDate(opts.date);
      await withTerminal(this, async (terminal, ctx) => {
        const { auth } = await authorize(terminal, opts, 'report.x', 'X report', false);
        const r = xReport(ctx, opts.date === undefined ? { sinceLastZ: true } : { date: opts.date }, auth.by);
        await write([r], opts, terminal);
      });
    });

  withWho(withOutput(report.command('z').description('close the day with the next Z report; with --date, show the Zs stored for that day')))
    .option('--date <yyyy-mm-dd>', 'show the Z reports of this business day instead of making one')
    .option('--z <n>', 'show Z number n')
    .option('--close-with-unsent', 'close even though sales have not reached the store server (needs day.close-with-unsent)')
    .action(async function (this: Command, opts: OutputOptions & WhoOptions & { date?: string; z?: string; closeWithUnsent?: boolean }) {
      checkDate(opts.date);
      await withTerminal(this, async (terminal, ctx) => {
        if (opts.z !== undefined || opts.date !== undefined) {
          const stored =
            opts.z !== undefined
              ? [getZ(ctx.db, ctx.terminalId, parsePositiveInt(opts.z, '--z'))]
              : zReportsOfDay(ctx.db, ctx.terminalId, opts.date as string);
          if (stored.length === 0) {
            process.stderr.write(`no Z report for ${opts.date} on terminal ${ctx.terminalId}\n`);
            process.exitCode = 1;
            return;
          }
          await write(
            stored.map((s) => s.report),
            opts,
            terminal,
          );
          return;
        }
        const { auth, unsent } = await authorize(terminal, opts, 'report.z', 'Z report (close the day)', opts.closeWithUnsent === true);
        const z = makeZ(ctx, { authorization: auth, ...(unsent ? { closeWithUnsent: unsent } : {}) });
        process.stderr.write(`Z ${z.zNo} closed the day ${z.businessDay}: ${z.report.sales.count} sale(s), ${displayMoney({ amount: z.report.sales.paid, currency: z.report.currency })} paid\n`);
        await write([z.report], opts, terminal);
      });
    });

  report
    .command('year <yyyy>')
    .description('sales, tax and returns per month of a year (closed days from their Z reports)')
    .option('--json', 'print the summary as JSON')
    .action(async function (this: Command, yyyy: string, opts: { json?: boolean }) {
      if (!/^\d{4}$/.test(yyyy)) throw new UsageError(`expected a year such as 2025, got "${yyyy}"`);
      await withTerminal(this, async (_terminal, ctx) => {
        const y = yearSummary(ctx, Number(yyyy));
        if (opts.json) {
          printJson(y);
          return;
        }
        const m = (amount: number) => formatMoney({ amount, currency: y.currency });
        const rows = y.months.map((mo) => [mo.month, String(mo.count), m(mo.amount), m(mo.tax), m(mo.returns)]);
        rows.push(['total', String(y.total.count), m(y.total.amount), m(y.total.tax), m(y.total.returns)]);
        const head = ['month', 'sales', 'paid', 'tax', 'returns'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
        const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
        process.stdout.write(`${[`terminal ${y.terminalId}, ${y.year} (${y.source.zReports} Z reports; live after journal row ${y.source.liveFromSeq})`, line(head), ...rows.map(line)].join('\n')}\n`);
      });
    });
}
