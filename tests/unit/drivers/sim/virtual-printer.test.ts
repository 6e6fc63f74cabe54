// Virtual ESC/POS printer: receipts from receipt-printer-encoder output, status replies that
// escpos-status.ts parses back to the printer's own state (tables from hardware.md §1), ASB,
// GS r in buffer order, paper out mid-job, faults, then fast-check.
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyStatusEvent, dleEot, enableAsb, gsR, parseAsb, READY_STATUS, StatusReader } from '../../../../drivers/printer/escpos-status.ts';
import type { DleEotN, PrinterStatus, StatusEvent, StatusOptions } from '../../../../drivers/printer/escpos-status.ts';
import { renderText, VirtualPrinter } from '../../../../drivers/sim/virtual-printer.ts';
import type { VirtualPrinterOptions } from '../../../../drivers/sim/virtual-printer.ts';

const hex = (data: Uint8Array): string => [...data].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
const bytes = (h: string): Uint8Array => Uint8Array.from(h.split(/\s+/).filter((x) => x !== '').map((x) => Number.parseInt(x, 16)));
const ascii = (text: string): Uint8Array => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const OPEN_HIGH: StatusOptions = { drawer: 'high-is-open' };
const ALL_DLE_EOT: readonly DleEotN[] = [1, 2, 3, 4];

/** Polls DLE EOT 1–4 the way the driver does and folds the replies with escpos-status.ts. */
function poll(p: VirtualPrinter, options: StatusOptions = OPEN_HIGH): { replies: string; status: PrinterStatus } {
  const reader = new StatusReader();
  const sent = ALL_DLE_EOT.map((n) => {
    reader.expect({ kind: 'dle-eot', n });
    return p.write(dleEot(n), 0);
  });
  const events = sent.flatMap((reply) => reader.push(reply));
  expect(events.map((e) => e.kind)).toEqual(['dle-eot', 'dle-eot', 'dle-eot', 'dle-eot']);
  return { replies: sent.map(hex).join(' '), status: fold(events, options) };
}

const fold = (events: StatusEvent[], options: StatusOptions = OPEN_HIGH, base: PrinterStatus = READY_STATUS): PrinterStatus =>
  events.reduce((s, e) => applyStatusEvent(s, e, options), base);

const job = (...lines: string[]): Uint8Array => cat(...lines.map((l) => cat(ascii(l), bytes('0A'))));
const CUT = bytes('1D 56 01');

describe('receipts', () => {
  const encoded = (): Uint8Array =>
    new ReceiptPrinterEncoder({ columns: 48 })
      .initialize()
      .align('center')
      .bold(true)
      .line('KASSA DEMO')
      .bold(false)
      .align('left')
      .line('Coffee                  3.50')
      .size(2, 2)
      .line('TOTAL 3.50')
      .size(1, 1)
      .barcode('R-000123', 'code128', 60)
      .qrcode('https://kassa.example/r/000123', { model: 2, size: 6, errorlevel: 'm' })
      .pulse()
      .cut()
      .encode();

  it("decodes receipt-printer-encoder's output into one cut receipt", () => {
    const p = new VirtualPrinter();
    expect(hex(p.write(encoded(), 1000))).toBe('');
    const receipts = p.receipts();
    expect(receipts).toHaveLength(1);
    const [r] = receipts;
    expect(r?.lines.map((l) => l.trim())).toEqual(['KASSA DEMO', 'Coffee                  3.50', 'TOTAL 3.50', '', '', '']);
    expect(r?.styledLines.map((l) => [l.style.bold, l.style.width, l.style.height])).toEqual([
      [true, 1, 1],
      [false, 1, 1],
      [false, 2, 2],
      [false, 1, 1],
      [false, 1, 1],
      [false, 1, 1],
    ]);
    expect(r?.qrs).toEqual(['https://kassa.example/r/000123']);
    expect(r?.barcodes.map((b) => ({ type: b.type, data: b.data }))).toEqual([{ type: 'code128', data: 'R-000123' }]);
    expect(r?.pulses).toEqual([{ kind: 'pulse', pin: 2, onMs: 100, offMs: 500, realtime: false, atMs: 1000, opened: true }]);
    expect(r?.cutKind).toBe('full');
    expect(r?.reprintBanner).toBe(false);
    expect(r?.interrupted).toBe(false);
    expect(r?.unknown).toEqual([]);
  });

  it('does not start the next receipt with the feed after the cut', () => {
    const p = new VirtualPrinter();
    p.write(encoded(), 0); // ends GS V 00 LF CR
    expect(p.receipts()).toHaveLength(1);
    p.write(job('second'), 0);
    expect(p.receipts().map((r) => r.lines)).toEqual([expect.any(Array), ['second']]);
    expect(p.receipts()[1]?.cutKind).toBeNull();
  });

  it('renders a receipt as text, placed by alignment, with a cut rule', () => {
    const p = new VirtualPrinter({ paperMm: 58 });
    p.write(cat(bytes('1B 61 01'), job('Kassa'), bytes('1B 61 02'), job('3.50'), bytes('1B 61 00 1C 26 BA CF BC C6 1C 2E'), job(' 3.50')), 0);
    p.write(cat(bytes('1D 28 6B 06 00 31 50 30 61 62 63 1D 28 6B 03 00 31 51 30'), bytes('1D 56 00')), 0);
    const [r] = p.receipts();
    if (r === undefined) throw new Error('no receipt');
    expect(r.columns).toBe(32);
    expect(renderText(r)).toBe(
      ['             Kassa', '                            3.50', '合计 3.50', '[QR abc]', '-'.repeat(32), ''].join('\n'),
    );
    expect(p.renderText(r)).toBe(renderText(r));
  });

  it('wraps a line wider than the paper, counting double-width and GBK characters', () => {
    const p = new VirtualPrinter({ paperMm: 58 });
    p.write(job('x'.repeat(40)), 0);
    p.write(cat(bytes('1D 21 10'), job('y'.repeat(20)), bytes('1D 21 00')), 0);
    p.write(cat(bytes('1C 26'), ...Array.from({ length: 17 }, () => bytes('BA CF')), bytes('1C 2E 0A')), 0);
    const lines = p.receipts()[0]?.styledLines ?? [];
    expect(lines.map((l) => [l.text.length, l.wrapped])).toEqual([
      [32, false],
      [8, true],
      [16, false],
      [4, true],
      [16, false],
      [1, true],
    ]);
  });

  it('prints a line exactly as wide as the paper on one line with its runs as decoded; one more character wraps', () => {
    const p = new VirtualPrinter({ paperMm: 58 });
    p.write(cat(bytes('1B 45 01'), ascii('B'.repeat(10)), bytes('1B 45 00'), ascii('n'.repeat(22)), bytes('0A')), 0);
    p.write(cat(bytes('1D 21 10'), ascii('w'.repeat(16)), bytes('1D 21 00 0A')), 0);
    p.write(job('x'.repeat(33)), 0);
    const lines = p.receipts()[0]?.styledLines ?? [];
    expect(lines.map((l) => [l.wrapped, l.runs.map((r) => [r.text, r.style.bold, r.style.width])])).toEqual([
      [false, [['B'.repeat(10), true, 1], ['n'.repeat(22), false, 1]]],
      [false, [['w'.repeat(16), false, 2]]],
      [false, [['x'.repeat(32), false, 1]]],
      [true, [['x', false, 1]]],
    ]);
    expect(lines[0]?.style.bold).toBe(true);
  });

  it('keeps only the newest cut receipts when keepReceipts caps them, and counts the dropped ones', () => {
    const p = new VirtualPrinter({ keepReceipts: 2 });
    p.write(cat(job('one'), CUT, job('two'), CUT, job('three'), CUT, job('open')), 0);
    expect(p.receipts().map((r) => [r.lines, r.cutKind])).toEqual([
      [['two'], 'partial'],
      [['three'], 'partial'],
      [['open'], null],
    ]);
    expect(p.droppedReceipts).toBe(1);
    p.reset();
    expect(p.droppedReceipts).toBe(0);
    const all = new VirtualPrinter();
    all.write(cat(job('one'), CUT, job('two'), CUT, job('three'), CUT), 0);
    expect(all.receipts()).toHaveLength(3);
    expect(all.droppedReceipts).toBe(0);
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => new VirtualPrinter({ keepReceipts: bad })).toThrow(/keepReceipts must be an integer >= 0 or Infinity/);
  });

  it('marks a receipt that carries the reprint banner', () => {
    const p = new VirtualPrinter();
    p.write(cat(job('*** REPRINT ***', 'Coffee 3.50'), CUT, job('Coffee 3.50'), CUT), 0);
    expect(p.receipts().map((r) => r.reprintBanner)).toEqual([true, false]);
    const zh = new VirtualPrinter({ reprintPattern: /COPY/ });
    zh.write(cat(job('COPY'), CUT), 0);
    expect(zh.receipts()[0]?.reprintBanner).toBe(true);
  });

  it('joins the ESC * bands of a column-mode logo into one image', () => {
    const band = cat(bytes('1B 2A 21 08 00'), new Uint8Array(24).fill(0xff), bytes('0A'));
    const p = new VirtualPrinter();
    p.write(cat(bytes('1B 33 18'), band, band, band, bytes('1B 32'), job('after'), CUT), 0);
    const [r] = p.receipts();
    expect(r?.images.map((i) => [i.mode, i.width, i.height])).toEqual([['column', 8, 72]]);
    expect(r?.lines).toEqual(['after']);
  });

  it('lists commands it did not understand with the receipt', () => {
    const p = new VirtualPrinter();
    p.write(cat(bytes('1B 52 08'), job('x'), CUT), 0);
    expect(p.receipts()[0]?.unknown).toEqual([bytes('1B 52 08')]);
  });
});

describe('status replies (hardware.md §1)', () => {
  it('answers 12 to DLE EOT 1–4 when idle, which parses to READY_STATUS', () => {
    const p = new VirtualPrinter();
    const { replies, status } = poll(p);
    expect(replies).toBe('12 12 12 12');
    expect(status).toEqual(READY_STATUS);
    expect(p.status()).toEqual(READY_STATUS);
  });

  it('answers n1 → 1A, n2 → 32, n4 → 7E when out of paper, and that parses to its state', () => {
    const p = new VirtualPrinter();
    p.setPaper('out');
    const { replies, status } = poll(p);
    expect(replies).toBe('1A 32 12 7E');
    expect(status).toEqual(p.status());
    expect(status).toMatchObject({ online: false, paperOut: true, paperNearEnd: true });
  });

  it('reports near end (DLE EOT 4 → 1E) while staying online', () => {
    const p = new VirtualPrinter();
    p.setPaper('near-end');
    const { replies, status } = poll(p);
    expect(replies).toBe('12 12 12 1E');
    expect(status).toEqual({ ...READY_STATUS, paperNearEnd: true });
    expect(p.paperState).toBe('near-end');
  });

  it('reports cover open and plain offline through DLE EOT 1 and 2', () => {
    const p = new VirtualPrinter();
    p.openCover();
    expect(poll(p).replies).toBe('1A 16 12 12');
    expect(poll(p).status).toEqual(p.status());
    p.closeCover();
    p.goOffline();
    expect(poll(p).replies).toBe('1A 12 12 12');
    expect(poll(p).status).toEqual({ ...READY_STATUS, online: false });
    p.goOnline();
    expect(poll(p).status).toEqual(READY_STATUS);
  });

  it('opens the drawer on a pulse to its pin and reports it with the configured polarity', () => {
    const p = new VirtualPrinter();
    p.write(bytes('1B 70 01 19 FA'), 0); // pin 5: no drawer there
    expect(p.drawerOpen).toBe(false);
    p.write(bytes('1B 70 00 19 FA'), 5);
    expect(p.drawerOpen).toBe(true);
    expect(poll(p).replies).toBe('16 12 12 12');
    expect(poll(p).status.drawerOpen).toBe(true);
    p.closeDrawer();
    expect(poll(p).replies).toBe('12 12 12 12');

    const inverted = new VirtualPrinter({ drawerPolarity: 'high-is-closed', drawerPin: 5 });
    expect(poll(inverted, { drawer: 'high-is-closed' }).replies).toBe('16 12 12 12');
    inverted.write(bytes('10 14 01 01 01'), 7);
    expect(poll(inverted, { drawer: 'high-is-closed' }).status).toEqual({ ...READY_STATUS, drawerOpen: true });
    expect(inverted.receipts()[0]?.pulses).toEqual([{ kind: 'pulse', pin: 5, onMs: 100, offMs: 100, realtime: true, atMs: 7, opened: true }]);
  });

  it('answers GS r 1 and 2 with status bytes that parse back', () => {
    const p = new VirtualPrinter();
    p.setPaper('near-end');
    p.write(bytes('1B 70 00 19 FA'), 0);
    const reader = new StatusReader();
    reader.expect({ kind: 'gs-r', n: 1 });
    reader.expect({ kind: 'gs-r', n: 2 });
    const reply = p.write(cat(gsR(1, 'ascii'), gsR(2)), 0);
    expect(hex(reply)).toBe('03 01');
    const events = reader.push(reply);
    expect(fold(events)).toEqual({ ...READY_STATUS, paperNearEnd: true, drawerOpen: true });
  });

  it('keeps answering DLE EOT while a job is held, before the job prints', () => {
    const p = new VirtualPrinter();
    p.openCover();
    expect(hex(p.write(cat(job('held'), dleEot(1), gsR(1)), 0))).toBe('1A');
    expect(p.heldItems).toBe(2);
    expect(hex(p.closeCover())).toBe('00');
    expect(p.receipts()[0]?.lines).toEqual(['held']);
  });
});

describe('ASB', () => {
  const frames = (data: Uint8Array): string[] => Array.from({ length: data.length / 4 }, (_, i) => hex(data.subarray(i * 4, i * 4 + 4)));

  it('sends the current frame on enable, then one on each change, parsing to the printer state', () => {
    const p = new VirtualPrinter();
    expect(frames(p.write(enableAsb({ drawer: true, online: true, error: true, paper: true }), 0))).toEqual(['10 00 00 00']);
    const nearEnd = p.setPaper('near-end');
    expect(frames(nearEnd)).toEqual(['10 00 03 00']);
    const out = p.setPaper('out');
    expect(frames(out)).toEqual(['18 00 0F 00']);
    expect(applyStatusEvent(READY_STATUS, { kind: 'asb', bytes: out, reply: parseAsb(out) ?? fail() }, OPEN_HIGH)).toEqual(p.status());
    expect(frames(p.openCover())).toEqual(['38 00 0F 00']);
    expect(frames(p.closeCover())).toEqual(['18 00 0F 00']);
    expect(frames(p.setPaper('ok'))).toEqual(['10 00 00 00']);
    expect(frames(p.write(bytes('1B 70 00 19 FA'), 0))).toEqual(['14 00 00 00']);
    expect(frames(p.closeDrawer())).toEqual(['10 00 00 00']);
    expect(hex(p.closeDrawer())).toBe('');
  });

  it('only reports the changes GS a selected, and GS a 0 turns it off', () => {
    const p = new VirtualPrinter();
    expect(frames(p.write(enableAsb({ drawer: true }), 0))).toEqual(['10 00 00 00']);
    expect(hex(p.setPaper('near-end'))).toBe('');
    expect(frames(p.write(bytes('1B 70 00 19 FA'), 0))).toEqual(['14 00 03 00']);
    p.write(enableAsb({}), 0);
    expect(hex(p.closeDrawer())).toBe('');
  });

  it('frames read cleanly through StatusReader between DLE EOT replies', () => {
    const p = new VirtualPrinter();
    const reader = new StatusReader();
    reader.expect({ kind: 'dle-eot', n: 4 });
    const events = reader.push(cat(p.write(cat(enableAsb({ paper: true }), dleEot(4)), 0), p.setPaper('out')));
    expect(events.map((e) => e.kind)).toEqual(['asb', 'dle-eot', 'asb']);
    expect(fold(events)).toEqual(p.status());
  });
});

describe('buffer order and paper out mid-job', () => {
  it('answers GS r after the bytes before it have printed', () => {
    const p = new VirtualPrinter();
    const reader = new StatusReader();
    reader.expect({ kind: 'gs-r', n: 1, jobId: 'r1' });
    p.goOffline();
    expect(hex(p.write(cat(job('line 1', 'line 2'), CUT, gsR(1, 'ascii')), 0))).toBe('');
    expect(p.receipts()).toEqual([]);
    const reply = p.goOnline();
    expect(p.receipts()[0]?.lines).toEqual(['line 1', 'line 2']);
    expect(reader.push(reply)).toMatchObject([{ kind: 'gs-r', n: 1, jobId: 'r1', byte: 0 }]);
  });

  it('stops when the paper runs out, holds the rest, answers DLE EOT, and prints the rest when paper is back', () => {
    const p = new VirtualPrinter();
    p.outOfPaperAfterLines(3);
    const lines = ['1 Coffee', '2 Tea', '3 Cake', '4 Water', '5 Juice', '6 TOTAL'];
    const first = p.write(cat(job(...lines), bytes('1D 28 6B 06 00 31 50 30 61 62 63 1D 28 6B 03 00 31 51 30'), CUT, gsR(1), dleEot(1), dleEot(4)), 0);
    expect(hex(first)).toBe('1A 7E'); // GS r waits; DLE EOT does not
    const during = p.receipts();
    expect(during).toHaveLength(1);
    expect(during[0]?.lines).toEqual(lines.slice(0, 3));
    expect(during[0]).toMatchObject({ cutKind: null, interrupted: true, qrs: [] });
    expect(p.paperState).toBe('out');
    expect(p.heldItems).toBeGreaterThan(0);

    const after = p.setPaper('ok');
    expect(hex(after)).toBe('00'); // the held GS r 1: paper fine
    const [r] = p.receipts();
    expect(r?.lines).toEqual(lines);
    expect(r).toMatchObject({ cutKind: 'partial', interrupted: true, qrs: ['abc'] });
    expect(p.heldItems).toBe(0);
    expect(poll(p).replies).toBe('12 12 12 12');
  });

  it('holds the rest of a wrapped line when the paper ends inside it', () => {
    const p = new VirtualPrinter({ paperMm: 58 });
    p.outOfPaperAfterLines(1);
    p.write(job('a'.repeat(32) + 'b'.repeat(5)), 0);
    expect(p.receipts()[0]?.lines).toEqual(['a'.repeat(32)]);
    p.setPaper('ok');
    expect(p.receipts()[0]?.lines).toEqual(['a'.repeat(32), 'bbbbb']);
  });

  it('runs the near-end sensor from the roll length when configured', () => {
    const p = new VirtualPrinter({ paperLines: 10, nearEndLines: 4 });
    p.write(enableAsb({ paper: true }), 0);
    const out = p.write(job('1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'), 0);
    expect(hex(out)).toBe('10 00 03 00 18 00 0F 00');
    expect(p.receipts()[0]?.lines).toHaveLength(10);
    expect(p.paperRemainingLines).toBe(0);
  });

  it('reset() returns to the constructed state', () => {
    const p = new VirtualPrinter();
    p.write(cat(enableAsb({ paper: true }), job('x'), bytes('1B 70 00 19 FA')), 0);
    p.openCover();
    p.garbleReplies(() => bytes('FF'));
    p.reset();
    expect(p.receipts()).toEqual([]);
    expect(p.drawerOpen).toBe(false);
    expect(poll(p).replies).toBe('12 12 12 12');
    expect(hex(p.setPaper('out'))).toBe('');
  });
});

describe('DLE DC4 fn=8 (clear buffers)', () => {
  const CLEAR = bytes('10 14 08 01 03 14 01 06 02 08');

  it('drops what the printer holds after a paper-out, answers 37 25 00, and prints only what comes after', () => {
    const p = new VirtualPrinter();
    p.outOfPaperAfterLines(2);
    const reader = new StatusReader();
    reader.expect({ kind: 'gs-r', n: 1, jobId: 'first' });
    expect(hex(p.write(cat(job('1 Coffee', '2 Tea', '3 Cake', '4 TOTAL'), CUT, gsR(1)), 0))).toBe('');
    expect(p.heldItems).toBeGreaterThan(0);
    expect(hex(p.write(CLEAR, 0))).toBe('37 25 00');
    expect(p.heldItems).toBe(0);
    // Still out of paper: clearing changes no state.
    expect(poll(p).replies).toBe('1A 32 12 7E');
    // Loading paper prints nothing of the dropped job and answers none of its GS r.
    expect(hex(p.setPaper('ok'))).toBe('');
    expect(p.receipts().flatMap((r) => r.lines)).toEqual(['1 Coffee', '2 Tea']);
    expect(hex(p.write(cat(job('REPRINT', '1 Coffee'), CUT, gsR(1)), 0))).toBe('00');
    expect(p.receipts().flatMap((r) => r.lines)).toEqual(['1 Coffee', '2 Tea', 'REPRINT', '1 Coffee']);
  });

  it('is recognised when split across writes and inside a partly received command, which it drops', () => {
    const p = new VirtualPrinter();
    p.goOffline();
    p.write(cat(job('held'), bytes('1D 28 6B 06 00 31 50')), 0);
    expect(hex(p.write(CLEAR.subarray(0, 4), 0))).toBe('');
    expect(hex(p.write(cat(CLEAR.subarray(4), dleEot(1)), 0))).toBe('37 25 00 1A');
    p.goOnline();
    expect(p.receipts()).toEqual([]);
    p.write(job('after'), 0);
    expect(p.receipts()[0]?.lines).toEqual(['after']);
  });

  it('on a ready printer clears nothing that printed and keeps ASB on', () => {
    const p = new VirtualPrinter();
    expect(hex(p.write(enableAsb({ paper: true }), 0))).toBe('10 00 00 00');
    p.write(job('printed'), 0);
    expect(hex(p.write(cat(bytes('10 14 08 01'), CLEAR), 0))).toBe('37 25 00');
    expect(p.receipts()[0]?.lines).toEqual(['printed']);
    expect(hex(p.setPaper('out'))).toBe('18 00 0F 00');
  });
});

describe('garbled replies', () => {
  it('passes replies through the garbler, which StatusReader then reports as garbage', () => {
    const p = new VirtualPrinter();
    p.garbleReplies((reply) => reply.map((b) => b ^ 0x80));
    const reader = new StatusReader();
    reader.expect({ kind: 'dle-eot', n: 1 });
    const reply = p.write(dleEot(1), 0);
    expect(hex(reply)).toBe('92');
    expect(reader.push(reply)).toMatchObject([{ kind: 'garbage', reason: 'unknown-byte' }]);
    p.garbleReplies(null);
    expect(hex(p.write(dleEot(1), 0))).toBe('12');
  });
});

describe('fast-check', () => {
  const interesting = [0x00, 0x01, 0x02, 0x04, 0x0a, 0x10, 0x14, 0x1b, 0x1d, 0x28, 0x31, 0x40, 0x56, 0x61, 0x6b, 0x70, 0x72, 0x76];
  const streamArb = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...interesting)), { maxLength: 300 }).map((a) => Uint8Array.from(a));
  const cutsArb = fc.array(fc.nat({ max: 300 }), { maxLength: 10 });
  const chunked = (data: Uint8Array, cuts: number[]): Uint8Array[] => {
    const points = [...new Set(cuts.filter((c) => c > 0 && c < data.length))].sort((a, b) => a - b);
    return [0, ...points].map((start, i) => data.subarray(start, points[i] ?? data.length));
  };
  type Fault = 'paper-ok' | 'near-end' | 'out' | 'after-2' | 'cover-open' | 'cover-closed' | 'offline' | 'online' | 'close-drawer';
  const faultArb = fc.constantFrom<Fault>('paper-ok', 'near-end', 'out', 'after-2', 'cover-open', 'cover-closed', 'offline', 'online', 'close-drawer');
  const inject = (p: VirtualPrinter, fault: Fault): Uint8Array => {
    switch (fault) {
      case 'paper-ok':
        return p.setPaper('ok');
      case 'near-end':
        return p.setPaper('near-end');
      case 'out':
        return p.setPaper('out');
      case 'after-2':
        return p.outOfPaperAfterLines(2);
      case 'cover-open':
        return p.openCover();
      case 'cover-closed':
        return p.closeCover();
      case 'offline':
        return p.goOffline();
      case 'online':
        return p.goOnline();
      case 'close-drawer':
        return p.closeDrawer();
    }
  };

  it('write() never throws on any bytes, chunking and faults, and DLE EOT always reads back its state', () => {
    const options: VirtualPrinterOptions[] = [{}, { paperMm: 58, paperLines: 20, nearEndLines: 5, drawerPolarity: 'high-is-closed' }];
    fc.assert(
      fc.property(streamArb, cutsArb, fc.array(faultArb, { maxLength: 10 }), fc.constantFrom(0, 1), (data, cuts, faults, o) => {
        const p = new VirtualPrinter(options[o]);
        const polarity: StatusOptions = { drawer: o === 0 ? 'high-is-open' : 'high-is-closed' };
        chunked(data, cuts).forEach((chunk, i) => {
          p.write(chunk, i);
          const fault = faults[i];
          if (fault !== undefined) inject(p, fault);
        });
        p.receipts().forEach((r) => renderText(r));
        // Finish any command left open, then poll.
        p.write(new Uint8Array(70000), 0);
        p.write(bytes('00 0A'), 0);
        expect(poll(p, polarity).status).toEqual(p.status());
      }),
      { numRuns: 300 },
    );
  });

  it('prints the same receipts however the stream is chunked', () => {
    fc.assert(
      fc.property(streamArb, cutsArb, (data, cuts) => {
        const whole = new VirtualPrinter();
        const split = new VirtualPrinter();
        const a = whole.write(data, 0);
        const b = chunked(data, cuts).map((c) => split.write(c, 0));
        expect(cat(...b)).toEqual(a);
        expect(split.receipts()).toEqual(whole.receipts());
      }),
      { numRuns: 300 },
    );
  });

  it('prints every line of a job across any paper-out point once paper is back', () => {
    const lineArb = fc.string({ unit: fc.constantFrom(...'abcdef 0123456789'), minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 12 }), fc.nat({ max: 14 }), (lines, after) => {
        const p = new VirtualPrinter();
        p.outOfPaperAfterLines(after);
        p.write(cat(job(...lines), CUT), 0);
        p.setPaper('ok');
        const [r] = p.receipts();
        expect(r?.lines).toEqual(lines);
        expect(r?.cutKind).toBe('partial');
      }),
      { numRuns: 200 },
    );
  });
});

function fail(): never {
  throw new Error('unexpected null');
}
