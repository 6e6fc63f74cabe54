// The page's side of a report download (download.ts): an object URL from the page, a hidden
// link clicked, timers for the revoke. Apart from download.ts so that module stays testable
// without a DOM.
import type { ExportedFile } from '../../shared/api.ts';
import { downloadExport, type DownloadDeps } from './download.ts';

/** The page's own URL, document and timers. */
export function browserDownloadDeps(): DownloadDeps {
  return {
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => URL.revokeObjectURL(url),
    click: (url, filename) => {
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      a.rel = 'noopener';
      a.style.display = 'none';
      document.body.appendChild(a);
      a.click();
      a.remove();
    },
    later: (fn) => {
      window.setTimeout(fn, 0);
    },
  };
}

/** Saves the export as a download in this page. */
export function saveExport(file: ExportedFile): { readonly filename: string; readonly bytes: number } {
  return downloadExport(file, browserDownloadDeps());
}
