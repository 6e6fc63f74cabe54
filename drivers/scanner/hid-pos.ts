// Reassembles scans from HID-POS barcode scanner input reports (usage page 0x8C). Hand-written:
// the report layout is vendor-defined (reference/hardware.md §3), so what matters is a small
// per-vendor profile, and node-hid only delivers raw reports. Pure: reports in, events out.
//
// Decisions:
// - The default profile is the common 64-byte layout: [0] report id 0x02, [1] data length in
//   this report, [2..4] AIM id (3 ASCII bytes, or zeros), [5..60] data, [63] bit 0 = more
//   reports follow. Profile offsets always count the report id byte; `reportIdIncluded:
//   false` (hosts that strip it) shifts them down by one and skips the id check.
// - A report with another id is ignored with a warning but does not disturb a message being
//   assembled: scanners may interleave status reports.
// - A bad length byte, or a message over the cap, drops the message with one warning; the
//   rest of that message (reports until one without the "more" flag) is dropped silently, so
//   its tail is never read as a scan of its own. Any short report resets the assembler.
// - The AIM id of the first report that has one wins; zeros, or bytes that are not a valid
//   AIM id, give symbology null (the data is still framed by a checked length, so it stands).
// - Trailing CR/LF in the data are removed: some scanners apply their keyboard suffix here too.
// - Data bytes follow `decodeScanData()`: ASCII plus GS (FNC1), or valid UTF-8.

import { decodeScanData, isAimId } from '../../src/shared/scan-event.ts';
import type { ScanEvent, ScanWarning } from '../../src/shared/scan-event.ts';

/** HID usage page of point-of-sale barcode scanners (USB-IF HID POS Usage Tables 1.02). */
export const HID_POS_USAGE_PAGE = 0x8c;

/** Where things are in one input report; offsets count the report id as byte 0. */
export interface HidPosProfile {
  readonly reportId: number;
  readonly lengthOffset: number;
  /** Offset of 3 AIM id bytes, or null when the vendor sends none. */
  readonly aimOffset: number | null;
  readonly dataOffset: number;
  /** Most data bytes one report can carry. */
  readonly dataMax: number;
  readonly moreFlagOffset: number;
  readonly moreFlagMask: number;
}

export const DEFAULT_HID_POS_PROFILE: HidPosProfile = {
  reportId: 0x02,
  lengthOffset: 1,
  aimOffset: 2,
  dataOffset: 5,
  dataMax: 56,
  moreFlagOffset: 63,
  moreFlagMask: 0x01,
};

export const DEFAULT_MAX_MESSAGE = 1024;

export interface HidPosOptions {
  readonly profile?: HidPosProfile;
  /** Whether reports arrive with the report id as byte 0 (default true, as hidraw does). */
  readonly reportIdIncluded?: boolean;
  /** Longest message in data bytes (default 1024). */
  readonly maxMessage?: number;
}

export type HidPosOutput = ScanEvent | ScanWarning;

function warning(reason: string, bytes: number): ScanWarning {
  return { type: 'SCAN_WARNING', reason, bytes };
}

function hex(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

function checkProfile(p: HidPosProfile, shift: number): void {
  const offsets: Array<[string, number]> = [
    ['lengthOffset', p.lengthOffset],
    ['dataOffset', p.dataOffset],
    ['moreFlagOffset', p.moreFlagOffset],
  ];
  if (p.aimOffset !== null) offsets.push(['aimOffset', p.aimOffset]);
  for (const [name, value] of offsets) {
    if (!Number.isInteger(value) || value < shift) throw new RangeError(`HID-POS profile ${name} must be an integer ≥ ${shift}, got ${value}`);
  }
  if (!Number.isInteger(p.dataMax) || p.dataMax < 1 || p.dataMax > 255) throw new RangeError(`HID-POS profile dataMax must be 1–255, got ${p.dataMax}`);
  if (!Number.isInteger(p.reportId) || p.reportId < 0 || p.reportId > 255) throw new RangeError(`HID-POS profile reportId must be a byte, got ${p.reportId}`);
}

export class HidPosAssembler {
  private readonly profile: HidPosProfile;
  private readonly idIncluded: boolean;
  private readonly maxMessage: number;
  /** Offsets into the report as received. */
  private readonly at: { length: number; aim: number | null; data: number; more: number; minReport: number };
  private parts: Uint8Array[] = [];
  private size = 0;
  private aim: string | null = null;
  /** Dropping the rest of a refused message, up to its last report. */
  private discarding = false;

  constructor(options: HidPosOptions = {}) {
    this.profile = options.profile ?? DEFAULT_HID_POS_PROFILE;
    this.idIncluded = options.reportIdIncluded ?? true;
    this.maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE;
    const shift = this.idIncluded ? 0 : 1;
    checkProfile(this.profile, shift);
    if (!Number.isInteger(this.maxMessage) || this.maxMessage < 1) throw new RangeError(`maxMessage must be a positive integer, got ${this.maxMessage}`);
    const p = this.profile;
    const at = {
      length: p.lengthOffset - shift,
      aim: p.aimOffset === null ? null : p.aimOffset - shift,
      data: p.dataOffset - shift,
      more: p.moreFlagOffset - shift,
    };
    const minReport = Math.max(at.length + 1, at.aim === null ? 0 : at.aim + 3, at.data, at.more + 1);
    this.at = { ...at, minReport };
  }

  /** Feeds one input report; returns a completed scan, a warning, or null (more to come). */
  push(report: Uint8Array): HidPosOutput | null {
    if (this.idIncluded && report[0] !== this.profile.reportId) {
      const id = report[0];
      return warning(`report id ${id === undefined ? 'missing' : hex(id)} is not the scan report ${hex(this.profile.reportId)}: ignored`, report.length);
    }
    if (report.length < this.at.minReport) {
      const dropped = this.size + report.length;
      this.reset();
      return warning(`report of ${report.length} bytes is shorter than the profile's ${this.at.minReport}: message dropped`, dropped);
    }
    const length = report[this.at.length] ?? 0;
    const more = ((report[this.at.more] ?? 0) & this.profile.moreFlagMask) !== 0;
    if (this.discarding) {
      if (!more) this.discarding = false;
      return null;
    }
    const room = Math.min(this.profile.dataMax, report.length - this.at.data);
    if (length > room) {
      const dropped = this.size + report.length;
      this.reset();
      this.discarding = more;
      return warning(`length byte says ${length} but the report holds at most ${room} data bytes: message dropped`, dropped);
    }
    if (this.size + length > this.maxMessage) {
      const dropped = this.size + length;
      this.reset();
      this.discarding = more;
      return warning(`message longer than ${this.maxMessage} bytes: dropped`, dropped);
    }
    if (this.aim === null && this.at.aim !== null) {
      const bytes = report.subarray(this.at.aim, this.at.aim + 3);
      const id = String.fromCharCode(...bytes);
      if (isAimId(id)) this.aim = id;
    }
    if (length > 0) {
      this.parts.push(report.slice(this.at.data, this.at.data + length));
      this.size += length;
    }
    if (more) return null;
    return this.complete();
  }

  /** Forgets a partial message, e.g. when the device is reopened. */
  reset(): void {
    this.parts = [];
    this.size = 0;
    this.aim = null;
    this.discarding = false;
  }

  private complete(): HidPosOutput {
    const message = new Uint8Array(this.size);
    let offset = 0;
    for (const part of this.parts) {
      message.set(part, offset);
      offset += part.length;
    }
    const symbology = this.aim;
    this.reset();
    let end = message.length;
    while (end > 0 && (message[end - 1] === 0x0d || message[end - 1] === 0x0a)) end -= 1;
    if (end === 0) return warning(symbology === null ? 'empty message' : `empty message with AIM id ${symbology}`, message.length);
    const decoded = decodeScanData(message.subarray(0, end));
    if (!decoded.ok) return warning(`${decoded.reason}: message dropped`, message.length);
    return { type: 'SCAN', data: decoded.text, symbology, source: 'hid-pos' };
  }
}
