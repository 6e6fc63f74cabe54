// The `payments.alipay` block of kassa.config.json (a zod schema the core embeds), and the key
// files it names. Keys are FILE PATHS read here, in the core, when the provider is created:
// key material never goes into the config, the renderer, the logs or the payment journal.
//
// Decisions:
// - Key formats accepted, as merchants get them: PEM (PKCS#1 "RSA PRIVATE KEY" or PKCS#8
//   "PRIVATE KEY"; SPKI "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY"), or the bare base64 the Alipay
//   key tool writes (PKCS#8 or PKCS#1 for the app key, SPKI for Alipay's public key). They are
//   normalized here (PKCS#1 PEM for alipay-sdk's default keyType, SPKI PEM for the public key),
//   so alipay-sdk's own line-based PEM rewriting never sees a format it would garble.
// - Only the public-key mode (公钥模式) is supported. Certificate mode (公钥证书) needs the
//   app_cert_sn / alipay_root_cert_sn request fields as well; a certificate in a key path is
//   refused with a message saying so.
// - Both keys must be RSA (Alipay's RSA2 is SHA256withRSA). A public key in the private-key path
//   or a private key in the public-key path is refused (a common mix-up).
// - Every problem throws AlipayConfigError naming the config field and the file path.
// - Relative key paths are resolved against `baseDir` (the core passes the data dir).
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

export const ALIPAY_GATEWAY = 'https://openapi.alipay.com/gateway.do';
export const ALIPAY_SANDBOX_GATEWAY = 'https://openapi-sandbox.dl.alipaydev.com/gateway.do';

/** Where this block lives in kassa.config.json, for messages. */
export const ALIPAY_CONFIG_PATH = 'payments.alipay';

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export const alipayConfigSchema = z.strictObject({
  /** The app id from the Alipay open platform (开放平台 APPID). */
  appId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected the app id from the Alipay open platform, e.g. "2021000122671080"'),
  /** The app's RSA private key file (the one whose public half is uploaded to Alipay). */
  privateKeyPath: z.string().min(1, 'expected the path of the app private key file'),
  /** Alipay's RSA public key file (支付宝公钥), used to verify every answer. */
  alipayPublicKeyPath: z.string().min(1, "expected the path of Alipay's public key file"),
  gateway: z.string().refine(isHttpUrl, `expected an http(s) URL, e.g. "${ALIPAY_GATEWAY}"`).default(ALIPAY_GATEWAY),
  /** Alipay's store_id for this shop (商户门店编号); the terminal's store id when absent. */
  storeId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1–32 letters, digits, "_" or "-"')
    .optional(),
  /** A fixed operator_id for every request; the signed-in cashier's id when absent. */
  operatorId: z.string().min(1).max(28, 'expected at most 28 characters (Alipay operator_id)').optional(),
  /** Per-request timeout (connect + answer) in alipay-sdk. */
  timeoutMs: z.number().int('expected whole milliseconds').min(1_000).max(60_000).default(10_000),
});

export type AlipayConfigFile = z.input<typeof alipayConfigSchema>;
export type AlipayConfig = z.output<typeof alipayConfigSchema>;

export class AlipayConfigError extends Error {
  override name = 'AlipayConfigError';
  constructor(
    /** The config field, e.g. "payments.alipay.privateKeyPath". */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Parses the block (defaults applied); throws AlipayConfigError naming the first bad field. */
export function parseAlipayConfig(raw: unknown): AlipayConfig {
  const result = alipayConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [ALIPAY_CONFIG_PATH, ...(issue?.path ?? []).map(String)].join('.');
  throw new AlipayConfigError(field, result.error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; '));
}

/** The PEM texts alipay-sdk is given. */
export interface AlipayKeys {
  /** PKCS#1 PEM ("RSA PRIVATE KEY"), alipay-sdk's default keyType. */
  readonly privateKeyPem: string;
  /** SPKI PEM ("PUBLIC KEY"). */
  readonly alipayPublicKeyPem: string;
}

function readKeyText(field: string, path: string, baseDir: string): { text: string; file: string } {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a directory' : e.message;
    throw new AlipayConfigError(field, `cannot read the key file "${file}" (${why})`);
  }
  if (text.trim() === '') throw new AlipayConfigError(field, `the key file "${file}" is empty`);
  return { text: text.trim(), file };
}

/** Bare base64 (no PEM armour), as the Alipay key tool writes it. */
function bareDer(text: string): Buffer | null {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length < 64) return null;
  return Buffer.from(compact, 'base64');
}

function firstThatParses<T>(attempts: readonly (() => T)[]): T | null {
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // try the next encoding
    }
  }
  return null;
}

function requireRsa(key: KeyObject, field: string, file: string): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new AlipayConfigError(field, `"${file}" holds a ${key.asymmetricKeyType ?? 'non-RSA'} key; Alipay RSA2 needs an RSA key`);
  }
}

function refuseCertificate(text: string, field: string, file: string): void {
  if (text.includes('BEGIN CERTIFICATE')) {
    throw new AlipayConfigError(
      field,
      `"${file}" is a certificate; only Alipay's public-key mode (公钥模式) is supported: use the public key text, not the certificate`,
    );
  }
}

export function loadAppPrivateKey(path: string, baseDir = process.cwd(), field = `${ALIPAY_CONFIG_PATH}.privateKeyPath`): string {
  const { text, file } = readKeyText(field, path, baseDir);
  refuseCertificate(text, field, file);
  if (/BEGIN (?:RSA )?PUBLIC KEY/.test(text)) {
    throw new AlipayConfigError(field, `"${file}" holds a public key; this field needs the app's PRIVATE key`);
  }
  const der = text.includes('-----BEGIN') ? null : bareDer(text);
  const key = text.includes('-----BEGIN')
    ? firstThatParses([() => createPrivateKey(text)])
    : der === null
      ? null
      : firstThatParses([() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' })]);
  if (key === null) {
    throw new AlipayConfigError(field, `"${file}" is not an RSA private key (expected PEM, or the bare base64 the Alipay key tool writes)`);
  }
  requireRsa(key, field, file);
  return key.export({ type: 'pkcs1', format: 'pem' }).toString();
}

export function loadAlipayPublicKey(path: string, baseDir = process.cwd(), field = `${ALIPAY_CONFIG_PATH}.alipayPublicKeyPath`): string {
  const { text, file } = readKeyText(field, path, baseDir);
  refuseCertificate(text, field, file);
  if (text.includes('PRIVATE KEY')) {
    throw new AlipayConfigError(field, `"${file}" holds a private key; this field needs Alipay's PUBLIC key (支付宝公钥)`);
  }
  const der = text.includes('-----BEGIN') ? null : bareDer(text);
  const key = text.includes('-----BEGIN')
    ? firstThatParses([() => createPublicKey(text)])
    : der === null
      ? null
      : firstThatParses([() => createPublicKey({ key: der, format: 'der', type: 'spki' }), () => createPublicKey({ key: der, format: 'der', type: 'pkcs1' })]);
  if (key === null) {
    throw new AlipayConfigError(field, `"${file}" is not an RSA public key (expected PEM, or the bare base64 Alipay shows as 支付宝公钥)`);
  }
  requireRsa(key, field, file);
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export function loadAlipayKeys(config: Pick<AlipayConfig, 'privateKeyPath' | 'alipayPublicKeyPath'>, baseDir = process.cwd()): AlipayKeys {
  return {
    privateKeyPem: loadAppPrivateKey(config.privateKeyPath, baseDir),
    alipayPublicKeyPem: loadAlipayPublicKey(config.alipayPublicKeyPath, baseDir),
  };
}
