// Playwright: the end-to-end specs in tests/e2e drive the terminal as a cashier and a customer
// do, against a training terminal (simulated devices on socat ptys, the sandbox gateway).
//
// Decisions:
// - Project "browser": `kassa serve --training` (one per spec file, tests/e2e/fixtures.ts) and
//   Debian's Chromium at /usr/bin/chromium with the flags below; Playwright's own browser
//   downloads are never used (never run `npx playwright install`).
// - Project "electron": the same specs under Playwright's `_electron`, when an Electron binary
//   is installed and the app is built; otherwise every test skips saying why.
// - One worker: each spec file runs its own terminal (four socat processes, a sandbox gateway, a
//   SQLite journal) and the development machine has two cores shared with other jobs.
// - Every wait is bounded: 60 s per test, 10 s per expect, 15 s per action and navigation.
// - The renderer must be built (npm run build:renderer); globalSetup builds it when it is
//   missing, outside any test's time. KASSA_E2E_RENDERER_DIR serves another build.
// - Artifacts (screenshots of the three surfaces, failure screenshots, the terminal's output on
//   failure) go to test-results/.
import { defineConfig } from '@playwright/test';
import type { KassaTestOptions, KassaWorkerOptions } from './tests/e2e/fixtures.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './tests/e2e/support/chromium.ts';

export default defineConfig<KassaTestOptions, KassaWorkerOptions>({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  globalSetup: './tests/e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 60_000,
  globalTimeout: 20 * 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
    launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] },
  },
  projects: [
    { name: 'browser', use: { kassaHost: 'browser' } },
    // security.spec.ts is about `kassa serve`'s HTTP and WebSocket: Electron has neither.
    { name: 'electron', use: { kassaHost: 'electron' }, testIgnore: /security\.spec\.ts$/ },
  ],
});
