// The native modules the core loads (SQLite, serial ports, HID) and how they get into a packaged
// app. Vite cannot bundle a `.node` binary, so these stay external in the main and core bundles;
// and Forge's Vite plugin packages only `.vite/`, so the app would have no node_modules at all
// (electron/forge#3738, better-sqlite3#126). `copyNativeModules` copies each native package and
// the runtime packages it requires into the build folder in the packageAfterCopy hook, before
// Forge rebuilds better-sqlite3 for Electron and auto-unpack-natives moves the `.node` files out
// of the asar.
//
// Decisions a caller must know:
// - The dependency walk is hand-written (a dozen lines of Node's resolution algorithm) because
//   the libraries that do it (flora-colossus, @npmcli/arborist) either walk the whole tree or pull
//   in npm itself; we need only the closure of four roots.
// - Relative paths are kept (`node_modules/@serialport/bindings-cpp/node_modules/...`), so the
//   copy resolves exactly as the development tree does, nested versions included.
// - Install-time packages (prebuild-install, node-addon-api, node-gyp) are not copied: they are
//   never required at run time.
// - better-sqlite3 keeps its sources (deps/, src/) through the copy because Forge's rebuild needs
//   them; `stripNativeBuildLeftovers` removes them after the rebuild (packageAfterPrune).
// - Prebuilt binaries for other platforms are left out (node-hid and serialport ship ~20).
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** Packages with a `.node` binary that the core imports. `@serialport/*` come with serialport. */
export const NATIVE_PACKAGES = ['better-sqlite3', 'serialport', 'node-hid'] as const;

/** For rollup's `external`: the natives and anything under them. */
export const NATIVE_EXTERNALS: (string | RegExp)[] = [
  ...NATIVE_PACKAGES,
  ...NATIVE_PACKAGES.map((p) => new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`)),
  /^@serialport\//,
];

/** Required by the natives' package.json but used only by `npm install`. */
export const INSTALL_TIME_ONLY: ReadonlySet<string> = new Set(['prebuild-install', 'node-addon-api', 'node-gyp', '@electron/node-gyp']);

export function isNativeImport(id: string): boolean {
  return NATIVE_EXTERNALS.some((e) => (typeof e === 'string' ? e === id : e.test(id)));
}

export interface PackageManifest {
  readonly name?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

export interface ResolvedPackage {
  readonly name: string;
  /** Absolute folder of the package. */
  readonly dir: string;
  /** Folder relative to the project root, e.g. `node_modules/@serialport/stream`. */
  readonly path: string;
}

export type ReadManifest = (packageDir: string) => PackageManifest | null;

export const readManifestFromDisk: ReadManifest = (packageDir) => {
  const file = join(packageDir, 'package.json');
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as PackageManifest;
};

/** Node's lookup: `<dir>/node_modules/<name>`, then each parent folder up to (and including) `root`. */
function resolvePackage(root: string, fromDir: string, name: string, read: ReadManifest): string | null {
  let dir = fromDir;
  for (;;) {
    if (!dir.endsWith(`${sep}node_modules`)) {
      const candidate = join(dir, 'node_modules', name);
      if (read(candidate)) return candidate;
    }
    if (dir === root) return null;
    const parent = dirname(dir);
    if (parent === dir || relative(root, parent).startsWith('..')) return null;
    dir = parent;
  }
}

/**
 * The runtime closure of `roots` in the tree under `root`, each package once, roots first.
 * Throws naming the missing package and who needs it when a required dependency is not installed.
 */
export function runtimeClosure(root: string, roots: readonly string[], read: ReadManifest = readManifestFromDisk): ResolvedPackage[] {
  const found = new Map<string, ResolvedPackage>();
  const queue: { name: string; from: string; neededBy: string; optional: boolean }[] = roots.map((name) => ({ name, from: root, neededBy: 'the app', optional: false }));
  for (let item = queue.shift(); item; item = queue.shift()) {
    if (INSTALL_TIME_ONLY.has(item.name)) continue;
    const dir = resolvePackage(root, item.from, item.name, read);
    if (!dir) {
      if (item.optional) continue;
      throw new Error(`${item.name} (needed by ${item.neededBy}) is not installed under ${join(root, 'node_modules')}: run npm ci`);
    }
    if (found.has(dir)) continue;
    found.set(dir, { name: item.name, dir, path: relative(root, dir) });
    const manifest = read(dir) ?? {};
    for (const dep of Object.keys(manifest.dependencies ?? {})) queue.push({ name: dep, from: dir, neededBy: item.name, optional: false });
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) queue.push({ name: dep, from: dir, neededBy: item.name, optional: true });
  }
  return [...found.values()];
}

const PLATFORM_DIR = /(?:^|[-_])(android|darwin|linux|win32|freebsd|openbsd|sunos|aix)-([a-z0-9+]+)(?:-[a-z0-9]+)?$/;

/** True when a `prebuilds/<dir>` folder holds binaries for this platform and arch (unknown names are kept). */
export function prebuildMatches(dirName: string, platform: string, arch: string): boolean {
  const m = PLATFORM_DIR.exec(dirName);
  if (!m) return true;
  return m[1] === platform && (m[2] ?? '').split('+').includes(arch);
}

/** Whether a file of package `name` (path relative to the package, `/`-separated) belongs in the app. */
export function shouldCopy(name: string, pathInPackage: string, platform: string, arch: string): boolean {
  const parts = pathInPackage.split('/');
  if (parts[0] === 'node_modules') return false; // nested packages are copied on their own, if needed
  if (parts[0] === 'prebuilds' && parts[1] !== undefined && !prebuildMatches(parts[1], platform, arch)) return false;
  if (name === 'better-sqlite3' && parts[0] === 'build') {
    // Only the addon; the object files and the test extension are build leftovers.
    if (parts.length === 1) return true;
    if (parts[1] !== 'Release') return false;
    return parts.length === 2 || (parts.length === 3 && parts[2] === 'better_sqlite3.node');
  }
  return true;
}

export interface CopyNativeModulesOptions {
  /** The project folder (holds node_modules). */
  readonly from: string;
  /** Forge's build folder (the future app.asar). */
  readonly to: string;
  readonly platform: string;
  readonly arch: string;
  readonly roots?: readonly string[];
}

/** Copies the natives' runtime closure into `to`, keeping relative paths. Returns what it copied. */
export function copyNativeModules(options: CopyNativeModulesOptions): ResolvedPackage[] {
  const packages = runtimeClosure(options.from, options.roots ?? NATIVE_PACKAGES);
  for (const pkg of packages) {
    cpSync(pkg.dir, join(options.to, pkg.path), {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const inside = relative(pkg.dir, src).split(sep).join('/');
        return inside === '' || shouldCopy(pkg.name, inside, options.platform, options.arch);
      },
    });
  }
  return packages;
}

/** After Forge's rebuild: drops better-sqlite3's sources and object files from the build folder. */
export function stripNativeBuildLeftovers(buildPath: string): string[] {
  const pkg = join(buildPath, 'node_modules', 'better-sqlite3');
  if (!existsSync(pkg)) return [];
  const removed: string[] = [];
  const drop = (p: string): void => {
    if (!existsSync(p)) return;
    rmSync(p, { recursive: true, force: true });
    removed.push(relative(buildPath, p));
  };
  drop(join(pkg, 'deps'));
  drop(join(pkg, 'src'));
  const build = join(pkg, 'build');
  if (existsSync(build)) {
    for (const entry of readdirSync(build)) {
      if (entry !== 'Release') drop(join(build, entry));
    }
    const release = join(build, 'Release');
    if (existsSync(release)) {
      for (const entry of readdirSync(release)) {
        if (entry !== 'better_sqlite3.node') drop(join(release, entry));
      }
    }
  }
  return removed;
}
