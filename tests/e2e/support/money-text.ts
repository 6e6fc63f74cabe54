// Amounts as the screens and the printer write them, from the domain's own formatters
// (src/domain/money.ts), so a spec compares what is shown with what the core computed instead
// of parsing text back into numbers.
import { displayMoney, formatMoney } from '../../../src/domain/money.ts';

/** As the screens show it: "¥12.30". */
export const shown = (minor: number, currency = 'CNY'): string => displayMoney({ amount: minor, currency });

/** As the receipt prints it: "12.30". */
export const printed = (minor: number, currency = 'CNY'): string => formatMoney({ amount: minor, currency });
