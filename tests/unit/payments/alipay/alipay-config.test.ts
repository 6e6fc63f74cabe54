import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALIPAY_GATEWAY,
  AlipayConfigError,
  alipayConfigSchema,
  loadAlipayPublicKey,
  loadAppPrivateKey,
  parseAlipayConfig,
} from '../../../../src/payments/alipay/alipay-config.ts';
import { createAlipayProvider } from '../../../../src/payments/alipay/alipay-provider.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1Pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const pkcs8Pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const pkcs1PublicPem = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const bare = (der: Buffer) => der.toString('base64');

let dir = '';
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function configError(run: () => unknown): AlipayConfigError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AlipayConfigError);
    return err as AlipayConfigError;
  }
  throw new Error('expected an AlipayConfigError');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kassa-alipay-config-'));
});

describe('payments.alipay schema', () => {
  it('fills in the defaults', () => {
    const c = parseAlipayConfig({ appId: '2021000122671080', privateKeyPath: 'app.key', alipayPublicKeyPath: 'alipay.pub' });
    expect(c).toEqual({ appId: '2021000122671080', privateKeyPath: 'app.key', alipayPublicKeyPath: 'alipay.pub', gateway: ALIPAY_GATEWAY, timeoutMs: 10_000 });
  });

  it('names the bad field', () => {
    const base = { appId: '2021000122671080', privateKeyPath: 'a', alipayPublicKeyPath: 'b' };
    expect(configError(() => parseAlipayConfig({ ...base, appId: 'app id!' })).field).toBe('payments.alipay.appId');
    expect(configError(() => parseAlipayConfig({ ...base, gateway: 'ftp://x/gateway.do' })).message).toMatch(/^payments\.alipay\.gateway: .*http\(s\) URL/);
    expect(configError(() => parseAlipayConfig({ ...base, timeoutMs: 50 })).field).toBe('payments.alipay.timeoutMs');
    expect(configError(() => parseAlipayConfig({ ...base, operatorId: 'x'.repeat(29) })).message).toMatch(/operatorId: expected at most 28/);
    expect(configError(() => parseAlipayConfig({ ...base, privateKey: pkcs1Pem })).message).toMatch(/privateKey/);
    expect(configError(() => parseAlipayConfig({ appId: '2021000122671080', privateKeyPath: 'a' })).field).toBe('payments.alipay.alipayPublicKeyPath');
  });

  it('is a zod schema the core can embed', () => {
    expect(alipayConfigSchema.safeParse({ appId: '1', privateKeyPath: 'a', alipayPublicKeyPath: 'b', storeId: 'S01' }).success).toBe(true);
  });
});

describe('Alipay key files', () => {
  it('accepts the app private key as PKCS#1 PEM, PKCS#8 PEM or the key tool\'s bare base64', () => {
    const expected = pkcs1Pem;
    expect(loadAppPrivateKey(file('p1.pem', pkcs1Pem))).toBe(expected);
    expect(loadAppPrivateKey(file('p8.pem', pkcs8Pem))).toBe(expected);
    expect(loadAppPrivateKey(file('p8.txt', bare(privateKey.export({ type: 'pkcs8', format: 'der' }))))).toBe(expected);
    expect(loadAppPrivateKey(file('p1.txt', `${bare(privateKey.export({ type: 'pkcs1', format: 'der' }))}\n`))).toBe(expected);
  });

  it("accepts Alipay's public key as SPKI PEM, PKCS#1 PEM or bare base64", () => {
    expect(loadAlipayPublicKey(file('s.pem', spkiPem))).toBe(spkiPem);
    expect(loadAlipayPublicKey(file('r.pem', pkcs1PublicPem))).toBe(spkiPem);
    expect(loadAlipayPublicKey(file('s.txt', bare(publicKey.export({ type: 'spki', format: 'der' }))))).toBe(spkiPem);
  });

  it('names the field and the file when a key cannot be read', () => {
    const missing = join(dir, 'nope.pem');
    const e = configError(() => loadAppPrivateKey(missing));
    expect(e.field).toBe('payments.alipay.privateKeyPath');
    expect(e.message).toBe(`payments.alipay.privateKeyPath: cannot read the key file "${missing}" (no such file)`);
    mkdirSync(join(dir, 'adir'), { recursive: true });
    expect(configError(() => loadAlipayPublicKey(join(dir, 'adir'))).message).toMatch(/alipayPublicKeyPath: cannot read .*adir" \(it is a directory\)/);
    expect(configError(() => loadAppPrivateKey(file('empty.pem', '  \n'))).message).toMatch(/is empty/);
    expect(configError(() => loadAppPrivateKey(file('junk.pem', 'hello, I am not a key'))).message).toMatch(/junk\.pem" is not an RSA private key/);
    expect(configError(() => loadAlipayPublicKey(file('junk2.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'))).message).toMatch(/is not an RSA public key/);
  });

  it('catches the usual mix-ups', () => {
    expect(configError(() => loadAppPrivateKey(file('pub-as-priv.pem', spkiPem))).message).toMatch(/holds a public key; this field needs the app's PRIVATE key/);
    expect(configError(() => loadAlipayPublicKey(file('priv-as-pub.pem', pkcs8Pem))).message).toMatch(/holds a private key; this field needs Alipay's PUBLIC key/);
    expect(configError(() => loadAlipayPublicKey(file('cert.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'))).message).toMatch(
      /is a certificate; only Alipay's public-key mode/,
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(configError(() => loadAppPrivateKey(file('ec.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()))).message).toMatch(
      /holds a ec key; Alipay RSA2 needs an RSA key/,
    );
  });

  it('creates a provider from relative paths under the data dir, and refuses a bad path before anything is sent', () => {
    file('app.key', pkcs8Pem);
    file('alipay.pub', spkiPem);
    const provider = createAlipayProvider({ appId: '2021000122671080', privateKeyPath: 'app.key', alipayPublicKeyPath: 'alipay.pub' }, { baseDir: dir });
    expect(provider.wallet).toBe('alipay');
    expect(typeof provider.precreate).toBe('function');
    const e = configError(() => createAlipayProvider({ appId: '2021000122671080', privateKeyPath: 'app.key', alipayPublicKeyPath: 'missing.pub' }, { baseDir: dir }));
    expect(e.message).toBe(`payments.alipay.alipayPublicKeyPath: cannot read the key file "${join(dir, 'missing.pub')}" (no such file)`);
  });
});
