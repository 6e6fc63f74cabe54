// The `payments.wechat` block of kassa.config.json (a zod schema the core embeds), and the
// secret files it names: the v2 API key (API密钥) and, for the secapi calls (reverse, refund),
// the merchant's client certificate. Like Alipay's keys they are FILE PATHS read in the core
// when the provider is created, so no secret sits in the config, the renderer or the logs.
//
// Decisions:
// - The API key file holds the 32-character key the merchant set on pay.weixin.qq.com
//   (surrounding whitespace ignored); anything else is refused, naming the field and file.
// - The client certificate is either certPath + keyPath (apiclient_cert.pem/apiclient_key.pem)
//   or pfxPath (apiclient_cert.p12, whose password is the merchant id, as WeChat issues it).
//   It is optional because the sandbox gateway (plain http on loopback) needs none; a gateway
//   on weixin.qq.com without one is refused, since real secapi calls fail the TLS handshake.
// - spbill_create_ip (`clientIp`) is the terminal's IPv4 address as WeChat wants it; the
//   default 127.0.0.1 is what WeChat's own samples send from a POS without a fixed address.
// - Relative paths are resolved against `baseDir` (the core passes the data dir).
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

export const WECHAT_GATEWAY = 'https://api.mch.weixin.qq.com';
export const WECHAT_CONFIG_PATH = 'payments.wechat';

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
}

function isWechatHost(gateway: string): boolean {
  try {
    const host = new URL(gateway).hostname;
    return host === 'weixin.qq.com' || host.endsWith('.weixin.qq.com');
  } catch {
    return false;
  }
}

export const wechatConfigSchema = z
  .strictObject({
    /** The app id bound to the merchant account (公众账号ID), e.g. "wx2421b1c4370ec43b". */
    appId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected the app id bound to the merchant account, e.g. "wx2421b1c4370ec43b"'),
    /** The merchant id (商户号), digits. */
    mchId: z.string().regex(/^\d{1,32}$/, 'expected the merchant id (商户号), digits only, e.g. "10000100"'),
    /** File holding the v2 API key (API密钥). */
    apiKeyPath: z.string().min(1, 'expected the path of the file holding the v2 API key'),
    /** Base URL; the paths /pay/micropay, /secapi/pay/reverse… are appended. */
    gateway: z.string().refine(isHttpUrl, `expected an http(s) base URL without query, e.g. "${WECHAT_GATEWAY}"`).default(WECHAT_GATEWAY),
    signType: z.enum(['MD5', 'HMAC-SHA256']).default('MD5'),
    /** Merchant client certificate for secapi (reverse, refund): PEM certificate + key… */
    certPath: z.string().min(1).optional(),
    keyPath: z.string().min(1).optional(),
    /** …or the PKCS#12 bundle WeChat issues (password: the merchant id). */
    pfxPath: z.string().min(1).optional(),
    /** Sent as spbill_create_ip. */
    clientIp: z.ipv4({ message: 'expected the terminal IPv4 address, e.g. "192.168.1.20"' }).default('127.0.0.1'),
    /** Sent in scene_info.store_info.id when set. */
    storeId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1–32 letters, digits, "_" or "-"')
      .optional(),
    timeoutMs: z.number().int('expected whole milliseconds').min(1_000).max(60_000).default(10_000),
  })
  .superRefine((c, ctx) => {
    if ((c.certPath === undefined) !== (c.keyPath === undefined)) {
      ctx.addIssue({ code: 'custom', path: [c.certPath === undefined ? 'certPath' : 'keyPath'], message: 'certPath and keyPath go together (apiclient_cert.pem and apiclient_key.pem)' });
    }
    if (c.pfxPath !== undefined && (c.certPath !== undefined || c.keyPath !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['pfxPath'], message: 'give either pfxPath or certPath + keyPath, not both' });
    }
    const hasCert = c.pfxPath !== undefined || c.certPath !== undefined;
    if (!hasCert && isWechatHost(c.gateway)) {
      ctx.addIssue({
        code: 'custom',
        path: ['certPath'],
        message: "WeChat Pay's secapi (reverse, refund) needs the merchant client certificate: set certPath + keyPath, or pfxPath",
      });
    }
  });

export type WechatConfigFile = z.input<typeof wechatConfigSchema>;
export type WechatConfig = z.output<typeof wechatConfigSchema>;

export class WechatConfigError extends Error {
  override name = 'WechatConfigError';
  constructor(
    /** The config field, e.g. "payments.wechat.apiKeyPath". */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export function parseWechatConfig(raw: unknown): WechatConfig {
  const result = wechatConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [WECHAT_CONFIG_PATH, ...(issue?.path ?? []).map(String)].join('.');
  throw new WechatConfigError(field, result.error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; '));
}

/** The secrets the provider holds in memory. */
export interface WechatSecrets {
  readonly apiKey: string;
  /** For an https.Agent on secapi calls; null when no certificate is configured. */
  readonly clientCert: { readonly cert: Buffer; readonly key: Buffer } | { readonly pfx: Buffer; readonly passphrase: string } | null;
}

function readSecret(name: string, path: string, baseDir: string): { bytes: Buffer; file: string } {
  const field = `${WECHAT_CONFIG_PATH}.${name}`;
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a directory' : e.message;
    throw new WechatConfigError(field, `cannot read "${file}" (${why})`);
  }
  if (bytes.length === 0) throw new WechatConfigError(field, `"${file}" is empty`);
  return { bytes, file };
}

export function loadWechatSecrets(config: WechatConfig, baseDir = process.cwd()): WechatSecrets {
  const { bytes, file } = readSecret('apiKeyPath', config.apiKeyPath, baseDir);
  const apiKey = bytes.toString('utf8').trim();
  if (!/^[A-Za-z0-9]{32}$/.test(apiKey)) {
    throw new WechatConfigError(
      `${WECHAT_CONFIG_PATH}.apiKeyPath`,
      `"${file}" must hold the 32-character v2 API key (letters and digits), found ${apiKey.length} characters`,
    );
  }
  if (config.pfxPath !== undefined) {
    const pfx = readSecret('pfxPath', config.pfxPath, baseDir);
    return { apiKey, clientCert: { pfx: pfx.bytes, passphrase: config.mchId } };
  }
  if (config.certPath !== undefined && config.keyPath !== undefined) {
    const cert = readSecret('certPath', config.certPath, baseDir);
    const key = readSecret('keyPath', config.keyPath, baseDir);
    try {
      new X509Certificate(cert.bytes);
    } catch {
      throw new WechatConfigError(`${WECHAT_CONFIG_PATH}.certPath`, `"${cert.file}" is not a PEM certificate (apiclient_cert.pem)`);
    }
    try {
      createPrivateKey(key.bytes);
    } catch {
      throw new WechatConfigError(`${WECHAT_CONFIG_PATH}.keyPath`, `"${key.file}" is not a PEM private key (apiclient_key.pem)`);
    }
    return { apiKey, clientCert: { cert: cert.bytes, key: key.bytes } };
  }
  return { apiKey, clientCert: null };
}
