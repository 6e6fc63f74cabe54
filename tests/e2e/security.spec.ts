// Who may drive the till through `kassa serve`. This spec's terminal is bound to 0.0.0.0 (every
// interface), so it requires its access token; the tests still connect through 127.0.0.1.
// - The API WebSocket refuses a missing or wrong token (401) and any page of another origin
//   (403), even one on the same machine whose browser holds the sign-in cookie.
// - Pages need the token too; opening the printed address signs the browser in with a cookie
//   and takes the token out of the address bar.
// Browser mode only: playwright.config.ts leaves it out of the electron project (Electron has no
// WebSocket or HTTP server; its IPC sender checks are unit-tested in tests/unit/electron).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, TID } from './fixtures.ts';
import { upgradeVerdict } from './support/pos-api.ts';

test.use({ kassaOptions: { bind: '0.0.0.0' } });

/** A page of another site, on this machine, that tries to open the till's API. */
async function startOtherSite(target: string): Promise<{ url: string; server: Server }> {
  const html = `<!doctype html><title>not the till</title><script>
    window.attempt = () => new Promise((resolve) => {
      const ws = new WebSocket(${JSON.stringify(target)});
      const timer = setTimeout(() => resolve('no answer'), 5000);
      ws.onopen = () => { clearTimeout(timer); ws.close(); resolve('open'); };
      ws.onerror = () => { clearTimeout(timer); resolve('refused'); };
    });
  </script>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

test('bound to every interface, the terminal prints a token and the API refuses connections without it', async ({ kassa }) => {
  expect(kassa.token, 'kassa serve --host 0.0.0.0 prints a token in its addresses').toMatch(/^[A-Za-z0-9_-]{24,}$/);
  const api = `${kassa.baseUrl?.replace(/^http/, 'ws')}/api`;
  expect(await upgradeVerdict(api)).toBe(401);
  expect(await upgradeVerdict(`${api}?token=${'x'.repeat(32)}`)).toBe(401);
  expect(await upgradeVerdict(api, { authorization: `Bearer ${'y'.repeat(32)}` })).toBe(401);
  expect(await upgradeVerdict(`${api}?token=${kassa.token}`)).toBe('open');
  expect(await upgradeVerdict(api, { authorization: `Bearer ${kassa.token}` })).toBe('open');

  // The pages too: without the token nothing is served.
  const bare = await fetch(`${kassa.baseUrl}/`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
  expect(bare.status).toBe(401);
  expect(await bare.text()).toMatch(/token/i);
});

test('the API refuses other origins, with the right token or the sign-in cookie', async ({ kassa }) => {
  const api = `${kassa.baseUrl?.replace(/^http/, 'ws')}/api?token=${kassa.token}`;
  const port = new URL(kassa.baseUrl ?? '').port;
  expect(await upgradeVerdict(api, { origin: `http://127.0.0.1:${port}` })).toBe('open');
  expect(await upgradeVerdict(api, { origin: 'http://evil.example' })).toBe(403);
  expect(await upgradeVerdict(api, { origin: 'http://127.0.0.1:1' })).toBe(403);
  expect(await upgradeVerdict(api, { origin: 'null' })).toBe(403);
  // With the browser's sign-in cookie instead of the token in the address: same answers.
  const bare = `${kassa.baseUrl?.replace(/^http/, 'ws')}/api`;
  const cookie = `kassa_token_${port}=${kassa.token}`;
  expect(await upgradeVerdict(bare, { origin: `http://127.0.0.1:${port}`, cookie })).toBe('open');
  expect(await upgradeVerdict(bare, { origin: 'http://127.0.0.1:1', cookie })).toBe(403);
});

test('a signed-in browser: the printed address sets the cookie and drops the token from the address, and another site in that browser cannot reach the API', async ({ page, kassa }) => {
  // `page` opened the printed address (with ?token=): the server redirected to the bare path.
  expect(page.url()).toBe(`${kassa.baseUrl}/`);
  const cookies = await page.context().cookies();
  const signIn = cookies.find((c) => c.name.startsWith('kassa_token_'));
  expect(signIn).toMatchObject({ httpOnly: true, sameSite: 'Strict', value: kassa.token ?? '?' });
  await expect(page.getByTestId(TID.connectionLost)).toHaveCount(0);
  // The token never reaches the page's script.
  expect(await page.evaluate('document.cookie')).toBe('');

  // Another site on the same machine: same host, other port, so the browser even sends the
  // SameSite cookie; only the Origin check stands between it and the till.
  const other = await startOtherSite(`${kassa.baseUrl?.replace(/^http/, 'ws')}/api`);
  try {
    const evil = await page.context().newPage();
    await evil.goto(other.url);
    expect(await evil.evaluate('window.attempt()')).toBe('refused');
    await evil.close();
  } finally {
    await new Promise((resolve) => other.server.close(resolve));
  }
  // The till itself still works.
  await page.reload();
  await expect(page.getByTestId(TID.cashierScreen)).toHaveAttribute('data-phase', 'idle');
  await expect(page.getByTestId(TID.connectionLost)).toHaveCount(0);
});
