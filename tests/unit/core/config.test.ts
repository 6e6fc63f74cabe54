import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../support/config-problems.ts';
import { loadConfig, parseConfig } from '../../../src/core/config.ts';
import { resolveDataDir } from '../../../src/core/paths.ts';


describe('kassa.config.json', () => {
  it('runs with no file at all: every field has a default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-config-'));
    const c = loadConfig(join(dir, 'kassa.config.json'));
    expect(c.terminalId).toBe('T01');
    expect(c.currency).toBe('CNY');
    expect(c.taxClasses.map((t) => t.id)).toContain('standard');
    expect(c.cashRounding).toEqual({ step: 1, mode: 'half-up' });
    expect(c.scan.embedded.length).toBeGreaterThan(0);
  });

  it('turns a cash rounding step into minor units', () => {
    expect(parseConfig({ cashRounding: { step: '0.10' } }).cashRounding).toEqual({ step: 10, mode: 'half-up' });
    expect(parseConfig({ cashRounding: { step: '1', mode: 'down' } }).cashRounding).toEqual({ step: 100, mode: 'down' });
  });

  it('names the field and what is expected', () => {
    expect(problemsOf({ terminalId: 'T 01' })[0]).toMatch(/^terminalId: expected 1–16 letters.*got "T 01"/);
    expect(problemsOf({ currency: 'XYZ' })[0]).toMatch(/^currency: .*ISO 4217/);
    expect(problemsOf({ cashRounding: { step: '0.105' } })[0]).toMatch(/^cashRounding\.step: .*3 decimals; CNY allows at most 2/);
    expect(problemsOf({ taxClasses: [{ id: 'a', label: 'A', rateBps: 12.5, inclusive: true }], defaultTaxClass: 'a' })[0]).toMatch(
      /^taxClasses\.0\.rateBps: expected whole basis points/,
    );
    expect(problemsOf({ defaultTaxClass: 'luxury' })[0]).toMatch(/^defaultTaxClass: expected one of the tax class ids \(standard/);
    expect(problemsOf({ scan: { embedded: [{ prefix: '20', kind: 'price', itemDigits: 5, valueDigits: 6, valueDecimals: 2 }] } })[0]).toMatch(
      /^scan\.embedded\.0\.valueDigits: itemDigits \+ valueDigits must be 10/,
    );
    expect(problemsOf({ tilNumber: 3 })[0]).toMatch(/tilNumber/);
  });

  it('never echoes a secret it refuses: a too-short sync token is named, not printed', () => {
    const problem = problemsOf({ sync: { serverUrl: 'http://127.0.0.1:8780', token: 'short-secret-value' } })[0] ?? '';
    expect(problem).toMatch(/^sync\.token: /);
    expect(problem).not.toContain('short-secret-value');
  });

  it('refuses a file that is not JSON, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-config-'));
    const file = join(dir, 'kassa.config.json');
    writeFileSync(file, '{ "terminalId": ');
    expect(() => loadConfig(file)).toThrow(/kassa\.config\.json is not valid:\n {2}- not valid JSON/);
  });
});

describe('data dir', () => {
  it('prefers --data-dir, then KASSA_DATA_DIR, then XDG, then ~/.local/share', () => {
    expect(resolveDataDir('/a', { KASSA_DATA_DIR: '/b', XDG_DATA_HOME: '/c' })).toEqual({ dir: '/a', from: '--data-dir' });
    expect(resolveDataDir(undefined, { KASSA_DATA_DIR: '/b', XDG_DATA_HOME: '/c' })).toEqual({ dir: '/b', from: 'KASSA_DATA_DIR' });
    expect(resolveDataDir(undefined, { XDG_DATA_HOME: '/c' })).toEqual({ dir: '/c/kassa', from: 'XDG_DATA_HOME' });
    expect(resolveDataDir(undefined, {}).dir).toMatch(/\.local\/share\/kassa$/);
  });
});
