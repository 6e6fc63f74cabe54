// Whether the channel to the core is up, as the surfaces need to know it: a banner while it is
// down, and everything fetched again when it comes back (events missed meanwhile are lost, and
// views are whole, so one fetch catches up). The states are the WebSocket channel's
// (./ws-channel.ts); Electron's preload channel is always open.
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionSource {
  readonly state: ConnectionState;
  /** Called on every change; returns the unsubscribe function. */
  onChange(listener: (state: ConnectionState) => void): () => void;
}

export const ALWAYS_OPEN: ConnectionSource = {
  state: 'open',
  onChange: () => () => {},
};

/** Counts comebacks: 'open' after the channel was down bumps the count (the first open does not). */
export class Comebacks {
  private down = false;
  count = 0;

  /** Feeds a state; true when it is a comeback (views must be fetched again). */
  next(state: ConnectionState): boolean {
    if (state === 'reconnecting' || state === 'closed') this.down = true;
    if (state !== 'open' || !this.down) return false;
    this.down = false;
    this.count += 1;
    return true;
  }
}
