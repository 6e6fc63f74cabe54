// Retry delays for reconnecting devices: exponential with a cap and ± jitter, so a dozen
// terminals losing the same network printer do not hammer it in step. Hand-written: the npm
// backoff packages own the retry loop and the timers; here the delay is a pure function and
// the loop (with injectable timers) lives in reconnecting-transport.ts.

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Fraction of the delay added or taken away at random: 0.2 = ±20 %. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, factor: 2, jitter: 0.2 };

/**
 * Delay before retry number `retry` (1 = the first retry): initialMs·factor^(retry−1), capped at
 * maxMs, then scaled by 1 ± jitter and capped again, so maxMs is a hard ceiling. `random`
 * returns [0, 1) like Math.random. Whole milliseconds.
 */
export function backoffDelay(retry: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.max(0, Math.floor(retry) - 1);
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** exponent);
  const spread = options.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(options.maxMs, Math.round(base * (1 + spread))));
}
