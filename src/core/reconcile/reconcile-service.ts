// Wallet reconciliation for the manager (issue 7 §6): fetch each wallet's bill for a day, set
// it against the terminal's payments and refunds (src/domain/reconcile.ts), keep the items so
// they can be resolved or queried by key, and do those two actions.
//
// Decisions a caller must know:
// - Days are Beijing days (the wallets' bills are); a day that is not over yet in Beijing
//   time is refused (its bill does not exist yet). The real gateways have the bill from about
//   10:00 the next day; asking earlier gets their refusal as the error.
// - Bills come from the providers (AlipayProvider.downloadBill, WechatProvider.downloadBill),
//   or from bytes the caller read from a file (`bills`), checked the same way. Any bad bill
//   (malformed, another day, another merchant or store) throws BillError and nothing is
//   stored; a run stores its items only after every requested wallet's bill was read.
// - Merchant checks: WeChat bills name appid and mch_id on every line (checked against the
//   provider's config). Alipay bills name only the account (partner id + 0156): the account of
//   a bill fetched with this terminal's keys is remembered, and a bill FILE for another account
//   is refused; until one was fetched, a file's account cannot be checked (the report says
//   `accountChecked: false`). The Alipay store id (config, else `storeId`) is checked too.
// - `query` asks the provider (trade query for payments and reversals, refund query for
//   refunds) and reports what it said; it changes nothing. Pass the plain providers, not ones
//   wrapped in RecordingProvider: the call log is keyed by attempts, and a trade missing locally
//   has none.
// - `resolve(key, reason, by)` needs the key from a run (they are kept until the next run of
//   that day) and journals 'reconcile.resolved'.
import type { WalletId, QueryOutcome, RefundQueryOutcome } from '../../domain/payment.ts';
import { formatMoney } from '../../domain/money.ts';
import { reconcile, ReconcileInputError, type BillRow, type ProviderSummary, type ReconcileItem, type ReconcileWallet, type Resolution } from '../../domain/reconcile.ts';
import { AlipayBillError, AlipayProvider } from '../../payments/alipay/alipay-provider.ts';
import type { PaymentProvider } from '../../payments/provider.ts';
import { WechatBillError, WechatProvider } from '../../payments/wechat/wechat-provider.ts';
import type { Db } from '../db/open.ts';
import { parseAlipayBill } from './alipay-bill.ts';
import { BillError } from './bill-error.ts';
import { beijingDayRange } from './bill-time.ts';
import { localRecords } from './local-records.ts';
import { learnAccount, learnedAccount, markResolved, ReconcileError, resolutionsFor, storedItem, storeRunItems } from './resolutions.ts';
import { parseWechatBill } from './wechat-bill.ts';

export { BillError } from './bill-error.ts';
export { ReconcileError } from './resolutions.ts';

export const RECONCILE_WALLETS: readonly ReconcileWallet[] = ['alipay', 'wechat'];
const WALLET_NAMES: Readonly<Record<ReconcileWallet, string>> = { alipay: 'Alipay', wechat: 'WeChat Pay' };

export interface ReconcileServiceOptions {
  readonly db: Db;
  readonly terminalId: string;
  /** The plain wallet providers (buildPaymentProviders / openTrainingSandbox). */
  readonly providers: ReadonlyMap<WalletId, PaymentProvider>;
  /** The terminal's store id: the Alipay store expected when payments.alipay.storeId is not set. */
  readonly storeId?: string | null;
  readonly now?: () => Date;
}

export interface RunOptions {
  /** "yyyy-MM-dd", a Beijing day that is over. */
  readonly date: string;
  /** One wallet; default every configured one. */
  readonly wallet?: ReconcileWallet;
  /** Bill bytes read from files (Alipay: the zip; WeChat: the text) instead of downloading. */
  readonly bills?: Partial<Record<ReconcileWallet, Uint8Array>>;
  readonly signal?: AbortSignal;
}

export interface ProviderReport extends ProviderSummary {
  readonly source: 'download' | 'file';
  /** Alipay: the account the bill is for; WeChat: the mch_id. */
  readonly account: string;
  /** False only for an Alipay bill file read before any bill was fetched with the terminal's keys. */
  readonly accountChecked: boolean;
}

export interface ReconcileReport {
  readonly date: string;
  readonly terminalId: string;
  /** The Beijing day as ISO instants [from, to). */
  readonly range: { readonly from: string; readonly to: string };
  readonly providers: readonly ProviderReport[];
  readonly items: readonly ReconcileItem[];
}

export interface QueryReport {
  readonly key: string;
  readonly item: ReconcileItem;
  readonly call: 'query' | 'refundQuery';
  readonly outcome: QueryOutcome | RefundQueryOutcome;
  /** What the provider said, for a person. */
  readonly says: string;
}

const yuan = (fen: number) => formatMoney({ amount: fen, currency: 'CNY' });

export class ReconcileService {
  readonly #db: Db;
  readonly #terminalId: string;
  readonly #providers: ReadonlyMap<WalletId, PaymentProvider>;
  readonly #storeId: string | null;
  readonly #now: () => Date;

  constructor(options: ReconcileServiceOptions) {
    this.#db = options.db;
    this.#terminalId = options.terminalId;
    this.#providers = options.providers;
    this.#storeId = options.storeId ?? null;
    this.#now = options.now ?? (() => new Date());
  }

  /** The wallets this terminal has providers for. */
  wallets(): ReconcileWallet[] {
    return RECONCILE_WALLETS.filter((w) => this.#providers.has(w));
  }

  #provider(wallet: ReconcileWallet): PaymentProvider {
    const p = this.#providers.get(wallet);
    if (p === undefined) throw new ReconcileError(`${WALLET_NAMES[wallet]} is not set up on this terminal (payments.${wallet} in kassa.config.json), so there is nothing to reconcile with it`);
    return p;
  }

  async run(options: RunOptions): Promise<ReconcileReport> {
    const { date } = options;
    const range = beijingDayRange(date);
    if (range === null) throw new ReconcileError(`the date must be a real day as yyyy-MM-dd, got "${date}"`);
    const now = this.#now();
    if (range.end > now.getTime()) throw new ReconcileError(`${date} is not over yet in Beijing time: the wallets make a day's bill after it ends`);
    for (const w of Object.keys(options.bills ?? {})) {
      if (!RECONCILE_WALLETS.includes(w as ReconcileWallet)) throw new ReconcileError(`a bill file is for alipay or wechat, not "${w}"`);
      if (options.wallet !== undefined && w !== options.wallet) throw new ReconcileError(`a ${w} bill file was given but only ${options.wallet} is being reconciled`);
    }
    const wallets = options.wallet !== undefined ? [options.wallet] : this.wallets();
    if (wallets.length === 0) throw new ReconcileError('no wallet is set up on this terminal (payments.alipay / payments.wechat): there is nothing to reconcile');

    // Read and check every bill first: a bad one stops the run before anything is stored.
    const bills: { wallet: ReconcileWallet; rows: BillRow[]; source: 'download' | 'file'; account: string; accountChecked: boolean; learn: boolean }[] = [];
    for (const wallet of wallets) {
      const file = options.bills?.[wallet];
      bills.push(wallet === 'alipay' ? await this.#alipayBill(date, file, options.signal) : await this.#wechatBill(date, file, options.signal));
    }

    const at = now.toISOString();
    const providers: ProviderReport[] = [];
    const items: ReconcileItem[] = [];
    const results = bills.map((b) => {
      try {
        const result = reconcile({
          date,
          provider: b.wallet,
          terminalId: this.#terminalId,
          range,
          bill: b.rows,
          local: localRecords(this.#db, b.wallet, range),
          resolutions: resolutionsFor(this.#db, date, b.wallet),
        });
        return { b, result };
      } catch (err) {
        // A bill listing one payment or refund twice cannot be reconciled line by line.
        if (err instanceof ReconcileInputError) throw new BillError(`${WALLET_NAMES[b.wallet]}'s bill of ${date} is malformed: ${err.message}`);
        throw err;
      }
    });
    this.#db
      .transaction(() => {
        for (const { b, result } of results) {
          storeRunItems(this.#db, date, b.wallet, result.items, at);
          if (b.learn) learnAccount(this.#db, b.wallet, b.account, at);
        }
      })
      .immediate();
    for (const { b, result } of results) {
      providers.push({ ...result.summary, source: b.source, account: b.account, accountChecked: b.accountChecked });
      items.push(...result.items);
    }
    return { date, terminalId: this.#terminalId, range: { from: new Date(range.start).toISOString(), to: new Date(range.end).toISOString() }, providers, items };
  }

  async #alipayBill(date: string, file: Uint8Array | undefined, signal: AbortSignal | undefined) {
    const provider = this.#provider('alipay');
    const configured = provider instanceof AlipayProvider ? provider.config.storeId : undefined;
    const storeId = configured ?? this.#storeId;
    if (file !== undefined) {
      const known = learnedAccount(this.#db, 'alipay');
      const bill = parseAlipayBill(file, { date, account: known, storeId, source: 'the Alipay bill file' });
      return { wallet: 'alipay' as const, rows: bill.rows, source: 'file' as const, account: bill.account, accountChecked: known !== null, learn: false };
    }
    if (!(provider instanceof AlipayProvider)) throw new ReconcileError('the Alipay provider here cannot download bills: give the bill file instead');
    let zip: Uint8Array;
    try {
      zip = await provider.downloadBill(date, 'trade', signal);
    } catch (err) {
      if (err instanceof AlipayBillError) throw new ReconcileError(`the Alipay bill of ${date} could not be fetched: ${err.message}${err.retryable ? ' (try again later)' : ''}`);
      throw err;
    }
    const bill = parseAlipayBill(zip, { date, storeId, source: `Alipay's bill of ${date}` });
    return { wallet: 'alipay' as const, rows: bill.rows, source: 'download' as const, account: bill.account, accountChecked: true, learn: true };
  }

  async #wechatBill(date: string, file: Uint8Array | undefined, signal: AbortSignal | undefined) {
    const provider = this.#provider('wechat');
    if (!(provider instanceof WechatProvider)) throw new ReconcileError('the WeChat Pay provider here has no merchant settings to check a bill against');
    const expect = { date, appId: provider.config.appId, mchId: provider.config.mchId };
    if (file !== undefined) {
      const bill = parseWechatBill(file, { ...expect, source: 'the WeChat Pay bill file' });
      return { wallet: 'wechat' as const, rows: bill.rows, source: 'file' as const, account: expect.mchId, accountChecked: true, learn: false };
    }
    let text: string | null;
    try {
      text = await provider.downloadBill(date, signal);
    } catch (err) {
      if (err instanceof WechatBillError) throw new ReconcileError(`the WeChat Pay bill of ${date} could not be fetched: ${err.message}${err.retryable ? ' (try again later)' : ''}`);
      throw err;
    }
    const rows = text === null ? [] : parseWechatBill(text, { ...expect, source: `WeChat Pay's bill of ${date}` }).rows;
    return { wallet: 'wechat' as const, rows, source: 'download' as const, account: expect.mchId, accountChecked: true, learn: false };
  }

  /** Marks an unmatched item of a run resolved, with why and by whom (journalled). */
  resolve(key: string, reason: string, by: string): Resolution & { readonly key: string } {
    const resolution = markResolved(this.#db, { key, reason, by, terminalId: this.#terminalId, at: this.#now().toISOString() });
    return { key, ...resolution };
  }

  /** An item as the last run of its day left it (with its resolution, if any). */
  item(key: string): ReconcileItem {
    return storedItem(this.#db, key);
  }

  /** Asks the provider about an item and says what it answered; changes nothing. */
  async query(key: string, signal?: AbortSignal): Promise<QueryReport> {
    const item = storedItem(this.#db, key);
    const provider = this.#provider(item.provider);
    const name = WALLET_NAMES[item.provider];
    if (item.entry === 'refund') {
      const outRequestNo = item.outRequestNo ?? '';
      const outcome = await provider.refundQuery({ wallet: item.provider, outTradeNo: item.outTradeNo, outRequestNo }, signal);
      const says =
        outcome.kind === 'refunded'
          ? `${name} says refund ${outRequestNo} of trade ${item.outTradeNo} was made: ${yuan(outcome.amount)} went back`
          : outcome.kind === 'not-refunded'
            ? `${name} has no refund ${outRequestNo} on trade ${item.outTradeNo}: nothing went back by this key`
            : `${name} gave no clear answer: ${outcome.reason}`;
      return { key, item, call: 'refundQuery', outcome, says };
    }
    const outcome = await provider.query({ wallet: item.provider, outTradeNo: item.outTradeNo }, signal);
    let says: string;
    switch (outcome.kind) {
      case 'paid':
        says = `${name} says trade ${item.outTradeNo} is paid: ${yuan(outcome.amount)} (trade ${outcome.tradeNo}${outcome.paidAt ? `, paid ${outcome.paidAt}` : ''})`;
        break;
      case 'waiting':
        says = `${name} says trade ${item.outTradeNo} is still waiting for the customer to confirm`;
        break;
      case 'not-found':
        says = `${name} has no trade ${item.outTradeNo}: no money was taken under this number`;
        break;
      case 'closed':
        says = `${name} says trade ${item.outTradeNo} is closed (never paid, cancelled, or fully refunded)`;
        break;
      default:
        says = `${name} gave no clear answer: ${outcome.reason}`;
    }
    return { key, item, call: 'query', outcome, says };
  }
}

