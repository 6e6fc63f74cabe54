// Before any spec: the renderer the terminal serves must be built. `npm test` builds it first;
// when it is missing (a bare `npx playwright test` on a fresh clone) it is built here, once,
// outside every test's time limit. KASSA_E2E_RENDERER_DIR names another build, used as is.
// It also says, once, why the "electron" project's tests skip when they do: the list reporter
// shows skipped tests without their reason.
import type { FullConfig } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRendererBuilt } from '../../src/server/serve/renderer-build.ts';
import { electronAvailability } from './support/electron-app.ts';

export default async function globalSetup(config: FullConfig): Promise<void> {
  if (config.projects.some((p) => p.name === 'electron')) {
    const electron = electronAvailability();
    if (!electron.ok) process.stdout.write(`e2e: project "electron" skips every test: ${electron.reason}\n`);
  }
  const own = process.env.KASSA_E2E_RENDERER_DIR;
  if (own !== undefined) {
    if (!existsSync(join(own, 'index.html'))) throw new Error(`KASSA_E2E_RENDERER_DIR=${own} has no index.html: build the renderer there first`);
    return;
  }
  await ensureRendererBuilt({ onProgress: (message) => process.stdout.write(`e2e: ${message}\n`) });
}
