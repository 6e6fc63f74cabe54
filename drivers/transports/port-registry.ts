// One owner per port inside this process (issue 3: two drivers fighting over one serial port
// is a known failure of other POS systems). Hand-written: it is a map with a clear error. The
// cross-process half is the OS lock each transport takes (serialport `lock: true` = flock,
// usblp's own single-open rule); this registry adds who holds the port, which a lock cannot say.

import { TransportError } from './byte-transport.ts';

export interface Claim {
  readonly id: string;
  /** Human-readable, used in the busy message: 'the scale driver'. */
  readonly owner: string;
  readonly released: boolean;
  /** Idempotent; a stale claim never frees a newer owner's claim. */
  release(): void;
}

export class PortRegistry {
  private readonly held = new Map<string, { owner: string; token: object }>();

  /** Throws TransportError('busy') naming the current owner when `id` is held. */
  claim(id: string, owner: string): Claim {
    const current = this.held.get(id);
    if (current) throw new TransportError('busy', `${id} is already used by ${current.owner}`);
    const token = {};
    this.held.set(id, { owner, token });
    let released = false;
    const held = this.held;
    return {
      id,
      owner,
      get released() {
        return released;
      },
      release() {
        if (released) return;
        released = true;
        if (held.get(id)?.token === token) held.delete(id);
      },
    };
  }

  ownerOf(id: string): string | null {
    return this.held.get(id)?.owner ?? null;
  }

  list(): Array<{ id: string; owner: string }> {
    return [...this.held].map(([id, { owner }]) => ({ id, owner }));
  }
}

/** The process-wide registry every transport uses unless given another (tests, `kassa sim`). */
export const portRegistry = new PortRegistry();
