// What parseConfig refuses a raw config for: its problem lines (each names the field).
import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../src/core/config.ts';

export function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected the config to be refused');
}
