// The `antifraud` block of kassa.config.json (issue 7 §7): how many of each signal one cashier
// may reach in one shift before the Z report and the manager screen flag it.
//
// Decisions a caller must know:
// - A threshold is "more than N is flagged": a count equal to the threshold is not flagged.
// - 0 flags the first occurrence; null switches the signal's flag off (it is still counted).
// - Thresholds are per cashier per shift. Outside any shift (no shifts in use) the same numbers
//   apply per cashier over the whole range reported (a day for a Z report).
import { z } from 'zod';

const threshold = (fallback: number) =>
  z
    .number({ error: 'expected a whole number of events (or null to never flag this signal)' })
    .int('expected a whole number of events (or null to never flag this signal)')
    .min(0, 'expected 0 or more (0 flags the first one)')
    .max(100_000, 'expected at most 100000')
    .nullable()
    .default(fallback);

export const antifraudThresholdsSchema = z.strictObject({
  /** Lines voided after they were scanned (voided lines of sales, lines of cancelled sales). */
  voids: threshold(10),
  /** Refunds the cashier asked for (each refund once, however many tenders it goes back through). */
  refunds: threshold(5),
  /** Drawer openings without a sale. */
  noSales: threshold(5),
  /** Lines sold at a price other than the catalog's. */
  priceOverrides: threshold(5),
  /** Lines keyed in or picked by search instead of scanned. */
  manualEntries: threshold(20),
});

export const antifraudConfigSchema = z.strictObject({
  thresholds: antifraudThresholdsSchema.prefault({}),
});

export type AntifraudConfig = z.output<typeof antifraudConfigSchema>;
export type AntifraudThresholdsConfig = z.output<typeof antifraudThresholdsSchema>;
