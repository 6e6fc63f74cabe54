import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import type { CustomerView } from '../../../../src/shared/api.ts';
import { bigAmount, headlineKey, lineRows, memberShown, qrScale, QR_MARGIN_MODULES, savingsShown, tailLines, tailLinesByRows } from '../../../../src/renderer/customer/customer-model.ts';

// jsqr is CommonJS with `exports.default`; under NodeNext the default import is the module.
const jsQR = jsQRModule.default;

const payload = 'https://qr.alipay.com/bax03431ljhokirwl38f00a7';

/** What QrImage draws, put on the display's dark background the way a screenshot sees it. */
async function screenshotOf(text: string, targetPx: number): Promise<{ png: PNG; size: number }> {
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules.size;
  const scale = qrScale(modules, targetPx);
  const url = await QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: QR_MARGIN_MODULES, scale, color: { dark: '#000000ff', light: '#ffffffff' } });
  const qr = PNG.sync.read(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
  const shot = new PNG({ width: qr.width + 200, height: qr.height + 120 });
  for (let i = 0; i < shot.data.length; i += 4) shot.data.set([0x0b, 0x13, 0x24, 0xff], i); // the display's navy
  PNG.bitblt(qr, shot, 0, 0, qr.width, qr.height, 60, 40);
  return { png: shot, size: qr.width };
}

describe('the payment QR', () => {
  it('draws whole pixels per module, as large as fits', () => {
    expect(qrScale(29, 480)).toBe(12); // (29 + 2 × 4) × 12 = 444 ≤ 480 < 37 × 13
    expect(qrScale(21, 1000)).toBe(34);
    expect(qrScale(57, 100)).toBe(2); // never below 2 px a module
    expect(() => qrScale(10, 480)).toThrow(RangeError);
  });

  it.each([240, 480, 700])('decodes with jsQR from a screenshot of the display (%i px target)', async (target) => {
    const { png, size } = await screenshotOf(payload, target);
    expect(size).toBeLessThanOrEqual(Math.max(target, 2 * 45));
    const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(found?.data).toBe(payload);
  });

  it('decodes a long WeChat-style payload too', async () => {
    const long = `weixin://wxpay/bizpayurl?pr=${'A1b2C3d4'.repeat(6)}`;
    const { png } = await screenshotOf(long, 480);
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(long);
  });
});

describe('what the customer reads', () => {
  it('shows the newest lines and counts the rest on one row', () => {
    const lines = [1, 2, 3, 4, 5];
    expect(tailLines(lines, 8)).toEqual({ shown: lines, hidden: 0 });
    expect(tailLines(lines, 5)).toEqual({ shown: lines, hidden: 0 });
    expect(tailLines(lines, 4)).toEqual({ shown: [3, 4, 5], hidden: 2 });
    expect(tailLines(lines, 0)).toEqual({ shown: [], hidden: 5 });
  });

  const view = (over: Partial<CustomerView>): CustomerView => ({ phase: 'cart', currency: 'CNY', lines: [], total: 1000, paid: 0, change: null, qr: null, message: null, ...over });

  it('shows the amount that matters in each phase', () => {
    expect(bigAmount(view({ phase: 'welcome' }))).toBeNull();
    expect(bigAmount(view({ phase: 'cart', paid: 300 }))).toBe(700);
    expect(bigAmount(view({ phase: 'qr', paid: 300, qr: { wallet: 'alipay', payload, amount: 650, deadlineAt: null } }))).toBe(650);
    expect(bigAmount(view({ phase: 'paid', paid: 1000 }))).toBe(1000);
    expect(bigAmount(view({ phase: 'thanks' }))).toBeNull();
  });

  it('has a headline for every phase', () => {
    const phases = ['welcome', 'cart', 'qr', 'paying', 'paid', 'failed', 'thanks'] as const;
    expect(new Set(phases.map(headlineKey)).size).toBe(phases.length);
  });
});

describe('promotions, savings and the member on the display (issue 8)', () => {
  const plain = (n: number) => ({ name: `item ${n}`, quantityMilli: 1000, unit: 'each' as const, due: 100 });
  const offer = (n: number, count: number) => ({ ...plain(n), promotions: Array.from({ length: count }, (_, i) => ({ label: `offer ${i}`, amount: 50 })) });

  it("counts a line's promotions as rows of their own", () => {
    expect(lineRows(plain(1))).toBe(1);
    expect(lineRows(offer(1, 2))).toBe(3);
  });

  it('shows as many of the newest lines as fit, promotions counted, with one row for "and n more"', () => {
    const lines = [plain(1), plain(2), offer(3, 2), plain(4), offer(5, 1)];
    // 1 + 1 + 3 + 1 + 2 = 8 rows: all fit in 8.
    expect(tailLinesByRows(lines, 8)).toEqual({ shown: lines, hidden: 0 });
    // In 6: the note, then line 5 (2), line 4 (1); line 3 (3) does not fit.
    expect(tailLinesByRows(lines, 6)).toEqual({ shown: [plain(4), offer(5, 1)], hidden: 3 });
    // Without promotions it is the plain tail.
    const flat = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(plain);
    expect(tailLinesByRows(flat, 8)).toEqual(tailLines(flat, 8));
  });

  it('always shows the newest line, even one with more offers than the screen has rows', () => {
    const big = offer(2, 12);
    expect(tailLinesByRows([plain(1), big], 8)).toEqual({ shown: [big], hidden: 1 });
  });

  it('says "you save" only when something is saved', () => {
    expect(savingsShown({ savings: 1250 })).toBe(1250);
    expect(savingsShown({ savings: 0 })).toBeNull();
    expect(savingsShown({})).toBeNull();
  });

  it('greets the member on the sale, and nobody otherwise', () => {
    expect(memberShown({ member: { name: 'Li Na', points: 1200 } })).toEqual({ name: 'Li Na', points: 1200 });
    expect(memberShown({ member: null })).toBeNull();
    expect(memberShown({})).toBeNull();
  });
});
