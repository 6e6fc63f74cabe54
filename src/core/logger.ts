// Structured logs with pino, written to a rolling file in the data dir (pino-roll: daily or
// 10 MB, ten files kept) so a terminal's disk never fills with logs. The stream is built in
// this thread (not a worker transport) because short `kassa` commands exit right after work
// and must not lose their last lines.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import pinoRoll from 'pino-roll';

export type { Logger };

export interface OpenLogger {
  readonly logger: Logger;
  /** Flushes and closes the file; safe to call twice. */
  close(): Promise<void>;
}

export async function openLogger(logDir: string, level: string = process.env.KASSA_LOG_LEVEL ?? 'info'): Promise<OpenLogger> {
  mkdirSync(logDir, { recursive: true });
  const stream = await pinoRoll({
    file: join(logDir, 'kassa'),
    extension: '.log',
    frequency: 'daily',
    size: '10m',
    mkdir: true,
    limit: { count: 10 },
    sync: true,
  });
  const logger = pino({ level, base: { pid: process.pid } }, stream);
  let closed = false;
  return {
    logger,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.end();
      });
    },
  };
}

/** For tests and tools that must not write files. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
