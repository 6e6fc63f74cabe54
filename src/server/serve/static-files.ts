// The built renderer as `kassa serve` hands it to a browser: which file a request path means,
// its content type and caching. Hand-written on node:fs because the rules are few and
// security-relevant (a static-file package would bring its own dotfile, index and redirect
// rules to audit), and the project has no HTTP framework to reuse.
//
// Decisions (a caller can rely on them):
// - The surfaces are one page (index.html); the path picks the surface. `/`, `/customer`,
//   `/manager` (with or without a trailing slash, and any deeper path under the last two that
//   has no file extension) answer index.html. Any other path is a file under the renderer dir
//   or 404; a missing `/assets/x.js` is never answered with HTML.
// - Refused with 400 before the disk is touched: a path that does not percent-decode, contains
//   NUL or a backslash, or has a `..` segment after decoding (so `%2e%2e`, `%2F` and mixed
//   forms are caught; a doubly encoded `%252e` decodes once to a harmless literal name).
//   A path that resolves (through symlinks) outside the renderer dir is refused with 404.
//   Dotfiles are not served.
// - index.html and every non-hashed file: `Cache-Control: no-cache` (revalidated with ETag),
//   so a rebuilt renderer shows on the next load; `/assets/*` (Vite's content-hashed names):
//   cached for a year, immutable.
import { createReadStream, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The surfaces' paths that answer index.html (see the header). */
export const SURFACE_PATHS = ['/', '/customer', '/manager'] as const;

export type Resolved =
  | { readonly kind: 'file'; readonly file: string; readonly stats: Stats; readonly immutable: boolean }
  | { readonly kind: 'bad'; readonly message: string }
  | { readonly kind: 'missing' };

function isSurfacePath(parts: readonly string[]): boolean {
  if (parts.length === 0) return true;
  const [first, ...rest] = parts;
  if (first !== 'customer' && first !== 'manager') return false;
  return rest.every((p) => !p.includes('.'));
}

/**
 * Maps a request's pathname (still percent-encoded, without the query) to a file of `root`
 * (the renderer dir, already a real path).
 */
export function resolveStatic(root: string, rawPath: string): Resolved {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'bad', message: 'the path is not valid percent-encoding' };
  }
  if (!path.startsWith('/')) return { kind: 'bad', message: 'the path must start with "/"' };
  if (path.includes('\0') || path.includes('\\')) return { kind: 'bad', message: 'the path contains NUL or a backslash' };
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { kind: 'bad', message: 'the path leaves the renderer folder ("..")' };
  if (isSurfacePath(parts)) return fileUnder(root, ['index.html'], false);
  if (parts.some((p) => p.startsWith('.'))) return { kind: 'missing' };
  return fileUnder(root, parts, parts[0] === 'assets' && parts.length > 1);
}

function fileUnder(root: string, parts: readonly string[], immutable: boolean): Resolved {
  const candidate = join(root, ...parts);
  let real: string;
  let stats: Stats;
  try {
    real = realpathSync(candidate);
    stats = statSync(real);
  } catch {
    return { kind: 'missing' };
  }
  const rel = relative(root, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return { kind: 'missing' };
  if (!stats.isFile()) return { kind: 'missing' };
  return { kind: 'file', file: real, stats, immutable };
}

function etagOf(stats: Stats): string {
  return `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

/** Answers a resolved file (GET or HEAD), with 304 when the browser's copy is current. */
export function sendFile(req: IncomingMessage, res: ServerResponse, found: Extract<Resolved, { kind: 'file' }>, headers: Readonly<Record<string, string>>): void {
  const etag = etagOf(found.stats);
  const common = {
    ...headers,
    ETag: etag,
    'Cache-Control': found.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, { ...common, 'Content-Type': contentTypeOf(found.file), 'Content-Length': String(found.stats.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(found.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
