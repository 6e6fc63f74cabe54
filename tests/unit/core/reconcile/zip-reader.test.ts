import { describe, expect, it } from 'vitest';
import { readZip, ZipFormatError } from '../../../../src/core/reconcile/zip-reader.ts';
import { writeZip } from '../../../../src/payments/sandbox/zip-writer.ts';

const entries = [
  { name: Buffer.from([0xd2, 0xb5, 0xce, 0xf1]), data: Buffer.from('a,b\r\n1,2\r\n'.repeat(100)) }, // "业务" in GBK
  { name: Buffer.from('empty.csv'), data: Buffer.alloc(0) },
];

describe('readZip', () => {
  it('reads back what the zip writer wrote: raw names, the UTF-8 flag, the data', () => {
    const got = readZip(writeZip(entries));
    expect(got.map((e) => [e.name, e.utf8Name, e.data.toString()])).toEqual(entries.map((e) => [e.name, false, e.data.toString()]));
    expect(readZip(writeZip(entries, { utf8Names: true }))[0]?.utf8Name).toBe(true);
  });

  it('refuses what is not a sound zip, saying what is wrong', () => {
    const zip = writeZip(entries);
    const fail = (bytes: Uint8Array, options = {}) => {
      try {
        readZip(bytes, options);
      } catch (err) {
        expect(err).toBeInstanceOf(ZipFormatError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(fail(Buffer.from('PK'))).toMatch(/shorter than a zip's end record/);
    expect(fail(Buffer.alloc(100))).toBe('not a zip file: no end-of-central-directory record');
    const damaged = Buffer.from(zip);
    damaged[40] = (damaged[40] ?? 0) ^ 0xff; // inside the first entry's deflated data
    expect(fail(damaged)).toMatch(/zip entry 1: (its data does not inflate|its CRC does not match|\d+ bytes, but the directory says)/);
    const cut = Buffer.concat([zip.subarray(0, 20), zip.subarray(zip.length - 22)]);
    expect(fail(cut)).toMatch(/truncated|outside|broken/);
    expect(fail(zip, { maxEntries: 1 })).toBe('the zip holds 2 entries, more than the 1 expected');
    expect(fail(zip, { maxBytes: 100 })).toMatch(/zip entry 1: 1000 bytes, over the 100-byte limit/);
    // A bomb whose directory understates its size stops at the limit while inflating.
    const bomb = Buffer.from(writeZip([{ name: Buffer.from('b'), data: Buffer.alloc(1_000_000) }]));
    const central = bomb.readUInt32LE(bomb.length - 22 + 16);
    bomb.writeUInt32LE(10, central + 24);
    expect(fail(bomb, { maxBytes: 1000 })).toMatch(/zip entry 1: its data does not inflate/);
  });
});
