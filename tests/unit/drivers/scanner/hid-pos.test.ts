import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HID_POS_PROFILE, HidPosAssembler } from '../../../../drivers/scanner/hid-pos.ts';
import type { HidPosOutput, HidPosProfile } from '../../../../drivers/scanner/hid-pos.ts';
import { classifyScan, DEFAULT_SCAN_RULES } from '../../../../src/domain/barcodes/classify-scan.ts';
import { classifiableText } from '../../../../src/shared/scan-event.ts';

const GS = '\x1d';
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/**
 * One report in the common 64-byte layout, byte by byte as a scanner sends it:
 * [0] id, [1] length, [2..4] AIM, [5..60] data, [61..62] unused, [63] bit 0 = more follow.
 */
function report(opts: { id?: number; length?: number; aim?: string | null; data: string; more?: boolean; size?: number }): Uint8Array {
  const r = new Uint8Array(opts.size ?? 64);
  r[0] = opts.id ?? 0x02;
  const data = ascii(opts.data);
  r[1] = opts.length ?? data.length;
  if (opts.aim != null) r.set(ascii(opts.aim), 2);
  r.set(data.slice(0, Math.max(0, Math.min(data.length, r.length - 5))), 5);
  if (opts.more === true) r[63] = 0x01;
  return r;
}

const scan = (data: string, symbology: string | null): HidPosOutput => ({ type: 'SCAN', data, symbology, source: 'hid-pos' });

// (01) GTIN, (17) expiry, (10) batch ⟨GS⟩ (21) serial ⟨GS⟩ (3103) net weight: 80 bytes, two reports.
const GS1_QR = `010950110153000317261231` + `10LOT-2024-0001-ABCDEF${GS}` + `21SN000000000000123456${GS}` + `3103001250`;

describe('HID-POS assembler: default 64-byte profile', () => {
  it('reads a single-report EAN-13 with AIM ]E0', () => {
    // As recorded: 02 0D 5D 45 30 "4006381333931" then zeros.
    const r = new Uint8Array(64);
    r.set([0x02, 0x0d, 0x5d, 0x45, 0x30, 0x34, 0x30, 0x30, 0x36, 0x33, 0x38, 0x31, 0x33, 0x33, 0x33, 0x39, 0x33, 0x31]);
    expect(new HidPosAssembler().push(r)).toEqual(scan('4006381333931', ']E0'));
  });

  it('joins a two-report GS1 QR code with GS separators', () => {
    expect(GS1_QR.length).toBe(80);
    const first = report({ aim: ']Q3', data: GS1_QR.slice(0, 56), more: true });
    const second = report({ aim: ']Q3', data: GS1_QR.slice(56) });
    expect(first[1]).toBe(56);
    expect(second[1]).toBe(24);
    const hid = new HidPosAssembler();
    expect(hid.push(first)).toBeNull();
    const out = hid.push(second);
    expect(out).toEqual(scan(GS1_QR, ']Q3'));
    if (out?.type !== 'SCAN') throw new Error('expected a scan');
    expect(classifyScan(classifiableText(out), DEFAULT_SCAN_RULES, 'CNY')).toMatchObject({
      kind: 'weighted-product',
      weightGrams: 1250,
      gs1: { gtin: '09501101530003', batch: 'LOT-2024-0001-ABCDEF', serial: 'SN000000000000123456' },
    });
  });

  it('gives symbology null for zeroed or invalid AIM bytes', () => {
    expect(new HidPosAssembler().push(report({ data: '96385074' }))).toEqual(scan('96385074', null));
    expect(new HidPosAssembler().push(report({ aim: 'E0!', data: '96385074' }))).toEqual(scan('96385074', null));
  });

  it('keeps the first AIM id of a message', () => {
    const hid = new HidPosAssembler();
    expect(hid.push(report({ aim: ']C1', data: '0109501101530003', more: true }))).toBeNull();
    expect(hid.push(report({ data: `${GS}10ABC` }))).toEqual(scan(`0109501101530003${GS}10ABC`, ']C1'));
  });

  it('removes a trailing CR/LF suffix', () => {
    expect(new HidPosAssembler().push(report({ aim: ']E4', data: '96385074\r\n' }))).toEqual(scan('96385074', ']E4'));
  });

  it('refuses a length byte over the report and recovers on the next message', () => {
    const hid = new HidPosAssembler();
    expect(hid.push(report({ aim: ']E0', data: '4006381333931', length: 57 }))).toMatchObject({ type: 'SCAN_WARNING', reason: expect.stringContaining('57') });
    expect(hid.push(report({ aim: ']E4', data: '96385074' }))).toEqual(scan('96385074', ']E4'));
  });

  it('refuses a report shorter than the layout, and a length byte far over dataMax', () => {
    const short = new HidPosAssembler().push(report({ data: '4006381333931' }).slice(0, 12));
    expect(short).toMatchObject({ type: 'SCAN_WARNING', reason: expect.stringContaining('shorter'), bytes: 12 });
    const long = report({ data: 'X'.repeat(56) });
    long[1] = 200;
    expect(new HidPosAssembler().push(long)).toMatchObject({ type: 'SCAN_WARNING', reason: expect.stringContaining('200') });
  });

  it('drops the whole message when a middle report has a bad length, then reads the next', () => {
    const hid = new HidPosAssembler();
    expect(hid.push(report({ aim: ']Q1', data: 'A'.repeat(56), more: true }))).toBeNull();
    expect(hid.push(report({ aim: ']Q1', data: 'B'.repeat(56), length: 99, more: true }))).toMatchObject({ type: 'SCAN_WARNING', bytes: 56 + 64 });
    expect(hid.push(report({ aim: ']Q1', data: 'tail of the broken message' }))).toBeNull();
    expect(hid.push(report({ aim: ']E4', data: '96385074' }))).toEqual(scan('96385074', ']E4'));
  });

  it('ignores a report with another id without disturbing the message', () => {
    const hid = new HidPosAssembler();
    expect(hid.push(report({ aim: ']C1', data: '0109501101530003', more: true }))).toBeNull();
    expect(hid.push(report({ id: 0x04, data: 'status' }))).toMatchObject({ type: 'SCAN_WARNING', reason: expect.stringContaining('0x04'), bytes: 64 });
    expect(hid.push(report({ data: '10ABC' }))).toEqual(scan('010950110153000310ABC', ']C1'));
    expect(hid.push(new Uint8Array(0))).toMatchObject({ type: 'SCAN_WARNING' });
  });

  it('drops a message over 1024 bytes with one warning, then reads the next', () => {
    const hid = new HidPosAssembler();
    const outs = Array.from({ length: 25 }, (_, i) => hid.push(report({ aim: ']Q1', data: 'Z'.repeat(56), more: i < 24 })));
    const warnings = outs.filter((o) => o !== null);
    expect(warnings).toEqual([expect.objectContaining({ type: 'SCAN_WARNING', bytes: 19 * 56 })]);
    expect(outs[18]).not.toBeNull();
    expect(hid.push(report({ aim: ']E0', data: '4006381333931' }))).toEqual(scan('4006381333931', ']E0'));
  });

  it('accepts exactly 1024 bytes', () => {
    const hid = new HidPosAssembler();
    const sizes = [...Array.from({ length: 18 }, () => 56), 1024 - 18 * 56];
    const outs = sizes.map((n, i) => hid.push(report({ data: 'Q'.repeat(n), more: i < sizes.length - 1 })));
    expect(outs.slice(0, -1).every((o) => o === null)).toBe(true);
    expect(outs.at(-1)).toEqual(scan('Q'.repeat(1024), null));
  });

  it('warns about empty messages and bad data bytes', () => {
    expect(new HidPosAssembler().push(report({ aim: ']E0', data: '' }))).toMatchObject({ type: 'SCAN_WARNING', reason: expect.stringContaining('empty') });
    expect(new HidPosAssembler().push(report({ data: '123\x00456' }))).toMatchObject({ type: 'SCAN_WARNING', reason: expect.stringContaining('0x00') });
  });

  it('reads reports whose id the host stripped', () => {
    const hid = new HidPosAssembler({ reportIdIncluded: false });
    const first = report({ aim: ']Q3', data: GS1_QR.slice(0, 56), more: true }).subarray(1);
    const second = report({ aim: ']Q3', data: GS1_QR.slice(56) }).subarray(1);
    expect(first.length).toBe(63);
    expect(hid.push(first)).toBeNull();
    expect(hid.push(second)).toEqual(scan(GS1_QR, ']Q3'));
  });

  it('takes another vendor layout as one profile object', () => {
    // Hypothetical vendor: id 0x04, [1] more flag in bit 7, [2] length, no AIM, data from [3], 32-byte reports.
    const profile: HidPosProfile = { reportId: 0x04, lengthOffset: 2, aimOffset: null, dataOffset: 3, dataMax: 29, moreFlagOffset: 1, moreFlagMask: 0x80 };
    const vendor = (data: string, more: boolean): Uint8Array => {
      const r = new Uint8Array(32);
      r.set([0x04, more ? 0x80 : 0x00, data.length, ...ascii(data)]);
      return r;
    };
    const hid = new HidPosAssembler({ profile });
    expect(hid.push(vendor('0123456789012345678901234567', true))).toBeNull();
    expect(hid.push(vendor('89', false))).toEqual(scan('012345678901234567890123456789', null));
    // A host that trims the report after the data: the length byte must fit what arrived.
    expect(hid.push(vendor('96385074', false).slice(0, 11))).toEqual(scan('96385074', null));
    expect(hid.push(vendor('96385074', false).slice(0, 10))).toMatchObject({ type: 'SCAN_WARNING', reason: expect.stringContaining('at most 7') });
  });

  it('refuses a profile that cannot work', () => {
    expect(() => new HidPosAssembler({ profile: { ...DEFAULT_HID_POS_PROFILE, dataMax: 0 } })).toThrow(RangeError);
    expect(() => new HidPosAssembler({ profile: { ...DEFAULT_HID_POS_PROFILE, lengthOffset: 0 }, reportIdIncluded: false })).toThrow(RangeError);
  });
});

describe('HID-POS assembler: properties', () => {
  it('never throws on arbitrary reports, and every output is well formed', () => {
    const reportArb = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      // Mostly-plausible reports reach deeper: right id, random length, flag and payload.
      fc.record({ len: fc.integer({ min: 0, max: 255 }), more: fc.boolean(), body: fc.uint8Array({ minLength: 62, maxLength: 62 }) }).map(({ len, more, body }) => {
        const r = new Uint8Array(64);
        r.set([0x02, len], 0);
        r.set(body, 2);
        r[63] = more ? 1 : 0;
        return r;
      }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 1, max: 300 }), fc.array(reportArb, { maxLength: 40 }), (included, maxMessage, reports) => {
        const hid = new HidPosAssembler({ reportIdIncluded: included, maxMessage });
        for (const r of reports) {
          const out = hid.push(r);
          if (out === null) continue;
          if (out.type === 'SCAN') {
            expect(out.data.length).toBeGreaterThan(0);
            expect(out.data.length).toBeLessThanOrEqual(maxMessage);
          } else {
            expect(out.reason.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reassembles any printable message, however many reports it takes', () => {
    const dataArb = fc.array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x1d)), { minLength: 1, maxLength: 1024 }).map((cs) => String.fromCharCode(...cs));
    fc.assert(
      fc.property(dataArb, fc.constantFrom(']E0', ']Q1', ']d2', null), (data, aim) => {
        const hid = new HidPosAssembler();
        const outs: Array<HidPosOutput | null> = [];
        for (let at = 0; at < data.length; at += 56) outs.push(hid.push(report({ aim, data: data.slice(at, at + 56), more: at + 56 < data.length })));
        expect(outs.slice(0, -1).every((o) => o === null)).toBe(true);
        expect(outs.at(-1)).toEqual(scan(data, aim));
      }),
      { numRuns: 200 },
    );
  });
});
