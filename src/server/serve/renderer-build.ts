// The built renderer that browser mode serves (dist/renderer, made by `npm run build:renderer`):
// where it is, and building it once when a checkout has never been built, so `kassa serve` and
// `npm start` work straight after `npm install`.
//
// Decisions (a caller can rely on them):
// - "Built" means <root>/dist/renderer/index.html exists. A stale build is not detected: after
//   changing the renderer, run `npm run build:renderer` (or use Vite's dev server).
// - The build runs the same command as the npm script (vite build --config
//   vite.renderer.config.ts) with this Node, in the package root, for at most 5 minutes. Its
//   output is kept and only its tail is shown when it fails, in a ServeError that says to run
//   `npm run build:renderer` to see all of it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ServeError } from './serve-host.ts';

/** The package root (where package.json and dist/ are). */
export const PACKAGE_ROOT = resolve(import.meta.dirname, '../../..');
export const RENDERER_CONFIG = 'vite.renderer.config.ts';
const BUILD_TIMEOUT_MS = 5 * 60_000;

export function defaultRendererDir(root: string = PACKAGE_ROOT): string {
  return join(root, 'dist', 'renderer');
}

export function isRendererBuilt(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

function viteBin(root: string): string {
  const require = createRequire(join(root, 'package.json'));
  const pkgFile = require.resolve('vite/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.vite;
  if (bin === undefined) throw new ServeError('the installed vite package names no vite command');
  return join(dirname(pkgFile), bin);
}

/** Builds the renderer into `<root>/dist/renderer` unless it is there already. */
export async function ensureRendererBuilt(options: { readonly root?: string; readonly onProgress?: (message: string) => void } = {}): Promise<string> {
  const root = options.root ?? PACKAGE_ROOT;
  const dir = defaultRendererDir(root);
  if (isRendererBuilt(dir)) return dir;
  const fail = (why: string): ServeError => new ServeError(`the renderer is not built (no ${join(dir, 'index.html')}) and ${why}: run \`npm run build:renderer\` in ${root}`);
  if (!existsSync(join(root, RENDERER_CONFIG))) throw fail(`there is no ${RENDERER_CONFIG} to build it with`);
  let bin: string;
  try {
    bin = viteBin(root);
  } catch (err) {
    throw fail(`vite cannot be found (${(err as Error).message})`);
  }
  options.onProgress?.(`building the renderer into ${dir} (once; npm run build:renderer does it by hand)…`);
  const started = Date.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((done, reject) => {
    const child = spawn(process.execPath, [bin, 'build', '--config', RENDERER_CONFIG, '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (chunk: Buffer): void => {
      out = (out + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const guard = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (exit) => {
      clearTimeout(guard);
      done({ code: exit, output: out });
    });
  });
  if (code !== 0 || !isRendererBuilt(dir)) {
    const tail = output.trim().split('\n').slice(-6).join('\n');
    throw new ServeError(`building the renderer failed (${code === 0 ? `no index.html in ${dir}` : `exit ${code}`})${tail ? `:\n${tail}\n` : ''}; run \`npm run build:renderer\` in ${root} to see the whole output`);
  }
  options.onProgress?.(`built the renderer in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}
