// A report export (report.export answers the file's bytes as base64) handed to the person as a
// download: decoded into a Blob, linked with an object URL, clicked, and the URL released.
//
// Decisions a caller must know:
// - Bad base64 from the core is an error naming the file, never a corrupt download.
// - The file name comes from the core but is reduced to a safe basename (no folders, no control
//   characters); an empty one becomes "kassa-export".
// - The object URL is revoked after the click (on the next tick, so the browser has started the
//   download): a manager exporting all day does not leak memory.
// Pure apart from atob and Blob (both in browsers and Node), so it is tested without a page;
// browser-download.ts holds the page's own link-clicking.
// Hand-written: atob and a Blob are all it takes; a file-saver library does the same with more.
import type { ExportedFile } from '../../shared/api.ts';

export class ExportDecodeError extends Error {
  override name = 'ExportDecodeError';
}

/** The bytes of a base64 string; throws ExportDecodeError naming `what` when it is not base64. */
export function decodeBase64(base64: string, what: string): Uint8Array<ArrayBuffer> {
  const clean = base64.replace(/\s+/g, '');
  if (clean.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new ExportDecodeError(`${what}: the terminal sent a file that is not base64`);
  let binary: string;
  try {
    binary = atob(clean);
  } catch {
    throw new ExportDecodeError(`${what}: the terminal sent a file that is not base64`);
  }
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A name the browser can save under: the last path part, no control or reserved characters. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]+/g, '_').replace(/^\.+/, '').trim();
  return cleaned === '' ? 'kassa-export' : cleaned.slice(0, 120);
}

export function exportBlob(file: ExportedFile): Blob {
  const bytes = decodeBase64(file.base64, safeFilename(file.filename));
  return new Blob([bytes], { type: file.mime || 'application/octet-stream' });
}

export interface DownloadDeps {
  readonly createObjectURL: (blob: Blob) => string;
  readonly revokeObjectURL: (url: string) => void;
  /** Clicks a link to `url` that downloads as `filename`. */
  readonly click: (url: string, filename: string) => void;
  readonly later: (fn: () => void) => void;
}

/** Saves the export as a download; answers the name it was saved under and its size. */
export function downloadExport(file: ExportedFile, deps: DownloadDeps): { readonly filename: string; readonly bytes: number } {
  const blob = exportBlob(file);
  const filename = safeFilename(file.filename);
  const url = deps.createObjectURL(blob);
  try {
    deps.click(url, filename);
  } finally {
    deps.later(() => deps.revokeObjectURL(url));
  }
  return { filename, bytes: blob.size };
}
