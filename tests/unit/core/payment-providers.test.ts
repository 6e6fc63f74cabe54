// Building the wallet providers from kassa.config.json: relative key paths are found in the data
// folder whatever the working directory, and a key that cannot be used stops the terminal with
// one message naming the config file, the field and the key file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/core/config.ts';
import { buildPaymentProviders } from '../../../src/core/payment-providers.ts';
import { AlipayProvider } from '../../../src/payments/alipay/alipay-provider.ts';
import { WechatProvider } from '../../../src/payments/wechat/wechat-provider.ts';
import { APP_PRIVATE_KEY, GATEWAY_PUBLIC_KEY } from '../payments/sandbox/test-keys.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'kassa-providers-'));
  mkdirSync(join(dataDir, 'keys'));
  writeFileSync(join(dataDir, 'keys', 'app.pem'), APP_PRIVATE_KEY);
  writeFileSync(join(dataDir, 'keys', 'alipay.pub'), GATEWAY_PUBLIC_KEY);
  writeFileSync(join(dataDir, 'keys', 'wechat.key'), '0123456789abcdef0123456789ABCDEF\n');
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const ALIPAY = { appId: '2021000122671080', privateKeyPath: 'keys/app.pem', alipayPublicKeyPath: 'keys/alipay.pub', gateway: 'http://127.0.0.1:9/gateway.do' };
const WECHAT = { appId: 'wx2421b1c4370ec43b', mchId: '10000100', apiKeyPath: 'keys/wechat.key', gateway: 'http://127.0.0.1:9' };

function refusal(payments: unknown): ConfigError {
  try {
    buildPaymentProviders(parseConfig({ payments }), dataDir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the providers to be refused');
}

describe('buildPaymentProviders', () => {
  it('builds none for a cash-only terminal', () => {
    expect(buildPaymentProviders(parseConfig({}), dataDir).size).toBe(0);
  });

  it('builds the configured wallets, reading relative key paths from the data folder', () => {
    const providers = buildPaymentProviders(parseConfig({ payments: { alipay: ALIPAY, wechat: WECHAT } }), dataDir);
    expect([...providers.keys()]).toEqual(['alipay', 'wechat']);
    const alipay = providers.get('alipay');
    expect(alipay).toBeInstanceOf(AlipayProvider);
    expect((alipay as AlipayProvider).config).toMatchObject({ appId: ALIPAY.appId, gateway: ALIPAY.gateway });
    expect(providers.get('wechat')).toBeInstanceOf(WechatProvider);
    // Absolute paths are taken as they are.
    const absolute = { ...ALIPAY, privateKeyPath: join(dataDir, 'keys', 'app.pem'), alipayPublicKeyPath: join(dataDir, 'keys', 'alipay.pub') };
    expect(buildPaymentProviders(parseConfig({ payments: { alipay: absolute } }), join(dataDir, 'elsewhere')).get('alipay')).toBeInstanceOf(AlipayProvider);
  });

  it('names the config file, the field and the key file when a key cannot be used', () => {
    const configFile = join(dataDir, 'kassa.config.json');
    const missing = refusal({ alipay: { ...ALIPAY, privateKeyPath: 'keys/missing.pem' } });
    expect(missing.file).toBe(configFile);
    expect(missing.message).toBe(
      `${configFile} is not valid:\n  - payments.alipay.privateKeyPath: cannot read the key file "${join(dataDir, 'keys', 'missing.pem')}" (no such file)`,
    );
    expect(refusal({ alipay: { ...ALIPAY, privateKeyPath: 'keys/alipay.pub' } }).problems[0]).toBe(
      `payments.alipay.privateKeyPath: "${join(dataDir, 'keys', 'alipay.pub')}" holds a public key; this field needs the app's PRIVATE key`,
    );
    expect(refusal({ alipay: { ...ALIPAY, alipayPublicKeyPath: 'keys/app.pem' } }).problems[0]).toMatch(/^payments\.alipay\.alipayPublicKeyPath: ".*app\.pem" holds a private key/);
    writeFileSync(join(dataDir, 'keys', 'short.key'), 'abc');
    expect(refusal({ wechat: { ...WECHAT, apiKeyPath: 'keys/short.key' } }).problems[0]).toBe(
      `payments.wechat.apiKeyPath: "${join(dataDir, 'keys', 'short.key')}" must hold the 32-character v2 API key (letters and digits), found 3 characters`,
    );
    expect(refusal({ wechat: { ...WECHAT, apiKeyPath: 'keys' } }).problems[0]).toMatch(/^payments\.wechat\.apiKeyPath: cannot read ".*keys" \(it is a directory\)/);
  });
});
