// The key folder of `kassa sandbox`: made once, then reused, so a terminal configured against
// the sandbox keeps working across restarts. It holds
//   sandbox.json                 {"alipayAppId", "wechatAppid", "wechatMchId"}
//   gateway-private-key.pem      the sandbox's RSA2 key, PKCS#1 ("BEGIN RSA PRIVATE KEY"), 0600
//   gateway-public-key.pem       its SPKI public key: the terminal's `alipayPublicKey`
//   app-private-key.pem          the terminal app's key, PKCS#1 (alipay-sdk's default keyType), 0600
//   app-public-key.pem           its SPKI public key: what the gateway verifies requests with
//   wechat-api-key.txt           the 32-character WeChat Pay v2 API key both sides sign with, 0600
// Keys are RSA 2048 from node:crypto, as Alipay's own key tool makes them.
//
// Decisions: a folder with some of these files but not all is refused with the names of the
// missing ones, never half-regenerated (new keys would silently break a configured terminal);
// files are written to a temporary name and renamed, so a crash never leaves half a key.
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomDigits } from './ids.ts';

export interface SandboxKeyFiles {
  readonly dir: string;
  readonly identity: string;
  readonly gatewayPrivateKey: string;
  readonly gatewayPublicKey: string;
  readonly appPrivateKey: string;
  readonly appPublicKey: string;
  readonly wechatApiKey: string;
}

export interface SandboxKeys {
  readonly files: SandboxKeyFiles;
  /** True when this call made them. */
  readonly created: boolean;
  readonly alipayAppId: string;
  readonly wechatAppid: string;
  readonly wechatMchId: string;
  readonly gatewayPrivateKeyPem: string;
  readonly gatewayPublicKeyPem: string;
  readonly appPrivateKeyPem: string;
  readonly appPublicKeyPem: string;
  readonly wechatApiKey: string;
}

export class SandboxKeyError extends Error {
  override name = 'SandboxKeyError';
}

export function keyFilesIn(dir: string): SandboxKeyFiles {
  return {
    dir,
    identity: join(dir, 'sandbox.json'),
    gatewayPrivateKey: join(dir, 'gateway-private-key.pem'),
    gatewayPublicKey: join(dir, 'gateway-public-key.pem'),
    appPrivateKey: join(dir, 'app-private-key.pem'),
    appPublicKey: join(dir, 'app-public-key.pem'),
    wechatApiKey: join(dir, 'wechat-api-key.txt'),
  };
}

/** An RSA 2048 pair as alipay-sdk expects: PKCS#1 private PEM, SPKI public PEM. */
export function generateRsaKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function writeAtomic(file: string, text: string, secret: boolean): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: secret ? 0o600 : 0o644 });
  if (secret) chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Reads the key folder, or makes it when it does not exist or is empty of these files. */
export function ensureSandboxKeys(dir: string): SandboxKeys {
  const files = keyFilesIn(dir);
  const all = [files.identity, files.gatewayPrivateKey, files.gatewayPublicKey, files.appPrivateKey, files.appPublicKey, files.wechatApiKey];
  const present = all.filter((f) => existsSync(f));
  let created = false;
  if (present.length === 0) {
    mkdirSync(dir, { recursive: true });
    const gateway = generateRsaKeyPair();
    const app = generateRsaKeyPair();
    let apiKey = '';
    for (let i = 0; i < 32; i += 1) apiKey += ALNUM[randomInt(ALNUM.length)];
    const identity = { alipayAppId: `2021000${randomDigits(9)}`, wechatAppid: `wx${randomDigits(16)}`, wechatMchId: `1${randomDigits(9)}` };
    writeAtomic(files.gatewayPrivateKey, gateway.privateKey, true);
    writeAtomic(files.gatewayPublicKey, gateway.publicKey, false);
    writeAtomic(files.appPrivateKey, app.privateKey, true);
    writeAtomic(files.appPublicKey, app.publicKey, false);
    writeAtomic(files.wechatApiKey, `${apiKey}\n`, true);
    // Written last: its presence says the folder is complete.
    writeAtomic(files.identity, `${JSON.stringify(identity, null, 2)}\n`, false);
    created = true;
  } else if (present.length !== all.length) {
    const missing = all.filter((f) => !existsSync(f));
    throw new SandboxKeyError(`the sandbox key folder ${dir} is incomplete (missing ${missing.join(', ')}): restore those files, or remove the folder to make new keys (terminals configured with the old ones must then be reconfigured)`);
  }
  let identity: { alipayAppId?: unknown; wechatAppid?: unknown; wechatMchId?: unknown };
  try {
    identity = JSON.parse(readFileSync(files.identity, 'utf8')) as typeof identity;
  } catch (err) {
    throw new SandboxKeyError(`${files.identity} is not valid JSON: ${(err as Error).message}`);
  }
  for (const k of ['alipayAppId', 'wechatAppid', 'wechatMchId'] as const) {
    if (typeof identity[k] !== 'string' || identity[k] === '') throw new SandboxKeyError(`${files.identity}: "${k}" must be a non-empty string`);
  }
  const apiKey = readFileSync(files.wechatApiKey, 'utf8').trim();
  if (!/^[A-Za-z0-9]{32}$/.test(apiKey)) throw new SandboxKeyError(`${files.wechatApiKey} must hold a 32-character API key of letters and digits`);
  return {
    files,
    created,
    alipayAppId: identity.alipayAppId as string,
    wechatAppid: identity.wechatAppid as string,
    wechatMchId: identity.wechatMchId as string,
    gatewayPrivateKeyPem: readFileSync(files.gatewayPrivateKey, 'utf8'),
    gatewayPublicKeyPem: readFileSync(files.gatewayPublicKey, 'utf8'),
    appPrivateKeyPem: readFileSync(files.appPrivateKey, 'utf8'),
    appPublicKeyPem: readFileSync(files.appPublicKey, 'utf8'),
    wechatApiKey: apiKey,
  };
}
