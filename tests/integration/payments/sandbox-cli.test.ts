// `kassa sandbox` as a user runs it: a child process that makes its keys once, prints the gateway
// URL, the app id, the key paths and the client config, serves alipay-sdk with those keys, keeps
// its ledger across restarts, stops cleanly on SIGTERM, and refuses a broken key folder or a
// taken port with one clear line.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { parseConfig } from '../../../src/core/config.ts';
import { afterAll, describe, expect, it } from 'vitest';

const KASSA = join(resolve(import.meta.dirname, '../../..'), 'src/cli/kassa.js');
const root = mkdtempSync(join(tmpdir(), 'kassa-cli-sandbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Config {
  alipay: { appId: string; gateway: string; privateKeyPath: string; alipayPublicKeyPath: string };
  wechat: { appId: string; mchId: string; apiKeyPath: string; gateway: string };
  walletApi: string;
  /** The printed block as it is, for parseConfig. */
  printed: unknown;
  controlApi: string;
}

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function run(args: readonly string[]): Running {
  const child = spawn(process.execPath, [KASSA, ...args], { cwd: root, env: { ...process.env, XDG_DATA_HOME: join(root, 'xdg'), KASSA_DATA_DIR: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const exited = new Promise<number | null>((done) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      done(code);
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the stop hint, then reads the URL and the config block. */
async function started(r: Running): Promise<{ gateway: string; config: Config }> {
  const deadline = Date.now() + 30_000;
  while (!r.stdout().includes('Press Ctrl+C to stop.')) {
    if (r.child.exitCode !== null || Date.now() > deadline) throw new Error(`kassa sandbox did not start:\n${r.stdout()}\n${r.stderr()}`);
    await new Promise((done) => setTimeout(done, 20));
  }
  const lines = r.stdout().split('\n');
  const gateway = /^Gateway: (http:\/\/127\.0\.0\.1:\d+\/gateway\.do)$/m.exec(r.stdout())?.[1];
  const from = lines.indexOf('{');
  const to = lines.indexOf('}', from);
  if (gateway === undefined || from < 0 || to < 0) throw new Error(`unexpected output:\n${r.stdout()}`);
  const printed = JSON.parse(lines.slice(from, to + 1).join('\n')) as { payments: Pick<Config, 'alipay' | 'wechat'> };
  const walletApi = /^Wallet API \(plays the customer\): (\S+)$/m.exec(r.stdout())?.[1];
  const controlApi = /^Control API \(faults, ledger\): (\S+)$/m.exec(r.stdout())?.[1];
  if (walletApi === undefined || controlApi === undefined) throw new Error(`no wallet or control API line:\n${r.stdout()}`);
  return { gateway, config: { ...printed.payments, walletApi, controlApi, printed } };
}

const SLOW = { timeout: 60_000 };

describe('kassa sandbox', SLOW, () => {
  const dataDir = join(root, 'data');

  it('makes its keys, prints what a terminal needs, serves alipay-sdk, keeps its ledger across restarts, stops on SIGTERM', async () => {
    const first = run(['--data-dir', dataDir, 'sandbox', '--port', '0']);
    const outTradeNo = `CLI${Date.now()}`;
    try {
      const { gateway, config } = await started(first);
      const keyDir = join(dataDir, 'sandbox');
      expect(first.stdout()).toContain(`Keys: created ${keyDir}`);
      expect(first.stdout()).toMatch(/^Alipay app id: 2021000\d{9}$/m);
      expect(config.alipay).toMatchObject({ gateway, privateKeyPath: join(keyDir, 'app-private-key.pem'), alipayPublicKeyPath: join(keyDir, 'gateway-public-key.pem') });
      // The printed block goes into kassa.config.json as it is.
      expect(parseConfig(config.printed).payments).toMatchObject({ alipay: { appId: config.alipay.appId, gateway }, wechat: { mchId: config.wechat.mchId }, training: 'configured' });
      expect(readFileSync(config.alipay.privateKeyPath, 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
      expect(readFileSync(config.alipay.alipayPublicKeyPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
      const sdk = new AlipaySdk({
        appId: config.alipay.appId,
        gateway,
        privateKey: readFileSync(config.alipay.privateKeyPath, 'utf8'),
        alipayPublicKey: readFileSync(config.alipay.alipayPublicKeyPath, 'utf8'),
      });
      const buyer = (await (await fetch(`${config.walletApi}/buyers`, { method: 'POST', body: JSON.stringify({ balance: '100.00' }) })).json()) as { id: string };
      const codes = (await (await fetch(`${config.walletApi}/codes`, { method: 'POST', body: JSON.stringify({ buyer: buyer.id, wallet: 'alipay' }) })).json()) as { codes: Array<{ code: string }> };
      const paid = await sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: codes.codes[0]?.code, subject: 'cli', total_amount: '9.99' } }, { validateSign: true });
      expect(paid).toMatchObject({ code: '10000', totalAmount: '9.99' });
      const ledger = (await (await fetch(`${config.controlApi}/ledger`)).json()) as { problems: string[]; totals: Array<{ paidFen: number }> };
      expect(ledger).toMatchObject({ problems: [], totals: [{ paidFen: 999 }] });
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain('kassa sandbox: SIGTERM: stopping');

    const second = run(['--data-dir', dataDir, 'sandbox', '--port', '0']);
    try {
      const { gateway, config } = await started(second);
      expect(second.stdout()).toContain(`Keys: reused ${join(dataDir, 'sandbox')}`);
      const sdk = new AlipaySdk({ appId: config.alipay.appId, gateway, privateKey: readFileSync(config.alipay.privateKeyPath, 'utf8'), alipayPublicKey: readFileSync(config.alipay.alipayPublicKeyPath, 'utf8') });
      expect(await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true })).toMatchObject({ tradeStatus: 'TRADE_SUCCESS', totalAmount: '9.99' });
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
  });

  it('refuses a key folder with files missing, naming them, and exits 1', async () => {
    const keys = join(root, 'broken-keys');
    const ok = run(['--data-dir', join(root, 'other'), 'sandbox', '--port', '0', '--keys', keys, '--data', ':memory:']);
    await started(ok);
    ok.child.kill('SIGTERM');
    expect(await ok.exited).toBe(0);
    unlinkSync(join(keys, 'app-public-key.pem'));
    const broken = run(['--data-dir', join(root, 'other'), 'sandbox', '--port', '0', '--keys', keys]);
    expect(await broken.exited).toBe(1);
    expect(broken.stderr()).toMatch(/^kassa: the sandbox key folder .*broken-keys is incomplete \(missing .*app-public-key\.pem\)/);
  });

  it('says so when the port is taken (exit 2), and refuses a bad --port', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const taken = run(['--data-dir', join(root, 'port'), 'sandbox', '--port', String(port), '--data', ':memory:']);
      expect(await taken.exited).toBe(2);
      expect(taken.stderr()).toContain(`kassa: --port ${port}: the port is in use on 127.0.0.1`);
    } finally {
      blocker.close();
    }
    const bad = run(['--data-dir', join(root, 'port'), 'sandbox', '--port', 'http']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('kassa: --port must be a whole number 0–65535, got "http"');
  });
});
