// The terminal's configuration, `kassa.config.json` in the data dir, checked with zod. Every
// field has a default so a fresh terminal runs with no file at all; a file with a mistake is
// refused with messages that name the field and say what is expected, never half-applied.
//
// The optional `ui` block is for the terminal app's screens: quick keys (one-touch items, by
// SKU; checked against the catalog when the screens ask, not here, because the catalog can
// change under a running config), quick cash amounts (decimal strings like every amount in
// the file; default the currency's common banknotes, DEFAULT_QUICK_CASH) and the display the
// customer window goes on (an Electron display id; null: the first display that is not the
// primary one).
//
// The optional `sync` block names the store server (serverUrl, the terminal's token, batch size,
// poll and timeout); absent, the terminal does not sync. The token sits in this file like the
// other settings: keep the file readable by the terminal's user only.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_TAX_CLASSES, type TaxClass } from '../domain/tax-class.ts';
import { isSupportedCurrency, parseMoney } from '../domain/money.ts';
import { DEFAULT_SCAN_RULES, scanRulesSchema, type ScanRules } from '../domain/barcodes/classify-scan.ts';
import { devicesSchema } from './device-config.ts';
import { MAX_BATCH_ITEMS } from '../shared/sync-protocol.ts';
import { paymentsSchema } from './payments-config.ts';
import { antifraudConfigSchema } from './reports/antifraud-config.ts';
import { cashConfigSchema } from './shifts/cash-config.ts';
import { staffConfigSchema } from './staff/staff-config.ts';

const decimalAmount = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'expected a decimal amount as a string, e.g. "0.10"');

/**
 * Banknotes a customer commonly hands over, in major units, smallest first: the default quick
 * cash amounts. Coins are left out: the cashier types odd amounts.
 */
export const DEFAULT_QUICK_CASH: Readonly<Record<string, readonly string[]>> = {
  CNY: ['10', '20', '50', '100'],
  HKD: ['20', '50', '100', '500'],
  MOP: ['20', '50', '100', '500'],
  TWD: ['100', '500', '1000'],
  USD: ['5', '10', '20', '50', '100'],
  EUR: ['5', '10', '20', '50', '100'],
  GBP: ['5', '10', '20', '50'],
  SGD: ['2', '5', '10', '50'],
  JPY: ['1000', '5000', '10000'],
  KRW: ['1000', '5000', '10000', '50000'],
};

const uiSchema = z.strictObject({
  /** One-touch items on the cashier screen, in this order. */
  quickKeys: z
    .array(
      z.strictObject({
        sku: z.string().min(1, 'expected the SKU of a catalog product').max(64),
        /** Shown on the key; default the product's name. */
        label: z.string().trim().min(1, 'expected a short label, or leave it out to show the product name').max(24).optional(),
      }),
    )
    .max(48, 'expected at most 48 quick keys')
    .refine((keys) => new Set(keys.map((k) => k.sku)).size === keys.length, 'each SKU may have one quick key only')
    .default([]),
  /** Quick cash amounts, e.g. ["10.00", "20.00"]; default the currency's common banknotes. */
  quickCash: z.array(decimalAmount).min(1, 'expected at least one amount, or leave quickCash out for the default').max(8, 'expected at most 8 amounts').optional(),
  /** The Electron display id the customer window goes on; null: the first non-primary display. */
  customerDisplay: z.number().int('expected a display id (a whole number)').nonnegative().nullable().default(null),
});

/**
 * The optional `sync` block: the store server this terminal sends its sales to and pulls its
 * catalog from (src/core/sync). Absent: the terminal does not sync (it sells all the same).
 */
export const syncConfigSchema = z.strictObject({
  /** e.g. "http://127.0.0.1:8787", or the TLS reverse proxy in front of the store server. */
  serverUrl: z.url({ protocol: /^https?$/, error: 'expected the store server\'s http(s) URL, e.g. "http://127.0.0.1:8787"' }),
  /** The token `kassa store-server` gave when this terminal was registered. */
  token: z.string().min(32, 'expected the token the store server gave when this terminal was registered (32 characters or more)'),
  /** Outbox messages per push (the server takes at most MAX_BATCH_ITEMS). */
  batchSize: z.number().int('expected a whole number').min(1).max(MAX_BATCH_ITEMS, `expected at most ${MAX_BATCH_ITEMS} (the store server's batch limit)`).default(500),
  /** Between sync rounds while all is well (new sales are pushed at once regardless). */
  pollSeconds: z.number().int('expected whole seconds').min(1).max(3600).default(30),
  /** How long one request may take before the server counts as unreachable. */
  timeoutSeconds: z.number().int('expected whole seconds').min(1).max(300).default(15),
});

const taxClassSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'expected 1–32 characters of a–z, 0–9, "_" or "-"'),
  label: z.string().min(1, 'expected a label, e.g. "VAT 13%"'),
  rateBps: z.number().int('expected whole basis points, e.g. 1300 for 13%').min(0).max(10_000),
  inclusive: z.boolean(),
});

export const configSchema = z
  .strictObject({
    terminalId: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,16}$/, 'expected 1–16 letters, digits or "-", e.g. "T01"')
      .default('T01'),
    storeName: z.string().min(1).max(64).default('Kassa Store'),
    currency: z
      .string()
      .refine(isSupportedCurrency, 'expected a supported ISO 4217 code such as "CNY"')
      .default('CNY'),
    language: z.enum(['zh-CN', 'en']).default('zh-CN'),
    cashier: z.string().min(1).max(32).default('cashier'),
    training: z.boolean().default(false),
    taxClasses: z
      .array(taxClassSchema)
      .min(1, 'expected at least one tax class')
      .default(() => DEFAULT_TAX_CLASSES.map((t) => ({ ...t })))
      .refine((list) => new Set(list.map((t) => t.id)).size === list.length, 'tax class ids must be unique'),
    defaultTaxClass: z.string().default('standard'),
    cashRounding: z
      .strictObject({
        step: decimalAmount,
        mode: z.enum(['half-up', 'down']).default('half-up'),
      })
      .nullable()
      .default(null),
    scan: scanRulesSchema.default(() => structuredClone(DEFAULT_SCAN_RULES) as z.output<typeof scanRulesSchema>),
    limits: z
      .strictObject({
        maxQuantity: z.number().int().min(1).max(1_000_000).default(9999),
        maxWeightKg: z.number().positive().max(10_000).default(999.999),
        maxLines: z.number().int().min(1).max(10_000).default(500),
      })
      .default({ maxQuantity: 9999, maxWeightKg: 999.999, maxLines: 500 }),
    devices: devicesSchema,
    /** Wallets (Alipay, WeChat Pay); absent: cash only (payments-config.ts). */
    payments: paymentsSchema.prefault({}),
    /** The terminal app's screens: quick keys, quick cash, the customer display. */
    ui: uiSchema.prefault({}),
    /** The store server to sync with; absent: no sync. */
    sync: syncConfigSchema.optional(),
    /** Roles and permissions, PIN rules and lockout, the discount limit (staff/staff-config.ts). */
    staff: staffConfigSchema.prefault({}),
    /** Cash: denominations counted per currency, float limits (shifts/cash-config.ts). */
    cash: cashConfigSchema.prefault({}),
    /** Antifraud thresholds per cashier and shift (reports/antifraud-config.ts). */
    antifraud: antifraudConfigSchema.prefault({}),
    /** Loyalty (issue 8): coupons' offline policy and members' points. */
    loyalty: z
      .strictObject({
        /**
         * A single-use coupon while the store server cannot be reached: 'refuse' it, or 'accept'
         * it (recorded as redeemed offline; the store server flags a second use at sync).
         */
        couponsOffline: z.enum(['refuse', 'accept']).default('refuse'),
        /** Points earned per whole currency unit paid (0: none). */
        pointsPerUnit: z.number().int().min(0).max(1000).default(1),
        /** What one point takes off, in minor units (0: points cannot be redeemed). */
        pointValue: z.number().int().min(0).max(1_000_000).default(1),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (!c.taxClasses.some((t) => t.id === c.defaultTaxClass)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultTaxClass'],
        message: `expected one of the tax class ids (${c.taxClasses.map((t) => t.id).join(', ')})`,
      });
    }
    if (c.cashRounding) {
      try {
        const step = parseMoney(c.cashRounding.step, c.currency);
        if (step.amount < 1) throw new Error('must be at least one minor unit');
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['cashRounding', 'step'], message: (err as Error).message });
      }
    }
    c.ui.quickCash?.forEach((amount, i) => {
      try {
        if (parseMoney(amount, c.currency).amount < 1) throw new Error('must be at least one minor unit');
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['ui', 'quickCash', i], message: (err as Error).message });
      }
    });
  });

export type KassaConfigFile = z.input<typeof configSchema>;
type ParsedConfig = z.output<typeof configSchema>;

export interface QuickKeyConfig {
  readonly sku: string;
  readonly label?: string;
}

export interface UiConfig {
  readonly quickKeys: readonly QuickKeyConfig[];
  /** Minor units, smallest first, no repeats. */
  readonly quickCash: readonly number[];
  readonly customerDisplay: number | null;
}

export interface KassaConfig extends Omit<ParsedConfig, 'cashRounding' | 'taxClasses' | 'scan' | 'ui'> {
  readonly taxClasses: readonly TaxClass[];
  readonly scan: ScanRules;
  /** Cash rounding step in minor units (1 = none) and mode. */
  readonly cashRounding: { readonly step: number; readonly mode: 'half-up' | 'down' };
  readonly ui: UiConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Validates a parsed JSON value; `file` only names the source in messages. */
export function parseConfig(raw: unknown, file = 'kassa.config.json'): KassaConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
      // Secrets (the sync token, keys) are never echoed, even when they are wrong.
      const secret = issue.path.some((k) => typeof k === 'string' && /token|secret|key$/i.test(k));
      const got = issue.code === 'unrecognized_keys' || secret ? '' : ` (got ${describeValue(valueAt(raw, issue.path))})`;
      return `${field}: ${issue.message}${got}`;
    });
    throw new ConfigError(file, problems);
  }
  const c = result.data;
  const cashRounding = c.cashRounding
    ? { step: parseMoney(c.cashRounding.step, c.currency).amount, mode: c.cashRounding.mode }
    : { step: 1, mode: 'half-up' as const };
  const cash = (c.ui.quickCash ?? DEFAULT_QUICK_CASH[c.currency] ?? []).map((a) => parseMoney(a, c.currency).amount);
  const ui: UiConfig = { ...c.ui, quickCash: [...new Set(cash)].sort((a, b) => a - b) };
  return { ...c, cashRounding, scan: c.scan as ScanRules, ui };
}

/** Reads the config file; a missing file means all defaults. */
export function loadConfig(file: string): KassaConfig {
  if (!existsSync(file)) return parseConfig({}, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseConfig(raw, file);
}
