// Keeps the newest whole view of one stream ('checkout', 'customer', 'devices') when it arrives
// both as pushed events and as request replies. Views carry no sequence number, and the core
// may push an event for a later state before it answers the request that caused an earlier
// one (a scan's reply can trail the event of the finished lookup). So the rule is: an event
// always wins; a reply is applied only if no event arrived since its request was sent. Every
// change a request makes is pushed as an event anyway, so a dropped reply loses nothing.
// Hand-written: a counter and a comparison.

export class LiveView<V> {
  private epoch = 0;
  private current: V | null = null;

  constructor(private readonly onChange: (view: V) => void) {}

  get value(): V | null {
    return this.current;
  }

  /** A pushed event: always the newest. */
  event(view: V): void {
    this.epoch += 1;
    this.apply(view);
  }

  /** Call before sending a request whose reply is a view; pass the token to `reply`. */
  begin(): number {
    return this.epoch;
  }

  /** A request's reply: applied only if no event came since `begin()`. Returns whether it was. */
  reply(token: number, view: V): boolean {
    if (token !== this.epoch) return false;
    this.apply(view);
    return true;
  }

  private apply(view: V): void {
    this.current = view;
    this.onChange(view);
  }
}
