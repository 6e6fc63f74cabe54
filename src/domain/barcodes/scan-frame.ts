// Unwraps what a scanner sent: surrounding whitespace and CR/LF suffix, then the AIM
// symbology identifier (`]` + code char + modifier). Hand-written: three characters of
// framing do not warrant a library, and the AIM table below is the subset Kassa acts on.

/** ASCII 29 (GS): how scanners transmit FNC1 inside a GS1 element string. */
export const GS = '\x1d';

/** Longest scan Kassa classifies; longer input is refused before any parsing. */
export const MAX_SCAN_LENGTH = 128;

/** AIM ids whose data is a GS1 element string. */
export const GS1_AIM_IDS: ReadonlySet<string> = new Set([']C1', ']e0', ']d2', ']Q3', ']J1']);

/** AIM ids of the EAN/UPC family: their data is never a payment code. */
export const EAN_AIM_IDS: ReadonlySet<string> = new Set([']E0', ']E1', ']E2', ']E3', ']E4']);

const AIM_NAMES: Readonly<Record<string, string>> = {
  ']E0': 'EAN-13/UPC',
  ']E3': 'EAN/UPC with add-on',
  ']E4': 'EAN-8',
  ']C0': 'Code 128',
  ']C1': 'GS1-128',
  ']Q1': 'QR Code',
  ']Q3': 'GS1 QR Code',
  ']d1': 'Data Matrix',
  ']d2': 'GS1 DataMatrix',
  ']e0': 'GS1 DataBar',
  ']A0': 'Code 39',
  ']I0': 'Interleaved 2 of 5',
  ']J1': 'GS1 DotCode',
};

/** A readable name for an AIM id, e.g. "]C1" → "GS1-128"; unknown ids are returned as is. */
export function aimName(aim: string): string {
  return AIM_NAMES[aim] ?? aim;
}

export type FramedScan = { ok: true; aim: string | null; text: string } | { ok: false; reason: string };

function describeChar(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Trims, strips the AIM id, and refuses what no barcode Kassa reads can contain: control
 * characters other than GS, non-ASCII characters, and more than MAX_SCAN_LENGTH characters.
 */
export function frameScan(data: string): FramedScan {
  // Length first, so a runaway buffer is refused without scanning all of it twice.
  if (data.length > MAX_SCAN_LENGTH * 4) {
    return { ok: false, reason: `scan is ${data.length} characters; at most ${MAX_SCAN_LENGTH} allowed` };
  }
  let text = data.trim();
  let aim: string | null = null;
  if (/^\][A-Za-z][0-9A-Za-z]/.test(text)) {
    aim = text.slice(0, 3);
    text = text.slice(3).trim();
  }
  if (text.length === 0) return { ok: false, reason: aim === null ? 'empty scan' : `empty scan after AIM id ${aim}` };
  if (text.length > MAX_SCAN_LENGTH) {
    return { ok: false, reason: `scan is ${text.length} characters; at most ${MAX_SCAN_LENGTH} allowed` };
  }
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x1d) continue;
    if (c < 0x20 || c === 0x7f) return { ok: false, reason: `control character ${describeChar(c)} at position ${i + 1}` };
    if (c > 0x7e) return { ok: false, reason: `non-ASCII character ${describeChar(c)} at position ${i + 1}` };
  }
  return { ok: true, aim, text };
}
