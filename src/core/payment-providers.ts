// Builds the terminal's wallet providers (src/payments/alipay, src/payments/wechat) from the
// `payments` block of kassa.config.json, and, for training mode, an in-process sandbox gateway
// (src/payments/sandbox) with providers pointed at it.
//
// Decisions a caller must know:
// - Key files are read here, once, when the providers are built: a missing, unreadable or wrong
//   key (a public key in the private-key field, a certificate, a non-RSA key, a WeChat API key of
//   the wrong length) is refused before anything is sent, as a ConfigError that names the
//   config file, the field and the key file, e.g.
//   `…/kassa.config.json is not valid: payments.alipay.privateKeyPath: cannot read the key file
//   "/data/keys/app.pem" (no such file)`. ConfigError is a one-line CLI error.
// - Relative key paths resolve against `dataDir`, the folder holding kassa.config.json (in
//   training too: the config is the terminal's own).
// - The training sandbox keeps its keys and ledger in one folder (the layout `kassa sandbox`
//   uses: keys made once and reused, ledger.sqlite beside them), listens on 127.0.0.1 on a free
//   port, and serves both Alipay and WeChat Pay; its wallet API plays the customer.
import { join } from 'node:path';
import type { WalletId } from '../domain/payment.ts';
import { AlipayConfigError } from '../payments/alipay/alipay-config.ts';
import { createAlipayProvider } from '../payments/alipay/alipay-provider.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import { ensureSandboxKeys } from '../payments/sandbox/keys.ts';
import { startSandbox, type SandboxServer } from '../payments/sandbox/server.ts';
import { WechatConfigError } from '../payments/wechat/wechat-config.ts';
import { createWechatProvider } from '../payments/wechat/wechat-provider.ts';
import { ConfigError, type KassaConfig } from './config.ts';
import { dataPaths } from './paths.ts';

/**
 * The providers the config names (none: an empty map, the terminal is cash only). Throws
 * ConfigError naming the field and the key file when a key cannot be used.
 */
export function buildPaymentProviders(config: KassaConfig, dataDir: string): Map<WalletId, PaymentProvider> {
  const providers = new Map<WalletId, PaymentProvider>();
  const configFile = dataPaths(dataDir).config;
  try {
    if (config.payments.alipay) providers.set('alipay', createAlipayProvider(config.payments.alipay, { baseDir: dataDir }));
    if (config.payments.wechat) providers.set('wechat', createWechatProvider(config.payments.wechat, { baseDir: dataDir }));
  } catch (err) {
    if (err instanceof AlipayConfigError || err instanceof WechatConfigError) {
      const refused = new ConfigError(configFile, [err.message]);
      refused.cause = err;
      throw refused;
    }
    throw err;
  }
  return providers;
}

export interface TrainingSandbox {
  /** Alipay and WeChat Pay, both pointed at the sandbox. */
  readonly providers: Map<WalletId, PaymentProvider>;
  readonly server: SandboxServer;
  /** http://127.0.0.1:<port>/gateway.do */
  readonly gatewayUrl: string;
  /** http://127.0.0.1:<port>/wallet: POST /buyers, POST /codes… (wallet-api.ts) */
  readonly walletApiUrl: string;
  /** Where the keys and the ledger are. */
  readonly dir: string;
  /** True when this call made the keys (first use of the folder). */
  readonly keysCreated: boolean;
  close(): Promise<void>;
}

export interface TrainingSandboxOptions {
  /** The sandbox's ledger: a file (default `<dir>/ledger.sqlite`) or ':memory:'. */
  readonly ledger?: string;
  /** The sandbox's clock (tests). */
  readonly clock?: () => number;
  /** Told about the sandbox's own bugs; default: printed on stderr. */
  readonly onInternalError?: (err: unknown) => void;
  /** Per-request timeout of the providers. Default 10 000 ms. */
  readonly timeoutMs?: number;
}

/**
 * Starts the sandbox gateway in this process for training mode, with keys made once in `dir`,
 * and returns providers pointed at it. close() stops the server and closes its ledger.
 */
export async function openTrainingSandbox(dir: string, options: TrainingSandboxOptions = {}): Promise<TrainingSandbox> {
  const keys = ensureSandboxKeys(dir);
  const server = await startSandbox({
    port: 0,
    ledger: options.ledger ?? join(dir, 'ledger.sqlite'),
    gatewayPrivateKey: keys.gatewayPrivateKeyPem,
    alipayApps: [{ appId: keys.alipayAppId, publicKey: keys.appPublicKeyPem, name: 'Kassa training app' }],
    wechatMerchants: [{ appid: keys.wechatAppid, mchId: keys.wechatMchId, apiKey: keys.wechatApiKey, name: 'Kassa training merchant' }],
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
  });
  try {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const providers = new Map<WalletId, PaymentProvider>([
      [
        'alipay',
        createAlipayProvider({
          appId: keys.alipayAppId,
          privateKeyPath: keys.files.appPrivateKey,
          alipayPublicKeyPath: keys.files.gatewayPublicKey,
          gateway: server.gatewayUrl,
          timeoutMs,
        }),
      ],
      ['wechat', createWechatProvider({ appId: keys.wechatAppid, mchId: keys.wechatMchId, apiKeyPath: keys.files.wechatApiKey, gateway: server.url, timeoutMs })],
    ]);
    return {
      providers,
      server,
      gatewayUrl: server.gatewayUrl,
      walletApiUrl: `${server.url}/wallet`,
      dir,
      keysCreated: keys.created,
      close: () => server.close(),
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}
