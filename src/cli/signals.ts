// Long-running commands (`kassa serve`, `store-server`, `sim`, `sandbox`) stop cleanly on the
// first SIGINT or SIGTERM; a second one during the shutdown falls back to Node's default and
// exits at once, because the listener is gone by then.

export interface UntilSignal {
  /** Resolves with the first SIGINT or SIGTERM received. */
  readonly signal: Promise<NodeJS.Signals>;
  /** The signal received so far, or null. */
  readonly received: () => NodeJS.Signals | null;
  /** Stops listening (the command ended without a signal). */
  dispose(): void;
}

export function untilSignal(): UntilSignal {
  let on: (signal: NodeJS.Signals) => void = () => undefined;
  let got: NodeJS.Signals | null = null;
  const dispose = (): void => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  const signal = new Promise<NodeJS.Signals>((resolveSignal) => {
    on = (received) => {
      got = received;
      dispose();
      resolveSignal(received);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return { signal, received: () => got, dispose };
}
