// The `cash` block of kassa.config.json (issue 7 §2): which notes and coins the drawer is counted
// in, the largest float a shift may open with, and how long a paid-in/paid-out reason must be.
// Every field has a default, so the block may be left out.
//
// Decisions a caller must know:
// - `denominations` overrides the default set of a currency (domain/denominations.ts) as a whole:
//   {"CNY": {"notes": ["100", "50"], "coins": ["1", "0.5"]}}, decimal strings in major units.
//   A currency not listed keeps its default set. Amounts are checked against the currency's
//   decimals here, so a bad set is refused when the config is read, not at closing time.
// - `maxFloat` is a decimal string in the terminal's currency; absent, a per-currency default
//   (DEFAULT_MAX_FLOAT) that is far above a normal float and catches a typo like 20000 for 200.
// - `requireReasonMin` counts characters (code points), so "找零" is 2.
import { z } from 'zod';
import { defaultDenominations, makeDenominations, type Denomination } from '../../domain/denominations.ts';
import { isSupportedCurrency, parseMoney } from '../../domain/money.ts';

const decimalAmount = z.string().regex(/^\d+(\.\d+)?$/, 'expected a decimal amount as a string, e.g. "0.50"');

/** The largest float when cash.maxFloat is not set, major units. */
export const DEFAULT_MAX_FLOAT: Readonly<Record<string, string>> = {
  CNY: '5000',
  HKD: '5000',
  MOP: '5000',
  TWD: '20000',
  USD: '1000',
  EUR: '1000',
  GBP: '1000',
  SGD: '1000',
  JPY: '200000',
  KRW: '2000000',
};

const currencyCash = z.strictObject({
  notes: z.array(decimalAmount).max(20, 'expected at most 20 notes').default([]),
  coins: z.array(decimalAmount).max(20, 'expected at most 20 coins').default([]),
});

export const cashConfigSchema = z
  .strictObject({
    /** Per currency code: the notes and coins counted, replacing the default set. */
    denominations: z.record(z.string(), currencyCash).default({}),
    /** The largest float a shift may open with (decimal string); null: DEFAULT_MAX_FLOAT. */
    maxFloat: decimalAmount.nullable().default(null),
    /** The fewest characters a paid-in or paid-out reason may have. */
    requireReasonMin: z.number().int('expected a whole number of characters').min(1, 'expected at least 1: a paid-in or paid-out always needs a reason').max(100).default(2),
  })
  .superRefine((c, ctx) => {
    for (const [currency, set] of Object.entries(c.denominations)) {
      if (!isSupportedCurrency(currency)) {
        ctx.addIssue({ code: 'custom', path: ['denominations', currency], message: 'expected a supported ISO 4217 code such as "CNY"' });
        continue;
      }
      for (const list of ['notes', 'coins'] as const) {
        set[list].forEach((amount, i) => {
          try {
            if (parseMoney(amount, currency).amount < 1) throw new Error('must be at least one minor unit');
          } catch (err) {
            ctx.addIssue({ code: 'custom', path: ['denominations', currency, list, i], message: (err as Error).message });
          }
        });
      }
      try {
        makeDenominations(set.notes.map((a) => parseMoney(a, currency).amount), set.coins.map((a) => parseMoney(a, currency).amount));
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['denominations', currency], message: (err as Error).message });
      }
    }
  });

export type CashConfig = z.output<typeof cashConfigSchema>;

/** The notes and coins counted in `currency` on this terminal. */
export function cashDenominations(cash: CashConfig, currency: string): Denomination[] {
  const set = cash.denominations[currency];
  if (!set) return defaultDenominations(currency);
  const minor = (a: string) => parseMoney(a, currency).amount;
  return makeDenominations(set.notes.map(minor), set.coins.map(minor));
}

/** The largest float, minor units. */
export function maxFloatOf(cash: CashConfig, currency: string): number {
  return parseMoney(cash.maxFloat ?? DEFAULT_MAX_FLOAT[currency] ?? '1000000', currency).amount;
}
