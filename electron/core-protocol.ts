// What main and the core's utilityProcess say to each other over `process.parentPort`: the
// api.ts messages unchanged (requests one way, replies and events the other), plus a few
// control messages for the process's life: progress while the terminal opens, ready, failed,
// stop. Kept in one place so both sides agree and main can check what the core sends.
import { z } from 'zod';
import type { EventMessage, ReplyMessage, RequestMessage } from '../src/shared/api.ts';

/** Main → core. */
export type MainToCore = RequestMessage | { readonly t: 'stop' };

const displayId = z.union([z.number(), z.string()]).nullable();

export const coreControl = z.discriminatedUnion('t', [
  /** The terminal is open and the PosHost answers requests. */
  z.object({ t: z.literal('ready'), terminalId: z.string(), training: z.boolean(), dataDir: z.string(), customerDisplay: displayId }),
  /** A line while the terminal opens (training set-up, catalog import…). */
  z.object({ t: z.literal('progress'), message: z.string() }),
  /** The terminal could not open, or the core hit a fatal error; the process exits after this. */
  z.object({ t: z.literal('failed'), message: z.string() }),
  /** The core closed everything after a stop; the process exits after this. */
  z.object({ t: z.literal('stopped') }),
]);
export type CoreControl = z.infer<typeof coreControl>;

export type CoreToMain = CoreControl | ReplyMessage | EventMessage;

export type ParsedCoreMessage =
  | { readonly kind: 'control'; readonly message: CoreControl }
  | { readonly kind: 'api'; readonly message: unknown }
  | { readonly kind: 'garbage'; readonly reason: string };

/** Sorts a message from the core; api messages are checked by the relay. */
export function parseCoreMessage(raw: unknown): ParsedCoreMessage {
  if (typeof raw !== 'object' || raw === null || !('t' in raw)) return { kind: 'garbage', reason: 'not an object with a "t" field' };
  const t = (raw as { t: unknown }).t;
  if (t === 'res' || t === 'evt') return { kind: 'api', message: raw };
  const control = coreControl.safeParse(raw);
  if (control.success) return { kind: 'control', message: control.data };
  return { kind: 'garbage', reason: `unexpected message ${JSON.stringify(String(t)).slice(0, 40)}` };
}

export interface CoreLaunch {
  readonly dataDir: string;
  readonly mode: 'configured' | 'training';
}

/** The core's command line, so `ps` shows which terminal a core serves. */
export function coreArgs(launch: CoreLaunch): string[] {
  return [`--data-dir=${launch.dataDir}`, `--mode=${launch.mode}`];
}

export function parseCoreArgs(argv: readonly string[]): CoreLaunch {
  let dataDir: string | null = null;
  let mode: CoreLaunch['mode'] | null = null;
  for (const arg of argv) {
    if (arg.startsWith('--data-dir=')) dataDir = arg.slice('--data-dir='.length);
    else if (arg.startsWith('--mode=')) {
      const value = arg.slice('--mode='.length);
      if (value !== 'configured' && value !== 'training') throw new Error(`--mode must be "configured" or "training", not ${JSON.stringify(value)}`);
      mode = value;
    }
  }
  if (!dataDir) throw new Error('the core process needs --data-dir=<folder>');
  if (!mode) throw new Error('the core process needs --mode=configured|training');
  return { dataDir, mode };
}
