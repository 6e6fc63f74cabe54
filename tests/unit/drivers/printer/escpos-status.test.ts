// ESC/POS status: request bytes, reply tables from shared/reference/hardware.md §1, the merged
// status, and the back-channel reader (interleavings by example, then fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyStatusEvent,
  byteClass,
  dleEot,
  enableAsb,
  gsR,
  gsRFunction,
  parseAsb,
  parseDleEot1,
  parseDleEot2,
  parseDleEot3,
  parseDleEot4,
  parseGsR1,
  parseGsR2,
  READY_STATUS,
  realtimeQueriesIn,
  statusSeverity,
  StatusReader,
  XOFF,
  XON,
} from '../../../../drivers/printer/escpos-status.ts';
import type { DleEotN, Expectation, GsRN, PrinterStatus, StatusEvent, StatusOptions } from '../../../../drivers/printer/escpos-status.ts';

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
const u8 = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const OPEN_HIGH: StatusOptions = { drawer: 'high-is-open' };

// The parts of an event a test states; replies come from the parsers tested on their own.
type Summary =
  | { kind: 'dle-eot'; n: number; byte: number }
  | { kind: 'asb'; bytes: number[] }
  | { kind: 'gs-r'; n: number; jobId: string | null; byte: number }
  | { kind: 'xon' | 'xoff' }
  | { kind: 'garbage'; bytes: number[]; reason: string };

function summary(e: StatusEvent): Summary {
  switch (e.kind) {
    case 'dle-eot':
      return { kind: e.kind, n: e.n, byte: e.byte };
    case 'asb':
      return { kind: e.kind, bytes: [...e.bytes] };
    case 'gs-r':
      return { kind: e.kind, n: e.n, jobId: e.jobId, byte: e.byte };
    case 'garbage':
      return { kind: e.kind, bytes: [...e.bytes], reason: e.reason };
    default:
      return { kind: e.kind };
  }
}

function reader(...expectations: Expectation[]): StatusReader {
  const r = new StatusReader();
  for (const e of expectations) r.expect(e);
  return r;
}

const feed = (r: StatusReader, chunks: Uint8Array[]): Summary[] => chunks.flatMap((c) => r.push(c)).map(summary);
const bytewise = (bytes: Uint8Array): Uint8Array[] => [...bytes].map((b) => u8(b));
const fold = (events: StatusEvent[], options: StatusOptions = OPEN_HIGH, base: PrinterStatus = READY_STATUS): PrinterStatus =>
  events.reduce((s, e) => applyStatusEvent(s, e, options), base);

/** Polls like the device driver: one DLE EOT per n, replies in order. */
function poll(replies: Partial<Record<DleEotN, number>>, options: StatusOptions = OPEN_HIGH): PrinterStatus {
  const r = new StatusReader();
  const bytes: number[] = [];
  for (const [n, b] of Object.entries(replies)) {
    r.expect({ kind: 'dle-eot', n: Number(n) as DleEotN });
    bytes.push(b);
  }
  const events = r.push(Uint8Array.from(bytes));
  expect(events.every((e) => e.kind === 'dle-eot')).toBe(true);
  return fold(events, options);
}

describe('status requests', () => {
  it('builds DLE EOT n, GS a n and GS r n', () => {
    expect(hex(dleEot(1))).toBe('10 04 01');
    expect(hex(dleEot(4))).toBe('10 04 04');
    expect(hex(enableAsb({}))).toBe('1D 61 00');
    expect(hex(enableAsb({ drawer: true, online: true, error: true, paper: true }))).toBe('1D 61 0F');
    expect(hex(enableAsb({ drawer: true, paper: true }))).toBe('1D 61 09');
    expect(hex(enableAsb({ online: true, error: true }))).toBe('1D 61 06');
    expect(hex(gsR(1))).toBe('1D 72 01');
    expect(hex(gsR(2))).toBe('1D 72 02');
    expect(hex(gsR(1, 'ascii'))).toBe('1D 72 31');
    expect(hex(gsR(2, 'ascii'))).toBe('1D 72 32');
  });

  it('refuses an n outside the command range (callers outside TypeScript)', () => {
    expect(() => dleEot(5 as DleEotN)).toThrow(/1–4/);
    expect(() => gsR(3 as GsRN)).toThrow(/1 or 2/);
  });

  it('reads the GS r function from either form', () => {
    expect([1, 0x31, 2, 0x32, 0, 3, 0x33].map(gsRFunction)).toEqual([1, 1, 2, 2, null, null, null]);
  });

  it('finds the DLE EOT queries hidden in job data, in order', () => {
    // a raster image whose data happens to contain 10 04 01 and 10 04 04; 10 04 09 is no query
    const job = u8(0x1d, 0x76, 0x30, 0x00, 0x02, 0x00, 0x03, 0x00, 0x10, 0x04, 0x01, 0x10, 0x04, 0x09, 0xff, 0x10, 0x04, 0x04);
    expect(realtimeQueriesIn(job)).toEqual([1, 4]);
    expect(realtimeQueriesIn(u8(0x10, 0x04))).toEqual([]);
    expect(realtimeQueriesIn(u8(0x10, 0x04, 0x10, 0x04, 0x02))).toEqual([2]);
  });
});

describe('byte classes', () => {
  it('puts every byte in exactly one class, by the identification bits', () => {
    for (let b = 0; b < 256; b += 1) {
      const matches = [b === XON, b === XOFF, (b & 0x93) === 0x12, (b & 0x93) === 0x10, (b & 0x90) === 0].filter(Boolean).length;
      expect(matches, `0x${b.toString(16)}`).toBeLessThanOrEqual(1);
      expect(byteClass(b) === 'unknown', `0x${b.toString(16)}`).toBe(matches === 0);
    }
    expect([0x11, 0x13, 0x12, 0x7e, 0x10, 0x7c, 0x00, 0x6f, 0x80, 0x15, 0x92].map(byteClass)).toEqual([
      'xon',
      'xoff',
      'dle-eot-reply',
      'dle-eot-reply',
      'asb-first',
      'asb-first',
      'status-byte',
      'status-byte',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });
});

describe('DLE EOT replies (hardware.md §1 table)', () => {
  it('reads an idle printer that is OK: 0x12 to every n', () => {
    expect(parseDleEot1(0x12)).toEqual({ drawerPin3High: false, offline: false });
    expect(parseDleEot2(0x12)).toEqual({ coverOpen: false, feedPressed: false, paperEndStop: false, error: false });
    expect(parseDleEot3(0x12)).toEqual({ modelDependent: false, autocutter: false, unrecoverable: false, autoRecoverable: false });
    expect(parseDleEot4(0x12)).toEqual({ paperNearEnd: false, paperOut: false });
  });

  it('reads out of paper: n1 → 1A, n2 → 32, n4 → 7E', () => {
    expect(parseDleEot1(0x1a)).toEqual({ drawerPin3High: false, offline: true });
    expect(parseDleEot2(0x32)).toEqual({ coverOpen: false, feedPressed: false, paperEndStop: true, error: false });
    expect(parseDleEot4(0x7e)).toEqual({ paperNearEnd: true, paperOut: true });
  });

  it.each([
    // n, byte, field that is set
    [1, 0x16, 'drawerPin3High'],
    [1, 0x1a, 'offline'],
    [2, 0x16, 'coverOpen'],
    [2, 0x1a, 'feedPressed'],
    [2, 0x32, 'paperEndStop'],
    [2, 0x52, 'error'],
    [3, 0x16, 'modelDependent'],
    [3, 0x1a, 'autocutter'],
    [3, 0x32, 'unrecoverable'],
    [3, 0x52, 'autoRecoverable'],
    [4, 0x1e, 'paperNearEnd'],
    [4, 0x32, 'paperOut'],
  ] as const)('DLE EOT %i: 0x%s sets only %s', (n, byte, field) => {
    const parse = [parseDleEot1, parseDleEot2, parseDleEot3, parseDleEot4][n - 1];
    const reply = parse?.(byte) as Record<string, boolean> | null | undefined;
    expect(reply).toBeTruthy();
    for (const [key, value] of Object.entries(reply ?? {})) expect(value, key).toBe(key === field);
  });

  it('takes either near-end bit, and paper end from bit 5 alone (bit 6 is a presenter sensor on some models)', () => {
    expect(parseDleEot4(0x16)).toEqual({ paperNearEnd: true, paperOut: false });
    expect(parseDleEot4(0x1a)).toEqual({ paperNearEnd: true, paperOut: false });
    expect(parseDleEot4(0x52)).toEqual({ paperNearEnd: false, paperOut: false });
    expect(parseDleEot4(0x72)).toEqual({ paperNearEnd: false, paperOut: true });
  });

  it('says a byte that fails (b & 0x93) === 0x12 is not a reply', () => {
    for (const b of [0x00, 0x10, 0x11, 0x13, 0x02, 0x92, 0x9e, 0xff]) {
      for (const parse of [parseDleEot1, parseDleEot2, parseDleEot3, parseDleEot4]) expect(parse(b), `0x${b.toString(16)}`).toBeNull();
    }
  });
});

describe('ASB frames and GS r replies', () => {
  const none = {
    drawerPin3High: false,
    offline: false,
    coverOpen: false,
    feedPressed: false,
    waitingOnlineRecovery: false,
    mechanical: false,
    autocutter: false,
    unrecoverable: false,
    autoRecoverable: false,
    paperNearEnd: false,
    paperOut: false,
  };

  it.each([
    ['idle', [0x10, 0x00, 0x00, 0x00], {}],
    ['drawer pin 3 high', [0x14, 0x00, 0x00, 0x00], { drawerPin3High: true }],
    ['cover open (offline)', [0x38, 0x00, 0x00, 0x00], { offline: true, coverOpen: true }],
    ['FEED pressed', [0x58, 0x00, 0x00, 0x00], { offline: true, feedPressed: true }],
    ['paper near end', [0x10, 0x00, 0x03, 0x00], { paperNearEnd: true }],
    ['paper out', [0x18, 0x00, 0x0f, 0x00], { offline: true, paperNearEnd: true, paperOut: true }],
    ['waiting for online recovery', [0x18, 0x01, 0x00, 0x00], { offline: true, waitingOnlineRecovery: true }],
    ['mechanical error', [0x18, 0x04, 0x00, 0x00], { offline: true, mechanical: true }],
    ['autocutter error', [0x18, 0x08, 0x00, 0x00], { offline: true, autocutter: true }],
    ['unrecoverable error', [0x18, 0x20, 0x00, 0x00], { offline: true, unrecoverable: true }],
    ['auto-recoverable error', [0x18, 0x40, 0x00, 0x00], { offline: true, autoRecoverable: true }],
  ])('parses an ASB frame: %s', (_name, bytes, set) => {
    expect(parseAsb(Uint8Array.from(bytes))).toEqual({ ...none, ...set });
  });

  it('refuses frames that fail the identification bits or are short', () => {
    expect(parseAsb(u8(0x12, 0x00, 0x00, 0x00))).toBeNull(); // first byte is a DLE EOT reply
    expect(parseAsb(u8(0x90, 0x00, 0x00, 0x00))).toBeNull();
    expect(parseAsb(u8(0x10, 0x10, 0x00, 0x00))).toBeNull();
    expect(parseAsb(u8(0x10, 0x00, 0x80, 0x00))).toBeNull();
    expect(parseAsb(u8(0x10, 0x00, 0x00, 0x11))).toBeNull();
    expect(parseAsb(u8(0x10, 0x00, 0x00))).toBeNull();
    expect(parseAsb(u8(0xff, 0x14, 0x00, 0x00, 0x00), 1)).toEqual({ ...none, drawerPin3High: true });
  });

  it('parses GS r 1 (paper) and GS r 2 (drawer)', () => {
    expect(parseGsR1(0x00)).toEqual({ paperNearEnd: false, paperOut: false });
    expect(parseGsR1(0x03)).toEqual({ paperNearEnd: true, paperOut: false });
    expect(parseGsR1(0x0c)).toEqual({ paperNearEnd: false, paperOut: true });
    expect(parseGsR1(0x0f)).toEqual({ paperNearEnd: true, paperOut: true });
    expect(parseGsR2(0x00)).toEqual({ drawerPin3High: false });
    expect(parseGsR2(0x01)).toEqual({ drawerPin3High: true });
    for (const b of [0x10, 0x12, 0x80, 0x11]) {
      expect(parseGsR1(b)).toBeNull();
      expect(parseGsR2(b)).toBeNull();
    }
  });
});

describe('merged status and severity', () => {
  it('an idle printer polled 1–4 is ready', () => {
    const s = poll({ 1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12 });
    expect(s).toEqual(READY_STATUS);
    expect(statusSeverity(s)).toBe('ready');
  });

  it('out of paper (1A, 32, 7E) is a fault', () => {
    const s = poll({ 1: 0x1a, 2: 0x32, 4: 0x7e });
    expect(s).toMatchObject({ online: false, paperOut: true, paperNearEnd: true, coverOpen: false });
    expect(statusSeverity(s)).toBe('fault');
  });

  it('paper near end alone is degraded', () => {
    const s = poll({ 1: 0x12, 2: 0x12, 4: 0x1e });
    expect(s).toMatchObject({ online: true, paperNearEnd: true, paperOut: false });
    expect(statusSeverity(s)).toBe('degraded');
  });

  it('cover open (n1 offline, n2 0x16) is a fault', () => {
    const s = poll({ 1: 0x1a, 2: 0x16 });
    expect(s).toMatchObject({ online: false, coverOpen: true });
    expect(statusSeverity(s)).toBe('fault');
  });

  it('applies drawer polarity to pin 3', () => {
    expect(poll({ 1: 0x16 }, { drawer: 'high-is-open' }).drawerOpen).toBe(true);
    expect(poll({ 1: 0x16 }, { drawer: 'high-is-closed' }).drawerOpen).toBe(false);
    expect(poll({ 1: 0x12 }, { drawer: 'high-is-open' }).drawerOpen).toBe(false);
    expect(poll({ 1: 0x12 }, { drawer: 'high-is-closed' }).drawerOpen).toBe(true);
    // an open drawer is not a printer fault
    expect(statusSeverity(poll({ 1: 0x16 }))).toBe('ready');
  });

  it('lets DLE EOT 2 raise paper out but only the paper sensors clear it', () => {
    const out = poll({ 2: 0x32 });
    expect(out.paperOut).toBe(true);
    const r = reader({ kind: 'dle-eot', n: 2 }, { kind: 'dle-eot', n: 4 });
    expect(fold(r.push(u8(0x12)), OPEN_HIGH, out).paperOut).toBe(true);
    expect(fold(r.push(u8(0x12)), OPEN_HIGH, out).paperOut).toBe(false);
  });

  it('maps DLE EOT 3 bit 2 to a mechanical error only when the profile says so', () => {
    expect(poll({ 3: 0x16 }).errors.mechanical).toBe(false);
    const s = poll({ 3: 0x16 }, { drawer: 'high-is-open', dleEot3Bit2IsMechanical: true });
    expect(s.errors.mechanical).toBe(true);
    expect(statusSeverity(s)).toBe('fault');
    expect(poll({ 3: 0x1a }).errors).toEqual({ autocutter: true, unrecoverable: false, autoRecoverable: false, mechanical: false });
  });

  it('takes the whole status from an ASB frame and paper or drawer from GS r', () => {
    const r = reader({ kind: 'gs-r', n: 1 }, { kind: 'gs-r', n: 2 });
    const asb = fold(r.push(u8(0x1c, 0x08, 0x0f, 0x00)));
    expect(asb).toEqual({
      online: false,
      coverOpen: false,
      paperNearEnd: true,
      paperOut: true,
      drawerOpen: true,
      feedPressed: false,
      errors: { autocutter: true, unrecoverable: false, autoRecoverable: false, mechanical: false },
    });
    const paper = fold(r.push(u8(0x03)));
    expect(paper).toMatchObject({ paperNearEnd: true, paperOut: false });
    expect(statusSeverity(paper)).toBe('degraded');
    expect(fold(r.push(u8(0x01))).drawerOpen).toBe(true);
  });

  it('leaves the status alone on flow and garbage', () => {
    const events = new StatusReader().push(u8(XON, 0xff, XOFF, 0x12));
    expect(events.map((e) => e.kind)).toEqual(['xon', 'garbage', 'xoff', 'garbage']);
    for (const e of events) expect(applyStatusEvent(READY_STATUS, e, OPEN_HIGH)).toBe(READY_STATUS);
  });

  it.each([
    [{ online: false }, 'fault'],
    [{ coverOpen: true }, 'fault'],
    [{ paperOut: true }, 'fault'],
    [{ paperNearEnd: true }, 'degraded'],
    [{ paperNearEnd: true, coverOpen: true }, 'fault'],
    [{ drawerOpen: true }, 'ready'],
    [{ feedPressed: true }, 'ready'],
  ] as const)('severity of %o is %s', (patch, severity) => {
    expect(statusSeverity({ ...READY_STATUS, ...patch })).toBe(severity);
  });

  it.each(['autocutter', 'unrecoverable', 'autoRecoverable', 'mechanical'] as const)('any error is a fault: %s', (error) => {
    expect(statusSeverity({ ...READY_STATUS, errors: { ...READY_STATUS.errors, [error]: true } })).toBe('fault');
  });
});

describe('StatusReader', () => {
  it('decodes an ASB frame that arrives between a query and its reply', () => {
    const stream = u8(0x18, 0x00, 0x0f, 0x00, 0x1a);
    const expected = [
      { kind: 'asb', bytes: [0x18, 0x00, 0x0f, 0x00] },
      { kind: 'dle-eot', n: 1, byte: 0x1a },
    ];
    expect(feed(reader({ kind: 'dle-eot', n: 1 }), [stream])).toEqual(expected);
    expect(feed(reader({ kind: 'dle-eot', n: 1 }), bytewise(stream))).toEqual(expected);
  });

  it('answers queries in the order asked, around ASB frames', () => {
    const r = reader({ kind: 'dle-eot', n: 1 }, { kind: 'dle-eot', n: 2 }, { kind: 'dle-eot', n: 4 });
    const stream = u8(0x1a, 0x18, 0x00, 0x0c, 0x00, 0x32, 0x7e);
    expect(feed(r, bytewise(stream))).toEqual([
      { kind: 'dle-eot', n: 1, byte: 0x1a },
      { kind: 'asb', bytes: [0x18, 0x00, 0x0c, 0x00] },
      { kind: 'dle-eot', n: 2, byte: 0x32 },
      { kind: 'dle-eot', n: 4, byte: 0x7e },
    ]);
    expect(r.pending()).toEqual([]);
  });

  it('passes XON/XOFF through anywhere, even inside an ASB frame', () => {
    const r = reader({ kind: 'dle-eot', n: 1 });
    expect(feed(r, [u8(XOFF, 0x10, XON, 0x00, XOFF, 0x03), u8(XON, 0x00, 0x12)])).toEqual([
      { kind: 'xoff' },
      { kind: 'xon' },
      { kind: 'xoff' },
      { kind: 'xon' },
      { kind: 'asb', bytes: [0x10, 0x00, 0x03, 0x00] },
      { kind: 'dle-eot', n: 1, byte: 0x12 },
    ]);
    expect(r.stats()).toMatchObject({ flowBytes: 4, asbFrames: 1, dleEotReplies: 1, garbageBytes: 0 });
  });

  it('confirms jobs by GS r in buffer order while DLE EOT replies overtake them', () => {
    const r = new StatusReader();
    r.expect({ kind: 'gs-r', n: 1, jobId: 'sale-1' });
    r.expect({ kind: 'gs-r', n: 1, jobId: 'sale-2' });
    r.expect({ kind: 'dle-eot', n: 1 });
    expect(feed(r, [u8(0x12)])).toEqual([{ kind: 'dle-eot', n: 1, byte: 0x12 }]);
    expect(r.pending()).toEqual([
      { kind: 'gs-r', n: 1, jobId: 'sale-1' },
      { kind: 'gs-r', n: 1, jobId: 'sale-2' },
    ]);
    expect(feed(r, [u8(0x00, 0x10, 0x00, 0x03, 0x00), u8(0x03)])).toEqual([
      { kind: 'gs-r', n: 1, jobId: 'sale-1', byte: 0x00 },
      { kind: 'asb', bytes: [0x10, 0x00, 0x03, 0x00] },
      { kind: 'gs-r', n: 1, jobId: 'sale-2', byte: 0x03 },
    ]);
    expect(r.pending()).toEqual([]);
  });

  it('holds a partial ASB frame across chunks and gives it up on flush()', () => {
    const r = new StatusReader();
    expect(r.push(u8(0x10, 0x00))).toEqual([]);
    expect(feed(r, [u8(0x00, 0x00)])).toEqual([{ kind: 'asb', bytes: [0x10, 0, 0, 0] }]);
    expect(r.push(u8(0x14))).toEqual([]);
    expect(r.flush().map(summary)).toEqual([{ kind: 'garbage', bytes: [0x14], reason: 'truncated-asb' }]);
    expect(r.flush()).toEqual([]);
  });

  it('counts replies nobody asked for as garbage', () => {
    const r = new StatusReader();
    expect(feed(r, [u8(0x12, 0x00, 0x80, 0x81)])).toEqual([
      { kind: 'garbage', bytes: [0x12], reason: 'unexpected-dle-eot-reply' },
      { kind: 'garbage', bytes: [0x00], reason: 'unexpected-status-byte' },
      { kind: 'garbage', bytes: [0x80, 0x81], reason: 'unknown-byte' },
    ]);
    expect(r.stats()).toEqual({ bytes: 4, dleEotReplies: 0, asbFrames: 0, gsRReplies: 0, flowBytes: 0, garbageEvents: 3, garbageBytes: 4 });
  });

  it('gives up a frame cut short by another byte and reads that byte afresh', () => {
    const r = reader({ kind: 'dle-eot', n: 4 }, { kind: 'gs-r', n: 1, jobId: 'j' });
    expect(feed(r, [u8(0x10, 0x00, 0x7e, 0x10, 0x00, 0x00, 0x00)])).toEqual([
      { kind: 'garbage', bytes: [0x10, 0x00], reason: 'truncated-asb' },
      { kind: 'dle-eot', n: 4, byte: 0x7e },
      { kind: 'asb', bytes: [0x10, 0, 0, 0] },
    ]);
    expect(r.pending()).toEqual([{ kind: 'gs-r', n: 1, jobId: 'j' }]);
  });

  it('never takes the orphaned tail of a damaged ASB frame for a GS r confirmation', () => {
    // header corrupted to 0x90: its three status bytes must not confirm the job
    const r = reader({ kind: 'gs-r', n: 1, jobId: 'sale-1' });
    expect(feed(r, bytewise(u8(0x90, 0x00, 0x0c, 0x00, 0x00)))).toEqual([
      { kind: 'garbage', bytes: [0x90], reason: 'unknown-byte' },
      { kind: 'garbage', bytes: [0x00], reason: 'asb-tail' },
      { kind: 'garbage', bytes: [0x0c], reason: 'asb-tail' },
      { kind: 'garbage', bytes: [0x00], reason: 'asb-tail' },
      { kind: 'gs-r', n: 1, jobId: 'sale-1', byte: 0x00 },
    ]);
    // a truncated frame: the tail it was missing (2 bytes) is garbage, even after a reply
    const t = reader({ kind: 'dle-eot', n: 1 }, { kind: 'gs-r', n: 2, jobId: 'x' });
    expect(feed(t, [u8(0x10, 0x00, 0x12, 0x00, 0x00, 0x01)])).toEqual([
      { kind: 'garbage', bytes: [0x10, 0x00], reason: 'truncated-asb' },
      { kind: 'dle-eot', n: 1, byte: 0x12 },
      { kind: 'garbage', bytes: [0x00, 0x00], reason: 'asb-tail' },
      { kind: 'gs-r', n: 2, jobId: 'x', byte: 0x01 },
    ]);
  });

  it('resynchronises at the next ASB first byte after noise', () => {
    const r = reader({ kind: 'gs-r', n: 1, jobId: 'j' });
    expect(feed(r, [u8(0xff, 0x10, 0x00, 0x00, 0x00, 0x03)])).toEqual([
      { kind: 'garbage', bytes: [0xff], reason: 'unknown-byte' },
      { kind: 'asb', bytes: [0x10, 0, 0, 0] },
      { kind: 'gs-r', n: 1, jobId: 'j', byte: 0x03 },
    ]);
  });

  it('drops timed-out queries on cancel() and treats a late reply as garbage', () => {
    const r = reader({ kind: 'dle-eot', n: 1 }, { kind: 'gs-r', n: 1, jobId: 'a' }, { kind: 'gs-r', n: 2 });
    expect(r.cancel('dle-eot')).toEqual([{ kind: 'dle-eot', n: 1 }]);
    expect(feed(r, [u8(0x12)])).toEqual([{ kind: 'garbage', bytes: [0x12], reason: 'unexpected-dle-eot-reply' }]);
    expect(r.cancel()).toEqual([{ kind: 'gs-r', n: 1, jobId: 'a' }, { kind: 'gs-r', n: 2 }]);
    expect(r.pending()).toEqual([]);
  });

  it('expects the replies to DLE EOT sequences inside image data', () => {
    const r = new StatusReader();
    r.expect({ kind: 'dle-eot', n: 4 }); // the driver's own poll, written first
    const job = u8(0x1d, 0x76, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, 0x10, 0x04, 0x01);
    for (const n of realtimeQueriesIn(job)) r.expect({ kind: 'dle-eot', n });
    expect(feed(r, [u8(0x1e, 0x16)])).toEqual([
      { kind: 'dle-eot', n: 4, byte: 0x1e },
      { kind: 'dle-eot', n: 1, byte: 0x16 },
    ]);
  });

  it('refuses a malformed expectation', () => {
    expect(() => new StatusReader().expect({ kind: 'dle-eot', n: 0 as DleEotN })).toThrow(RangeError);
    expect(() => new StatusReader().expect({ kind: 'gs-r', n: 4 as GsRN })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const eventLength = (e: StatusEvent): number => (e.kind === 'asb' || e.kind === 'garbage' ? e.bytes.length : 1);

function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

// A garbage run split by a chunk boundary is two events; join them to compare decodings.
function joinGarbage(events: Summary[]): Summary[] {
  const out: Summary[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.kind === 'garbage' && last?.kind === 'garbage' && last.reason === e.reason) out[out.length - 1] = { ...last, bytes: [...last.bytes, ...e.bytes] };
    else out.push(e);
  }
  return out;
}

const expectationArb: fc.Arbitrary<Expectation> = fc.oneof(
  fc.record({ kind: fc.constant('dle-eot' as const), n: fc.constantFrom<DleEotN>(1, 2, 3, 4) }),
  fc.record({ kind: fc.constant('gs-r' as const), n: fc.constantFrom<GsRN>(1, 2), jobId: fc.string({ maxLength: 4 }) }),
);
const cutsArb = fc.array(fc.nat(), { maxLength: 12 });
const noiseArb = fc.uint8Array({ maxLength: 200 });

// One unit of a valid back channel: what the printer sends, and the events it must decode to.
interface Unit {
  bytes: number[];
  events: Summary[];
  expectation?: Expectation;
}

const flowArb = fc.constantFrom(XON, XOFF);
const flowEvent = (b: number): Summary => ({ kind: b === XON ? 'xon' : 'xoff' });
const unitArb: fc.Arbitrary<Unit> = fc.oneof(
  fc.record({ n: fc.constantFrom<DleEotN>(1, 2, 3, 4), bits: fc.integer({ min: 0, max: 255 }) }).map(({ n, bits }): Unit => {
    const byte = 0x12 | (bits & 0x6c);
    return { bytes: [byte], events: [{ kind: 'dle-eot', n, byte }], expectation: { kind: 'dle-eot', n } };
  }),
  fc
    .record({
      frame: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
      flows: fc.tuple(fc.array(flowArb, { maxLength: 2 }), fc.array(flowArb, { maxLength: 2 }), fc.array(flowArb, { maxLength: 2 })),
    })
    .map(({ frame: [a, b, c, d], flows: [f1, f2, f3] }): Unit => {
      const frame = [0x10 | (a & 0x6c), b & 0x6f, c & 0x6f, d & 0x6f];
      const [b1, b2, b3, b4] = frame as [number, number, number, number];
      return { bytes: [b1, ...f1, b2, ...f2, b3, ...f3, b4], events: [...[...f1, ...f2, ...f3].map(flowEvent), { kind: 'asb', bytes: frame }] };
    }),
  fc.record({ n: fc.constantFrom<GsRN>(1, 2), bits: fc.integer({ min: 0, max: 255 }), job: fc.nat({ max: 999 }) }).map(({ n, bits, job }): Unit => {
    const byte = bits & 0x6f;
    const jobId = `job-${job}`;
    return { bytes: [byte], events: [{ kind: 'gs-r', n, jobId, byte }], expectation: { kind: 'gs-r', n, jobId } };
  }),
  flowArb.map((b): Unit => ({ bytes: [b], events: [flowEvent(b)] })),
);

function decodeUnits(r: StatusReader, units: Unit[], cuts: number[]): { got: Summary[]; want: Summary[] } {
  for (const u of units) if (u.expectation) r.expect(u.expectation);
  const stream = Uint8Array.from(units.flatMap((u) => u.bytes));
  return { got: feed(r, chunked(stream, cuts)), want: units.flatMap((u) => u.events) };
}

describe('StatusReader properties', () => {
  it('never throws on arbitrary bytes, chunks and expectations, and accounts for every byte', () => {
    fc.assert(
      fc.property(fc.array(expectationArb, { maxLength: 10 }), fc.uint8Array({ maxLength: 400 }), cutsArb, (expectations, bytes, cuts) => {
        const r = reader(...expectations);
        const events = [...chunked(bytes, cuts).flatMap((c) => r.push(c)), ...r.flush()];
        const stats = r.stats();
        expect(events.reduce((sum, e) => sum + eventLength(e), 0)).toBe(bytes.length);
        expect(stats.bytes).toBe(bytes.length);
        const garbage = events.filter((e) => e.kind === 'garbage');
        expect(stats.garbageEvents).toBe(garbage.length);
        expect(stats.garbageBytes).toBe(garbage.reduce((sum, e) => sum + e.bytes.length, 0));
        expect(stats.dleEotReplies + stats.asbFrames + stats.gsRReplies + stats.flowBytes + stats.garbageEvents).toBe(events.length);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes the same events however the bytes are chunked', () => {
    fc.assert(
      fc.property(fc.array(expectationArb, { maxLength: 10 }), fc.uint8Array({ maxLength: 300 }), cutsArb, (expectations, bytes, cuts) => {
        const whole = reader(...expectations);
        const split = reader(...expectations);
        const a = [...whole.push(bytes), ...whole.flush()].map(summary);
        const b = [...chunked(bytes, cuts).flatMap((c) => split.push(c)), ...split.flush()].map(summary);
        expect(joinGarbage(b)).toEqual(joinGarbage(a));
        expect(split.pending()).toEqual(whole.pending());
      }),
      { numRuns: 500 },
    );
  });

  it('decodes valid events interleaved in any order and chunked anywhere back to the same events', () => {
    fc.assert(
      fc.property(fc.array(unitArb, { maxLength: 40 }), cutsArb, (units, cuts) => {
        const r = new StatusReader();
        const { got, want } = decodeUnits(r, units, cuts);
        expect(got).toEqual(want);
        expect(r.pending()).toEqual([]);
        expect(r.stats().garbageBytes).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('recovers after noise once the line has gone idle', () => {
    fc.assert(
      fc.property(noiseArb, fc.array(unitArb, { maxLength: 20 }), cutsArb, (noise, units, cuts) => {
        const r = new StatusReader();
        r.push(noise);
        r.flush();
        r.cancel();
        const { got, want } = decodeUnits(r, units, cuts);
        expect(got).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
});
