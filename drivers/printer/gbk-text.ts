// Chinese text for ESC/POS printers with a GB font: runs of wide characters go out as GBK
// double-byte codes between FS & (`1C 26`, Chinese character mode on) and FS . (`1C 2E`, off);
// everything else stays single-byte. Hand-written because receipt-printer-encoder has no
// double-byte CJK at all (its `shiftjis` is katakana, and its initialize() sends FS .), and
// receiptline's cp936 path is a whole markdown renderer; the byte tables come from iconv-lite.
// Layout: shared/reference/hardware.md §1 (FS & / FS .) and §2 (the GBK plan).
//
// The one rule this module keeps: the bytes occupy exactly the columns the text layout counted
// (src/domain/receipt.ts `textWidth`: 2 per wide character, 1 per narrow one, 0 for marks and
// controls). In FS & mode every double-byte code prints 2 columns wide, so only characters the
// layout counts as wide go into a run:
//  - a wide character GBK cannot encode (emoji, Hangul, CJK extension B…) becomes the fullwidth
//    question mark ？ (A3 BF), still 2 columns, and is counted in `replaced`;
//  - a narrow non-ASCII character (é × · €) would print 2 columns wide as GBK, so it is not
//    GBK-encoded: segmentGbkText() hands it back for the printer's single-byte code page, and
//    encodeGbkText(), which has no code page, prints '?' and counts it;
//  - zero-width characters (controls, combining marks, ZWJ) are dropped, which also keeps a stray
//    ESC or GS in a product name from reaching the printer as a command;
//  - ¥ becomes the fullwidth ￥ (A3 A4): GBK has no half-width yen, and a GB-font printer's
//    single-byte table often has none either. That adds a column, so callers that lay text out
//    must substitute BEFORE layout with toGbkPrintable() (receipt-encoder.ts does).
// Pure: strings in, Uint8Array out. iconv-lite is pure JS (it allocates Node Buffers, which we
// copy out of).
import iconv from 'iconv-lite';
import { charWidth } from '../../src/domain/receipt.ts';

/** FS & `1C 26`: Chinese (Kanji) character mode on; GBK double-byte codes follow. */
export const FS_CJK_ON: readonly number[] = [0x1c, 0x26];
/** FS . `1C 2E`: Chinese character mode off; back to the single-byte code table. */
export const FS_CJK_OFF: readonly number[] = [0x1c, 0x2e];

const YEN = 0xa5;
const FULLWIDTH_YEN = '\uffe5';
/** ？ in GBK: the stand-in for a wide character GBK lacks, keeping its 2 columns. */
const FULLWIDTH_QUESTION: readonly number[] = [0xa3, 0xbf];
const QUESTION = 0x3f;

export type GbkSegment =
  /** Printable ASCII (20–7E), sent as is. */
  | { readonly kind: 'ascii'; readonly text: string; readonly bytes: Uint8Array }
  /** Wide characters: FS & + GBK pairs + FS .; `columns` = 2 per character. */
  | { readonly kind: 'gbk'; readonly text: string; readonly bytes: Uint8Array; readonly columns: number; readonly replaced: number }
  /** Narrow non-ASCII characters, one column each, for the printer's single-byte code page. */
  | { readonly kind: 'narrow'; readonly text: string };

export interface GbkLine {
  readonly bytes: Uint8Array;
  /** Columns the bytes occupy on paper. */
  readonly columns: number;
  /** Characters printed as '?' or '？' because the printer cannot show them this way. */
  readonly replaced: number;
}

// Code point → its two GBK bytes, or null when GBK has no double-byte code for it. Receipts
// repeat the same few hundred characters, so each is looked up in iconv-lite once.
const gbkCache = new Map<number, readonly [number, number] | null>();

function gbkPair(codePoint: number): readonly [number, number] | null {
  const cached = gbkCache.get(codePoint);
  if (cached !== undefined) return cached;
  const out = iconv.encode(String.fromCodePoint(codePoint), 'gbk');
  // iconv-lite writes a single '?' for an unmappable character; a real code is two bytes with
  // a lead byte of 81–FE.
  const first = out[0];
  const second = out[1];
  const pair: readonly [number, number] | null =
    out.length === 2 && first !== undefined && second !== undefined && first >= 0x81 && first <= 0xfe ? [first, second] : null;
  gbkCache.set(codePoint, pair);
  return pair;
}

/**
 * The text as a GB-font printer will show it, for laying out BEFORE encoding: NFC-composed,
 * zero-width characters dropped, ¥ → ￥. Column widths of the result are what prints.
 */
export function toGbkPrintable(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === YEN) out += FULLWIDTH_YEN;
    else if (charWidth(cp) > 0) out += ch;
  }
  return out;
}

/**
 * Splits one line into ASCII runs, FS &-wrapped GBK runs and narrow non-ASCII runs. Applies the
 * same substitutions as toGbkPrintable() (without NFC, which is the layout's business).
 */
export function segmentGbkText(text: string): GbkSegment[] {
  const segments: GbkSegment[] = [];
  let kind: GbkSegment['kind'] | null = null;
  let runText = '';
  let runBytes: number[] = [];
  let runReplaced = 0;

  const close = (): void => {
    if (kind === 'ascii') segments.push({ kind, text: runText, bytes: Uint8Array.from(runBytes) });
    else if (kind === 'gbk') {
      segments.push({
        kind,
        text: runText,
        bytes: Uint8Array.from([...FS_CJK_ON, ...runBytes, ...FS_CJK_OFF]),
        columns: runBytes.length,
        replaced: runReplaced,
      });
    } else if (kind === 'narrow') segments.push({ kind, text: runText });
    kind = null;
    runText = '';
    runBytes = [];
    runReplaced = 0;
  };
  const enter = (next: GbkSegment['kind']): void => {
    if (kind !== next) {
      close();
      kind = next;
    }
  };

  for (const original of text) {
    const ch = original.codePointAt(0) === YEN ? FULLWIDTH_YEN : original;
    const cp = ch.codePointAt(0) ?? 0;
    const width = charWidth(cp);
    if (width === 0) continue;
    if (cp >= 0x20 && cp <= 0x7e) {
      enter('ascii');
      runText += ch;
      runBytes.push(cp);
    } else if (width === 2) {
      enter('gbk');
      const pair = gbkPair(cp);
      if (pair) {
        runText += ch;
        runBytes.push(pair[0], pair[1]);
      } else {
        runText += '？';
        runBytes.push(...FULLWIDTH_QUESTION);
        runReplaced += 1;
      }
    } else {
      enter('narrow');
      runText += ch;
    }
  }
  close();
  return segments;
}

/**
 * One line for a GB-font printer, with no single-byte code page: narrow non-ASCII characters
 * print as '?'. Pass text through toGbkPrintable() first when its layout matters.
 */
export function encodeGbkText(text: string): GbkLine {
  const bytes: number[] = [];
  let columns = 0;
  let replaced = 0;
  for (const seg of segmentGbkText(text)) {
    if (seg.kind === 'ascii') {
      bytes.push(...seg.bytes);
      columns += seg.bytes.length;
    } else if (seg.kind === 'gbk') {
      bytes.push(...seg.bytes);
      columns += seg.columns;
      replaced += seg.replaced;
    } else {
      for (const _ of seg.text) {
        bytes.push(QUESTION);
        columns += 1;
        replaced += 1;
      }
    }
  }
  return { bytes: Uint8Array.from(bytes), columns, replaced };
}
