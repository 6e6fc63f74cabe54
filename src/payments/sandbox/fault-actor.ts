// Acts out the fault chosen for one gateway call (faults.ts) around the protocol's own work,
// so the Alipay and WeChat endpoints share one definition of what each fault does to the
// connection, the ledger and the answer. See faults.ts for the list.
//
// Decisions:
// - `work` is synchronous: the ledger is better-sqlite3, so a call's commit happens entirely
//   inside it, and "after commit" means after `work` returned.
// - Sleeps end early when the server shuts down (the AbortSignal), and nothing is written to a
//   connection that went away meanwhile.
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault } from './faults.ts';
import { send } from './http-util.ts';

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface GatewayCall {
  /** Verifies the request, does the work (commits) and renders the answer, signed (badly if `tamper`). */
  work(tamper: boolean): Reply;
  /** The protocol's answer for a gateway in trouble: 20000 / ACQ.SYSTEM_ERROR / SYSTEMERROR. */
  failure(kind: 'unavailable' | 'system-error'): Reply;
}

const HTML_PAGE = (status: number) =>
  `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n`;

async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function reply(res: ServerResponse, r: Reply): void {
  send(res, r.status, r.contentType, r.body);
}

export async function actOut(fault: Fault | null, call: GatewayCall, res: ServerResponse, signal: AbortSignal): Promise<void> {
  if (fault === null) {
    reply(res, call.work(false));
    return;
  }
  switch (fault.kind) {
    case 'reset':
      res.socket?.resetAndDestroy();
      return;
    case 'html': {
      const status = fault.status ?? 502;
      send(res, status, 'text/html', HTML_PAGE(status));
      return;
    }
    case 'unavailable':
    case 'system-error':
      if (fault.afterCommit === true) call.work(false);
      reply(res, call.failure(fault.kind));
      return;
    case 'drop-after-commit':
      call.work(false);
      res.socket?.destroy();
      return;
    case 'tampered-signature':
      reply(res, call.work(true));
      return;
    case 'latency': {
      const ms = fault.ms ?? 0;
      if (fault.beforeCommit === true) {
        // The request arrived whole: the work is done even if the client has given up meanwhile.
        if (!(await pause(ms, signal))) return;
        reply(res, call.work(false));
        return;
      }
      const answer = call.work(false);
      if (!(await pause(ms, signal))) return;
      reply(res, answer);
      return;
    }
  }
}
