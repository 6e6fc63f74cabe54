// The folder rules of ARCHITECTURE.md §2 are ESLint rules; this checks they really refuse what
// they should, so a config change cannot silently turn them off.
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: resolve(import.meta.dirname, '../../..') });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(import.meta.dirname, '../../..', file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('folder purity (ARCHITECTURE.md §2)', () => {
  it('keeps machines, domain and shared code free of node, native and electron imports', async () => {
    for (const file of ['state-machines/probe.machine.ts', 'src/domain/probe.ts', 'src/shared/probe.ts']) {
      const messages = await restricted(
        file,
        "import { readFileSync } from 'node:fs';\nimport Database from 'better-sqlite3';\nimport { app } from 'electron';\nexport const x = [readFileSync, Database, app];\n",
      );
      expect(messages, file).toHaveLength(3);
    }
  });

  it('keeps xstate and the core out of the domain', async () => {
    const messages = await restricted('src/domain/probe.ts', "import { setup } from 'xstate';\nimport { openDatabase } from '../core/db/open.ts';\nexport const x = [setup, openDatabase];\n");
    expect(messages).toHaveLength(2);
  });

  it('lets only electron/ import electron', async () => {
    expect(await restricted('src/core/probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).toHaveLength(1);
    expect(await restricted('electron/probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).toHaveLength(0);
  });

  it('allows pure code its own imports', async () => {
    expect(await restricted('state-machines/probe.machine.ts', "import { setup } from 'xstate';\nimport { money } from '../src/domain/money.ts';\nexport const x = [setup, money];\n")).toHaveLength(0);
  });
});
