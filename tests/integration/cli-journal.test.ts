// `kassa journal export` and `kassa journal verify-file` as an auditor runs them: real child
// processes on a throw-away data folder with sales and a no-sale opening.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKassa } from '../support/kassa-cli.ts';
import { makeSale, seedDbFile } from '../support/sale-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'kassa-cli-journal-'));
const shop = join(root, 'shop');
const SLOW = { timeout: 120_000 };
const AT = '2025-03-01T10:01:31.000Z';

const kassa = (args: readonly string[]) => runKassa(root, shop, args, { timeoutMs: 100_000 });

beforeAll(() => {
  seedDbFile(join(shop, 'kassa.db'), (seed) => {
    for (let i = 0; i < 4; i++) seed.sell(makeSale(), AT);
    seed.drawerOpened({ by: 'alice', reason: 'change' }, AT);
    seed.sell(makeSale(), AT);
  });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('kassa journal', SLOW, () => {
  it('exports JSONL and CSV with progress on stderr, and verify-file accepts both', async () => {
    const [a, b] = await Promise.all([
      kassa(['journal', 'export', '--out', join(root, 'all.jsonl')]),
      kassa(['journal', 'export', '--out', join(root, 'tail.csv'), '--format', 'csv', '--from-seq', '3']),
    ]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^exported 6 journal rows \(rows 1\.\.6\) to .*all\.jsonl; last hash [0-9a-f]{64}\n$/);
    expect(a.stderr).toContain('exporting journal: 6/6');
    expect(b.code).toBe(0);
    expect(b.stdout).toContain('exported 4 journal rows (rows 3..6)');
    const [va, vb] = await Promise.all([kassa(['journal', 'verify-file', join(root, 'all.jsonl')]), kassa(['journal', 'verify-file', join(root, 'tail.csv'), '--json'])]);
    expect(va.code).toBe(0);
    expect(va.stdout).toMatch(/^ok: 6 rows chained from the genesis row; last hash [0-9a-f]{64}\n$/);
    expect(vb.code).toBe(0);
    expect(JSON.parse(vb.stdout)).toMatchObject({ ok: true, rows: 4, firstSeq: 3, lastSeq: 6 });
  });

  it('verify-file of an edited export exits 1 and names the first broken row and its line', async () => {
    const out = join(root, 'edited.jsonl');
    expect((await kassa(['journal', 'export', '--out', out, '--quiet'])).code).toBe(0);
    writeFileSync(out, readFileSync(out, 'utf8').replace('\\"by\\":\\"alice\\"', '\\"by\\":\\"bob\\"'));
    const r = await kassa(['journal', 'verify-file', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('FAILED: row 5 (line 5, drawer.opened printer) was changed: its content does not match its hash\n');
    expect(r.stderr).toContain('kassa journal verify-file: first broken row: 5 (line 5)');
  });

  it('refuses an existing file, a bad format and a file that is not an export, in one line each', async () => {
    writeFileSync(join(root, 'taken.jsonl'), 'x');
    writeFileSync(join(root, 'notes.txt'), 'hello');
    const [taken, format, other] = await Promise.all([
      kassa(['journal', 'export', '--out', join(root, 'taken.jsonl')]),
      kassa(['journal', 'export', '--out', join(root, 'x.xml'), '--format', 'xml']),
      kassa(['journal', 'verify-file', join(root, 'notes.txt')]),
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^kassa: .*taken\.jsonl already exists: choose another file name/);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be jsonl or csv, got "xml"');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^kassa: .*notes\.txt is not a Kassa journal export/);
    expect(readFileSync(join(root, 'taken.jsonl'), 'utf8')).toBe('x');
  });
});
