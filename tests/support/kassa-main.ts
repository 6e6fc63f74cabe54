// Runs `kassa …args` inside the test process through the CLI's own main(), capturing what it
// writes: for commands that only talk to a server the test already runs (store-server admin
// sub-commands), where a child process would add ~1 s of start-up per call and test nothing
// more. Tests that need a real process (stdin, exit codes of the binary, a data folder) use
// runKassa in kassa-cli.ts.
import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { CliRun } from './kassa-cli.ts';

let running: Promise<unknown> = Promise.resolve();

/**
 * `kassa …args` in this process; stdout and stderr are captured while it runs, and process.exitCode
 * is reset after. Calls run one at a time (overlapping ones would capture each other's output).
 */
export function runKassaMain(args: readonly string[]): Promise<CliRun> {
  const run = running.then(async () => {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    try {
      const code = await main(['node', 'kassa', ...args]);
      return { code, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
      process.exitCode = undefined;
    }
  });
  running = run.catch(() => undefined);
  return run;
}
