import { describe, expect, it } from 'vitest';
import { decodeBase64, downloadExport, ExportDecodeError, exportBlob, safeFilename, type DownloadDeps } from '../../../../src/renderer/manager/download.ts';

const csv = 'kind,z_no,total\r\nZ,12,"¥1,234.00"\r\n';
const b64 = Buffer.from(csv, 'utf8').toString('base64');

function fakeDeps() {
  const log: string[] = [];
  const later: (() => void)[] = [];
  const blobs: Blob[] = [];
  const deps: DownloadDeps = {
    createObjectURL: (blob) => {
      blobs.push(blob);
      log.push('create');
      return 'blob:kassa/1';
    },
    revokeObjectURL: (url) => log.push(`revoke ${url}`),
    click: (url, filename) => log.push(`click ${url} ${filename}`),
    later: (fn) => later.push(fn),
  };
  return { deps, log, later, blobs };
}

describe('report export download', () => {
  it('turns the base64 the core sent into a Blob with the same bytes and type', async () => {
    const blob = exportBlob({ filename: 'z-12.csv', mime: 'text/csv', base64: b64 });
    expect(blob.type).toBe('text/csv');
    expect(new TextDecoder().decode(await blob.arrayBuffer())).toBe(csv);
  });

  it('keeps binary bytes (a PDF) exactly', async () => {
    const bytes = Uint8Array.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x80, 0x0a]);
    const blob = exportBlob({ filename: 'z.pdf', mime: 'application/pdf', base64: Buffer.from(bytes).toString('base64') });
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([...bytes]);
  });

  it('clicks a link to an object URL under a safe name, then revokes the URL', () => {
    const { deps, log, later, blobs } = fakeDeps();
    const saved = downloadExport({ filename: 'reports/../z-12.csv', mime: 'text/csv', base64: b64 }, deps);
    expect(saved).toEqual({ filename: 'z-12.csv', bytes: Buffer.byteLength(csv) });
    expect(log).toEqual(['create', 'click blob:kassa/1 z-12.csv']);
    expect(blobs[0]?.size).toBe(Buffer.byteLength(csv));
    later.forEach((fn) => fn());
    expect(log.at(-1)).toBe('revoke blob:kassa/1');
  });

  it('refuses a file that is not base64, naming it, and downloads nothing', () => {
    const { deps, log } = fakeDeps();
    expect(() => downloadExport({ filename: 'x-2026-11-26.pdf', mime: 'application/pdf', base64: 'not base64!' }, deps)).toThrow(ExportDecodeError);
    expect(() => decodeBase64('abcde', 'x.pdf')).toThrow(/x\.pdf: the terminal sent a file that is not base64/);
    expect(log).toEqual([]);
  });

  it.each([
    ['z-12.csv', 'z-12.csv'],
    ['C:\\temp\\x.pdf', 'x.pdf'],
    ['..', 'kassa-export'],
    ['', 'kassa-export'],
    ['a<b>:"c|?*.csv', 'a_b_c_.csv'],
    ['line\nbreak.csv', 'line_break.csv'],
  ])('saves %j as %j', (name, safe) => {
    expect(safeFilename(name)).toBe(safe);
  });
});
