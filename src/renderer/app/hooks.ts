// React glue shared by the surfaces: live views from events plus a fetch, the notice list, a
// ticking clock for countdowns. The rules live in the pure modules these hooks call.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { CheckoutCommand, CheckoutView, Notice, PosEvents } from '../../shared/api.ts';
import { LiveView } from '../client/live-view.ts';
import { errorText } from '../client/pos-client.ts';
import { addNotice, dismissAll, dismissNotice, emptyNotices, expireNotices, nextExpiry, type NoticeList } from '../notices.ts';
import { usePos } from './pos-context.tsx';

type ViewEvent = 'checkout' | 'customer' | 'devices' | 'sync';

/**
 * The newest `event` view: pushed events always, plus `load()` at start and after every
 * reconnect. `onError` hears a failed load (the view stays as it was).
 */
export function useLiveView<E extends ViewEvent>(event: E, load: () => Promise<PosEvents[E] | null>, onError?: (message: string) => void): { value: PosEvents[E] | null; live: LiveView<PosEvents[E] | null> } {
  const { client, epoch } = usePos();
  const [value, setValue] = useState<PosEvents[E] | null>(null);
  const live = useMemo(() => new LiveView<PosEvents[E] | null>(setValue), []);
  const loadRef = useRef(load);
  loadRef.current = load;
  const errorRef = useRef(onError);
  errorRef.current = onError;

  useEffect(() => client.on(event, (payload) => live.event(payload)), [client, event, live]);
  useEffect(() => {
    let stale = false;
    const token = live.begin();
    loadRef.current().then(
      (v) => {
        if (!stale) live.reply(token, v);
      },
      (e: unknown) => {
        if (!stale) errorRef.current?.(errorText(e));
      },
    );
    return () => {
      stale = true;
    };
  }, [epoch, live]);
  return { value, live };
}

/** The checkout view and a `send` that applies the reply under the LiveView rule. */
export function useCheckout(onError: (message: string) => void): { view: CheckoutView | null; send: (command: CheckoutCommand) => Promise<boolean> } {
  const { client } = usePos();
  const { value, live } = useLiveView('checkout', () => client.request('checkout.view', {}), onError);
  const errorRef = useRef(onError);
  errorRef.current = onError;
  const send = useCallback(
    async (command: CheckoutCommand): Promise<boolean> => {
      const token = live.begin();
      try {
        live.reply(token, await client.request('checkout.send', { command }));
        return true;
      } catch (e) {
        errorRef.current(errorText(e));
        return false;
      }
    },
    [client, live],
  );
  return { view: value, send };
}

type NoticeAction = { type: 'add'; notice: Notice; now: number } | { type: 'dismiss'; id: number } | { type: 'dismissAll' } | { type: 'expire'; now: number };

function noticeReducer(list: NoticeList, action: NoticeAction): NoticeList {
  switch (action.type) {
    case 'add':
      return addNotice(list, action.notice, action.now);
    case 'dismiss':
      return dismissNotice(list, action.id);
    case 'dismissAll':
      return dismissAll(list);
    case 'expire':
      return expireNotices(list, action.now);
  }
}

/** 'notice' events as a list on screen (see notices.ts for what stays and what goes). */
export function useNotices(): { notices: NoticeList; dismiss: (id: number) => void; dismissAll: () => void } {
  const { client } = usePos();
  const [notices, dispatch] = useReducer(noticeReducer, emptyNotices);
  useEffect(() => client.on('notice', (notice) => dispatch({ type: 'add', notice, now: Date.now() })), [client]);
  const expiry = nextExpiry(notices);
  useEffect(() => {
    if (expiry === null) return;
    const timer = window.setTimeout(() => dispatch({ type: 'expire', now: Date.now() }), Math.max(0, expiry - Date.now()) + 20);
    return () => window.clearTimeout(timer);
  }, [expiry]);
  return {
    notices,
    dismiss: useCallback((id: number) => dispatch({ type: 'dismiss', id }), []),
    dismissAll: useCallback(() => dispatch({ type: 'dismissAll' }), []),
  };
}

/** Date.now(), refreshed every `intervalMs` while `active`. */
export function useNow(active: boolean, intervalMs = 250): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}
