// Recognises customer-presented wallet payment codes (barcode pay). Hand-written: two regular
// expressions from the wallets' published formats; no library covers them.
//   Alipay: 16–24 digits starting 25–30. WeChat Pay: 18 digits starting 10–15.
// UnionPay (62 + 19 digits) is not a wallet Kassa takes yet, so it is not recognised here.

const ALIPAY = /^(?:2[5-9]|30)\d{14,22}$/;
const WECHAT = /^1[0-5]\d{16}$/;

export function paymentWallet(text: string): 'alipay' | 'wechat' | null {
  if (ALIPAY.test(text)) return 'alipay';
  if (WECHAT.test(text)) return 'wechat';
  return null;
}
