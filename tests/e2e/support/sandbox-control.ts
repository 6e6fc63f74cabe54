// The training sandbox gateway as a test uses it: its wallet API plays the customer (a buyer
// with a balance, payment codes, scanning the QR code, confirming with the password), its fault
// injection cuts the network, and its ledger says how each trade ended
// (src/payments/sandbox/server.ts, wallet-api.ts, faults.ts). Every call is bounded (5 s).

export interface Buyer {
  readonly id: string;
  readonly name: string;
  readonly balanceFen: number;
}

export interface SandboxTrade {
  readonly tradeNo: string;
  readonly wallet: string;
  readonly outTradeNo: string;
  readonly status: string;
  readonly closeReason: string | null;
  readonly totalFen: number;
  readonly refundedFen: number;
  readonly buyerId: string | null;
  /** An ISO time from the wallet API, epoch ms in the ledger snapshot. */
  readonly paidAt: string | number | null;
}

export interface FaultRule {
  readonly method: string;
  readonly fault: { readonly kind: 'latency' | 'unavailable' | 'system-error' | 'drop-after-commit' | 'reset' | 'html' | 'tampered-signature'; readonly ms?: number };
  readonly count?: number;
  readonly every?: number;
  readonly probability?: number;
}

export class SandboxControl {
  constructor(readonly url: string) {}

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      signal: AbortSignal.timeout(5000),
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  createBuyer(balanceFen: number, options: { name?: string; password?: { afterSeconds: number | null } } = {}): Promise<Buyer> {
    return this.call('POST', '/wallet/buyers', { balanceFen, name: options.name ?? 'E2E customer', ...(options.password ? { password: options.password } : {}) });
  }

  buyer(id: string): Promise<Buyer> {
    return this.call('GET', `/wallet/buyers/${encodeURIComponent(id)}`);
  }

  /** A payment code on the buyer's phone, for the cashier to scan. */
  async paymentCode(buyerId: string, wallet: 'alipay' | 'wechat'): Promise<string> {
    const r = await this.call<{ codes: { code: string }[] }>('POST', '/wallet/codes', { buyer: buyerId, wallet });
    const code = r.codes[0]?.code;
    if (code === undefined) throw new Error('the sandbox issued no payment code');
    return code;
  }

  /** The buyer scans the QR code the customer display shows. */
  scanQr(qrCode: string, buyerId: string): Promise<{ outcome: string; trade: SandboxTrade }> {
    return this.call('POST', '/wallet/scan', { qrCode, buyer: buyerId });
  }

  /** Trades waiting for the buyer's password. */
  async pending(buyerId: string): Promise<SandboxTrade[]> {
    return (await this.call<{ trades: SandboxTrade[] }>('GET', `/wallet/buyers/${encodeURIComponent(buyerId)}/pending`)).trades;
  }

  /** The buyer types the password on the phone. */
  confirm(tradeNo: string): Promise<{ outcome: string; trade: SandboxTrade }> {
    return this.call('POST', '/wallet/confirm', { tradeNo });
  }

  addFault(rule: FaultRule): Promise<{ id: number }> {
    return this.call('POST', '/sandbox/faults', rule);
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/sandbox/faults');
  }

  /** Every trade, and the ledger's own consistency check (empty when the books add up). */
  async ledger(): Promise<{ trades: SandboxTrade[]; problems: string[] }> {
    const r = await this.call<{ snapshot: { trades: SandboxTrade[] }; problems: string[] }>('GET', '/sandbox/ledger');
    return { trades: r.snapshot.trades, problems: r.problems };
  }

  async trade(outTradeNo: string): Promise<SandboxTrade | null> {
    return (await this.ledger()).trades.find((t) => t.outTradeNo === outTradeNo) ?? null;
  }
}
