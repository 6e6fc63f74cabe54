// Reads the entries of a small .zip held in memory (PKWARE APPNOTE 6.3): the end record, the
// central directory, then each local header and its stored or deflated data. Hand-written on
// node:zlib (inflateRawSync, crc32), like src/payments/sandbox/zip-writer.ts: no zip reader is
// a dependency of the project (yauzl only arrives with Electron's tooling), and Alipay's bill
// is two small CSV files.
//
// Decisions a caller must know:
// - Names come back as raw bytes: Alipay names its entries in GBK without the UTF-8 flag, so
//   the caller decodes them (`utf8Name` tells whether the flag is set).
// - Anything off is a ZipFormatError naming what: no end record, offsets outside the file, a
//   method other than stored/deflate, encryption, zip64, a CRC or size that does not match.
// - Bounded: at most `maxEntries` entries and `maxBytes` inflated per entry (a zip bomb stops
//   at the limit instead of filling memory).
import { crc32, inflateRawSync } from 'node:zlib';

export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

export interface ZipReadEntry {
  readonly name: Buffer;
  readonly utf8Name: boolean;
  readonly data: Buffer;
}

export interface ZipReadOptions {
  readonly maxEntries?: number;
  readonly maxBytes?: number;
}

const END_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

export function readZip(bytes: Uint8Array, options: ZipReadOptions = {}): ZipReadEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maxEntries = options.maxEntries ?? 64;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  if (buf.length < 22) throw new ZipFormatError(`not a zip file: ${buf.length} bytes is shorter than a zip's end record`);
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i -= 1) {
    if (buf.readUInt32LE(i) === END_SIG) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipFormatError('not a zip file: no end-of-central-directory record');
  const count = buf.readUInt16LE(end + 10);
  const centralSize = buf.readUInt32LE(end + 12);
  const centralOffset = buf.readUInt32LE(end + 16);
  if (count === 0xffff || centralOffset === 0xffffffff) throw new ZipFormatError('zip64 archives are not read here');
  if (count > maxEntries) throw new ZipFormatError(`the zip holds ${count} entries, more than the ${maxEntries} expected`);
  if (centralOffset + centralSize > end) throw new ZipFormatError('the zip is truncated: its central directory lies outside the file');
  const entries: ZipReadEntry[] = [];
  let p = centralOffset;
  for (let n = 0; n < count; n += 1) {
    if (p + 46 > end || buf.readUInt32LE(p) !== CENTRAL_SIG) throw new ZipFormatError(`zip entry ${n + 1}: broken central directory`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    if (p + 46 + nameLength > end) throw new ZipFormatError(`zip entry ${n + 1}: its name lies outside the directory`);
    const name = Buffer.from(buf.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + extraLength + commentLength;
    if ((flags & 0x1) !== 0) throw new ZipFormatError(`zip entry ${n + 1}: encrypted entries are not read`);
    if (method !== 0 && method !== 8) throw new ZipFormatError(`zip entry ${n + 1}: compression method ${method} (only stored and deflate are read)`);
    if (size > maxBytes) throw new ZipFormatError(`zip entry ${n + 1}: ${size} bytes, over the ${maxBytes}-byte limit`);
    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== LOCAL_SIG) throw new ZipFormatError(`zip entry ${n + 1}: no local header where the directory says`);
    const start = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    if (start + compressedSize > buf.length) throw new ZipFormatError(`zip entry ${n + 1}: its data runs past the end of the file`);
    const raw = buf.subarray(start, start + compressedSize);
    let data: Buffer;
    try {
      data = method === 0 ? Buffer.from(raw) : inflateRawSync(raw, { maxOutputLength: maxBytes });
    } catch (err) {
      throw new ZipFormatError(`zip entry ${n + 1}: its data does not inflate (${err instanceof Error ? err.message : String(err)})`);
    }
    if (data.length !== size) throw new ZipFormatError(`zip entry ${n + 1}: ${data.length} bytes, but the directory says ${size}`);
    if (crc32(data) >>> 0 !== crc >>> 0) throw new ZipFormatError(`zip entry ${n + 1}: its CRC does not match (the file is damaged)`);
    entries.push({ name, utf8Name: (flags & 0x0800) !== 0, data });
  }
  return entries;
}
