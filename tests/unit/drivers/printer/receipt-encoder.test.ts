// ESC/POS receipts: profiles against receipt-printer-encoder's model database, golden byte
// dumps (58 mm and 80 mm, Chinese and English, reprint, test pages), the key sequences of
// hardware.md §1 asserted directly, and a small test-side decoder that reads the text, QR and
// barcode back. Golden files: tests/unit/drivers/printer/golden/*.hex; regenerate them only
// with UPDATE_GOLDEN=1 and review the diff.
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAWER_PULSE, drawerKick } from '../../../../drivers/drawer/drawer-kick.ts';
import { realtimeQueriesIn } from '../../../../drivers/printer/escpos-status.ts';
import { getPrinterProfile, PRINTER_PROFILES, validatePrinterProfile } from '../../../../drivers/printer/printer-profiles.ts';
import type { PrinterProfile } from '../../../../drivers/printer/printer-profiles.ts';
import { encodeReceipt, encodeReceiptJob, encodeTestPage, qrCellSize, receiptLines } from '../../../../drivers/printer/receipt-encoder.ts';
import type { ReceiptJobOptions, ReceiptLogo } from '../../../../drivers/printer/receipt-encoder.ts';
import { buildReceiptModel, renderReceiptText, textWidth } from '../../../../src/domain/receipt.ts';
import type { ReceiptModel } from '../../../../src/domain/receipt.ts';
import { bytesOf, expectGolden, hex, indexOf, goldenSale } from '../../../support/golden-bytes.ts';


// ---------------------------------------------------------------------------------------------
// A test-side decoder for the ESC/POS subset the encoder emits; any other byte fails the test.

interface Decoded {
  /** Text lines, one per LF, with whether the line carried a block (logo, barcode, QR). */
  lines: { text: string; block: boolean; bold: boolean }[];
  qr: string[];
  barcodes: string[];
  images: { widthBytes: number; height: number; data: Uint8Array }[];
  pulses: string[];
  cuts: number;
  gsR: number[];
}

function decodeEscPos(bytes: Uint8Array): Decoded {
  const out: Decoded = { lines: [], qr: [], barcodes: [], images: [], pulses: [], cuts: 0, gsR: [] };
  let text = '';
  let block = false;
  let bold = false;
  let lineBold = false;
  let cjk = false;
  let table = 'cp437';
  const at = (i: number): number => {
    const b = bytes[i];
    if (b === undefined) throw new Error(`truncated command at ${i}`);
    return b;
  };
  let i = 0;
  while (i < bytes.length) {
    const b = at(i);
    const b1 = bytes[i + 1];
    if (b === 0x0a) {
      out.lines.push({ text, block, bold: lineBold });
      text = '';
      block = false;
      lineBold = bold;
      i += 1;
    } else if (b === 0x1b && b1 === 0x40) {
      cjk = false;
      bold = false;
      i += 2;
    } else if (b === 0x1b && (b1 === 0x4d || b1 === 0x61)) {
      i += 3;
    } else if (b === 0x1b && b1 === 0x45) {
      bold = at(i + 2) === 1;
      if (bold) lineBold = true;
      i += 3;
    } else if (b === 0x1b && b1 === 0x74) {
      const n = at(i + 2);
      table = n === 0 ? 'cp437' : n === 19 ? 'cp858' : `unknown ${n}`;
      i += 3;
    } else if (b === 0x1b && b1 === 0x70) {
      out.pulses.push(hex(bytes.subarray(i, i + 5)));
      i += 5;
    } else if (b === 0x1c && b1 === 0x26) {
      cjk = true;
      i += 2;
    } else if (b === 0x1c && b1 === 0x2e) {
      cjk = false;
      i += 2;
    } else if (b === 0x1d && (b1 === 0x68 || b1 === 0x77 || b1 === 0x48 || b1 === 0x56)) {
      if (b1 === 0x56) out.cuts += 1;
      i += 3;
    } else if (b === 0x1d && b1 === 0x72) {
      out.gsR.push(at(i + 2));
      i += 3;
    } else if (b === 0x1d && b1 === 0x6b) {
      const n = at(i + 3);
      out.barcodes.push(String.fromCharCode(...bytes.subarray(i + 4, i + 4 + n)));
      block = true;
      i += 4 + n;
    } else if (b === 0x1d && b1 === 0x28 && at(i + 2) === 0x6b) {
      const len = at(i + 3) + 256 * at(i + 4);
      if (at(i + 6) === 0x50) out.qr.push(String.fromCharCode(...bytes.subarray(i + 8, i + 5 + len)));
      if (at(i + 6) === 0x51) block = true;
      i += 5 + len;
    } else if (b === 0x1d && b1 === 0x76 && at(i + 2) === 0x30) {
      const widthBytes = at(i + 4) + 256 * at(i + 5);
      const height = at(i + 6) + 256 * at(i + 7);
      out.images.push({ widthBytes, height, data: bytes.slice(i + 8, i + 8 + widthBytes * height) });
      block = true;
      i += 8 + widthBytes * height;
    } else if (cjk && b >= 0x81) {
      text += iconv.decode(Buffer.from(bytes.subarray(i, i + 2)), 'gbk');
      i += 2;
    } else if (b >= 0x20 && b <= 0x7e) {
      text += String.fromCharCode(b);
      i += 1;
    } else if (b >= 0x80 && !cjk) {
      text += iconv.decode(Buffer.of(b), table);
      i += 1;
    } else {
      throw new Error(`unexpected byte ${hex([b])} at ${i}`);
    }
  }
  if (text !== '' || block) out.lines.push({ text, block, bold: lineBold });
  return out;
}

/** The text lines of a decoded job, without block lines and the blank feeds at the end. */
function printedText(d: Decoded): string[] {
  const lines = d.lines.filter((l) => !l.block).map((l) => l.text);
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Fixtures: two committed sales (made with the domain's cart and tender code, stored as JSON so
// the goldens do not move when a test fixture elsewhere does).

const sale = goldenSale;
const zhModel = buildReceiptModel(sale('zh-CN'), {
  lang: 'zh-CN',
  header: ['卡萨超市 (人民路店)', '电话 010-12345678'],
  footer: ['会员积分合计 120 分', '谢谢惠顾 欢迎再来'],
  taxLabels: { standard: '增值税13%', reduced: '增值税9%' },
});
const enModel = buildReceiptModel(sale('en'), {
  lang: 'en',
  header: ['Kassa Mart', '1 Main Street'],
  footer: ['Thank you!'],
  taxLabels: { standard: 'VAT 13%', reduced: 'VAT 9%' },
});
const QR = 'https://kassa.example/r/T01/42';
const PULSE = drawerKick(DEFAULT_DRAWER_PULSE);

/** A 20×10 logo: a frame with a diagonal, not a multiple of 8 in either direction. */
const LOGO: ReceiptLogo = {
  width: 20,
  height: 10,
  pixels: Uint8Array.from({ length: 200 }, (_, k) => {
    const x = k % 20;
    const y = Math.floor(k / 20);
    return x === 0 || y === 0 || x === 19 || y === 9 || x === 2 * y ? 1 : 0;
  }),
};

const xp58 = getPrinterProfile('xprinter-58');
const gbk80 = getPrinterProfile('generic-80-gbk');
const tmT20 = getPrinterProfile('epson-tm-t20');
const tmT88 = getPrinterProfile('epson-tm-t88');

const GOLDEN_JOBS: { name: string; title: string; model: ReceiptModel; profile: PrinterProfile; opts: ReceiptJobOptions }[] = [
  {
    name: 'escpos-58-gbk-zh',
    title: 'xprinter-58 (32 columns, GBK, no cutter): Chinese receipt, drawer pulse, barcode, QR',
    model: zhModel,
    profile: xp58,
    opts: { cut: true, drawerPulse: PULSE, barcode: '42', qr: QR },
  },
  {
    name: 'escpos-80-gbk-zh-reprint',
    title: 'generic-80-gbk (48 columns, GBK, cutter): Chinese receipt reprinted, barcode, QR, cut',
    model: zhModel,
    profile: gbk80,
    opts: { cut: true, reprint: true, barcode: '42', qr: QR },
  },
  {
    name: 'escpos-80-tm-t20-en',
    title: 'epson-tm-t20 (48 columns, cp858): English receipt, logo, drawer pulse, barcode, QR, cut',
    model: enModel,
    profile: tmT20,
    opts: { cut: true, drawerPulse: PULSE, logo: LOGO, barcode: 'T01-42', qr: QR },
  },
  {
    name: 'escpos-80-tm-t88-en-reprint',
    title: 'epson-tm-t88 (42 columns, cp858): English receipt reprinted, QR, cut',
    model: enModel,
    profile: tmT88,
    opts: { cut: true, reprint: true, qr: QR },
  },
];

describe('printer profiles', () => {
  it("take columns, language and code pages from receipt-printer-encoder's model database", () => {
    for (const profile of Object.values(PRINTER_PROFILES)) {
      const encoder = new ReceiptPrinterEncoder({ printerModel: profile.encoderModel });
      expect(encoder.columns, profile.id).toBe(profile.columns);
      expect(encoder.language, profile.id).toBe(profile.language);
      expect(validatePrinterProfile(profile)).toBe(profile);
    }
    expect(xp58).toMatchObject({ paperMm: 58, columns: 32, cjk: 'gbk-fs', cutter: false });
    expect(gbk80).toMatchObject({ paperMm: 80, columns: 48, cjk: 'gbk-fs', cutter: true });
    expect(tmT20.columns).toBe(48);
    expect(tmT88.columns).toBe(42);
  });

  it('refuses an unknown id, naming the known ones', () => {
    expect(() => getPrinterProfile('tm-t20')).toThrow(/unknown printer profile "tm-t20": expected one of epson-tm-t20, epson-tm-t88, xprinter-58/);
  });

  it('refuses profiles the encoders cannot serve', () => {
    expect(() => validatePrinterProfile({ ...tmT20, id: 'x', codepage: 'cp936' })).toThrow(/code page "cp936" is not available/);
    expect(() => validatePrinterProfile({ ...tmT20, id: 'x', columns: 40 as 42 })).toThrow(/columns must be 32, 42 or 48/);
    expect(() => validatePrinterProfile({ ...getPrinterProfile('star-tsp100'), id: 'x', cjk: 'gbk-fs' })).toThrow(/StarPRNT Chinese/);
    expect(() => validatePrinterProfile({ ...tmT20, id: 'x', language: 'star-prnt' })).toThrow(/speaks esc-pos, not star-prnt/);
    expect(() => validatePrinterProfile({ ...tmT20, id: 'x', encoderModel: 'nope' as 'pos-5890' })).toThrow(/not in receipt-printer-encoder's database/);
  });
});

describe('layout', () => {
  it('prints exactly renderReceiptText(model, profile.columns)', () => {
    for (const profile of [xp58, gbk80]) expect(receiptLines(zhModel, profile)).toEqual(renderReceiptText(zhModel, profile.columns));
    for (const profile of [tmT20, tmT88]) expect(receiptLines(enModel, profile)).toEqual(renderReceiptText(enModel, profile.columns));
  });

  it('puts the reprint banner on top, bilingual on a GB printer', () => {
    expect(receiptLines(zhModel, xp58, { reprint: true })[0]).toBe('      *** REPRINT 重印 ***');
    expect(receiptLines(enModel, tmT88, { reprint: true })[0]).toBe(`${' '.repeat(13)}*** REPRINT ***`);
  });

  it('lays ¥ out as the fullwidth ￥ it prints as on a GB printer, so the amounts stay aligned', () => {
    const model: ReceiptModel = { ...zhModel, header: ['¥ 满100减10'], totals: [{ label: '应付 ¥', value: '¥68.70' }] };
    const lines = receiptLines(model, xp58);
    expect(lines[0]).toBe('          ￥ 满100减10');
    const due = lines.find((l) => l.startsWith('应付'));
    expect(due).toBe(`应付 ￥${' '.repeat(18)}￥68.70`);
    for (const l of lines) expect(textWidth(l)).toBeLessThanOrEqual(32);
  });

  it('keeps every column on a printer without a GB font: each wide character becomes "??"', () => {
    const job = encodeReceiptJob(zhModel, tmT20, { cut: true });
    const plain = renderReceiptText(zhModel, 48);
    expect(job.lines).toHaveLength(plain.length);
    job.lines.forEach((l, k) => expect(textWidth(l)).toBe(textWidth(plain[k] ?? '')));
    expect(job.lines.find((l) => l.startsWith('????') && l.endsWith('68.70'))).toBe(`????${' '.repeat(39)}68.70`);
    expect(job.replaced).toBeGreaterThan(100);
    expect(indexOf(job.bytes, [0x1c, 0x26])).toBe(-1);
  });
});

describe('golden receipts', () => {
  for (const g of GOLDEN_JOBS) {
    it(`${g.name}: ${g.title}`, () => {
      expectGolden(g.name, g.title, encodeReceipt(g.model, g.profile, g.opts));
    });
  }
  for (const profile of [xp58, tmT20]) {
    it(`test page for ${profile.id}`, () => {
      expectGolden(`testpage-${profile.id}`, `encodeTestPage(${profile.id})`, encodeTestPage(profile));
    });
  }
});

describe('key byte sequences (hardware.md §1)', () => {
  const [zh58, zh80] = GOLDEN_JOBS.map((g) => encodeReceiptJob(g.model, g.profile, g.opts));
  if (!zh58 || !zh80) throw new Error('fixtures');

  it('starts with the init, FS . and font A, then the drawer pulse 1B 70 00 19 FA', () => {
    expect(hex(zh58.bytes.subarray(0, 12))).toBe('1B 40 1C 2E 1B 4D 00 1B 70 00 19 FA');
    expect(hex(zh80.bytes.subarray(0, 7))).toBe('1B 40 1C 2E 1B 4D 00');
    expect(indexOf(zh80.bytes, [0x1b, 0x70])).toBe(-1);
  });

  it('wraps Chinese in FS & … FS .: 合计 = BA CF BC C6, 应付 = D3 A6 B8 B6', () => {
    for (const job of [zh58, zh80]) {
      // 优惠合计 (total discounts) and 会员积分合计 (footer).
      const first = indexOf(job.bytes, [0xba, 0xcf, 0xbc, 0xc6]);
      expect(first).toBeGreaterThan(0);
      expect(hex(job.bytes.subarray(first - 6, first + 6))).toBe('1C 26 D3 C5 BB DD BA CF BC C6 1C 2E');
      const footer = indexOf(job.bytes, bytesOf('1C 26 BB E1 D4 B1 BB FD B7 D6 BA CF BC C6 1C 2E'));
      expect(footer).toBeGreaterThan(first);
      // The amount due, bold: ESC E 1, FS & 应付 FS ., spaces, 68.70, ESC E 0, LF.
      const due = indexOf(job.bytes, bytesOf('1B 45 01 1C 26 D3 A6 B8 B6 1C 2E'));
      expect(due).toBeGreaterThan(0);
      const end = indexOf(job.bytes, [0x0a], due);
      expect(hex(job.bytes.subarray(end - 8, end + 1))).toBe('36 38 2E 37 30 1B 45 00 0A');
    }
  });

  it('prints × from code page 858 (ESC t 19), not as a double-width GBK character', () => {
    expect(indexOf(zh58.bytes, bytesOf('1C 2E 20 1B 74 13 9E 32 0A'))).toBeGreaterThan(0);
  });

  it('stores the QR with GS ( k fn180, pL + 256·pH = length + 3, after model 2, size 6, EC M', () => {
    const store = [0x1d, 0x28, 0x6b, QR.length + 3, 0x00, 0x31, 0x50, 0x30, ...Buffer.from(QR)];
    for (const job of [zh58, zh80]) {
      const at = indexOf(job.bytes, store);
      expect(at).toBeGreaterThan(0);
      expect(hex(job.bytes.subarray(at - 25, at))).toBe(
        '1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 06 1D 28 6B 03 00 31 45 31',
      );
      expect(hex(job.bytes.subarray(at + store.length, at + store.length + 8))).toBe('1D 28 6B 03 00 31 51 30');
    }
  });

  it('prints the receipt number as CODE128, centred, HRI below', () => {
    expect(indexOf(zh58.bytes, bytesOf('1B 61 01 1D 68 3C 1D 77 03 1D 48 02 1D 6B 49 04 7B 42 34 32 0A 1B 61 00'))).toBeGreaterThan(0);
    expect(indexOf(zh80.bytes, bytesOf('1D 6B 49 04 7B 42 34 32'))).toBeGreaterThan(0);
  });

  it('cuts with GS V 0 after the encoder feed where there is a cutter, feeds to the tear bar where not', () => {
    expect(indexOf(zh80.bytes, bytesOf('0A 0A 0A 0A 1D 56 00 0A'))).toBeGreaterThan(0);
    expect(indexOf(zh58.bytes, [0x1d, 0x56])).toBe(-1);
    expect(hex(zh58.bytes.subarray(-10))).toBe('1B 61 00 0A 0A 0A 0A 1D 72 01');
  });

  it('ends every job with GS r 1 (1D 72 01), once', () => {
    for (const job of [zh58, zh80]) {
      expect(hex(job.bytes.subarray(-3))).toBe('1D 72 01');
      expect(indexOf(job.bytes, [0x1d, 0x72])).toBe(job.bytes.length - 3);
    }
    expect(hex(encodeTestPage(tmT88).subarray(-3))).toBe('1D 72 01');
  });

  it('marks a reprint with a bold bilingual banner (重印 = D6 D8 D3 A1)', () => {
    expect(indexOf(zh80.bytes, bytesOf('1B 45 01 20'))).toBe(7);
    expect(indexOf(zh80.bytes, bytesOf('2A 2A 2A 20 52 45 50 52 49 4E 54 20 1C 26 D6 D8 D3 A1 1C 2E 20 2A 2A 2A 1B 45 00 0A'))).toBeGreaterThan(0);
    expect(indexOf(zh58.bytes, bytesOf('52 45 50 52 49 4E 54'))).toBe(-1);
  });

  it('contains no accidental DLE EOT the printer would answer', () => {
    for (const g of GOLDEN_JOBS) expect(realtimeQueriesIn(encodeReceipt(g.model, g.profile, g.opts))).toEqual([]);
  });
});

describe('read back by a decoder', () => {
  it('gives the printed lines, QR payload, barcode, pulse and GS r of every golden job', () => {
    for (const g of GOLDEN_JOBS) {
      const job = encodeReceiptJob(g.model, g.profile, g.opts);
      const d = decodeEscPos(job.bytes);
      expect(printedText(d), g.name).toEqual(job.lines);
      const plain = renderReceiptText(g.model, g.profile.columns);
      expect(job.lines.slice(g.opts.reprint ? 1 : 0), g.name).toEqual(plain);
      expect(d.qr).toEqual(g.opts.qr ? [g.opts.qr] : []);
      expect(d.barcodes).toEqual(g.opts.barcode ? [`{B${g.opts.barcode}`] : []);
      expect(d.pulses).toEqual(g.opts.drawerPulse ? ['1B 70 00 19 FA'] : []);
      expect(d.cuts).toBe(g.profile.cutter ? 1 : 0);
      expect(d.gsR).toEqual([1]);
      expect(job.replaced).toBe(0);
    }
  });

  it('prints the store name and the amount due bold', () => {
    const d = decodeEscPos(encodeReceipt(enModel, tmT20, { cut: true }));
    expect(d.lines.filter((l) => l.bold).map((l) => l.text.trim())).toEqual(['Kassa Mart', `TOTAL${' '.repeat(38)}68.70`]);
  });

  it('rasterises the logo dot for dot, padded white to whole bytes and 8 rows', () => {
    const d = decodeEscPos(encodeReceipt(enModel, tmT20, { cut: true, logo: LOGO }));
    expect(d.images).toHaveLength(1);
    const image = d.images[0];
    expect(image).toMatchObject({ widthBytes: 3, height: 16 });
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 24; x++) {
        const dot = ((image?.data[y * 3 + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1;
        const pixel = x < 20 && y < 10 ? (LOGO.pixels[y * 20 + x] ?? 0) : 0;
        expect(dot, `${x},${y}`).toBe(pixel ? 1 : 0);
      }
    }
  });
});

describe('options and refusals', () => {
  it('accepts the pulse as a DrawerPulse too, and refuses one for a profile without drawer', () => {
    const a = encodeReceipt(enModel, tmT20, { cut: true, drawerPulse: DEFAULT_DRAWER_PULSE });
    const b = encodeReceipt(enModel, tmT20, { cut: true, drawerPulse: PULSE });
    expect(hex(a)).toBe(hex(b));
    const noDrawer: PrinterProfile = { ...tmT20, id: 'no-drawer', drawer: false };
    expect(() => encodeReceipt(enModel, noDrawer, { cut: true, drawerPulse: PULSE })).toThrow(/"no-drawer" has no drawer port/);
  });

  it('does not cut when told not to, and still ends with GS r 1', () => {
    const bytes = encodeReceipt(enModel, tmT20, { cut: false });
    expect(indexOf(bytes, [0x1d, 0x56])).toBe(-1);
    expect(hex(bytes.subarray(-7))).toBe('0A 0A 0A 0A 1D 72 01');
  });

  it('refuses QR and barcode data the printer would mangle', () => {
    expect(() => encodeReceipt(enModel, tmT20, { cut: true, qr: 'https://kassa.example/小票' })).toThrow(/QR payload must be printable ASCII/);
    expect(() => encodeReceipt(enModel, tmT20, { cut: true, qr: '' })).toThrow(/QR payload is empty/);
    expect(() => encodeReceipt(enModel, tmT20, { cut: true, barcode: '{A42' })).toThrow(/barcode value must be printable ASCII without \{/);
    expect(() => encodeReceipt(enModel, xp58, { cut: true, barcode: 'X'.repeat(20) })).toThrow(/too long for 32 columns/);
  });

  it('narrows the barcode modules on 58 mm paper when 3 dots would not fit', () => {
    const bytes = encodeReceipt(enModel, xp58, { cut: true, barcode: 'T01-000042' });
    expect(indexOf(bytes, bytesOf('1D 77 02 1D 48 02 1D 6B 49 0C 7B 42'))).toBeGreaterThan(0);
  });

  it('shrinks the QR cell so the symbol fits the paper', () => {
    expect(qrCellSize(QR.length, 32)).toBe(6);
    expect(qrCellSize(251, 32)).toBe(6); // version 11, 61 modules × 6 = 366 ≤ 384 dots
    expect(qrCellSize(287, 32)).toBe(5); // version 12, 65 modules
    expect(qrCellSize(2331, 48)).toBe(3); // version 40, 177 modules
    expect(() => qrCellSize(2332, 48)).toThrow(/exceeds the 2331/);
  });

  it('refuses a logo whose pixels do not match its size', () => {
    expect(() => encodeReceipt(enModel, tmT20, { cut: true, logo: { width: 4, height: 4, pixels: new Uint8Array(15) } })).toThrow(/15 pixels; 4×4 needs 16/);
    expect(() => encodeReceipt(enModel, tmT20, { cut: true, logo: { width: 0, height: 4, pixels: new Uint8Array(0) } })).toThrow(/positive whole pixels/);
  });

  it('does not send the job id anywhere', () => {
    expect(hex(encodeReceipt(enModel, tmT20, { cut: true, jobId: 'job-1' }))).toBe(hex(encodeReceipt(enModel, tmT20, { cut: true })));
  });
});

describe('bench (not a timed assertion)', () => {
  it('receipt_encode_ms: encodes a 30-line receipt', () => {
    const model: ReceiptModel = {
      ...zhModel,
      header: zhModel.header.slice(0, 1),
      items: zhModel.items.slice(0, 3),
      footer: zhModel.footer.slice(0, 1),
    };
    const cases: [string, ReceiptModel, PrinterProfile][] = [
      ['58 mm GBK', model, xp58],
      ['80 mm en', { ...enModel, header: enModel.header.slice(0, 1), items: enModel.items.slice(0, 3) }, tmT20],
    ];
    for (const [label, m, profile] of cases) {
      expect(renderReceiptText(m, profile.columns)).toHaveLength(30);
      const opts: ReceiptJobOptions = { cut: true, drawerPulse: PULSE, barcode: '42', qr: QR };
      for (let k = 0; k < 50; k++) encodeReceipt(m, profile, opts);
      const times: number[] = [];
      for (let k = 0; k < 500; k++) {
        const t0 = performance.now();
        encodeReceipt(m, profile, opts);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const median = times[250] ?? Number.NaN;
      const p99 = times[495] ?? Number.NaN;
      console.log(`receipt_encode_ms ${label}: median ${median.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms (target ≤ 2)`);
      expect(median).toBeGreaterThan(0);
    }
  });
});
