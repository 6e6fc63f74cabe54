// An X or Z report as a PDF (issue 7 §4): A4, the report's sections as tables and the hourly
// sales drawn as bars. pdf-lib writes the file; @pdf-lib/fontkit lets it embed a TrueType font
// as a subset (only the glyphs used), so Chinese names and labels print with a CJK font found
// on the machine.
//
// Decisions a caller must know:
// - The font: `fontPath` when given, else the first of CJK_FONT_PATHS that exists (Debian's
//   fonts-droid-fallback first). With none, the PDF uses Helvetica (which has no CJK glyphs):
//   labels are English, every character Helvetica cannot encode is replaced by '?', and a
//   note saying so is printed under the title — the PDF still opens and adds up.
// - The document's title (its metadata) is "Z report #n T01 2025-03-02" / "X report T01 …".
import { existsSync, readFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { formatMoney } from '../../domain/money.ts';
import type { ReportData } from '../../domain/reports/day-report.ts';
import { reportDocument, type ReportTextOptions } from '../../domain/reports/report-text.ts';

/** Where Debian (and most Linux) keep a CJK TrueType/OpenType font, first found wins. */
export const CJK_FONT_PATHS: readonly string[] = [
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/truetype/droid/DroidSansFallback.ttf',
  '/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf',
  '/usr/share/fonts/opentype/noto/NotoSansSC-Regular.otf',
  '/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf',
];

export interface ReportPdfOptions extends ReportTextOptions {
  /** A TTF/OTF with CJK glyphs; default: the first of CJK_FONT_PATHS that exists. */
  readonly fontPath?: string;
  /** Paths searched when no fontPath is given (tests pass [] to get the Helvetica fallback). */
  readonly fontPaths?: readonly string[];
}

export interface ReportPdf {
  readonly bytes: Uint8Array;
  readonly title: string;
  /** The font file embedded, or null when Helvetica was used. */
  readonly font: string | null;
  /** Characters replaced by '?' (Helvetica only). */
  readonly replaced: number;
  readonly pages: number;
}

export class ReportPdfError extends Error {
  override name = 'ReportPdfError';
}

const PAGE = { width: 595.28, height: 841.89 }; // A4 in points
const MARGIN = 40;
const SIZE = 9.5;
const LINE = 13;

/** Helvetica's WinAnsi covers printable ASCII and most of Latin-1; everything else becomes '?'. */
function winAnsi(text: string): { text: string; replaced: number } {
  let out = '';
  let replaced = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) out += ch;
    else {
      out += '?';
      replaced += 1;
    }
  }
  return { text: out, replaced };
}

export async function reportPdf(report: ReportData, options: ReportPdfOptions): Promise<ReportPdf> {
  const fontFile = options.fontPath ?? (options.fontPaths ?? CJK_FONT_PATHS).find((p) => existsSync(p)) ?? null;
  if (options.fontPath !== undefined && !existsSync(options.fontPath)) throw new ReportPdfError(`the PDF font ${options.fontPath} does not exist`);
  const pdf = await PDFDocument.create();
  let font: PDFFont;
  if (fontFile) {
    pdf.registerFontkit(fontkit);
    try {
      font = await pdf.embedFont(readFileSync(fontFile), { subset: true });
    } catch (err) {
      throw new ReportPdfError(`the PDF font ${fontFile} could not be embedded (${(err as Error).message}): give a TrueType or OpenType font`);
    }
  } else {
    font = await pdf.embedFont(StandardFonts.Helvetica);
  }
  const bold = fontFile ? font : await pdf.embedFont(StandardFonts.HelveticaBold);
  const lang = fontFile ? options.lang : 'en';
  const doc = reportDocument(report, { ...options, lang });
  let replaced = 0;
  const clean = (s: string): string => {
    if (fontFile) return s;
    const w = winAnsi(s);
    replaced += w.replaced;
    return w.text;
  };

  const day = (report.range.to ?? report.createdAt).slice(0, 10);
  const title = report.kind === 'Z' ? `Z report #${report.zNo ?? '?'} ${report.terminalId} ${day}` : `X report ${report.terminalId} ${day}`;
  pdf.setTitle(title);
  pdf.setCreator('Kassa');
  pdf.setProducer('Kassa (pdf-lib)');
  pdf.setCreationDate(new Date(report.createdAt));

  let page: PDFPage = pdf.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - MARGIN;
  const right = PAGE.width - MARGIN;
  const need = (h: number) => {
    if (y - h < MARGIN) {
      page = pdf.addPage([PAGE.width, PAGE.height]);
      y = PAGE.height - MARGIN;
    }
  };
  const text = (s: string, x: number, size = SIZE, f: PDFFont = font) => page.drawText(clean(s), { x, y, size, font: f, color: rgb(0, 0, 0) });
  const textRight = (s: string, xRight: number, size = SIZE) => {
    const c = clean(s);
    page.drawText(c, { x: xRight - font.widthOfTextAtSize(c, size), y, size, font, color: rgb(0, 0, 0) });
  };

  for (const h of options.header ?? []) {
    need(LINE);
    text(h, MARGIN, 11);
    y -= LINE + 2;
  }
  need(24);
  text(doc.title, MARGIN, 16, bold);
  y -= 22;
  if (!fontFile) {
    need(LINE);
    page.drawText('Note: no CJK font was found, so names and labels outside Latin letters are shown as "?".', {
      x: MARGIN,
      y,
      size: 8.5,
      font,
      color: rgb(0.7, 0, 0),
    });
    y -= LINE;
  }
  for (const [label, value] of doc.meta) {
    need(LINE);
    text(label, MARGIN);
    text(value, MARGIN + 110);
    y -= LINE;
  }

  const COL = 78; // width of one value column, right-aligned
  for (const s of doc.sections) {
    if (s.key === 'wallets' && s.rows.length === 0) continue;
    need(LINE * 3);
    y -= 6;
    page.drawLine({ start: { x: MARGIN, y: y + LINE - 2 }, end: { x: right, y: y + LINE - 2 }, thickness: 0.5, color: rgb(0.6, 0.6, 0.6) });
    text(s.title, MARGIN, 11, bold);
    y -= LINE + 2;
    if (s.rows.length === 0) {
      need(LINE);
      text(lang === 'en' ? '(none)' : '(无)', MARGIN + 10);
      y -= LINE;
      continue;
    }
    if (s.key === 'hourly') {
      // Bars scaled to the busiest hour by amount, with count and amount at the right.
      const max = Math.max(1, ...doc.hours.map((h) => h.amount));
      const barLeft = MARGIN + 40;
      const barRoom = right - 2 * COL - barLeft - 10;
      need(LINE);
      textRight(s.headers[0] ?? '', right - COL);
      textRight(s.headers[1] ?? '', right);
      y -= LINE;
      for (const h of doc.hours) {
        need(LINE);
        text(`${String(h.hour).padStart(2, '0')}:00`, MARGIN);
        const w = h.amount <= 0 ? 0 : Math.max(1, (h.amount / max) * barRoom);
        if (w > 0) page.drawRectangle({ x: barLeft, y: y - 1, width: w, height: LINE - 4, color: rgb(0.2, 0.45, 0.75) });
        textRight(String(h.count), right - COL);
        textRight(formatMoney({ amount: h.amount, currency: doc.currency }), right);
        y -= LINE;
      }
      continue;
    }
    const cols = Math.max(1, s.headers.length);
    if (s.headers.length > 0) {
      need(LINE);
      s.headers.forEach((h, i) => textRight(h, right - (cols - 1 - i) * (COL * (cols > 5 ? 0.72 : 1))));
      y -= LINE;
    }
    for (const r of s.rows) {
      need(LINE);
      text(r[0] ?? '', MARGIN + 6);
      const values = r.slice(1);
      values.forEach((v, i) => textRight(v, right - (values.length - 1 - i) * (COL * (cols > 5 ? 0.72 : 1))));
      y -= LINE;
    }
  }

  const bytes = await pdf.save();
  return { bytes, title, font: fontFile, replaced, pages: pdf.getPageCount() };
}
