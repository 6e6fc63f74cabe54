// Which errors are the user's to fix (shown as one line) and which are bugs (shown with a stack).

/** An error the person at the keyboard can act on: a bad argument, a missing file. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const USER_ERROR_NAMES = new Set([
  'UsageError',
  'NoTerminalDataError',
  'SimulationError',
  'ConfigError',
  'SchemaVersionError',
  'MoneyError',
  'CartError',
  'TenderError',
  'ImportError',
  'CatalogImportError',
  'SqliteError',
  'DeviceError',
  'ReceiptError',
  'TransportError',
  'AlipayBillError',
  'BillError',
  'ReconcileError',
  'SandboxKeyError',
  'RefundError',
  'ManagerAuthError',
  'ServeError',
  'StoreServerError',
  'StoreStorageError',
  'StoreSchemaError',
  'StaffError',
  'StaffAuthError',
  'JournalExportError',
  'SalesSearchError',
  'ShiftError',
  'ZReportError',
  'YearSummaryError',
  'ReportPdfError',
]);

export function isUserError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (USER_ERROR_NAMES.has(err.name)) return true;
  // Files the user named that are missing or unreadable.
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR';
}

export function parsePositiveInt(value: string, what: string, max = 100_000_000): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${what} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < 1 || n > max) throw new UsageError(`${what} must be between 1 and ${max}, got ${n}`);
  return n;
}
