// Reads a zip with yauzl (an independent reader: the one Electron's extract-zip uses), keeping
// entry names as raw bytes so tests can check their encoding (GBK for Alipay's bills).
import { fromBuffer } from 'yauzl';
import type { Entry } from 'yauzl';

export interface ZipRead {
  readonly nameBytes: Buffer;
  readonly utf8Flag: boolean;
  readonly crc32: number;
  readonly data: Buffer;
}

export function readZip(zip: Buffer): Promise<ZipRead[]> {
  return new Promise((resolve, reject) => {
    fromBuffer(zip, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, file) => {
      if (err !== null) {
        reject(err);
        return;
      }
      const out: ZipRead[] = [];
      file.on('error', reject);
      file.on('end', () => resolve(out));
      file.on('entry', (entry: Entry) => {
        file.openReadStream(entry, (streamErr, stream) => {
          if (streamErr !== null) {
            reject(streamErr);
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            out.push({ nameBytes: entry.fileName as unknown as Buffer, utf8Flag: (entry.generalPurposeBitFlag & 0x800) !== 0, crc32: entry.crc32, data: Buffer.concat(chunks) });
            file.readEntry();
          });
        });
      });
      file.readEntry();
    });
  });
}
