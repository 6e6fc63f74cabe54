// The training terminal's virtual devices as a test drives them: a typed client of the sim
// control API (drivers/sim/sim-control-server.ts), so a spec scans on the serial scanner, pulls
// the paper and reads what the virtual printer decoded, exactly as a trainer's script would.
// Every call is bounded (5 s) and a refusal fails with the API's own words.

export interface PrintedReceiptSummary {
  readonly index: number;
  readonly lines: readonly string[];
  readonly qrs: readonly string[];
  readonly barcodes: readonly { readonly type: string; readonly data: string }[];
  readonly cutKind: string | null;
  readonly reprintBanner: boolean;
  readonly interrupted: boolean;
}

export type PaperState = 'ok' | 'near-end' | 'out';

export class SimControl {
  constructor(readonly url: string) {}

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      signal: AbortSignal.timeout(5000),
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`sim ${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  }

  /** The scanner sends `code` over its serial link, as a scan at the counter. */
  async scan(code: string): Promise<void> {
    await this.call('POST', '/scanner/scan', { code });
  }

  async paper(state: PaperState): Promise<void> {
    await this.call('POST', '/printer/paper', { state });
  }

  /** The roll runs out after `lines` more printed lines (mid-receipt). */
  async paperOutAfter(lines: number): Promise<void> {
    await this.call('POST', '/printer/paper-out-after', { lines });
  }

  /** A fresh roll, no faults, no receipts. */
  async resetPrinter(): Promise<void> {
    await this.call('POST', '/printer/reset');
  }

  async receipts(): Promise<PrintedReceiptSummary[]> {
    return (await (await this.call('GET', '/printer/receipts')).json()) as PrintedReceiptSummary[];
  }

  /** What came out as paper: receipts with printed lines (a drawer kick alone opens one too). */
  async slips(): Promise<PrintedReceiptSummary[]> {
    return (await this.receipts()).filter((r) => r.lines.some((l) => l.trim() !== ''));
  }

  /** The pole display's two lines. */
  async display(): Promise<{ line1: string; line2: string }> {
    return (await (await this.call('GET', '/display')).json()) as { line1: string; line2: string };
  }
}
