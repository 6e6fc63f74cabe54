// What `kassa explain-code` prints: the classification of one scan as a JSON-able object and
// as a few lines for people. Hand-written: the wording is the product's own.

import { formatMoney } from '../money.ts';
import { classifyScan } from './classify-scan.ts';
import { expandUpcE, isDigits, isValidGtin } from './gtin.ts';
import { aimName, frameScan } from './scan-frame.ts';
import type { ScanRules } from './scan-rules.ts';
import type { ScanKind } from './scan-result.ts';

export interface CheckDigitExplanation {
  readonly valid: boolean;
  readonly expected?: number;
  readonly got?: number;
}

export interface Gs1Explanation {
  readonly gtin?: string;
  readonly batch?: string;
  readonly expiry?: string;
  readonly bestBefore?: string;
  readonly serial?: string;
  readonly netWeightGrams?: number;
  /** Decimal string, e.g. "12.34". */
  readonly pricePaid?: string;
}

export interface ScanExplanation {
  readonly input: string;
  readonly kind: ScanKind;
  readonly symbology?: string;
  readonly key?: string;
  readonly altKey?: string;
  readonly gtin?: string;
  readonly itemCode?: string;
  readonly checkDigit?: CheckDigitExplanation;
  readonly weightGrams?: number;
  /** Decimal string in the currency's minor digits, e.g. "12.34". */
  readonly price?: string;
  readonly currency?: string;
  readonly wallet?: 'alipay' | 'wechat';
  readonly code?: string;
  readonly gs1?: Gs1Explanation;
  readonly reason?: string;
}

const BAD_CHECK = /(?:^|: )bad check digit: expected (\d), got (\d)/;

function lastDigit(code: string): number {
  return code.charCodeAt(code.length - 1) - 48;
}

/** The check digit the classifier judged: from its reason when bad, from the code when good. */
function checkDigitOf(text: string | null, gtin: string | null, reason: string | null): CheckDigitExplanation | undefined {
  const bad = reason === null ? null : BAD_CHECK.exec(reason);
  if (bad) return { valid: false, expected: Number(bad[1]), got: Number(bad[2]) };
  if (gtin !== null && isValidGtin(gtin)) return { valid: true, expected: lastDigit(gtin), got: lastDigit(gtin) };
  if (text !== null && isDigits(text) && (isValidGtin(text) || expandUpcE(text) !== null)) {
    return { valid: true, expected: lastDigit(text), got: lastDigit(text) };
  }
  return undefined;
}

export function explainScan(data: string, rules: ScanRules, currency: string): ScanExplanation {
  const r = classifyScan(data, rules, currency);
  const framed = frameScan(data);
  const text = framed.ok ? framed.text : null;
  const aim = framed.ok ? framed.aim : null;
  const base = { input: data, kind: r.kind, ...(aim === null ? {} : { symbology: `${aim} ${aimName(aim)}` }) };
  switch (r.kind) {
    case 'product':
    case 'weighted-product':
    case 'priced-product': {
      const checkDigit = checkDigitOf(text, r.gtin, null);
      let gs1: Gs1Explanation | undefined;
      if (r.gs1 !== undefined) {
        const { pricePaid, ...rest } = r.gs1;
        gs1 = pricePaid === undefined ? rest : { ...rest, pricePaid: formatMoney(pricePaid) };
      }
      return {
        ...base,
        ...(r.kind === 'product' ? { symbology: base.symbology ?? r.symbologyHint } : {}),
        key: r.key,
        ...(r.kind === 'product' && r.altKey !== undefined ? { altKey: r.altKey } : {}),
        ...(r.gtin === null ? {} : { gtin: r.gtin }),
        ...(r.kind !== 'product' && r.itemCode !== null && r.itemCode !== r.key ? { itemCode: r.itemCode } : {}),
        ...(checkDigit === undefined ? {} : { checkDigit }),
        ...(r.kind === 'weighted-product' ? { weightGrams: r.weightGrams } : {}),
        ...(r.kind === 'priced-product' ? { price: formatMoney(r.price), currency: r.price.currency } : {}),
        ...(gs1 === undefined ? {} : { gs1 }),
      };
    }
    case 'payment-code':
      return { ...base, wallet: r.wallet, code: r.code };
    case 'coupon':
    case 'member': {
      const checkDigit = text !== null && isDigits(text) ? checkDigitOf(text, null, null) : undefined;
      return { ...base, code: r.code, ...(checkDigit === undefined ? {} : { checkDigit }) };
    }
    case 'unknown': {
      const checkDigit = checkDigitOf(null, null, r.reason);
      return { ...base, reason: r.reason, ...(checkDigit === undefined ? {} : { checkDigit }) };
    }
  }
}

const KIND_LABELS: Readonly<Record<ScanKind, string>> = {
  product: 'product',
  'weighted-product': 'weighted product',
  'priced-product': 'priced product',
  'payment-code': 'payment code',
  coupon: 'coupon',
  member: 'member card',
  unknown: 'unknown',
};

/** Grams as kg with three decimals, by integer arithmetic ("0.455 kg"). */
function formatKg(grams: number): string {
  const sign = grams < 0 ? '-' : '';
  const abs = Math.abs(grams);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')} kg`;
}

export function formatExplanation(e: ScanExplanation): string {
  const lines = [`kind: ${KIND_LABELS[e.kind]}`];
  if (e.symbology !== undefined) lines.push(`symbology: ${e.symbology}`);
  if (e.wallet !== undefined) lines.push(`wallet: ${e.wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'}`);
  if (e.code !== undefined) lines.push(`code: ${e.code}`);
  if (e.key !== undefined) lines.push(`catalog key: ${e.key}${e.altKey === undefined ? '' : ` (or ${e.altKey})`}`);
  if (e.gtin !== undefined) lines.push(`GTIN: ${e.gtin}`);
  if (e.itemCode !== undefined) lines.push(`item code: ${e.itemCode}`);
  if (e.weightGrams !== undefined) lines.push(`weight: ${formatKg(e.weightGrams)}`);
  if (e.price !== undefined) lines.push(`price: ${e.price}${e.currency === undefined ? '' : ` ${e.currency}`}`);
  const g = e.gs1;
  if (g !== undefined) {
    if (g.batch !== undefined) lines.push(`batch: ${g.batch}`);
    if (g.serial !== undefined) lines.push(`serial: ${g.serial}`);
    if (g.expiry !== undefined) lines.push(`expiry: ${g.expiry}`);
    if (g.bestBefore !== undefined) lines.push(`best before: ${g.bestBefore}`);
    if (g.netWeightGrams !== undefined && e.weightGrams === undefined) lines.push(`net weight: ${formatKg(g.netWeightGrams)}`);
    if (g.pricePaid !== undefined && e.price === undefined) lines.push(`price paid: ${g.pricePaid}`);
  }
  if (e.checkDigit !== undefined) {
    lines.push(
      e.checkDigit.valid ? 'check digit: valid' : `check digit: invalid (expected ${e.checkDigit.expected ?? '?'}, got ${e.checkDigit.got ?? '?'})`,
    );
  }
  if (e.reason !== undefined) lines.push(`reason: ${e.reason}`);
  return lines.join('\n');
}
