// A refund authorized through StaffService instead of the manager token: by an approver's PIN on
// a cashier's session, by a manager's own session, or in setup mode; each refund records who.
// An Authorization not made by a StaffService (rebuilt from JSON) or for another permission is
// refused, and nothing is written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitSale } from '../../../src/core/db/sales.ts';
import { openDatabase, type Db } from '../../../src/core/db/open.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { ManagerAuthError } from '../../../src/core/manager-auth.ts';
import { RefundService } from '../../../src/core/refund-service.ts';
import { staffConfigSchema } from '../../../src/core/staff/staff-config.ts';
import { StaffAuthError, StaffService, type Authorization } from '../../../src/core/staff/staff-service.ts';
import { addUser } from '../../../src/core/staff/users.ts';
import { verifyStore } from '../../../src/core/verify.ts';
import { makeSale, SNAPSHOT, tempDbFile, TERMINAL } from '../../support/sale-fixtures.ts';

const T0 = new Date('2026-03-02T09:00:00.000Z');
const CLI = { name: 'command line', userId: null };

let tmp: ReturnType<typeof tempDbFile>;
let db: Db;

beforeEach(() => {
  tmp = tempDbFile('kassa-refund-staff-');
  db = openDatabase(tmp.file);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

function refunds(): RefundService {
  return new RefundService({ db, logger: silentLogger(), providers: new Map(), terminalId: TERMINAL, training: false, now: () => T0 });
}

function staff(): StaffService {
  return new StaffService({ db, config: { cashier: 'till-1', staff: staffConfigSchema.parse({}) }, terminalId: TERMINAL, now: () => T0 });
}

function sellCash(): string {
  const { receiptNo } = commitSale(db, { record: makeSale({ tenders: [{ method: 'cash' }] }), snapshot: SNAPSHOT, at: T0.toISOString() });
  return String(receiptNo);
}

async function crew(): Promise<{ manager: string; cashier: string }> {
  const ctx = { db, terminalId: TERMINAL, config: staffConfigSchema.parse({}), now: () => T0 };
  const manager = (await addUser(ctx, { name: 'Li', role: 'manager', pin: '2468' }, CLI)).id;
  const cashier = (await addUser(ctx, { name: 'Wang', role: 'cashier', pin: '1357' }, CLI)).id;
  return { manager, cashier };
}

const refundRows = () => db.prepare('SELECT authorized_by, operator FROM refunds').all();

describe('refunds authorized by staff', () => {
  it('a cashier\'s refund approved by the manager\'s PIN records the approver and the approval\'s journal row', async () => {
    const { manager, cashier } = await crew();
    const receipt = sellCash();
    const s = staff();
    await s.login(cashier, '1357');
    await expect(s.authorize('refund', undefined, `refund receipt ${receipt}`, receipt)).rejects.toMatchObject({ code: 'approval-required', permission: 'refund' });
    const auth = await s.authorize('refund', { userId: manager, pin: '2468' }, `refund receipt ${receipt}`, receipt);
    const out = await refunds().refund({ receipt, reason: 'damaged', authorization: auth, operator: auth.by });
    expect(out).toMatchObject({ refunded: 3196, cash: 3196, openDrawer: true });
    expect(out.parts[0]).toMatchObject({ operator: 'Wang', authorizedBy: `Li (user ${manager}, approval #${auth.approvedBy?.journalSeq ?? -1})` });
    expect(verifyStore(db).ok).toBe(true);
  });

  it('a manager\'s own session refunds without anyone else; setup mode refunds as the configured cashier', async () => {
    const receipt = sellCash();
    const setup = await staff().authorize('refund', undefined, 'refund', receipt);
    await refunds().refund({ receipt, amount: '1.00', reason: 'r', authorization: setup, operator: setup.by });
    const { manager } = await crew();
    const s = staff();
    await s.login(manager, '2468');
    const own = await s.authorize('refund', undefined, 'refund', receipt);
    await refunds().refund({ receipt, amount: '1.00', reason: 'r', authorization: own, operator: own.by });
    expect(refundRows()).toEqual([
      { authorized_by: 'till-1 (setup mode: no users on the terminal)', operator: 'till-1' },
      { authorized_by: `Li (user ${manager})`, operator: 'Li' },
    ]);
  });

  it('refuses an Authorization rebuilt from JSON, or one for another permission; a wrong PIN never gets that far; nothing written', async () => {
    const { manager, cashier } = await crew();
    const receipt = sellCash();
    const s = staff();
    await s.login(manager, '2468');
    const real = await s.authorize('refund', undefined, 'refund', receipt);
    const drawer = await s.authorize('drawer.no-sale', undefined, 'no sale', null);
    const before = JSON.stringify(db.prepare('SELECT seq, hash FROM journal').all());
    const forged = JSON.parse(JSON.stringify(real)) as Authorization;
    await expect(refunds().refund({ receipt, reason: 'r', authorization: forged, operator: 'x' })).rejects.toThrow(new ManagerAuthError("the refund authorization was not made by this terminal's staff service: log in or approve with a PIN"));
    await expect(refunds().refund({ receipt, reason: 'r', authorization: drawer, operator: 'x' })).rejects.toThrow('an authorization to "drawer.no-sale" cannot authorize a refund');
    expect(JSON.stringify(db.prepare('SELECT seq, hash FROM journal').all())).toBe(before);
    s.logout();
    await s.login(cashier, '1357');
    await expect(s.authorize('refund', { userId: manager, pin: '0000' }, 'refund', receipt)).rejects.toBeInstanceOf(StaffAuthError);
    expect(refundRows()).toEqual([]);
  });
});
