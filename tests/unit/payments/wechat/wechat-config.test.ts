import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWechatSecrets, parseWechatConfig, WECHAT_GATEWAY, WechatConfigError } from '../../../../src/payments/wechat/wechat-config.ts';
import type { PaymentProvider } from '../../../../src/payments/provider.ts';
import { createWechatProvider } from '../../../../src/payments/wechat/wechat-provider.ts';

const KEY = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6';
let dir = '';

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function configError(run: () => unknown): WechatConfigError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(WechatConfigError);
    return err as WechatConfigError;
  }
  throw new Error('expected a WechatConfigError');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-wechat-config-'));
});

const sandbox = { appId: 'wx2421b1c4370ec43b', mchId: '10000100', apiKeyPath: 'api.key', gateway: 'http://127.0.0.1:8080' };

describe('payments.wechat schema', () => {
  it('fills in the defaults', () => {
    expect(parseWechatConfig(sandbox)).toEqual({ ...sandbox, signType: 'MD5', clientIp: '127.0.0.1', timeoutMs: 10_000 });
  });

  it('names the bad field', () => {
    expect(configError(() => parseWechatConfig({ ...sandbox, mchId: 'M-1' })).message).toMatch(/^payments\.wechat\.mchId: .*digits only/);
    expect(configError(() => parseWechatConfig({ ...sandbox, signType: 'SHA1' })).field).toBe('payments.wechat.signType');
    expect(configError(() => parseWechatConfig({ ...sandbox, clientIp: '999.1.1.1' })).message).toMatch(/clientIp: expected the terminal IPv4 address/);
    expect(configError(() => parseWechatConfig({ ...sandbox, gateway: 'http://x/?a=1' })).field).toBe('payments.wechat.gateway');
    expect(configError(() => parseWechatConfig({ ...sandbox, certPath: 'c.pem' })).message).toMatch(/keyPath: certPath and keyPath go together/);
    expect(configError(() => parseWechatConfig({ ...sandbox, certPath: 'c.pem', keyPath: 'k.pem', pfxPath: 'p.p12' })).message).toMatch(/either pfxPath or certPath/);
  });

  it('refuses the real gateway without the client certificate secapi needs', () => {
    const e = configError(() => parseWechatConfig({ appId: 'wx1', mchId: '1', apiKeyPath: 'k' }));
    expect(e.field).toBe('payments.wechat.certPath');
    expect(e.message).toMatch(/secapi \(reverse, refund\) needs the merchant client certificate/);
    expect(parseWechatConfig({ appId: 'wx1', mchId: '1', apiKeyPath: 'k', pfxPath: 'apiclient_cert.p12' }).gateway).toBe(WECHAT_GATEWAY);
  });
});

describe('WeChat secret files', () => {
  it('reads the API key, trimmed, and refuses anything that is not one', () => {
    file('api.key', `${KEY}\n`);
    expect(loadWechatSecrets(parseWechatConfig(sandbox), dir)).toEqual({ apiKey: KEY, clientCert: null });
    file('short.key', 'abc');
    expect(configError(() => loadWechatSecrets(parseWechatConfig({ ...sandbox, apiKeyPath: 'short.key' }), dir)).message).toMatch(
      /apiKeyPath: ".*short\.key" must hold the 32-character v2 API key .* found 3 characters/,
    );
    const missing = join(dir, 'none.key');
    expect(configError(() => loadWechatSecrets(parseWechatConfig({ ...sandbox, apiKeyPath: missing }), dir)).message).toBe(
      `payments.wechat.apiKeyPath: cannot read "${missing}" (no such file)`,
    );
  });

  it('checks the client certificate files', () => {
    file('api.key', KEY);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    file('apiclient_key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    file('not-a-cert.pem', 'hello');
    const e = configError(() => loadWechatSecrets(parseWechatConfig({ ...sandbox, certPath: 'not-a-cert.pem', keyPath: 'apiclient_key.pem' }), dir));
    expect(e.message).toMatch(/^payments\.wechat\.certPath: ".*not-a-cert\.pem" is not a PEM certificate/);
    const p12 = file('apiclient_cert.p12', 'binary');
    expect(loadWechatSecrets(parseWechatConfig({ ...sandbox, pfxPath: p12 }), dir).clientCert).toEqual({ pfx: Buffer.from('binary'), passphrase: '10000100' });
  });

  it('creates a provider without precreate or close (micropay has no merchant QR)', () => {
    file('api.key', KEY);
    const provider: PaymentProvider = createWechatProvider(sandbox, { baseDir: dir });
    expect(provider.wallet).toBe('wechat');
    expect(provider.precreate).toBeUndefined();
    expect(provider.close).toBeUndefined();
  });
});
