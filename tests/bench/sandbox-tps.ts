// sandbox_tps: how many alipay.trade.pay calls per second the sandbox gateway completes, each
// one signed by the client (RSA2), verified and committed by the gateway (its SQLite ledger
// on disk, WAL), signed back and verified by the client: the official alipay-sdk exec() with
// validateSign over loopback. The gateway runs as `kassa sandbox` in its own process (as in
// training mode), so the client's signing and the gateway's work each get a core; several
// concurrent clients (SDK instances) keep it busy. Payment codes are issued in bulk through the
// wallet API before the clock starts, so the figure is payments only. Only answers with code
// 10000 count; anything else fails the bench. Bounded: 1 s warm-up, then 3 s measured.
//
//   npx tsx tests/bench/sandbox-tps.ts      prints the result JSON (about 10 s)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AlipaySdk } from 'alipay-sdk';

const ROOT = resolve(import.meta.dirname, '../..');
const KASSA = join(ROOT, 'src/cli/kassa.js');
const CLIENTS = 8;
const WARMUP_MS = 1_000;
const MEASURE_MS = 3_000;
const CODES = 6_000;

export interface SandboxConfig {
  alipay: { appId: string; gateway: string; privateKeyPath: string; alipayPublicKeyPath: string };
  walletApi: string;
}

/** CPU ms a process has used (user + system), from /proc on Linux; null elsewhere. */
function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Starts `kassa sandbox` on a free port with its data in `dir`, and reads the client config it prints. */
export async function startGateway(dir: string): Promise<{ config: SandboxConfig; pid: number | undefined; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [KASSA, '--data-dir', dir, 'sandbox', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((done) => child.on('close', () => done()));
  const deadline = Date.now() + 30_000;
  while (!stdout.includes('Press Ctrl+C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kassa sandbox did not start:\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const lines = stdout.split('\n');
  const from = lines.indexOf('{');
  const printed = JSON.parse(lines.slice(from, lines.indexOf('}', from) + 1).join('\n')) as { payments: { alipay: SandboxConfig['alipay'] } };
  const walletApi = /^Wallet API \(plays the customer\): (\S+)$/m.exec(stdout)?.[1];
  if (walletApi === undefined) throw new Error(`kassa sandbox printed no wallet API URL:\n${stdout}`);
  const config: SandboxConfig = { alipay: printed.payments.alipay, walletApi };
  return {
    config,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function measureSandboxTps(): Promise<{ tps: number; note: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kassa-bench-sandbox-'));
  const gateway = await startGateway(dir);
  try {
    const { config } = gateway;
    const buyer = await post<{ id: string }>(`${config.walletApi}/buyers`, { balance: '100000000.00' });
    const codes: string[] = [];
    while (codes.length < CODES) {
      const batch = await post<{ codes: Array<{ code: string }> }>(`${config.walletApi}/codes`, { buyer: buyer.id, wallet: 'alipay', count: 2_000 });
      codes.push(...batch.codes.map((c) => c.code));
    }
    const privateKey = readFileSync(config.alipay.privateKeyPath, 'utf8');
    const alipayPublicKey = readFileSync(config.alipay.alipayPublicKeyPath, 'utf8');
    const sdks = Array.from({ length: CLIENTS }, () => new AlipaySdk({ appId: config.alipay.appId, gateway: config.alipay.gateway, privateKey, alipayPublicKey }));
    let next = 0;
    let counting = false;
    let counted = 0;
    let stop = false;
    const latencies: number[] = [];
    const client = async (sdk: AlipaySdk, n: number): Promise<void> => {
      let i = 0;
      while (!stop) {
        const code = codes[next++];
        if (code === undefined) throw new Error(`ran out of the ${CODES} pre-issued codes: raise CODES`);
        const started = performance.now();
        const r = (await sdk.exec(
          'alipay.trade.pay',
          { bizContent: { out_trade_no: `B${n}_${i++}`, scene: 'bar_code', auth_code: code, subject: 'bench', total_amount: '0.01' } },
          { validateSign: true },
        )) as { code: string; subCode?: string };
        if (r.code !== '10000') throw new Error(`a bench payment was refused: ${JSON.stringify(r)}`);
        if (counting && !stop) {
          counted += 1;
          latencies.push(performance.now() - started);
        }
      }
    };
    const runs = sdks.map((sdk, n) => client(sdk, n));
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    counting = true;
    const t0 = performance.now();
    const clientCpu0 = process.cpuUsage();
    const serverCpu0 = cpuMsOf(gateway.pid);
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    stop = true;
    const elapsed = (performance.now() - t0) / 1000;
    const clientCpu = process.cpuUsage(clientCpu0);
    const clientCpuMs = (clientCpu.user + clientCpu.system) / 1000;
    const serverCpu1 = cpuMsOf(gateway.pid);
    const serverCpuMs = serverCpu0 === null || serverCpu1 === null ? null : serverCpu1 - serverCpu0;
    await Promise.all(runs);
    const ledger = (await (await fetch(config.walletApi.replace(/\/wallet$/, '/sandbox/ledger'))).json()) as { problems: string[]; totals: Array<{ paidCount: number }> };
    if (ledger.problems.length > 0) throw new Error(`the sandbox ledger does not add up after the bench: ${ledger.problems.join('; ')}`);
    const tps = counted / elapsed;
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length / 2)] ?? NaN;
    const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] ?? NaN;
    const perPay = (ms: number | null) => (ms === null || counted === 0 ? 'n/a' : `${(ms / counted).toFixed(2)} ms`);
    return {
      tps,
      note:
        `${counted} alipay.trade.pay in ${elapsed.toFixed(2)} s from ${CLIENTS} concurrent alipay-sdk clients (RSA2 both ways, validateSign) ` +
        `to \`kassa sandbox\` (file ledger, WAL) on loopback; latency p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ` +
        `CPU per payment: clients ${perPay(clientCpuMs)}, gateway ${perPay(serverCpuMs)}; ${ledger.totals[0]?.paidCount ?? 0} trades in the ledger, which adds up`,
    };
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = await measureSandboxTps();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
