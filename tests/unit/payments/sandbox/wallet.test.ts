// The buyer side: codes the terminal's scanner code recognises as payment codes (classifyScan),
// single-use and expiring; buyers with balances and password settings; and the mistakes a
// trainer can make, each refused with a clear WalletError.
import { describe, expect, it } from 'vitest';
import { classifyScan, DEFAULT_SCAN_RULES } from '../../../../src/domain/barcodes/classify-scan.ts';
import { Ledger } from '../../../../src/payments/sandbox/ledger.ts';
import { TradeBook } from '../../../../src/payments/sandbox/trade-book.ts';
import { SandboxWallet, WalletError } from '../../../../src/payments/sandbox/wallet.ts';

function setup(codeTtlMs = 60_000) {
  let now = Date.UTC(2025, 2, 1);
  const ledger = new Ledger(':memory:');
  const book = new TradeBook(ledger, { clock: () => now });
  return { ledger, book, wallet: new SandboxWallet(book, { codeTtlMs }), advance: (ms: number) => (now += ms), now: () => now };
}

describe('SandboxWallet', () => {
  it('issues 18-digit codes (Alipay 28…, WeChat 13…) that classifyScan reads as that wallet’s payment code', () => {
    const { wallet } = setup();
    const b = wallet.createBuyer({ balanceFen: 100 });
    const alipay = wallet.issueCodes(b.id, 'alipay', 200);
    const wechat = wallet.issueCodes(b.id, 'wechat', 200);
    for (const c of alipay) expect(c.code).toMatch(/^28\d{16}$/);
    for (const c of wechat) expect(c.code).toMatch(/^13\d{16}$/);
    for (const c of [...alipay, ...wechat]) {
      expect(classifyScan(c.code, DEFAULT_SCAN_RULES, 'CNY')).toEqual({ kind: 'payment-code', data: c.code, wallet: c.wallet, code: c.code });
    }
    expect(new Set([...alipay, ...wechat].map((c) => c.code)).size).toBe(400);
  });

  it('creates buyers with a balance, Alipay and WeChat identities, and an optional password setting', () => {
    const { wallet } = setup();
    const a = wallet.createBuyer({ balanceFen: 12_345, name: 'Li Lei' });
    const b = wallet.createBuyer({ id: 'han-meimei', balanceFen: 0, password: { afterSeconds: 2.5 } });
    expect(a).toMatchObject({ id: 'buyer-1', name: 'Li Lei', balanceFen: 12_345, balance: '123.45', password: null });
    expect(a.alipayUserId).toMatch(/^2088\d{12}$/);
    expect(a.alipayLogonId).toMatch(/^1\d{2}\*{4}\d{4}$/);
    expect(a.wechatOpenid).toMatch(/^o[0-9a-z]{27}$/);
    expect(b).toMatchObject({ id: 'han-meimei', balance: '0.00', password: { afterSeconds: 2.5 } });
    expect(wallet.setPassword(b.id, { afterSeconds: null }).password).toEqual({ afterSeconds: null });
    expect(wallet.setPassword(b.id, null).password).toBeNull();
    expect(wallet.setBalance(b.id, 500)).toMatchObject({ balanceFen: 500, balance: '5.00' });
  });

  it('lets a code override the buyer’s password setting for one payment', () => {
    const { wallet, ledger } = setup();
    const b = wallet.createBuyer({ balanceFen: 100, password: { afterSeconds: 5 } });
    expect(wallet.issueCode(b.id, 'alipay').password).toEqual({ afterSeconds: 5 });
    const none = wallet.issueCode(b.id, 'alipay', { password: null });
    expect(none.password).toBeNull();
    expect(ledger.code(none.code)).toMatchObject({ passwordRequired: 0, passwordAutoMs: null });
  });

  it('refuses mistakes with a WalletError that says what was wrong', () => {
    const { wallet } = setup();
    const b = wallet.createBuyer({ balanceFen: 100 });
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        if (e instanceof WalletError) return `${e.code}: ${e.message}`;
        throw e;
      }
      return 'no error';
    };
    expect(err(() => wallet.createBuyer({ balanceFen: -1 }))).toMatch(/^bad-input: balance must be a whole number of fen/);
    expect(err(() => wallet.createBuyer({ balanceFen: 1.5 }))).toMatch(/^bad-input/);
    expect(err(() => wallet.createBuyer({ id: 'b 1', balanceFen: 1 }))).toMatch(/^bad-input: buyer id must be/);
    expect(err(() => wallet.createBuyer({ id: b.id, balanceFen: 1 }))).toMatch(/^conflict: a buyer "buyer-1" already exists/);
    expect(err(() => wallet.createBuyer({ balanceFen: 1, password: { afterSeconds: -3 } }))).toMatch(/^bad-input: password.afterSeconds/);
    expect(err(() => wallet.buyer('nobody'))).toBe('not-found: no buyer "nobody"');
    expect(err(() => wallet.issueCode('nobody', 'alipay'))).toBe('not-found: no buyer "nobody"');
    expect(err(() => wallet.issueCode(b.id, 'unionpay' as 'alipay'))).toMatch(/^bad-input: wallet must be/);
    expect(err(() => wallet.issueCodes(b.id, 'alipay', 0))).toMatch(/^bad-input: count/);
    expect(err(() => wallet.confirm('2025'))).toBe('not-found: no trade "2025"');
    expect(err(() => wallet.pending('nobody'))).toBe('not-found: no buyer "nobody"');
  });

  it('keeps the books adding up when balances are set from outside', () => {
    const { wallet, ledger } = setup();
    const b = wallet.createBuyer({ balanceFen: 100 });
    wallet.setBalance(b.id, 40);
    wallet.setBalance(b.id, 9_000);
    expect(ledger.buyer(b.id)).toMatchObject({ balanceFen: 9_000, fundedFen: 9_000 });
    expect(ledger.check()).toEqual([]);
  });
});

describe('Ledger.check', () => {
  it('names every way books can disagree', () => {
    const { wallet, ledger, book } = setup();
    const b = wallet.createBuyer({ balanceFen: 1_000 });
    const r = book.pay({ wallet: 'alipay', merchant: 'M', outTradeNo: 'A1', authCode: wallet.issueCode(b.id, 'alipay').code, totalFen: 300, subject: 's', storeId: null, terminalId: null, operatorId: null, waitLimitMs: 1 });
    if (r.kind !== 'paid') throw new Error('expected paid');
    expect(ledger.check()).toEqual([]);
    ledger.db.prepare('UPDATE buyers SET balance_fen = balance_fen + 1').run();
    ledger.db.prepare(`UPDATE trades SET refunded_fen = 300`).run();
    expect(ledger.check()).toEqual([
      'buyer buyer-1: balance 701 fen, but funding − payments + refunds = 700 fen',
      `trade ${r.trade.tradeNo}: refunded_fen 300 but its refunds add up to 0`,
      `trade ${r.trade.tradeNo} is still paid although fully refunded`,
    ]);
  });

  it('refuses through its constraints what no rule may do: negative balances, refunds above the total', () => {
    const { wallet, ledger } = setup();
    const b = wallet.createBuyer({ balanceFen: 10 });
    expect(() => ledger.moveBalance(b.id, -11)).toThrow(/CHECK constraint failed/);
  });
});
