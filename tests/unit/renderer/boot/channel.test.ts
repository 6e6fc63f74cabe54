import { describe, expect, it } from 'vitest';
import type { PosChannel } from '../../../../src/shared/api.ts';
import { isPosChannel, openChannel } from '../../../../src/renderer/boot/channel.ts';

const preload: PosChannel = { host: 'electron', post: () => {}, subscribe: () => () => {} };

describe('choosing the channel at boot', () => {
  it("uses Electron's window.pos when the preload put one there", () => {
    const boot = openChannel({ pos: preload, location: { protocol: 'app:', host: 'pos' } });
    expect(boot.channel).toBe(preload);
    expect(boot.connection.state).toBe('open');
  });

  it('accepts only something shaped like a PosChannel', () => {
    expect(isPosChannel(preload)).toBe(true);
    expect(isPosChannel({ ...preload, host: 'other' })).toBe(false);
    expect(isPosChannel({ host: 'electron', post: 1, subscribe: () => {} })).toBe(false);
    expect(isPosChannel(undefined)).toBe(false);
    expect(isPosChannel('pos')).toBe(false);
  });
});
