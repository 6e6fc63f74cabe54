// ShiftService on a real SQLite file with real committed sales (tests/support/sale-fixtures.ts)
// and cash refunds through RefundService: the expected figure is worked out in each test by hand
// from the sales it made, and every refused command leaves the tables, journal and outbox as
// they were.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type KassaConfig } from '../../../../src/core/config.ts';
import { openDatabase, type Db } from '../../../../src/core/db/open.ts';
import { commitSale, type UncommittedSale } from '../../../../src/core/db/sales.ts';
import { silentLogger } from '../../../../src/core/logger.ts';
import { setManagerToken } from '../../../../src/core/manager-auth.ts';
import { RefundService } from '../../../../src/core/refund-service.ts';
import { ShiftError, ShiftService, type Operator } from '../../../../src/core/shifts/shift-service.ts';
import { verifyStore } from '../../../../src/core/verify.ts';
import { shiftPayload } from '../../../../src/shared/sync-protocol.ts';
import { makeSale, SNAPSHOT, tempDbFile, TERMINAL, type SaleSpec } from '../../../support/sale-fixtures.ts';

const TOKEN = 'mgr-2468';
const ALICE: Operator = { userId: null, name: 'alice', role: 'manager' };
const BOB: Operator = { userId: 'U-BOB', name: 'bob', role: 'cashier' };

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;
let clock: number;
const now = () => new Date(clock);

beforeEach(() => {
  tmp = tempDbFile('kassa-shift-');
  db = openDatabase(tmp.file);
  setManagerToken(db, TOKEN);
  clock = Date.parse('2025-03-01T09:00:00.000Z');
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

function config(patch: Record<string, unknown> = {}): KassaConfig {
  return parseConfig({ language: 'en', ...patch });
}

function shifts(c: KassaConfig = config()): ShiftService {
  return new ShiftService({ db, config: c, terminalId: TERMINAL, now });
}

function tick(ms = 60_000): string {
  clock += ms;
  return new Date(clock).toISOString();
}

/** Commits a sale; lines default to one item at `price`, paid as given. */
function sell(price: number, tenders: SaleSpec['tenders'] = [{ method: 'cash' }], patch: Partial<SaleSpec> = {}): UncommittedSale {
  const record = makeSale({ lines: [{ sku: `SKU-${price}`, unitPrice: price }], tenders, ...patch });
  commitSale(db, { record, snapshot: SNAPSHOT, at: tick() });
  return record;
}

/** A cash sale settled with cash rounding: `due` rounded to `paid`, `received` handed over. */
function sellRounded(due: number, paid: number, received: number, cashier = 'alice'): void {
  const base = makeSale({ lines: [{ sku: `SKU-${due}`, unitPrice: due }], cashier });
  const record: UncommittedSale = {
    ...base,
    rounding: paid - due,
    tenders: [{ seq: 1, method: 'cash', amount: paid, received, reference: null }],
    tendered: paid,
    change: received - paid,
  };
  commitSale(db, { record, snapshot: SNAPSHOT, at: tick() });
}

async function refundCash(saleId: string, amount: string): Promise<void> {
  const service = new RefundService({ db, logger: silentLogger(), providers: new Map(), terminalId: TERMINAL, training: false, now });
  tick();
  await service.prepare({ saleId, amount, reason: 'damaged item', authorization: TOKEN, operator: 'bob' });
}

/** Everything a shift command could write. */
function dump(): string {
  return JSON.stringify([
    db.prepare('SELECT * FROM shifts ORDER BY id').all(),
    db.prepare('SELECT * FROM cash_movements ORDER BY id').all(),
    db.prepare('SELECT seq, hash FROM journal ORDER BY seq').all(),
    db.prepare('SELECT seq, idempotency_key FROM outbox ORDER BY seq').all(),
  ]);
}

describe('a whole shift', () => {
  it('open, sales, a cash refund, paid-in and paid-out, a cashier change, close 10.00 short', async () => {
    const s = shifts(config({ cashRounding: { step: '0.10' } }));
    sell(9999); // before the shift: not counted

    tick();
    const opened = s.open({ counts: { '100': 1, '50': 1, '20': 2, '10': 1 } }, ALICE);
    expect(opened).toMatchObject({ state: 'open', float: 20000, openedBy: 'alice', cashier: { name: 'alice', userId: null }, floatCount: { '100': 1, '50': 1, '20': 2, '10': 1 } });

    const cashSale = sell(5000); // 50.00 cash
    sell(3196, [{ method: 'cash', amount: 1000 }, { method: 'alipay' }]); // 10.00 cash + 21.96 Alipay
    sell(2000, [{ method: 'wechat' }]); // no cash
    sellRounded(1234, 1230, 2000); // 12.34 due, 12.30 in cash (−0.04), 7.70 change
    sellRounded(995, 1000, 1000); // 9.95 due, 10.00 in cash (+0.05)
    await refundCash(cashSale.id, '12.50');
    tick();
    s.paidIn({ amount: '100.00', reason: 'change from the bank' }, ALICE);
    tick();
    s.paidOut({ amount: '35.00', reason: 'window cleaner' }, ALICE);

    tick();
    expect(s.changeCashier(BOB)).toMatchObject({ cashier: { name: 'bob', userId: 'U-BOB' } });
    sell(4000, [{ method: 'cash', received: 5000 }], { cashier: 'bob' }); // 40.00 cash, 10.00 change

    // Drawer: 200 + (50 + 10 + 12.30 + 10.00 + 40) − 12.50 + 100 − 35 = 374.80
    const expected = 20000 + (5000 + 1000 + 1230 + 1000 + 4000) - 1250 + 10000 - 3500;
    expect(expected).toBe(37480);
    expect(s.expectedNow()?.expected.expected).toBe(expected);

    tick();
    // Counted: 3 × 100 + 1 × 50 + 1 × 10 + 4 × 1 + 1 × 0.5 + 3 × 0.1 = 364.80, 10.00 short.
    const closed = s.close({ counts: { '100': 3, '50': 1, '10': 1, '1': 4, '0.5': 1, '0.1': 3 } }, BOB);
    expect(closed.counted).toBe(36480);
    expect(closed.overShort).toBe(-1000);
    expect(closed.verdict).toBe('short');
    expect(closed.expected.expected).toBe(37480);
    expect(closed.expected.working).toEqual([
      { key: 'float', label: 'float', amount: 20000, sign: '+' },
      { key: 'cash-sales', label: 'cash sales', amount: 5000 + 1000 + 1234 + 995 + 4000, sign: '+', count: 5 },
      { key: 'cash-refunds', label: 'cash refunds', amount: 1250, sign: '-', count: 1 },
      { key: 'paid-in', label: 'paid in', amount: 10000, sign: '+', count: 1 },
      { key: 'paid-out', label: 'paid out', amount: 3500, sign: '-', count: 1 },
      { key: 'rounding', label: 'cash rounding', amount: 1, sign: '+' },
    ]);
    expect(closed.figures.byCashier.map((c) => [c.cashier, c.cashSales, c.cashRefunds])).toEqual([
      ['alice', 5000 + 1000 + 1230 + 1000, 0],
      ['bob', 4000, 1250],
    ]);
    expect(closed.shift).toMatchObject({ state: 'closed', closedBy: 'bob', counted: 36480, expected: 37480, overShort: -1000, cashier: { name: 'bob' } });
    expect(s.current()).toBeNull();

    // Stored: the shift row, the journal and the outbox say the same.
    const detail = s.get(opened.id);
    expect(detail?.closing).toEqual(closed.expected);
    expect(detail?.movements.map((m) => [m.kind, m.amount, m.reason, m.byName])).toEqual([
      ['paid-in', 10000, 'change from the bank', 'alice'],
      ['paid-out', 3500, 'window cleaner', 'alice'],
    ]);
    expect(detail?.cashierChanges.map((c) => [c.from.name, c.to.name])).toEqual([['alice', 'bob']]);
    const kinds = db.prepare("SELECT kind FROM journal WHERE ref = ? ORDER BY seq").pluck().all(opened.id);
    expect(kinds).toEqual(['shift.opened', 'cash.paid-in', 'cash.paid-out', 'shift.cashier-changed', 'shift.closed']);
    const outbox = db.prepare("SELECT payload FROM outbox WHERE type = 'shift' ORDER BY seq").pluck().all() as string[];
    const payloads = outbox.map((p) => JSON.parse(p) as Record<string, unknown>);
    expect(payloads.map((p) => p.kind)).toEqual(kinds);
    expect(payloads.every((p) => p.shiftId === opened.id && typeof p.journalSeq === 'number')).toBe(true);
    for (const p of payloads) expect(shiftPayload.safeParse(p).success).toBe(true);
    expect(payloads.at(-1)).toMatchObject({ counted: 36480, expected: 37480, overShort: -1000, range: { fromSeq: opened.openedSeq, toSeq: closed.shift.closedSeq } });
    expect(verifyStore(db).ok).toBe(true);

    // A sale after the close belongs to no shift; the range of the closed one stays as it was.
    sell(777);
    expect(s.cashFigures(opened.openedSeq, closed.shift.closedSeq as number).cashSales).toBe(5000 + 1000 + 1230 + 1000 + 4000);
  });

  it('a shift can be opened again after a close, with its own range', () => {
    const s = shifts();
    const first = s.open({ float: '100.00' }, ALICE);
    sell(1000);
    s.close({ counts: { '100': 1, '10': 1 } }, ALICE);
    const second = s.open({ float: '100.00' }, ALICE);
    sell(2000);
    expect(s.expectedNow()?.expected.expected).toBe(10000 + 2000);
    const last = db.prepare('SELECT max(seq) FROM journal').pluck().get() as number;
    expect(s.shiftsIn(0, last).map((x) => x.id)).toEqual([first.id, second.id]);
    expect(s.shiftsIn(second.openedSeq, last).map((x) => x.id)).toEqual([second.id]);
    expect(s.shiftsIn(0, first.openedSeq)).toEqual([]);
    expect(s.list().map((x) => [x.id, x.state])).toEqual([
      [second.id, 'open'],
      [expect.any(String), 'closed'],
    ]);
  });

  it('a training sale on a real terminal is set aside, not counted', () => {
    const s = shifts();
    s.open({ float: '0' }, ALICE);
    sell(1500);
    sell(700, [{ method: 'cash' }], { training: true });
    const now = s.expectedNow();
    expect(now?.expected.expected).toBe(1500);
    expect(now?.figures.setAside).toEqual({ sales: 1, cashSales: 700, refunds: 0, cashRefunds: 0 });
  });
});

describe('bad input is refused naming the field; nothing is stored', () => {
  function refused(run: () => unknown, field: string, message: string | RegExp): void {
    const before = dump();
    let caught: unknown;
    try {
      run();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ShiftError);
    expect((caught as ShiftError).field).toBe(field);
    if (typeof message === 'string') expect((caught as Error).message).toBe(message);
    else expect((caught as Error).message).toMatch(message);
    expect(dump()).toBe(before);
  }

  it('with no shift open', () => {
    const s = shifts();
    refused(() => s.close({ counts: { '100': 1 } }, ALICE), 'shift', 'there is no open shift to close: open a shift first');
    refused(() => s.paidIn({ amount: '10.00', reason: 'float top-up' }, ALICE), 'shift', /^there is no open shift to (record a paid-(in|out) in|change the cashier of): open a shift first$/);
    refused(() => s.paidOut({ amount: '10.00', reason: 'stamps' }, ALICE), 'shift', /^there is no open shift to (record a paid-(in|out) in|change the cashier of): open a shift first$/);
    refused(() => s.changeCashier(BOB), 'shift', /^there is no open shift to (record a paid-(in|out) in|change the cashier of): open a shift first$/);
    expect(s.expectedNow()).toBeNull();
  });

  it('opening', () => {
    const s = shifts(config({ cash: { maxFloat: '1000' } }));
    refused(() => s.open({}, ALICE), 'float', 'expected the float, as an amount ("200.00") or counted by denomination');
    refused(() => s.open({ float: 'abc' }, ALICE), 'float', /^float: "abc" is not a decimal amount/);
    refused(() => s.open({ float: '-5.00' }, ALICE), 'float', 'float: the amount must be 0 or more (got "-5.00")');
    refused(() => s.open({ float: '200.005' }, ALICE), 'float', 'float: "200.005" has 3 decimals; CNY allows at most 2');
    refused(() => s.open({ float: '1000.01' }, ALICE), 'float', 'the float ¥1000.01 is above the largest allowed (¥1000.00, cash.maxFloat in kassa.config.json)');
    refused(() => s.open({ float: '200.00', counts: { '100': 1 } }, ALICE), 'float', 'the float ¥200.00 does not match its count by denomination (¥100.00)');
    refused(() => s.open({ counts: { '5': -2 } }, ALICE), 'counts', 'the count is not valid: 5 yuan: expected a whole number of notes ≥ 0 (at most 1000000), got -2');
    refused(() => s.open({ float: '10.00' }, { userId: null, name: ' ', role: 'manager' }), 'operator', /an operator with a name/);
    s.open({ float: '200.00' }, ALICE);
    refused(() => s.open({ float: '200.00' }, BOB), 'shift', /^a shift is already open \(since 2025-03-01T09:00:00.000Z, opened by alice with a float of ¥200.00\): close it first$/);
  });

  it('paid-in and paid-out', () => {
    const s = shifts();
    s.open({ float: '50.00' }, ALICE);
    sell(2000);
    refused(() => s.paidIn({ amount: '10.00', reason: '' }, ALICE), 'reason', 'paid-in: a reason is required (at least 2 characters), got ""');
    refused(() => s.paidIn({ amount: '10.00', reason: '   ' }, ALICE), 'reason', /a reason is required/);
    refused(() => s.paidOut({ amount: '0', reason: 'stamps' }, ALICE), 'amount', 'paid-out: the amount must be above 0 (got "0")');
    refused(() => s.paidOut({ amount: 'ten', reason: 'stamps' }, ALICE), 'amount', /^paid-out: "ten" is not a decimal amount/);
    // 50.00 + 20.00 in the drawer.
    refused(() => s.paidOut({ amount: '70.01', reason: 'stamps' }, ALICE), 'amount', 'paid-out of ¥70.01 is more than the cash expected in the drawer (¥70.00)');
    expect(s.paidOut({ amount: '70.00', reason: 'stamps' }, ALICE).amount).toBe(7000);
    refused(() => s.paidOut({ amount: '0.01', reason: 'stamps' }, ALICE), 'amount', /more than the cash expected in the drawer \(¥0.00\)/);
  });

  it('closing with a bad count', () => {
    const s = shifts();
    s.open({ float: '100.00' }, ALICE);
    refused(() => s.close({ counts: { '100': -1 } }, ALICE), 'counts', /100 yuan: expected a whole number of notes ≥ 0/);
    refused(() => s.close({ counts: { '100': 'one' } }, ALICE), 'counts', /100 yuan: .*got "one"/);
    refused(() => s.close({ counts: { '3': 1 } }, ALICE), 'counts', /"3" is not a CNY denomination counted here/);
    refused(() => s.close({ counts: null as unknown as Record<string, unknown> }, ALICE), 'counts', /expected a count by denomination/);
    expect(s.current()?.state).toBe('open');
  });

  it('a cashier change to whoever has the drawer already', () => {
    const s = shifts();
    s.open({ float: '100.00' }, ALICE);
    refused(() => s.changeCashier(ALICE), 'operator', 'alice already has the drawer of this shift');
  });
});

describe('configuration', () => {
  it('counts in the denominations set for the currency', () => {
    const s = shifts(config({ cash: { denominations: { CNY: { notes: ['100', '50'], coins: ['1'] } } } }));
    expect(s.denominations().map((d) => d.value)).toEqual([10000, 5000, 100]);
    s.open({ float: '0' }, ALICE);
    expect(() => s.close({ counts: { '20': 1 } }, ALICE)).toThrow(/expected one of 100, 50, 1/);
  });

  it('a longer reason when the shop asks for one', () => {
    const s = shifts(config({ cash: { requireReasonMin: 5 } }));
    s.open({ float: '10.00' }, ALICE);
    expect(() => s.paidIn({ amount: '1.00', reason: 'bank' }, ALICE)).toThrow('paid-in: a reason is required (at least 5 characters), got "bank"');
  });
});
