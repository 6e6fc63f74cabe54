// The `payments` block of kassa.config.json: a terminal without it is cash only, a mistake names
// the field (down to payments.alipay.appId), and the settings the checkout and the cancel queue
// get are the ones written (seconds turned into the machine's milliseconds, defaults from the
// shop's own name and terminal id).
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../support/config-problems.ts';
import { parseConfig } from '../../../src/core/config.ts';
import { cancelSchedule, configuredWallets, hasWallets, walletSettings } from '../../../src/core/payments-config.ts';


const ALIPAY = { appId: '2021000122671080', privateKeyPath: 'keys/app.pem', alipayPublicKeyPath: 'keys/alipay.pub' };
const WECHAT = { appId: 'wx2421b1c4370ec43b', mchId: '10000100', apiKeyPath: 'keys/wechat.key', gateway: 'http://127.0.0.1:8790' };

describe('payments config', () => {
  it('a terminal with no payments block is cash only, with the default schedule', () => {
    const c = parseConfig({ storeName: 'Corner Shop', terminalId: 'T07' });
    expect(hasWallets(c)).toBe(false);
    expect(configuredWallets(c)).toEqual([]);
    expect(c.payments.training).toBe('sandbox');
    expect(walletSettings(c)).toEqual({ storeId: 'T07', subject: 'Corner Shop' });
    expect(cancelSchedule(c)).toEqual({ delaysMs: [5_000, 30_000, 120_000], everyMs: 600_000, windowMs: 86_400_000 });
  });

  it('keeps key paths as written and fills the wallet blocks\u2019 defaults', () => {
    const c = parseConfig({ payments: { alipay: ALIPAY, wechat: WECHAT } });
    expect(hasWallets(c)).toBe(true);
    expect(configuredWallets(c)).toEqual(['alipay', 'wechat']);
    expect(c.payments.alipay).toMatchObject({ ...ALIPAY, gateway: 'https://openapi.alipay.com/gateway.do', timeoutMs: 10_000 });
    expect(c.payments.wechat).toMatchObject({ ...WECHAT, signType: 'MD5' });
  });

  it('turns the timing written in seconds into the payment machine\u2019s milliseconds, leaving unset ones to each wallet', () => {
    const c = parseConfig({ payments: { alipay: ALIPAY, subject: ' Kassa Market ', storeId: 'SH-001', timing: { pollSeconds: 3, deadlineSeconds: 90, cancelRetries: 1 } } });
    expect(walletSettings(c)).toEqual({
      storeId: 'SH-001',
      subject: 'Kassa Market',
      timing: { pollIntervalMs: 3_000, deadlineMs: 90_000, cancelRetries: 1, closeRetries: 1 },
    });
    expect(walletSettings(parseConfig({ payments: { timing: { queryDelaySeconds: 6, cancelRetrySeconds: 5 } } })).timing).toEqual({
      queryDelayMs: 6_000,
      cancelRetryMs: 5_000,
      closeRetryMs: 5_000,
    });
  });

  it('reads the cancel queue schedule', () => {
    const c = parseConfig({ payments: { cancelQueue: { retrySeconds: [2, 20], everyMinutes: 5, windowHours: 12 } } });
    expect(cancelSchedule(c)).toEqual({ delaysMs: [2_000, 20_000], everyMs: 300_000, windowMs: 43_200_000 });
  });

  it('names the bad field, inside the wallet blocks too', () => {
    expect(problemsOf({ payments: { alipay: { ...ALIPAY, appId: 'app id!' } } })[0]).toMatch(/^payments\.alipay\.appId: expected the app id from the Alipay open platform.*got "app id!"/);
    expect(problemsOf({ payments: { alipay: { appId: '2021000122671080' } } })).toEqual([
      expect.stringMatching(/^payments\.alipay\.privateKeyPath: /),
      expect.stringMatching(/^payments\.alipay\.alipayPublicKeyPath: /),
    ]);
    expect(problemsOf({ payments: { alipay: { ...ALIPAY, gateway: 'openapi.alipay.com' } } })[0]).toMatch(/^payments\.alipay\.gateway: expected an http\(s\) URL/);
    expect(problemsOf({ payments: { wechat: { ...WECHAT, mchId: 'M100' } } })[0]).toMatch(/^payments\.wechat\.mchId: expected the merchant id/);
    expect(problemsOf({ payments: { wechat: { ...WECHAT, gateway: 'https://api.mch.weixin.qq.com' } } })[0]).toMatch(/^payments\.wechat\.certPath: .*client certificate/);
    expect(problemsOf({ payments: { subject: '' } })[0]).toMatch(/^payments\.subject: expected the text the buyer sees/);
    expect(problemsOf({ payments: { storeId: 'store 1' } })[0]).toMatch(/^payments\.storeId: expected 1–32 letters/);
    expect(problemsOf({ payments: { timing: { pollSeconds: 2.5 } } })[0]).toMatch(/^payments\.timing\.pollSeconds: expected whole seconds/);
    expect(problemsOf({ payments: { timing: { pollSeconds: 20, deadlineSeconds: 15 } } })[0]).toMatch(/^payments\.timing\.deadlineSeconds: expected at least one poll interval \(20 s\)/);
    expect(problemsOf({ payments: { timing: { pollSeconds: 31 } } })[0]).toMatch(/^payments\.timing\.pollSeconds: .*<=30/);
    expect(problemsOf({ payments: { cancelQueue: { windowHours: 48 } } })[0]).toMatch(/^payments\.cancelQueue\.windowHours: expected at most 24/);
    expect(problemsOf({ payments: { cancelQueue: { retrySeconds: [] } } })[0]).toMatch(/^payments\.cancelQueue\.retrySeconds: expected at least one delay/);
    expect(problemsOf({ payments: { training: 'live' } })[0]).toMatch(/^payments\.training: .*"sandbox".*"configured"/);
    expect(problemsOf({ payments: { alipay: { ...ALIPAY, privateKey: '-----BEGIN' } } })[0]).toMatch(/^payments\.alipay: .*privateKey/);
  });
});
