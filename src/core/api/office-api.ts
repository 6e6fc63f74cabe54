// The PosApi requests of issue 7 that are the manager's back office: wallet reconciliation,
// the journal check, sales history and refunds, X/Z reports, the store's settlement. The pos
// host's permission gate runs first (permission-gate.ts); handlers here record who acted from
// the Authorization it passes.
//
// Decisions a caller must know:
// - Reconciliation needs the wallets this terminal takes: with none (cash only) every
//   reconcile request is refused saying so.
// - Views are mapped from the services' own types here, so a service can grow fields without
//   changing what the screens are sent.
import { walletSettings } from '../payments-config.ts';
import { localDate } from '../../domain/local-time.ts';
import type { ReportData } from '../../domain/reports/day-report.ts';
import { renderReportText } from '../../domain/reports/report-text.ts';
import { reportCsv } from '../reports/report-csv.ts';
import { reportPdf } from '../reports/report-pdf.ts';
import { printReport } from '../reports/report-print.ts';
import { antifraudPort, getZ, makeZ, shiftsPort, xReport, ZReportError, zReportsOfDay, type ReportAuthorization, type ReportContext } from '../reports/z-reports.ts';
import { StaffAuthError } from '../staff/staff-service.ts';
import type { ReconcileItem } from '../../domain/reconcile.ts';
import type { ReconcileReport } from '../reconcile/reconcile-service.ts';
import { ReconcileService } from '../reconcile/reconcile-service.ts';
import { searchSales } from '../sales-history.ts';
import { localDayRange, storeSettlementView } from '../sync/store-settlement.ts';
import { verifyStore } from '../verify.ts';
import type {
  ApprovalInput,
  ExportedFile,
  JournalCheckView,
  Notice,
  ReconcileItemView,
  ReconcileView,
  ReportView,
  SaleHistoryRow,
  StoreSettlementView,
  TenderView,
  ZListItem,
} from '../../shared/api.ts';
import type { Authorization } from '../staff/staff-service.ts';
import type { TerminalApp } from '../terminal-app.ts';

export class OfficeRefusedError extends Error {
  override name = 'OfficeRefusedError';
}

export interface OfficeApiDeps {
  readonly app: TerminalApp;
  /** Who an action is recorded under. */
  readonly byWhom: (auth: Authorization | null) => string;
  /** Tells every surface something (a Z that did not print). */
  readonly notice: (n: Notice) => void;
}

/** Receipt width the on-screen copy of a report is laid out in (what an 80 mm printer prints). */
const SCREEN_COLUMNS = 42;
const RECENT_Z = 50;

export function reportView(r: ReportData, text: readonly string[]): ReportView {
  return {
    kind: r.kind,
    zNo: r.zNo,
    terminalId: r.terminalId,
    currency: r.currency,
    from: r.range.from,
    to: r.range.to ?? r.createdAt,
    generatedAt: r.createdAt,
    sales: { count: r.sales.count, gross: r.sales.gross, discounts: r.sales.discounts, net: r.sales.net, tax: r.sales.tax, total: r.sales.total, rounding: r.sales.rounding },
    returns: { count: r.returns.count, amount: r.returns.amount },
    voids: { lines: r.voids.lines, amount: r.voids.amount, cancelledSales: r.voids.salesCancelled },
    discounts: { count: r.discounts.count, amount: r.discounts.amount },
    taxByRate: r.taxByRate.map((t) => ({ taxClass: t.taxClass, rateBps: t.rateBps, base: t.base, tax: t.tax })),
    tenders: r.tenders.map((t) => ({ method: t.method, count: t.count, amount: t.amount })),
    wallets: r.wallets.map((w) => ({ provider: w.provider, count: w.count, amount: w.amount, refunded: w.refunded })),
    cashiers: r.cashiers.map((c) => ({ cashier: c.cashier, sales: c.sales, amount: c.amount, refunds: c.refunds, voids: c.voids, noSales: c.noSales, overrides: c.overrides, manual: c.manual })),
    hourly: r.hourly.map((h) => ({ hour: h.hour, count: h.count, amount: h.amount })),
    cash: {
      shifts: r.cash.shifts.map((sh) => ({
        shiftId: sh.shiftId,
        openedAt: sh.openedAt,
        closedAt: sh.closedAt,
        expected: sh.expected,
        counted: sh.counted,
        overShort: sh.overShort,
        working: sh.working.map((w) => ({ label: w.label, amount: w.sign * w.amount })),
      })),
      outsideShifts: r.cash.outsideShifts === null ? 0 : r.cash.outsideShifts.cashSales - r.cash.outsideShifts.cashRefunds,
    },
    flags: r.flags.map((f) => ({ cashier: f.cashier, shiftId: f.shiftId, signal: f.signal, count: f.count, threshold: f.threshold })),
    text,
  };
}

function itemView(item: ReconcileItem): ReconcileItemView {
  return {
    key: item.key,
    provider: item.provider,
    kind: item.kind,
    status: item.status,
    local: item.local,
    atProvider: item.billed,
    resolved: item.resolved === null ? null : { reason: item.resolved.reason, by: item.resolved.by, at: item.resolved.at },
  };
}

const UNMATCHED_FIRST = (a: ReconcileItemView, b: ReconcileItemView) => Number(a.status === 'matched') - Number(b.status === 'matched');

function reconcileView(report: ReconcileReport): ReconcileView {
  return {
    date: report.date,
    providers: report.providers.map((p) => ({
      provider: p.provider,
      billRows: p.billRows,
      matched: p.matched,
      missingLocally: p.missingLocally,
      missingAtProvider: p.missingAtProvider,
      amountMismatch: p.amountMismatch,
      localTotal: p.totals.local.net,
      providerTotal: p.totals.bill.net,
    })),
    items: report.items.map(itemView).sort(UNMATCHED_FIRST),
  };
}

/** A local calendar day's start as an ISO instant (`next`: the following day's start). */
function localDayStart(date: string, next = false): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const start = new Date(y, m - 1, d + (next ? 1 : 0));
  if (start.getFullYear() !== y || start.getMonth() !== m - 1 || (!next && start.getDate() !== d)) throw new OfficeRefusedError(`${date} is not a date`);
  return start.toISOString();
}


interface SalesSearchParams {
  receipt?: string;
  from?: string;
  to?: string;
  amountMin?: number;
  amountMax?: number;
  tender?: 'cash' | 'alipay' | 'wechat';
  cashier?: string;
  limit?: number;
  before?: string;
}

export function officeHandlers(deps: OfficeApiDeps) {
  const { app } = deps;
  let reconciler: ReconcileService | null = null;
  function reconcile(): ReconcileService {
    const providers = app.payments?.providers;
    if (providers === undefined || providers.size === 0) throw new OfficeRefusedError('this terminal takes cash only: there are no wallet bills to reconcile');
    reconciler ??= new ReconcileService({
      db: app.db,
      terminalId: app.config.terminalId,
      providers,
      storeId: walletSettings(app.config).storeId,
      now: () => app.now(),
    });
    return reconciler;
  }

  const reportOptions = () => ({ lang: app.config.language, header: [app.config.storeName] });
  const view = (r: ReportData) => reportView(r, renderReportText(r, SCREEN_COLUMNS, reportOptions()));
  function reportContext(): ReportContext {
    return {
      db: app.db,
      terminalId: app.config.terminalId,
      currency: app.config.currency,
      syncs: app.config.sync !== undefined,
      training: app.config.training,
      now: () => app.now(),
      shifts: shiftsPort(app.shifts),
      antifraud: antifraudPort(app.config.antifraud.thresholds, app.shifts),
    };
  }
  function storedZ(zNo: number): ReportData {
    try {
      return getZ(app.db, app.config.terminalId, zNo).report;
    } catch (err) {
      if (err instanceof ZReportError && err.code === 'not-found') throw new OfficeRefusedError(`there is no Z report ${zNo} on this terminal`);
      throw err;
    }
  }
  /** A stored Z, an X of a calendar day, or the X since the last Z. */
  function reportOf(p: { zNo?: number; date?: string }, auth: Authorization | null): ReportData {
    if (p.zNo !== undefined) return storedZ(p.zNo);
    return xReport(reportContext(), p.date !== undefined ? { date: p.date } : { sinceLastZ: true }, deps.byWhom(auth));
  }
  async function print(r: ReportData): Promise<{ status: string; detail: string | null }> {
    if (app.devices === null) throw new OfficeRefusedError('no receipt printer is configured on this terminal: export the report instead');
    const out = await printReport(r, app.devices.reportPrinter(), reportOptions());
    return out.outcome === 'printed' ? { status: 'printed', detail: null } : { status: 'unconfirmed', detail: out.reason };
  }
  /**
   * Closing with unsent sales takes a manager's PIN typed for it, even when a manager is the
   * operator: an override is a deliberate act, journalled with who approved it.
   */
  async function closeWithUnsent(approval: ApprovalInput | undefined, unsentMessage: string): Promise<ReportAuthorization> {
    if (approval === undefined) throw new StaffAuthError('approval-required', `${unsentMessage}: sync first, or a manager's PIN closes the day anyway (journalled)`, { permission: 'day.close-with-unsent' });
    const a = await app.staff.approve({ permission: 'day.close-with-unsent', userId: approval.userId, pin: approval.pin, what: 'close the day with unsent sales', ref: null });
    return { permission: a.permission, by: a.name, userId: a.userId, approvedBy: { userId: a.userId, name: a.name, permission: a.permission, journalSeq: a.journalSeq } };
  }

  return {
    async 'report.x'(p: { date?: string }, auth: Authorization | null): Promise<ReportView> {
      return view(reportOf(p, auth));
    },
    async 'report.z'(p: { approval?: ApprovalInput; print?: boolean }, auth: Authorization | null): Promise<ReportView> {
      if (auth === null) throw new OfficeRefusedError('closing the day needs the report.z permission');
      const ctx = reportContext();
      let stored;
      try {
        stored = makeZ(ctx, { authorization: auth });
      } catch (err) {
        if (!(err instanceof ZReportError) || err.code !== 'unsent') throw err;
        stored = makeZ(ctx, { authorization: auth, closeWithUnsent: await closeWithUnsent(p.approval, err.message) });
      }
      if (p.print) {
        await print(stored.report).catch((err: unknown) => {
          deps.notice({ level: 'warning', message: `Z ${stored.zNo} is stored but did not print: ${(err as Error).message}. Print it again from the reports.`, at: app.now().toISOString() });
        });
      }
      return view(stored.report);
    },
    async 'report.zList'({ date }: { date?: string }): Promise<readonly ZListItem[]> {
      const zs =
        date !== undefined
          ? zReportsOfDay(app.db, app.config.terminalId, date)
          : (app.db.prepare('SELECT z_no FROM z_reports WHERE terminal_id = ? ORDER BY z_no DESC LIMIT ?').pluck().all(app.config.terminalId, RECENT_Z) as number[]).map((n) =>
              getZ(app.db, app.config.terminalId, n),
            );
      return zs.map((z) => ({ zNo: z.zNo, createdAt: z.createdAt, createdBy: z.createdBy, salesTotal: z.report.sales.total + z.report.sales.rounding, saleCount: z.report.sales.count }));
    },
    async 'report.zGet'({ zNo }: { zNo: number }): Promise<ReportView> {
      return view(storedZ(zNo));
    },
    async 'report.print'(p: { zNo?: number; date?: string }, auth: Authorization | null) {
      return print(reportOf(p, auth));
    },
    async 'report.export'(p: { zNo?: number; date?: string; format: 'csv' | 'pdf' }, auth: Authorization | null): Promise<ExportedFile> {
      const r = reportOf(p, auth);
      const name = r.kind === 'Z' ? `z-${r.terminalId}-${String(r.zNo ?? 0).padStart(4, '0')}` : `x-${r.terminalId}-${p.date ?? r.createdAt.slice(0, 10)}`;
      if (p.format === 'csv') return { filename: `${name}.csv`, mime: 'text/csv', base64: Buffer.from(reportCsv(r, reportOptions()), 'utf8').toString('base64') };
      const pdf = await reportPdf(r, reportOptions());
      return { filename: `${name}.pdf`, mime: 'application/pdf', base64: Buffer.from(pdf.bytes).toString('base64') };
    },
    async 'reconcile.run'({ date, wallet }: { date: string; wallet?: 'alipay' | 'wechat' }): Promise<ReconcileView> {
      return reconcileView(await reconcile().run({ date, ...(wallet !== undefined ? { wallet } : {}) }));
    },
    async 'reconcile.resolve'({ key, reason }: { key: string; reason: string }, auth: Authorization | null): Promise<ReconcileItemView> {
      const service = reconcile();
      service.resolve(key, reason, deps.byWhom(auth));
      return itemView(service.item(key));
    },
    async 'reconcile.query'({ key }: { key: string }): Promise<{ readonly message: string }> {
      const r = await reconcile().query(key);
      return { message: r.says };
    },
    async 'sales.search'(p: SalesSearchParams): Promise<{ readonly rows: readonly SaleHistoryRow[]; readonly next: string | null }> {
      const page = searchSales(app.db, {
        ...(p.receipt !== undefined ? { receipt: p.receipt } : {}),
        ...(p.from !== undefined ? { from: localDayStart(p.from) } : {}),
        ...(p.to !== undefined ? { to: localDayStart(p.to, true) } : {}),
        ...(p.amountMin !== undefined ? { amountMin: p.amountMin } : {}),
        ...(p.amountMax !== undefined ? { amountMax: p.amountMax } : {}),
        ...(p.tender !== undefined ? { tender: p.tender } : {}),
        ...(p.cashier !== undefined ? { cashier: p.cashier } : {}),
        ...(p.before !== undefined ? { before: p.before } : {}),
        limit: p.limit ?? 50,
      });
      return {
        rows: page.rows.map((r) => ({
          saleId: r.saleId,
          receiptNo: r.receiptNo,
          receipt: r.receipt,
          completedAt: r.completedAt,
          total: r.total + r.rounding,
          currency: r.currency,
          tenders: r.tenders.map((t) => ({ method: t.method as TenderView['method'], amount: t.amount, reference: null })),
          cashier: r.cashier,
          refunded: r.refunded,
          training: r.training,
        })),
        next: page.next,
      };
    },
    async 'store.settlement'({ date }: { date?: string }): Promise<StoreSettlementView | null> {
      if (app.sync === null) return null;
      const day = date ?? localDate(app.now());
      return storeSettlementView(await app.sync.settlement(localDayRange(day)), app.config.currency);
    },
    async 'journal.verify'(): Promise<JournalCheckView> {
      const report = verifyStore(app.db, { maxProblems: 20 });
      return { ok: report.ok, journalRows: report.checked.journalRows, sales: report.checked.sales, problems: report.problems.map((p) => p.message) };
    },
  };
}
