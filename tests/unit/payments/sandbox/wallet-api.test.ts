// The wallet's JSON routes: what a trainer's script sends and gets back, and the status and
// message for each mistake (400 bad field, 404 unknown thing or route, 405 wrong method, 409
// a state that does not allow it).
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../../src/payments/sandbox/http-util.ts';
import { Ledger } from '../../../../src/payments/sandbox/ledger.ts';
import { TradeBook } from '../../../../src/payments/sandbox/trade-book.ts';
import { SandboxWallet } from '../../../../src/payments/sandbox/wallet.ts';
import { walletRoute } from '../../../../src/payments/sandbox/wallet-api.ts';

function api() {
  const book = new TradeBook(new Ledger(':memory:'));
  const wallet = new SandboxWallet(book);
  const call = async (method: string, path: string, body: Record<string, unknown> = {}) => {
    try {
      return await walletRoute(wallet, method, path, () => Promise.resolve(body));
    } catch (err) {
      if (err instanceof HttpError) return { status: err.status, json: { error: err.message } };
      throw err;
    }
  };
  return { book, wallet, call };
}

describe('wallet routes', () => {
  it('create a buyer from a yuan string, read it, set balance and password, issue codes', async () => {
    const { call } = api();
    expect(await call('POST', '/wallet/buyers', { id: 'amy', balance: '12.30', password: { afterSeconds: 3 } })).toMatchObject({
      status: 200,
      json: { id: 'amy', balance: '12.30', balanceFen: 1_230, password: { afterSeconds: 3 } },
    });
    expect(await call('GET', '/wallet/buyers/amy')).toMatchObject({ status: 200, json: { balance: '12.30' } });
    expect(await call('POST', '/wallet/buyers/amy/balance', { balanceFen: 99 })).toMatchObject({ json: { balance: '0.99' } });
    expect(await call('POST', '/wallet/buyers/amy/password', {})).toMatchObject({ json: { password: null } });
    const codes = await call('POST', '/wallet/codes', { buyer: 'amy', wallet: 'wechat', count: 3 });
    expect((codes?.json as { codes: Array<{ code: string; password: null }> }).codes).toHaveLength(3);
    expect(await call('GET', '/wallet/buyers/amy/pending')).toEqual({ status: 200, json: { trades: [] } });
  });

  it('answers each mistake with its status and a message naming it', async () => {
    const { call } = api();
    await call('POST', '/wallet/buyers', { id: 'amy', balance: '1.00' });
    expect(await call('POST', '/wallet/buyers', { balance: '1.005' })).toEqual({ status: 400, json: { error: '"balance": "1.005" has 3 decimals; CNY allows at most 2' } });
    expect(await call('POST', '/wallet/buyers', { balance: 5 })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/"balance" must be an amount such as "100.00", got 5/) } });
    expect(await call('POST', '/wallet/buyers', { balance: '1', balanceFen: 1 })).toMatchObject({ status: 400 });
    expect(await call('POST', '/wallet/buyers', { id: 'amy', balance: '1.00' })).toEqual({ status: 409, json: { error: 'a buyer "amy" already exists' } });
    expect(await call('GET', '/wallet/buyers/bob')).toEqual({ status: 404, json: { error: 'no buyer "bob"' } });
    expect(await call('POST', '/wallet/codes', { buyer: 'amy', wallet: 'paypal' })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/"wallet" must be "alipay" or "wechat"/) } });
    expect(await call('POST', '/wallet/scan', { qrCode: 'https://qr.alipay.com/baxnope', buyer: 'amy' })).toMatchObject({ status: 404 });
    expect(await call('POST', '/wallet/scan', { qrCode: 'x', buyer: 'amy', confirm: 'yes' })).toMatchObject({ status: 400 });
    expect(await call('POST', '/wallet/confirm', {})).toEqual({ status: 400, json: { error: '"tradeNo" must be a non-empty string, got nothing' } });
    expect(await call('GET', '/wallet/codes')).toEqual({ status: 405, json: { error: '/wallet/codes takes POST' } });
    expect(await call('GET', '/wallet/nothing')).toEqual({ status: 404, json: { error: 'no wallet route /wallet/nothing' } });
    expect(await call('GET', '/elsewhere')).toBeNull();
  });

  it('confirm of a trade that is not waiting is 409', async () => {
    const { call, book, wallet } = api();
    const b = wallet.createBuyer({ balanceFen: 500 });
    const r = book.pay({ wallet: 'alipay', merchant: 'M', outTradeNo: 'A', authCode: wallet.issueCode(b.id, 'alipay').code, totalFen: 100, subject: 's', storeId: null, terminalId: null, operatorId: null, waitLimitMs: 1_000 });
    expect(await call('POST', '/wallet/confirm', { tradeNo: r.trade?.tradeNo })).toMatchObject({ status: 409, json: { error: expect.stringMatching(/is not waiting for the buyer: it is TRADE_SUCCESS/) } });
    expect(await call('POST', '/wallet/decline', { tradeNo: r.trade?.tradeNo })).toMatchObject({ status: 409 });
  });
});
