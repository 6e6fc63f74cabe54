// The numbers the sandbox hands out, shaped like the real ones so the terminal's validation
// and display code see what it will see in production:
//   Alipay trade_no      28 digits: yyyyMMdd (GMT+8) + "22001" + 15-digit sequence
//   WeChat transaction_id 28 digits: "4200" + 16-digit sequence + yyyyMMdd
//   WeChat refund_id     29 digits: "5000" + yyyyMMdd + 17-digit sequence
//   payment codes        18 digits: Alipay "28…", WeChat "13…" (classifyScan: payment-code)
//   QR codes             https://qr.alipay.com/bax + 21 characters [0-9a-z]
//   buyer ids            Alipay user id 2088 + 12 digits, logon id "1**…****1234", openid o + 27
// Sequences come from the ledger, so numbers never repeat across restarts of a file ledger.
// Codes and QR tokens are random (node:crypto), so they cannot be guessed from earlier ones.
import { randomInt } from 'node:crypto';
import { formatBeijingCompact } from './beijing-time.ts';
import type { Wallet } from './ledger.ts';

const ALNUM = '0123456789abcdefghijklmnopqrstuvwxyz';

export function randomDigits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i += 1) s += String(randomInt(10));
  return s;
}

function randomAlnum(n: number): string {
  let s = '';
  for (let i = 0; i < n; i += 1) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

export function alipayTradeNo(now: number, seq: number): string {
  return `${formatBeijingCompact(now).slice(0, 8)}22001${String(seq).padStart(15, '0')}`;
}

export function wechatTransactionId(now: number, seq: number): string {
  return `4200${String(seq).padStart(16, '0')}${formatBeijingCompact(now).slice(0, 8)}`;
}

export function wechatRefundId(now: number, seq: number): string {
  return `5000${formatBeijingCompact(now).slice(0, 8)}${String(seq).padStart(17, '0')}`;
}

/** An 18-digit payment code: Alipay starts 28, WeChat Pay starts 13. */
export function paymentCode(wallet: Wallet): string {
  return `${wallet === 'alipay' ? '28' : '13'}${randomDigits(16)}`;
}

export function qrCodeUrl(): string {
  return `https://qr.alipay.com/bax${randomAlnum(21)}`;
}

export function alipayUserId(seq: number): string {
  return `2088${String(seq).padStart(12, '0')}`;
}

/** Masked like Alipay's buyer_logon_id for a phone number: "138****0042". */
export function alipayLogonId(seq: number): string {
  return `1${String(30 + (seq % 60))}****${String(seq % 10_000).padStart(4, '0')}`;
}

export function wechatOpenid(): string {
  return `o${randomAlnum(27)}`;
}

export function merchantPid(): string {
  return `2088${randomDigits(12)}`;
}
