// Writes a .zip archive (PKWARE APPNOTE 6.3: local headers, deflated data, central directory,
// end record) in memory, for the bill download. Hand-written on node:zlib (deflateRawSync,
// crc32): no zip writer is installed (only readers: yauzl, via Electron's extract-zip; and
// cross-zip, which shells out to `zip`), and a writer for a few small files is short.
//
// Decisions:
// - Names are bytes, so the caller chooses their encoding. Alipay's bills name their files in
//   GBK without the UTF-8 flag (general purpose bit 11), and so does this writer when given
//   GBK bytes; `utf8Names: true` sets the flag instead.
// - No zip64, no encryption, no data descriptors: entries must stay below 4 GiB and 65,535 in
//   number, which is checked.
// - Timestamps are MS-DOS local time fields filled from the given GMT+8 wall clock.
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** The file name as stored (already encoded). */
  readonly name: Uint8Array;
  readonly data: Uint8Array;
}

export interface ZipOptions {
  /** Wall-clock time stored for every entry, as GMT+8 epoch ms (default now). */
  readonly modifiedAt?: number;
  readonly utf8Names?: boolean;
}

function dosDateTime(ms: number): { time: number; date: number } {
  const d = new Date(ms + 8 * 60 * 60 * 1000);
  const year = Math.max(1980, d.getUTCFullYear());
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2);
  const date = ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return { time, date };
}

export function writeZip(entries: readonly ZipEntry[], options: ZipOptions = {}): Buffer {
  if (entries.length > 0xffff) throw new RangeError(`a zip without zip64 holds at most 65535 entries, got ${entries.length}`);
  const { time, date } = dosDateTime(options.modifiedAt ?? Date.now());
  const flags = options.utf8Names === true ? 0x0800 : 0;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const compressed = deflateRawSync(entry.data);
    if (entry.data.length > 0xfffffffe || compressed.length > 0xfffffffe) throw new RangeError('a zip entry without zip64 must stay below 4 GiB');
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: MS-DOS, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
