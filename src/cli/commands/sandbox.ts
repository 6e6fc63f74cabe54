// `kassa sandbox`: the sandbox payment gateway (src/payments/sandbox) as a process, for training
// mode and for tests that want a real peer: Alipay v2 at /gateway.do, WeChat Pay v2 micropay,
// the buyers' wallet API and the fault controls, on 127.0.0.1, until SIGINT/SIGTERM.
//
// Decisions:
// - Keys are made once in `<data dir>/sandbox` (or --keys) and reused, so a terminal configured
//   against the sandbox keeps working; the ledger is `<data dir>/sandbox/ledger.sqlite` unless
//   --data names a file or ':memory:'.
// - stdout carries, in order: a title line, `Gateway: <url>`, `Alipay app id: <id>`, the key
//   paths (one `<what>: <path>` line each), `Keys: created|reused <dir>`, `Wallet API: <url>`,
//   `Control API: <url>`, the terminal config as a pretty-printed JSON object starting with a
//   line "{" and ending with a line "}" — a `payments` block kassa.config.json accepts as it is
//   (with `training: "configured"`, so `kassa train` uses this sandbox rather than its own) — a
//   usage line, and the stop hint, so a script can read the URLs and the config.
// - A first SIGINT/SIGTERM closes the server and the ledger; a second one during that falls
//   back to Node's default and exits at once.
import type { Command } from 'commander';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ensureSandboxKeys, SandboxKeyError } from '../../payments/sandbox/keys.ts';
import type { SandboxKeys } from '../../payments/sandbox/keys.ts';
import { startSandbox } from '../../payments/sandbox/server.ts';
import type { SandboxServer } from '../../payments/sandbox/server.ts';
import { dataDirOf } from '../context.ts';
import { UsageError } from '../errors.ts';
import { untilSignal } from '../signals.ts';

interface SandboxCliOptions {
  readonly port: string;
  readonly data?: string;
  readonly keys?: string;
}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) > 65_535) throw new UsageError(`--port must be a whole number 0–65535, got "${value}"`);
  return Number(value);
}

/** Refuses a key file that is not a key, naming it, before the server tries to use it. */
function checkKeys(keys: SandboxKeys): void {
  const checks: Array<[string, () => unknown]> = [
    [keys.files.gatewayPrivateKey, () => createPrivateKey(keys.gatewayPrivateKeyPem)],
    [keys.files.gatewayPublicKey, () => createPublicKey(keys.gatewayPublicKeyPem)],
    [keys.files.appPrivateKey, () => createPrivateKey(keys.appPrivateKeyPem)],
    [keys.files.appPublicKey, () => createPublicKey(keys.appPublicKeyPem)],
  ];
  for (const [file, load] of checks) {
    try {
      load();
    } catch (err) {
      throw new SandboxKeyError(`${file} is not a usable PEM key (${(err as Error).message}): restore it, or remove the key folder to make new keys`);
    }
  }
}

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('run the sandbox payment gateway (Alipay v2 + WeChat Pay micropay, with a buyer wallet and fault injection) on 127.0.0.1')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', '8790')
    .option('--data <file>', "the sandbox's ledger (SQLite file, or ':memory:'; default <data dir>/sandbox/ledger.sqlite)")
    .option('--keys <dir>', 'folder of the sandbox and app keys, made on first use (default <data dir>/sandbox)')
    .addHelpText(
      'after',
      `
Runs until Ctrl+C (or SIGTERM). Point alipay-sdk at the printed gateway with the printed keys.
Wallet API (JSON): POST /wallet/buyers {"balance":"100.00"}, POST /wallet/codes
{"buyer","wallet":"alipay"|"wechat"}, POST /wallet/scan {"qrCode","buyer"}, POST /wallet/confirm
{"tradeNo"}; faults: POST /sandbox/faults {"method":"alipay.trade.pay","fault":{"kind":"reset"},
"count":1}; GET /sandbox/ledger. The full lists are in src/payments/sandbox/server.ts.`,
    )
    .action(async function (this: Command, opts: SandboxCliOptions) {
      const port = parsePort(opts.port);
      const paths = dataDirOf(this);
      const keyDir = resolve(opts.keys ?? join(paths.dir, 'sandbox'));
      const ledgerFile = opts.data === ':memory:' ? ':memory:' : resolve(opts.data ?? join(paths.dir, 'sandbox', 'ledger.sqlite'));
      let keys: SandboxKeys;
      try {
        keys = ensureSandboxKeys(keyDir);
        checkKeys(keys);
      } catch (err) {
        if (err instanceof SandboxKeyError) {
          process.stderr.write(`kassa: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      if (ledgerFile !== ':memory:') mkdirSync(dirname(ledgerFile), { recursive: true });
      const stopped = untilSignal();
      let server: SandboxServer;
      try {
        server = await startSandbox({
          port,
          ledger: ledgerFile,
          gatewayPrivateKey: keys.gatewayPrivateKeyPem,
          alipayApps: [{ appId: keys.alipayAppId, publicKey: keys.appPublicKeyPem, name: 'Kassa sandbox app' }],
          wechatMerchants: [{ appid: keys.wechatAppid, mchId: keys.wechatMchId, apiKey: keys.wechatApiKey, name: 'Kassa sandbox merchant' }],
        });
      } catch (err) {
        stopped.dispose();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`--port ${port}: the port is in use on 127.0.0.1; choose another or use --port 0`);
        throw err;
      }
      try {
        const f = keys.files;
        say(`Kassa sandbox payment gateway: Alipay v2 and WeChat Pay v2 micropay (ledger ${ledgerFile})`);
        say(`Gateway: ${server.gatewayUrl}`);
        say(`Alipay app id: ${keys.alipayAppId}`);
        say(`App private key (the terminal signs with it): ${f.appPrivateKey}`);
        say(`App public key (the sandbox verifies with it): ${f.appPublicKey}`);
        say(`Sandbox public key (the terminal's alipayPublicKey): ${f.gatewayPublicKey}`);
        say(`Sandbox private key: ${f.gatewayPrivateKey}`);
        say(`WeChat API key: ${f.wechatApiKey}`);
        say(`Keys: ${keys.created ? 'created' : 'reused'} ${f.dir}`);
        say(`Wallet API (plays the customer): ${server.url}/wallet`);
        say(`Control API (faults, ledger): ${server.url}/sandbox`);
        say('Terminal config (the "payments" block for kassa.config.json):');
        say(
          JSON.stringify(
            {
              payments: {
                alipay: { appId: keys.alipayAppId, privateKeyPath: f.appPrivateKey, alipayPublicKeyPath: f.gatewayPublicKey, gateway: server.gatewayUrl },
                wechat: { appId: keys.wechatAppid, mchId: keys.wechatMchId, apiKeyPath: f.wechatApiKey, gateway: server.url },
                training: 'configured',
              },
            },
            null,
            2,
          ),
        );
        say(`alipay-sdk: new AlipaySdk({ appId, gateway, privateKey: readFileSync(privateKeyPath, 'utf8'), alipayPublicKey: readFileSync(alipayPublicKeyPath, 'utf8') })`);
        say('Press Ctrl+C to stop.');
        const signal = await stopped.signal;
        process.stderr.write(`kassa sandbox: ${signal}: stopping\n`);
      } finally {
        stopped.dispose();
        await server.close();
      }
    });
}
