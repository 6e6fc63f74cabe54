// What Kassa needs to know about a receipt printer model to lay out and encode a receipt for
// it: command language, columns, Chinese font, code page, cutter, drawer port. Hand-written
// data: receipt-printer-encoder has a printer-model database (capabilities, code page numbers,
// cutter feed), which each profile names in `encoderModel` and the encoder loads; this file
// adds what that database lacks: whether the printer has a GB font for FS & (none of its
// entries does), whether a drawer port and cutter are fitted, and Kassa's own column choice.
//
// Columns are font A (12 dots wide) across the printable width, taken from the encoder's
// database (node_modules/@point-of-sale/receipt-printer-encoder, `printerDefinitions`,
// `capabilities.fonts.A.columns`):
//   58 mm, 203 dpi, 384 dots → 32 columns ('pos-5890', 'epson-tm-p20ii', 'sunmi-p2se')
//   80 mm, 203 dpi, 576 dots → 48 columns ('epson-tm-t20ii/iii/iv', 'pos-8360', 'star-tsp100iv')
//   80 mm, 180 dpi, 512 dots → 42 columns ('epson-tm-t88iv…vii', 'bixolon-srp350')
// A GBK character is two columns (24 dots), so 32/48 columns hold 16/24 Chinese characters.

import type { ReceiptPrinterEncoderOptions } from '@point-of-sale/receipt-printer-encoder';
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';

export type PrinterLanguage = 'esc-pos' | 'star-prnt';
export type PrinterColumns = 32 | 42 | 48;
/** 'gbk-fs': the printer has a GB2312/GBK font switched on by FS & and off by FS . */
export type CjkMode = 'gbk-fs' | 'none';
/** A model id of receipt-printer-encoder's database, e.g. 'epson-tm-t20iii'. */
export type EncoderPrinterModel = NonNullable<ReceiptPrinterEncoderOptions['printerModel']>;

export interface PrinterProfile {
  readonly id: string;
  /** For `kassa devices` and the README table. */
  readonly name: string;
  readonly language: PrinterLanguage;
  readonly paperMm: 58 | 80;
  readonly columns: PrinterColumns;
  readonly cjk: CjkMode;
  /**
   * receipt-printer-encoder code page for single-byte text (é € × ¥ outside GBK runs), e.g.
   * 'cp437', 'cp858'. There is no 'cp936': double-byte text goes through gbk-text.ts instead.
   */
  readonly codepage: string;
  /** The encoder database entry whose code page numbers, QR/barcode support and cutter feed apply. */
  readonly encoderModel: EncoderPrinterModel;
  readonly cutter: boolean;
  /** Has a drawer kick-out (RJ11/RJ12) port. */
  readonly drawer: boolean;
  /** DLE EOT 3 bit 2 means "mechanical error" on this model (escpos-status.ts); undefined on thermal printers. */
  readonly dleEot3Bit2IsMechanical?: boolean;
}

export const PRINTER_PROFILES = {
  // TM-T20II/III/IV (global firmware, no GB font; the Simplified Chinese variants need a copy
  // of this profile with cjk 'gbk-fs'). 'epson' code page table: cp858 is page 19.
  'epson-tm-t20': {
    id: 'epson-tm-t20',
    name: 'Epson TM-T20II/III/IV',
    language: 'esc-pos',
    paperMm: 80,
    columns: 48,
    cjk: 'none',
    codepage: 'cp858',
    encoderModel: 'epson-tm-t20iii',
    cutter: true,
    drawer: true,
  },
  // TM-T88V/VI/VII: 180 dpi, so 42 columns of font A on 80 mm. QR codes need a TM-T88IV or later
  // (the encoder's database marks TM-T88II/III without QR, so the encoder refuses them there).
  'epson-tm-t88': {
    id: 'epson-tm-t88',
    name: 'Epson TM-T88V/VI/VII',
    language: 'esc-pos',
    paperMm: 80,
    columns: 42,
    cjk: 'none',
    codepage: 'cp858',
    encoderModel: 'epson-tm-t88vi',
    cutter: true,
    drawer: true,
  },
  // Xprinter XP-58 series and the many 58 mm clones like it: GB18030/GBK font behind FS &,
  // tear bar rather than cutter. The database's generic 58 mm entry 'pos-5890' has the same
  // code page table, QR model 2 only and raster images. cp437 is page 0, the power-on table,
  // the one every clone has.
  'xprinter-58': {
    id: 'xprinter-58',
    name: 'Xprinter XP-58 (GBK)',
    language: 'esc-pos',
    paperMm: 58,
    columns: 32,
    cjk: 'gbk-fs',
    codepage: 'cp858',
    encoderModel: 'pos-5890',
    cutter: false,
    drawer: true,
  },
  // The common Chinese 80 mm printer (Xprinter XP-80C/N160II, Gprinter, "POS-80"): 203 dpi,
  // 48 columns, GB font, autocutter; the database's generic 'pos-8360' entry (cp858 = page 19).
  'generic-80-gbk': {
    id: 'generic-80-gbk',
    name: 'Generic 80 mm (GBK)',
    language: 'esc-pos',
    paperMm: 80,
    columns: 48,
    cjk: 'gbk-fs',
    codepage: 'cp858',
    encoderModel: 'pos-8360',
    cutter: true,
    drawer: true,
  },
  // TSP100III/IV (TSP143IIIU, TSP143IV) in StarPRNT mode. The original TSP100 (futurePRNT) is
  // raster-only and is not covered. 'star' code page table: cp858 is page 4.
  'star-tsp100': {
    id: 'star-tsp100',
    name: 'Star TSP100III/IV (StarPRNT)',
    language: 'star-prnt',
    paperMm: 80,
    columns: 48,
    cjk: 'none',
    codepage: 'cp858',
    encoderModel: 'star-tsp100iv',
    cutter: true,
    drawer: true,
  },
} as const satisfies Record<string, PrinterProfile>;

export type BuiltInProfileId = keyof typeof PRINTER_PROFILES;

export function isBuiltInProfileId(id: string): id is BuiltInProfileId {
  return Object.hasOwn(PRINTER_PROFILES, id);
}

/** A built-in profile by id; the error lists the known ids, for a mistyped kassa.config.json. */
export function getPrinterProfile(id: string): PrinterProfile {
  if (!isBuiltInProfileId(id)) {
    throw new RangeError(`unknown printer profile "${id}": expected one of ${Object.keys(PRINTER_PROFILES).join(', ')}`);
  }
  return PRINTER_PROFILES[id];
}

/**
 * Checks a profile (a built-in or one from configuration) against what the encoders support,
 * so a bad profile fails when the configuration is loaded rather than on the first sale.
 * Returns the profile unchanged.
 */
export function validatePrinterProfile(profile: PrinterProfile): PrinterProfile {
  const where = `printer profile "${profile.id}"`;
  if (profile.language !== 'esc-pos' && profile.language !== 'star-prnt') {
    throw new RangeError(`${where}: language must be esc-pos or star-prnt; got ${String(profile.language)}`);
  }
  if (profile.columns !== 32 && profile.columns !== 42 && profile.columns !== 48) {
    throw new RangeError(`${where}: columns must be 32, 42 or 48; got ${String(profile.columns)}`);
  }
  if (profile.cjk !== 'gbk-fs' && profile.cjk !== 'none') {
    throw new RangeError(`${where}: cjk must be gbk-fs or none; got ${String(profile.cjk)}`);
  }
  if (profile.cjk === 'gbk-fs' && profile.language !== 'esc-pos') {
    throw new RangeError(`${where}: GBK text (FS &) is an ESC/POS feature; StarPRNT Chinese printing is not supported`);
  }
  let encoder: ReceiptPrinterEncoder;
  try {
    encoder = new ReceiptPrinterEncoder({ printerModel: profile.encoderModel, columns: profile.columns });
  } catch (err) {
    throw new RangeError(`${where}: encoderModel "${profile.encoderModel}" is not in receipt-printer-encoder's database (${(err as Error).message})`, { cause: err });
  }
  if (encoder.language !== profile.language) {
    throw new RangeError(`${where}: encoderModel "${profile.encoderModel}" speaks ${encoder.language}, not ${profile.language}`);
  }
  try {
    encoder.codepage(profile.codepage as Parameters<ReceiptPrinterEncoder['codepage']>[0]);
  } catch (err) {
    throw new RangeError(`${where}: code page "${profile.codepage}" is not available on ${profile.encoderModel} (${(err as Error).message})`, { cause: err });
  }
  return profile;
}
