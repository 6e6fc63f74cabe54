// The hand-written zip writer, read back by independent readers: yauzl, and Info-ZIP's
// `unzip -t` (which checks every CRC) when it is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { writeZip } from '../../../../src/payments/sandbox/zip-writer.ts';
import { readZip } from './read-zip.ts';

const dir = mkdtempSync(join(tmpdir(), 'kassa-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasUnzip = spawnSync('unzip', ['-v']).status === 0;

describe('writeZip', () => {
  const big = Buffer.from('支付宝交易号,商户订单号\r\n'.repeat(5_000), 'utf8');
  const entries = [
    { name: iconv.encode('2088_20250301_业务明细.csv', 'gbk'), data: iconv.encode('#支付宝业务明细查询\r\n', 'gbk') },
    { name: Buffer.from('empty.txt'), data: Buffer.alloc(0) },
    { name: Buffer.from('big.csv'), data: big },
  ];

  it('writes entries yauzl reads back byte for byte, names as given (GBK, no UTF-8 flag), CRCs right', async () => {
    const zip = writeZip(entries, { modifiedAt: Date.UTC(2025, 2, 1, 2, 0, 0) });
    const read = await readZip(zip);
    expect(read.map((e) => iconv.decode(e.nameBytes, 'gbk'))).toEqual(['2088_20250301_业务明细.csv', 'empty.txt', 'big.csv']);
    expect(read.every((e) => !e.utf8Flag)).toBe(true);
    read.forEach((e, i) => {
      expect(e.data.equals(Buffer.from(entries[i]?.data ?? []))).toBe(true);
      expect(e.crc32).toBe(crc32(e.data));
    });
    expect(zip.length).toBeLessThan(big.length / 10); // deflated
  });

  it('sets the UTF-8 flag when asked', async () => {
    const read = await readZip(writeZip([{ name: Buffer.from('明细.csv', 'utf8'), data: Buffer.from('x') }], { utf8Names: true }));
    expect(read[0]?.utf8Flag).toBe(true);
    expect(read[0]?.nameBytes.toString('utf8')).toBe('明细.csv');
  });

  it.skipIf(!hasUnzip)("passes Info-ZIP's integrity test and lists the GMT+8 time", () => {
    const file = join(dir, 'bill.zip');
    writeFileSync(file, writeZip(entries, { modifiedAt: Date.UTC(2025, 2, 1, 2, 4, 6) }));
    const test = execFileSync('unzip', ['-t', file], { encoding: 'latin1' });
    expect(test).toMatch(/No errors detected/);
    const list = execFileSync('unzip', ['-l', file], { encoding: 'latin1' });
    expect(list).toMatch(/2025-03-01 10:04/);
  });
});
