// A stand-in for the core on the other end of a PosChannel, for renderer client tests: it
// records every request posted and answers each with what the test says, asynchronously (on a
// microtask), as a socket or IPC reply would arrive.
import type { HostMessage, PosChannel, RequestMessage } from '../../../src/shared/api.ts';

/** What the fake core answers a request with. */
export type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; permission?: string } };

/** A core that answers each request with what `answer` says; `posted` lists the requests in order. */
export function fakeCore(answer: (req: RequestMessage) => Reply): { channel: PosChannel; posted: RequestMessage[] } {
  const posted: RequestMessage[] = [];
  const listeners = new Set<(m: HostMessage) => void>();
  const channel: PosChannel = {
    host: 'browser',
    post: (m) => {
      posted.push(m);
      const reply = answer(m);
      queueMicrotask(() => {
        for (const l of [...listeners]) l({ t: 'res', id: m.id, ...reply } as HostMessage);
      });
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { channel, posted };
}
