// StarPRNT receipts (star-tsp100): the commands of hardware.md §1 as receipt-printer-encoder
// emits them, Kassa's own cut and drawer bytes, a golden dump, and a read-back through a small
// test-side StarPRNT decoder. Golden files: golden/*.hex, regenerate only with UPDATE_GOLDEN=1.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAWER_PULSE, drawerKick } from '../../../../drivers/drawer/drawer-kick.ts';
import { getPrinterProfile } from '../../../../drivers/printer/printer-profiles.ts';
import { encodeReceipt, encodeReceiptJob, encodeTestPage } from '../../../../drivers/printer/receipt-encoder.ts';
import type { ReceiptJobOptions, ReceiptLogo } from '../../../../drivers/printer/receipt-encoder.ts';
import { STAR_CUT_FEED_FULL, starDrawerPulse } from '../../../../drivers/printer/starprnt.ts';
import { buildReceiptModel, renderReceiptText, textWidth } from '../../../../src/domain/receipt.ts';
import { bytesOf, expectGolden, hex, indexOf, goldenSale } from '../../../support/golden-bytes.ts';


interface StarDecoded {
  lines: { text: string; block: boolean }[];
  qr: string[];
  qrSettings: string[];
  barcodes: string[];
  pulses: string[];
  cuts: string[];
  flushes: number;
}

/** The StarPRNT subset the encoder emits; anything else fails the test. */
function decodeStar(bytes: Uint8Array): StarDecoded {
  const out: StarDecoded = { lines: [], qr: [], qrSettings: [], barcodes: [], pulses: [], cuts: [], flushes: 0 };
  let text = '';
  let block = false;
  const at = (i: number): number => {
    const b = bytes[i];
    if (b === undefined) throw new Error(`truncated command at ${i}`);
    return b;
  };
  const starts = (i: number, h: string): boolean => bytesOf(h).every((x, k) => bytes[i + k] === x);
  let i = 0;
  while (i < bytes.length) {
    const b = at(i);
    if (b === 0x0a) {
      out.lines.push({ text, block });
      text = '';
      block = false;
      i += 1;
    } else if (starts(i, '1B 40 18')) i += 3;
    else if (starts(i, '1B 1D 61') || starts(i, '1B 1D 74')) i += 4;
    else if (starts(i, '1B 45') || starts(i, '1B 46') || starts(i, '1B 30')) i += 2;
    else if (starts(i, '1B 7A 01')) i += 3;
    else if (starts(i, '1B 07')) {
      out.pulses.push(hex(bytes.subarray(i, i + 5)));
      i += 5;
    } else if (starts(i, '1B 64')) {
      out.cuts.push(hex(bytes.subarray(i, i + 3)));
      i += 3;
    } else if (starts(i, '1B 1D 50 30') || starts(i, '1B 1D 50 31')) {
      out.flushes += 1;
      i += 4;
    } else if (starts(i, '1B 1D 79 53')) {
      out.qrSettings.push(hex(bytes.subarray(i, i + 6)));
      i += 6;
    } else if (starts(i, '1B 1D 79 44 31 00')) {
      const n = at(i + 6) + 256 * at(i + 7);
      out.qr.push(String.fromCharCode(...bytes.subarray(i + 8, i + 8 + n)));
      i += 8 + n;
    } else if (starts(i, '1B 1D 79 50')) {
      block = true;
      i += 4;
    } else if (starts(i, '1B 62')) {
      const end = bytes.indexOf(0x1e, i);
      out.barcodes.push(String.fromCharCode(...bytes.subarray(i + 6, end)));
      block = true;
      i = end + 1;
    } else if (starts(i, '1B 58')) {
      // One 24-dot band: width, 3 bytes per column, then LF CR.
      const n = at(i + 2) + 256 * at(i + 3);
      expect(hex(bytes.subarray(i + 4 + 3 * n, i + 6 + 3 * n))).toBe('0A 0D');
      block = true;
      i += 6 + 3 * n;
    } else if (b >= 0x20 && b <= 0x7e) {
      text += String.fromCharCode(b);
      i += 1;
    } else if (b >= 0x80) {
      text += iconv.decode(Buffer.of(b), 'cp858');
      i += 1;
    } else {
      throw new Error(`unexpected byte ${hex([b])} at ${i}`);
    }
  }
  if (text !== '' || block) out.lines.push({ text, block });
  return out;
}

const star = getPrinterProfile('star-tsp100');
const sale = goldenSale;
const enModel = buildReceiptModel(sale('en'), {
  lang: 'en',
  header: ['Kassa Mart', '1 Main Street'],
  footer: ['Thank you!'],
  taxLabels: { standard: 'VAT 13%', reduced: 'VAT 9%' },
});
const QR = 'https://kassa.example/r/T01/42';
const LOGO: ReceiptLogo = { width: 8, height: 4, pixels: Uint8Array.from({ length: 32 }, (_, k) => (k % 9 === 0 ? 1 : 0)) };
const OPTS: ReceiptJobOptions = { cut: true, drawerPulse: DEFAULT_DRAWER_PULSE, logo: LOGO, barcode: 'T01-42', qr: QR };

describe('StarPRNT receipt (star-tsp100)', () => {
  const job = encodeReceiptJob(enModel, star, OPTS);
  const bytes = job.bytes;

  it('matches its golden dump', () => {
    expectGolden('starprnt-tsp100-en', 'star-tsp100 (StarPRNT, 48 columns, cp858): English receipt, logo, drawer, barcode, QR, cut', bytes);
  });

  it('starts with ESC @ CAN (1B 40 18) and opens the drawer at once: 1B 07 05 32 07 (50 ms, 500 ms, device 1)', () => {
    expect(hex(bytes.subarray(0, 8))).toBe('1B 40 18 1B 07 05 32 07');
  });

  it('prints the QR with the StarPRNT commands of hardware.md §1, centred with 1B 1D 61', () => {
    const data = [0x1b, 0x1d, 0x79, 0x44, 0x31, 0x00, QR.length, 0x00, ...Buffer.from(QR)];
    const at = indexOf(bytes, data);
    expect(at).toBeGreaterThan(0);
    expect(hex(bytes.subarray(at - 22, at))).toBe('1B 1D 61 01 1B 1D 79 53 30 02 1B 1D 79 53 32 06 1B 1D 79 53 31 01');
    expect(hex(bytes.subarray(at + data.length, at + data.length + 9))).toBe('1B 1D 79 50 0A 1B 1D 61 00');
  });

  it('ends with the feed-and-cut 1B 64 02, and no ESC/POS command anywhere', () => {
    expect(hex(bytes.subarray(-3))).toBe(hex(STAR_CUT_FEED_FULL));
    for (const escpos of [[0x1d, 0x72], [0x1d, 0x56], [0x1c, 0x26], [0x1b, 0x70], [0x1d, 0x28, 0x6b]]) expect(indexOf(bytes, escpos)).toBe(-1);
  });

  it('reads back as the text rendering, with the QR, barcode, pulse and cut', () => {
    const d = decodeStar(bytes);
    const lines = d.lines.filter((l) => !l.block).map((l) => l.text);
    expect(lines).toEqual(renderReceiptText(enModel, 48).concat(['']));
    expect(job.lines).toEqual(renderReceiptText(enModel, 48));
    expect(d.qr).toEqual([QR]);
    expect(d.qrSettings).toEqual(['1B 1D 79 53 30 02', '1B 1D 79 53 32 06', '1B 1D 79 53 31 01']);
    expect(d.barcodes).toEqual(['T01-42']);
    expect(d.pulses).toEqual(['1B 07 05 32 07']);
    expect(d.cuts).toEqual(['1B 64 02']);
    expect(d.flushes).toBe(0);
  });

  it('flushes the page (1B 1D 50 30, 1B 1D 50 31) when the job is not cut', () => {
    const d = decodeStar(encodeReceipt(enModel, star, { cut: false }));
    expect(d.cuts).toEqual([]);
    expect(d.flushes).toBe(2);
  });

  it('prints a reprint banner in English only and Chinese as "??" per wide character', () => {
    const zh = buildReceiptModel(sale('zh-CN'), { lang: 'zh-CN' });
    const reprinted = encodeReceiptJob(zh, star, { cut: true, reprint: true });
    expect(reprinted.lines[0]).toBe(`${' '.repeat(16)}*** REPRINT ***`);
    const plain = renderReceiptText(zh, 48);
    reprinted.lines.slice(1).forEach((l, k) => expect(textWidth(l)).toBe(textWidth(plain[k] ?? '')));
    expect(reprinted.replaced).toBeGreaterThan(50);
  });

  it('has a test page', () => {
    const page = encodeTestPage(star);
    expectGolden('testpage-star-tsp100', 'encodeTestPage(star-tsp100)', page);
    expect(hex(page.subarray(0, 3))).toBe('1B 40 18');
    expect(hex(page.subarray(-3))).toBe('1B 64 02');
  });
});

describe('starDrawerPulse', () => {
  it('encodes ESC BEL n1 n2 with 10 ms units; pin 5 is device 2 (SUB)', () => {
    expect(hex(starDrawerPulse({ pin: 2, onMs: 200, offMs: 200 }))).toBe('1B 07 14 14 07');
    expect(hex(starDrawerPulse({ pin: 5, onMs: 5, offMs: 1274 }))).toBe('1B 07 01 7F 1A');
  });

  it('refuses out-of-range times and pins instead of clamping them', () => {
    expect(() => starDrawerPulse({ pin: 2, onMs: 4, offMs: 200 })).toThrow(/onMs must be 5–1274 ms/);
    expect(() => starDrawerPulse({ pin: 2, onMs: 50, offMs: 1275 })).toThrow(/offMs must be 5–1274 ms/);
    expect(() => starDrawerPulse({ pin: 3 as 2, onMs: 50, offMs: 500 })).toThrow(/pin must be 2 or 5/);
  });

  it('refuses ESC/POS drawer bytes for a Star printer', () => {
    expect(() => encodeReceipt(enModel, star, { cut: true, drawerPulse: drawerKick(DEFAULT_DRAWER_PULSE) })).toThrow(TypeError);
  });
});
