// What every scanner path (serial, HID-POS, keyboard wedge, simulator) hands to the machines,
// and the byte rules the two byte-level paths share so they agree on what scan data may be.
// Hand-written: a type, one pattern and a strict decode; TextDecoder does the UTF-8 part.

/** Which path a scan came through. */
export type ScanSource = 'serial' | 'hid-pos' | 'keyboard' | 'sim';

/** One scan, classified later by `classifyScan()`. */
export interface ScanEvent {
  readonly type: 'SCAN';
  /** The barcode's data: no prefix, suffix or AIM id (when the path could strip one). */
  readonly data: string;
  /** AIM symbology id such as `]E0`, or null when the path does not report one. */
  readonly symbology: string | null;
  readonly source: ScanSource;
}

/**
 * The string `classifyScan()` takes: the AIM id back in front of the data, because the
 * classifier reads it there (]C1 means GS1, ]E0 prefers UPC-E, EAN ids are never wallets).
 */
export function classifiableText(scan: ScanEvent): string {
  return `${scan.symbology ?? ''}${scan.data}`;
}

/** Bytes a driver refused or could not frame; `bytes` is how many were dropped (0: none). */
export interface ScanWarning {
  readonly type: 'SCAN_WARNING';
  readonly reason: string;
  readonly bytes: number;
}

const AIM_ID = /^\][A-Za-z][0-9A-Za-z]$/;

/** Whether `s` is exactly an AIM id: `]`, a symbology letter and a modifier (ISO/IEC 15424). */
export function isAimId(s: string): boolean {
  return AIM_ID.test(s);
}

export type DecodedScanData = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

function hex(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

let utf8: InstanceType<typeof TextDecoder> | null = null;

/**
 * Decodes scan data bytes. Scanners send ASCII; GS (0x1D) stays because it is FNC1 in GS1
 * data. Bytes above 0x7F are accepted only as valid UTF-8 (a QR code may carry text), so a
 * real non-ASCII code reaches `classifyScan()`, which names the character it refuses, while
 * line noise from a wrong baud rate, which is almost never valid UTF-8, is refused here.
 * Control characters (C0 other than GS, DEL, C1) are refused either way.
 */
export function decodeScanData(bytes: Uint8Array): DecodedScanData {
  let text = '';
  let ascii = true;
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i] ?? 0;
    if (b >= 0x80) {
      ascii = false;
      break;
    }
    if ((b < 0x20 && b !== 0x1d) || b === 0x7f) return { ok: false, reason: `control byte ${hex(b)} at position ${i + 1}` };
    text += String.fromCharCode(b);
  }
  if (ascii) return { ok: true, text };
  try {
    utf8 ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    text = utf8.decode(bytes);
  } catch {
    const at = bytes.findIndex((b) => b >= 0x80);
    return { ok: false, reason: `byte ${hex(bytes[at] ?? 0)} at position ${at + 1} is not ASCII and the data is not valid UTF-8 (wrong baud rate or encoding?)` };
  }
  let position = 0;
  for (const ch of text) {
    position += 1;
    const c = ch.codePointAt(0) ?? 0;
    if ((c < 0x20 && c !== 0x1d) || (c >= 0x7f && c <= 0x9f)) {
      return { ok: false, reason: `control character U+${c.toString(16).toUpperCase().padStart(4, '0')} at character ${position}` };
    }
  }
  return { ok: true, text };
}
