// The `payments` block of kassa.config.json: which wallets this terminal takes (Alipay, WeChat
// Pay), what the buyer sees on the trade, the payment machine's timing, how long the durable
// cancel queue keeps trying, and what training mode pays against. Embedded in config.ts, so a
// mistake is refused with the field named (`payments.alipay.appId: …`).
//
// Decisions a caller must know:
// - EVERY FIELD IS DEFAULTED OR OPTIONAL: with no `alipay` and no `wechat` block the terminal is
//   cash only (`hasWallets` is false) and nothing here is used.
// - Keys stay FILE PATHS (payments.alipay.privateKeyPath, …); they are read by
//   payment-providers.ts when the providers are built. A relative path is resolved against the
//   data dir, the folder that holds kassa.config.json.
// - `subject` defaults to the config's storeName and `storeId` to the terminal id, resolved by
//   `walletSettings` (a schema default cannot see the sibling fields). A store id set in the
//   alipay/wechat block wins for that wallet (the providers' own rule).
// - `timing` is in seconds for people; `walletSettings` turns it into the machine's
//   milliseconds and leaves out what is not set, so each wallet keeps its own default (the
//   deadline is 60 s for Alipay and 45 s for WeChat micropay, which WeChat revokes itself).
// - `cancelQueue`: the retries after the payment machine has handed a cancel/close over
//   (cancel-queue.ts): `retrySeconds` in turn, then every `everyMinutes`, until `windowHours`
//   after the attempt started, when the trade is listed for manual reconciliation. Alipay
//   accepts a cancel for 24 h after the trade was created, hence the ceiling.
// - `training`: 'sandbox' (default) makes training mode pay against an in-process sandbox
//   gateway whatever the alipay/wechat blocks say, so a training sale can never move real
//   money; 'configured' keeps the configured gateways in training (for example an Alipay
//   sandbox account at openapi-sandbox.dl.alipaydev.com). It must be asked for explicitly.
import { z } from 'zod';
import type { WalletId } from '../domain/payment.ts';
import type { PaymentTiming } from '../../state-machines/payment.machine.ts';
import type { WalletSettings } from '../../state-machines/checkout.machine.ts';
import { alipayConfigSchema } from '../payments/alipay/alipay-config.ts';
import { wechatConfigSchema } from '../payments/wechat/wechat-config.ts';
import type { KassaConfig } from './config.ts';

/** The payment machine's default poll interval (paymentTiming); at most 30 s stays under every default deadline. */
const DEFAULT_POLL_SECONDS = 4;

const wholeSeconds = (min: number, max: number) => z.number().int('expected whole seconds').min(min).max(max);

const timingSchema = z
  .strictObject({
    /** Between two status queries while the customer confirms on the phone (payments.md: 3–6 s). */
    pollSeconds: wholeSeconds(1, 30).optional(),
    /** How long polling may last before the trade is cancelled (barcode) or closed (QR). */
    deadlineSeconds: wholeSeconds(10, 600).optional(),
    /** Wait before the single query that follows an unclear answer. */
    queryDelaySeconds: wholeSeconds(1, 30).optional(),
    /** Between the payment machine's own cancel/close retries. */
    cancelRetrySeconds: wholeSeconds(1, 60).optional(),
    /** Cancel/close retries by the payment machine before the cancel queue takes over. */
    cancelRetries: z.number().int('expected a whole number').min(0).max(10).optional(),
  })
  .superRefine((t, ctx) => {
    const poll = t.pollSeconds ?? DEFAULT_POLL_SECONDS;
    if (t.deadlineSeconds !== undefined && t.deadlineSeconds < poll) {
      ctx.addIssue({ code: 'custom', path: ['deadlineSeconds'], message: `expected at least one poll interval (${poll} s)` });
    }
  });

export const DEFAULT_CANCEL_QUEUE = { retrySeconds: [5, 30, 120], everyMinutes: 10, windowHours: 24 } as const;

const cancelQueueSchema = z.strictObject({
  /** The first retries, in turn, after the payment machine handed the cancel/close over. */
  retrySeconds: z
    .array(wholeSeconds(1, 3600))
    .min(1, 'expected at least one delay, e.g. [5, 30, 120]')
    .max(10, 'expected at most 10 delays')
    .default(() => [...DEFAULT_CANCEL_QUEUE.retrySeconds]),
  /** Then one retry this often. */
  everyMinutes: z.number().int('expected whole minutes').min(1).max(240).default(DEFAULT_CANCEL_QUEUE.everyMinutes),
  /** Counted from the attempt's start; after it the trade is listed for manual reconciliation. */
  windowHours: z.number().int('expected whole hours').min(1).max(24, 'expected at most 24 (Alipay accepts a cancel for 24 h)').default(DEFAULT_CANCEL_QUEUE.windowHours),
});

export const paymentsSchema = z.strictObject({
  alipay: alipayConfigSchema.optional(),
  wechat: wechatConfigSchema.optional(),
  /** What the buyer sees on the trade in the wallet app; default: storeName. */
  subject: z.string().trim().min(1, 'expected the text the buyer sees on the trade, e.g. the shop name').max(128).optional(),
  /** Sent as the trade's store id; default: the terminal id. */
  storeId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1–32 letters, digits, "_" or "-", e.g. your store code')
    .optional(),
  timing: timingSchema.prefault({}),
  cancelQueue: cancelQueueSchema.prefault({}),
  training: z.enum(['sandbox', 'configured']).default('sandbox'),
});

export type PaymentsConfigFile = z.input<typeof paymentsSchema>;
export type PaymentsConfig = z.output<typeof paymentsSchema>;

/** True when the config names at least one wallet (outside training, the terminal takes them). */
export function hasWallets(config: Pick<KassaConfig, 'payments'>): boolean {
  return config.payments.alipay !== undefined || config.payments.wechat !== undefined;
}

export function configuredWallets(config: Pick<KassaConfig, 'payments'>): WalletId[] {
  return [...(config.payments.alipay ? (['alipay'] as const) : []), ...(config.payments.wechat ? (['wechat'] as const) : [])];
}

/** What the checkout fills into every wallet payment (checkout.machine.ts WalletSettings). */
export function walletSettings(config: Pick<KassaConfig, 'payments' | 'storeName' | 'terminalId'>): WalletSettings {
  const p = config.payments;
  const t = p.timing;
  const timing: { -readonly [K in keyof PaymentTiming]?: PaymentTiming[K] } = {};
  if (t.pollSeconds !== undefined) timing.pollIntervalMs = t.pollSeconds * 1000;
  if (t.deadlineSeconds !== undefined) timing.deadlineMs = t.deadlineSeconds * 1000;
  if (t.queryDelaySeconds !== undefined) timing.queryDelayMs = t.queryDelaySeconds * 1000;
  if (t.cancelRetrySeconds !== undefined) {
    timing.cancelRetryMs = t.cancelRetrySeconds * 1000;
    timing.closeRetryMs = t.cancelRetrySeconds * 1000;
  }
  if (t.cancelRetries !== undefined) {
    timing.cancelRetries = t.cancelRetries;
    timing.closeRetries = t.cancelRetries;
  }
  return {
    storeId: p.storeId ?? config.terminalId,
    subject: p.subject ?? config.storeName,
    ...(Object.keys(timing).length > 0 ? { timing } : {}),
  };
}

export interface CancelSchedule {
  /** The first retries, in turn. */
  readonly delaysMs: readonly number[];
  /** Then one retry this often. */
  readonly everyMs: number;
  /** From the attempt's start to manual reconciliation. */
  readonly windowMs: number;
}

export function cancelSchedule(config: Pick<KassaConfig, 'payments'>): CancelSchedule {
  const q = config.payments.cancelQueue;
  return { delaysMs: q.retrySeconds.map((s) => s * 1000), everyMs: q.everyMinutes * 60_000, windowMs: q.windowHours * 3_600_000 };
}
