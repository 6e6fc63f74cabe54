// Waits for a condition the code under test reaches asynchronously (a byte over a pty, a
// device state), polling every 5 ms, and fails naming what it waited for. Bounded by `ms`.
export async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
