// HID-POS input reports byte for byte, as a scanner using the common 64-byte layout sends them,
// replayed through HidPosAssembler and HidPosScanner. hid-pos.test.ts builds its reports with a
// helper and the encoder round-trips them; this file pins whole reports as hex, so a change
// in either the assembler or the encoder cannot quietly move both.
//
// Where the layout comes from (DEFAULT_HID_POS_PROFILE follows it):
// - Access-IS LSR116/LSR118 product manual, appendix "HID reports – barcode only": [0] report
//   id 2, [1] length of the data field, [2..4] AIM symbology id, [5..60] data (up to 56 bytes),
//   [61] further symbology identifier, [62] reserved, [63] bit 0 "data continued"; its example
//   is a 60-byte boarding pass in two reports (https://manualshive.com/en/manual/access-is/lsr118/lsr118_product-manual_455317-68.html).
// - Honeywell scanners in HID-POS mode send the same layout, with Honeywell's own Code ID in
//   byte 61 and zero padding, as a published capture from a Voyager 1602g shows
//   (https://github.com/HenkVanAsselt/python_hon_usbhid, README).
// - reference/hardware.md §3 and the USB-IF HID POS Usage Tables 1.02 (usage page 0x8C).
// - The Quio QU-R-302 scan engine manual (p. 79) documents a different layout: length at [1],
//   data at [2..57], a vendor symbology byte at [62], "continued" at [63]
//   (http://38.142.81.21:8001/manual/quio/qu-r-302/1-information-english/page-79.html).
// No Zebra HID-POS report layout was found documented, so none is claimed here.
//
// The fixtures are built by hand from those layouts (the data is invented, not captured from a
// device): Honeywell Code IDs d = EAN-13, j = Code 128, s = QR, w = Data Matrix in byte 61.
import { describe, expect, it } from 'vitest';
import { HidPosAssembler } from '../../../../drivers/scanner/hid-pos.ts';
import type { HidPosOutput, HidPosProfile } from '../../../../drivers/scanner/hid-pos.ts';
import { HidPosScanner } from '../../../../drivers/scanner/scanner-driver.ts';
import { scanToHidReports } from '../../../../drivers/sim/virtual-scanner.ts';
import { createMemoryReportPair } from '../../../../drivers/transports/report-transport.ts';
import { classifyScan, DEFAULT_SCAN_RULES } from '../../../../src/domain/barcodes/classify-scan.ts';
import { classifiableText } from '../../../../src/shared/scan-event.ts';
import type { ScanEvent, ScanWarning } from '../../../../src/shared/scan-event.ts';

/** One 64-byte input report, four rows of 16 hex bytes. */
function report(...rows: string[]): Uint8Array {
  const bytes = rows.join(' ').trim().split(/\s+/).map((h) => Number.parseInt(h, 16));
  if (bytes.length !== 64 || bytes.some((b) => !(b >= 0 && b <= 0xff))) throw new Error(`fixture report must be 64 hex bytes, got ${bytes.length}`);
  return Uint8Array.from(bytes);
}

const GS = '\x1d';

const RECORDED = {
  // EAN-13 6901234567892 (]E0, Code ID d) with the scanner's keyboard suffix CR still in the data.
  ean13Cr: [
    report(
      '02 0E 5D 45 30 36 39 30 31 32 33 34 35 36 37 38',
      '39 32 0D 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 64 00 00',
    ),
  ],
  // A WeChat Pay customer code (18 digits starting 13) as Code 128 (]C0, Code ID j).
  wechatCode: [
    report(
      '02 12 5D 43 30 31 33 34 35 36 37 38 39 30 31 32',
      '33 34 35 36 37 38 39 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 6A 00 00',
    ),
  ],
  // An IATA boarding pass (BCBP) in a QR code: 60 bytes, 56 + 4.
  boardingPass: [
    report(
      '02 38 5D 51 31 4D 31 5A 48 41 4E 47 2F 57 45 49',
      '20 20 20 20 20 20 20 20 20 20 20 45 4B 41 53 53',
      '41 31 20 50 45 4B 53 48 41 4D 55 20 35 31 33 37',
      '20 33 32 39 59 30 32 31 43 30 30 34 32 73 00 01',
    ),
    report(
      '02 04 5D 51 31 20 31 30 30 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 73 00 00',
    ),
  ],
  // GS1 DataMatrix (]d2, Code ID w): (01)(17)(10)<GS>(21)<GS>(3103); the second GS lands in the second report.
  gs1DataMatrix: [
    report(
      '02 38 5D 64 32 30 31 30 36 39 30 31 32 33 34 35',
      '36 37 38 39 32 31 37 32 37 31 32 33 31 31 30 42',
      '32 30 32 36 2D 31 31 2D 41 2D 30 30 30 31 1D 32',
      '31 53 4E 30 30 30 30 30 30 30 30 30 30 77 00 01',
    ),
    report(
      '02 11 5D 64 32 31 32 33 34 35 36 1D 33 31 30 33',
      '30 30 30 37 35 30 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 77 00 00',
    ),
  ],
  // A 141-byte coupon URL in a QR code: three reports (56 + 56 + 29).
  couponUrl: [
    report(
      '02 38 5D 51 31 68 74 74 70 73 3A 2F 2F 63 6F 75',
      '70 6F 6E 73 2E 65 78 61 6D 70 6C 65 2E 63 6E 2F',
      '72 65 64 65 65 6D 3F 63 61 6D 70 61 69 67 6E 3D',
      '32 30 32 36 2D 64 6F 75 62 6C 65 2D 31 73 00 01',
    ),
    report(
      '02 38 5D 51 31 31 26 73 74 6F 72 65 3D 53 48 2D',
      '30 30 34 32 26 63 6F 64 65 3D 4B 37 51 32 2D 4D',
      '39 58 50 2D 34 54 54 52 2D 38 57 5A 41 26 73 69',
      '67 3D 33 66 39 61 31 63 37 65 35 62 32 73 00 01',
    ),
    report(
      '02 1D 5D 51 31 64 38 66 36 30 34 31 61 39 63 33',
      '65 37 62 35 64 32 66 38 61 36 31 63 34 65 39 62',
      '37 64 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 73 00 00',
    ),
  ],
  // A shop's contact QR with CR LF line breaks inside: Kassa cannot take it as a scan.
  multiLine: [
    report(
      '02 38 5D 51 31 4B 61 73 73 61 20 42 61 6B 65 72',
      '79 0D 0A 54 65 6C 20 30 32 31 2D 35 35 35 35 2D',
      '30 31 30 31 0D 0A 57 69 2D 46 69 3A 20 4B 41 53',
      '53 41 2D 47 55 45 53 54 20 2F 20 70 77 73 00 01',
    ),
    report(
      '02 0B 5D 51 31 3A 20 62 72 65 61 64 32 30 32 36',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 73 00 00',
    ),
  ],
} satisfies Record<string, Uint8Array[]>;

// The Quio layout: report id 2, [1] length, [2..57] data, [62] vendor symbology byte ('Q'), [63] bit 0 continued.
const QUIO: HidPosProfile = { reportId: 0x02, lengthOffset: 1, aimOffset: null, dataOffset: 2, dataMax: 56, moreFlagOffset: 63, moreFlagMask: 0x01 };
const QUIO_REPORTS = [
    report(
      '02 38 68 74 74 70 73 3A 2F 2F 6B 61 73 73 61 2E',
      '65 78 61 6D 70 6C 65 2E 6F 72 67 2F 72 65 63 65',
      '69 70 74 2F 54 30 31 2D 32 30 32 36 31 31 32 35',
      '2D 30 30 30 31 32 33 3F 76 3D 00 00 00 00 51 01',
    ),
    report(
      '02 0E 41 41 41 41 41 41 41 41 41 41 41 41 41 41',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 51 00',
    ),
];

const BOARDING_PASS = 'M1ZHANG/WEI           EKASSA1 PEKSHAMU 5137 329Y021C0042 100';
const GS1_DATA = `0106901234567892` + `17271231` + `10B2026-11-A-0001${GS}` + `21SN0000000000123456${GS}` + `3103000750`;
const COUPON_URL =
  'https://coupons.example.cn/redeem?campaign=2026-double-11&store=SH-0042&code=K7Q2-M9XP-4TTR-8WZA&sig=3f9a1c7e5b2d8f6041a9c3e7b5d2f8a61c4e9b7d';

const scan = (data: string, symbology: string | null): ScanEvent => ({ type: 'SCAN', data, symbology, source: 'hid-pos' });

function assemble(reports: readonly Uint8Array[], assembler = new HidPosAssembler()): Array<HidPosOutput | null> {
  return reports.map((r) => assembler.push(r));
}

function message(reports: readonly Uint8Array[]): HidPosOutput | null {
  const outs = assemble(reports);
  expect(outs.slice(0, -1)).toEqual(outs.slice(0, -1).map(() => null));
  return outs.at(-1) ?? null;
}

describe('HID-POS fixture reports, Honeywell / Access-IS layout', () => {
  it('the fixtures are laid out as documented: id 2, length, AIM, Code ID at 61, continued flag on all but the last', () => {
    for (const [name, reports] of Object.entries(RECORDED)) {
      reports.forEach((r, i) => {
        const where = `${name} report ${i + 1}`;
        expect(r[0], where).toBe(0x02);
        expect(r[1], where).toBeLessThanOrEqual(56);
        expect(String.fromCharCode(r[2]!), where).toBe(']');
        expect(r[61], where).toBeGreaterThan(0x20);
        expect(r[63], where).toBe(i < reports.length - 1 ? 0x01 : 0x00);
        expect([...r.subarray(5 + r[1]!, 61)].every((b) => b === 0), `${where}: zero padding`).toBe(true);
      });
    }
  });

  it('EAN-13 with a trailing CR: the suffix is stripped and the code classifies as a product', () => {
    const out = message(RECORDED.ean13Cr);
    expect(out).toEqual(scan('6901234567892', ']E0'));
    expect(classifyScan(classifiableText(out as ScanEvent), DEFAULT_SCAN_RULES, 'CNY')).toMatchObject({ kind: 'product', gtin: '06901234567892' });
  });

  it('a WeChat Pay code in Code 128 goes to payment, not to the catalogue', () => {
    const out = message(RECORDED.wechatCode);
    expect(out).toEqual(scan('134567890123456789', ']C0'));
    expect(classifyScan(classifiableText(out as ScanEvent), DEFAULT_SCAN_RULES, 'CNY')).toEqual({
      kind: 'payment-code',
      data: ']C0134567890123456789',
      wallet: 'wechat',
      code: '134567890123456789',
    });
  });

  it('a 60-byte boarding pass in two reports (56 + 4) is one scan', () => {
    expect(RECORDED.boardingPass.map((r) => r[1])).toEqual([56, 4]);
    expect(message(RECORDED.boardingPass)).toEqual(scan(BOARDING_PASS, ']Q1'));
  });

  it('a GS1 DataMatrix across two reports keeps its FNC1 separators and reads as a weighed item', () => {
    const out = message(RECORDED.gs1DataMatrix);
    expect(out).toEqual(scan(GS1_DATA, ']d2'));
    expect(classifyScan(classifiableText(out as ScanEvent), DEFAULT_SCAN_RULES, 'CNY')).toMatchObject({
      kind: 'weighted-product',
      weightGrams: 750,
      gs1: { gtin: '06901234567892', expiry: '2027-12-31', batch: 'B2026-11-A-0001', serial: 'SN0000000000123456', netWeightGrams: 750 },
    });
  });

  it('a 141-byte URL in three reports is one scan', () => {
    expect(RECORDED.couponUrl.map((r) => r[1])).toEqual([56, 56, 29]);
    expect(message(RECORDED.couponUrl)).toEqual(scan(COUPON_URL, ']Q1'));
  });

  it('a multi-line code is refused with a warning naming the byte, and the next scan reads', () => {
    const assembler = new HidPosAssembler();
    const outs = assemble([...RECORDED.multiLine, ...RECORDED.ean13Cr], assembler);
    expect(outs[0]).toBeNull();
    expect(outs[1]).toEqual({ type: 'SCAN_WARNING', reason: 'control byte 0x0D at position 13: message dropped', bytes: 67 });
    expect(outs[2]).toEqual(scan('6901234567892', ']E0'));
  });

  it('the encoder the simulators use produces these reports except for the vendor Code ID byte', () => {
    const strip = (reports: readonly Uint8Array[]): number[][] => reports.map((r) => [...r.subarray(0, 61), ...r.subarray(62)]);
    expect(strip(scanToHidReports(BOARDING_PASS, { aim: ']Q1' }))).toEqual(strip(RECORDED.boardingPass));
    expect(strip(scanToHidReports(GS1_DATA, { aim: ']d2' }))).toEqual(strip(RECORDED.gs1DataMatrix));
    expect(strip(scanToHidReports(COUPON_URL, { aim: ']Q1' }))).toEqual(strip(RECORDED.couponUrl));
  });

  it('replayed back to back through HidPosScanner on a memory link: one SCAN per message, one warning', async () => {
    const pair = createMemoryReportPair({ name: 'hidraw' });
    await pair.a.open();
    await pair.b.open();
    const scanner = new HidPosScanner();
    const scans: ScanEvent[] = [];
    const warnings: ScanWarning[] = [];
    scanner.onScan((s) => scans.push(s));
    scanner.onWarning((w) => warnings.push(w));
    scanner.attach(pair.a);
    const session = [RECORDED.ean13Cr, RECORDED.boardingPass, RECORDED.multiLine, RECORDED.gs1DataMatrix, RECORDED.couponUrl, RECORDED.wechatCode];
    for (const reports of session) for (const r of reports) await pair.b.write(r);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scans.map((s) => s.data)).toEqual(['6901234567892', BOARDING_PASS, GS1_DATA, COUPON_URL, '134567890123456789']);
    expect(scans.map((s) => s.symbology)).toEqual([']E0', ']Q1', ']d2', ']Q1', ']C0']);
    expect(warnings).toHaveLength(1);
    expect(scanner.stats()).toEqual({ scans: 5, warnings: 1, garbageBytes: 67 });
  });
});

describe('HID-POS fixture reports, Quio QU-R-302 layout', () => {
  it('reads the other documented layout with one profile object; the default profile refuses it', () => {
    const url = `https://kassa.example.org/receipt/T01-20261125-000123?v=${'A'.repeat(14)}`;
    const assembler = new HidPosAssembler({ profile: QUIO });
    expect(assemble(QUIO_REPORTS, assembler)).toEqual([null, { type: 'SCAN', data: url, symbology: null, source: 'hid-pos' }]);
    // Read with the default profile, the first report's zero bytes after its data (58–60) fall
    // inside the default data field: the message is refused instead of read wrong.
    expect(assemble(QUIO_REPORTS)).toEqual([null, expect.objectContaining({ type: 'SCAN_WARNING', reason: 'control byte 0x00 at position 54: message dropped' })]);
  });
});
