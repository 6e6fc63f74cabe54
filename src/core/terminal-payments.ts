// Wallet payments for a running terminal, in one place for every host (`kassa train` now, the
// Electron and browser hosts later): the providers the config names (or, in training, the
// in-process sandbox), the PaymentService the checkout's payment machine runs on, the settings
// it fills into every payment, start-up recovery of attempts a crash left open, and the durable
// cancel queue.
//
// Decisions a caller must know:
// - TWO STEPS, because recovery must skip the attempt a restored checkout resumes, and that is
//   only known once the checkout is started:
//     const payments = await openPayments({ db, config, logger, dataDir });   // builds, no calls
//     const checkout = startCheckout({ …, ...(payments ? { payments } : {}) });
//     await payments?.start(checkout);   // recover(), then the cancel queue
//   `start` resolves with what recovery made of each left-open attempt; the checkout can sell
//   while it runs (it skips whatever the checkout owns at each step).
// - openPayments answers null (cash only) when no wallet is configured and the sandbox is not in
//   use. Attempts still open in the database are then logged as an error (a wallet was removed
//   from the config with trades unresolved); `kassa payments` lists them.
// - Training mode pays against the sandbox (payments-config.ts `training`, default 'sandbox'):
//   both wallets are available even when the config names none, and `sandbox.walletApiUrl`
//   plays the customer. `training: 'configured'` keeps the configured gateways.
// - Key problems throw ConfigError naming the field and the key file (payment-providers.ts).
// - close() stops recovery and the queue (aborting calls in flight) and the sandbox, if any.
import { join } from 'node:path';
import type { WalletSettings } from '../../state-machines/checkout.machine.ts';
import type { WalletId } from '../domain/payment.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import { CancelQueue, type QueueTimers } from './cancel-queue.ts';
import type { CheckoutService } from './checkout-service.ts';
import type { KassaConfig } from './config.ts';
import type { Db } from './db/open.ts';
import { listOpenAttempts, type PaymentAttempt } from './db/payment-attempts.ts';
import type { Logger } from './logger.ts';
import { buildPaymentProviders, openTrainingSandbox, type TrainingSandbox, type TrainingSandboxOptions } from './payment-providers.ts';
import { PaymentService } from './payment-service.ts';
import { cancelSchedule, hasWallets, walletSettings } from './payments-config.ts';

export interface OpenPaymentsOptions {
  readonly db: Db;
  readonly config: KassaConfig;
  readonly logger: Logger;
  /** The folder holding kassa.config.json: relative key paths resolve against it. */
  readonly dataDir: string;
  /** Training mode; default `config.training`. */
  readonly training?: boolean;
  /** Training with the sandbox: its keys and ledger. Default `<dataDir>/training/sandbox`. */
  readonly sandboxDir?: string;
  readonly sandbox?: TrainingSandboxOptions;
  readonly now?: () => Date;
  /** For the cancel queue (tests drive it with fake timers). */
  readonly timers?: QueueTimers;
}

export interface TerminalPayments {
  readonly service: PaymentService;
  readonly settings: WalletSettings;
  readonly providers: ReadonlyMap<WalletId, PaymentProvider>;
  readonly queue: CancelQueue;
  /** Where the payments go: the configured gateways, or the training sandbox. */
  readonly gateway: 'configured' | 'sandbox';
  readonly sandbox: TrainingSandbox | null;
  /**
   * Resolves every attempt left open except the one `running` names (PaymentService.recover),
   * then starts the cancel queue with the same exclusion. Returns what recovery made of each.
   */
  /** Start-up recovery, then the cancel queue; `checkout` is the host's (its payment and open sale are left to it). */
  start(checkout?: Pick<CheckoutService, 'actor'>): Promise<PaymentAttempt[]>;
  close(): Promise<void>;
}

/** The attempt a checkout's running payment machine owns, for `start` and the cancel queue. */
export function attemptOwnedBy(checkout: Pick<CheckoutService, 'actor'>): () => string | null {
  return () => checkout.actor.getSnapshot().context.payment?.outTradeNo ?? null;
}

/** The sale the checkout has open (its wallet tenders are still its own), for `start`. */
export function saleOpenIn(checkout: Pick<CheckoutService, 'actor'>): () => string | null {
  return () => checkout.actor.getSnapshot().context.saleId;
}

export async function openPayments(options: OpenPaymentsOptions): Promise<TerminalPayments | null> {
  const { db, config, logger } = options;
  const training = options.training ?? config.training;
  const useSandbox = training && config.payments.training === 'sandbox';
  if (!useSandbox && !hasWallets(config)) {
    const left = listOpenAttempts(db);
    if (left.length > 0) {
      logger.error(
        { attempts: left.map((a) => ({ outTradeNo: a.outTradeNo, wallet: a.wallet, state: a.state })) },
        'wallet payment attempts are unresolved but no wallet is configured: restore the payments block, or reconcile them by hand (kassa payments)',
      );
    }
    return null;
  }
  const sandbox = useSandbox ? await openTrainingSandbox(options.sandboxDir ?? join(options.dataDir, 'training', 'sandbox'), options.sandbox) : null;
  try {
    const providers = sandbox ? sandbox.providers : buildPaymentProviders(config, options.dataDir);
    const schedule = cancelSchedule(config);
    const now = options.now;
    const service = new PaymentService({ db, logger, providers, terminalId: config.terminalId, cancelWindowMs: schedule.windowMs, ...(now ? { now } : {}) });
    const queue = new CancelQueue({ service, db, logger, schedule, ...(now ? { now } : {}), ...(options.timers ? { timers: options.timers } : {}) });
    const abort = new AbortController();
    let started = false;
    let closed = false;
    logger.info({ wallets: service.wallets, gateway: sandbox ? sandbox.gatewayUrl : 'configured' }, 'wallet payments ready');
    return {
      service,
      settings: walletSettings(config),
      providers,
      queue,
      gateway: sandbox ? 'sandbox' : 'configured',
      sandbox,
      async start(checkout) {
        if (started) throw new Error('wallet payments are already started');
        started = true;
        const running = checkout ? attemptOwnedBy(checkout) : () => null;
        const openSale = checkout ? saleOpenIn(checkout) : () => null;
        const recovered = await service.recover(running, abort.signal, openSale);
        for (const a of recovered) {
          logger.warn({ outTradeNo: a.outTradeNo, wallet: a.wallet, state: a.state, detail: a.detail }, 'wallet payment left open by the last run resolved');
        }
        if (!closed) queue.start(running);
        return recovered;
      },
      async close() {
        if (closed) return;
        closed = true;
        abort.abort(new Error('wallet payments are closing'));
        await queue.stop();
        await sandbox?.close();
      },
    };
  } catch (err) {
    await sandbox?.close();
    throw err;
  }
}
