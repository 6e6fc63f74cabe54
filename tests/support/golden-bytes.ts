// Golden byte dumps for printer tests: one hex line per printed line (split after each LF), so
// a golden diff points at the line that changed. Regenerate only with UPDATE_GOLDEN=1.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { SaleRecord } from '../../src/domain/sale-record.ts';

export const PRINTER_GOLDEN_DIR = fileURLToPath(new URL('../unit/drivers/printer/golden/', import.meta.url));

export const hex = (bytes: Uint8Array | readonly number[]): string => [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
export const bytesOf = (h: string): number[] => h.split(' ').map((x) => Number.parseInt(x, 16));

export function dump(bytes: Uint8Array): string {
  const lines: string[] = [];
  let start = 0;
  bytes.forEach((b, i) => {
    if (b === 0x0a) {
      lines.push(hex(bytes.subarray(start, i + 1)));
      start = i + 1;
    }
  });
  if (start < bytes.length) lines.push(hex(bytes.subarray(start)));
  return lines.join('\n') + '\n';
}

export function expectGolden(name: string, title: string, bytes: Uint8Array): void {
  const path = join(PRINTER_GOLDEN_DIR, `${name}.hex`);
  const body = dump(bytes);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(path, `# ${title}\n# Regenerate only with: UPDATE_GOLDEN=1 npx vitest run tests/unit/drivers/printer\n${body}`);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file ${name}.hex is missing; create it with UPDATE_GOLDEN=1 and review it`);
  const stored = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
  expect(body).toBe(stored);
}

/** First index of `needle` in `haystack` at or after `from`, or -1. */
export function indexOf(haystack: Uint8Array, needle: readonly number[], from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The stored sale fixtures the printer goldens were made from (kept apart so goldens never drift). */
export function goldenSale(lang: 'zh-CN' | 'en'): SaleRecord {
  return JSON.parse(readFileSync(join(PRINTER_GOLDEN_DIR, `sale-${lang}.json`), 'utf8')) as SaleRecord;
}
