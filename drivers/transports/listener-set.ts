// Subscriber list shared by the transports. Hand-written: EventEmitter's string-keyed events
// lose the listener types and an exception in one listener would stop delivery to the rest
// and unwind into serialport's or net's own event loop.

export class ListenerSet<T> {
  private readonly listeners = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry = (value: T): void => listener(value);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  get size(): number {
    return this.listeners.size;
  }

  /**
   * Calls every listener; one that throws does not stop the others. The error becomes a
   * process warning: a framer bug must not take a device (or the core) down with it.
   */
  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'TransportListenerError');
      }
    }
  }
}
