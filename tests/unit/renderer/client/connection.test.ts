import { describe, expect, it } from 'vitest';
import { Comebacks, type ConnectionState } from '../../../../src/renderer/client/connection.ts';

describe('Comebacks: when views must be fetched again', () => {
  const feed = (states: ConnectionState[]) => {
    const c = new Comebacks();
    return { hits: states.map((s) => c.next(s)), count: c.count };
  };

  it('does not count the first open', () => {
    expect(feed(['connecting', 'open'])).toEqual({ hits: [false, false], count: 0 });
  });

  it('counts every open that follows a drop', () => {
    expect(feed(['connecting', 'open', 'reconnecting', 'reconnecting', 'open', 'reconnecting', 'open'])).toEqual({
      hits: [false, false, false, false, true, false, true],
      count: 2,
    });
  });
});
