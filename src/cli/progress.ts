// Progress for long jobs (imports, verify, simulations), always on stderr so stdout stays
// clean for --json. On a terminal it is a cli-progress bar; in a log (CI, a pipe) it is a
// plain line every few seconds, because redrawn bars turn into noise there.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total?: number): void;
  stop(final?: string): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  /** Formats a count, e.g. bytes as MB. */
  readonly format?: (n: number) => string;
  readonly stream?: NodeJS.WriteStream;
  /** Set false to print nothing (e.g. --quiet). */
  readonly enabled?: boolean;
}

export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const fmt = options.format ?? ((n: number) => String(n));
  if (options.enabled === false) return { update() {}, stop() {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${options.label} [{bar}] {percentage}% {doneText}/{totalText} eta {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.total, 0, { doneText: fmt(0), totalText: fmt(options.total) });
    return {
      update(done, total) {
        if (total !== undefined) bar.setTotal(total);
        bar.update(done, { doneText: fmt(done), totalText: fmt(total ?? options.total) });
      },
      stop(final) {
        bar.stop();
        if (final) stream.write(`${final}\n`);
      },
    };
  }
  let last = 0;
  let total = options.total;
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) total = newTotal;
      const now = Date.now();
      if (now - last < 2000) return;
      last = now;
      const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
      stream.write(`${options.label}: ${fmt(done)}/${fmt(total)} (${pct}%)\n`);
    },
    stop(final) {
      if (final) stream.write(`${final}\n`);
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
