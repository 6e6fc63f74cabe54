// Carries out KeyRouter's decisions in the page: listens to every keydown first (window,
// capture phase), hands scans to the screen, and types held keys into the focused field, or,
// when no field has focus, into the screen's home field, so nothing typed is lost and a scan
// lands whatever has focus.
//
// Decisions a caller must know:
// - Text goes in with setRangeText + an 'input' event, which React's onChange sees like typing.
// - `fallback()` names the field for text typed with no field focused (the open dialog's first
//   field, else the search box or the cash box); null drops it.
// - Focus leaving a field releases held keys into that field, before the next one has focus.
import { useEffect, useRef } from 'react';
import { isPrintableKey, KeyRouter } from './key-router.ts';

export type TextField = HTMLInputElement | HTMLTextAreaElement;

const TEXT_TYPES = new Set(['text', 'search', 'tel', 'url', 'email', 'password', '']);

export function asTextField(el: EventTarget | Element | null): TextField | null {
  if (el instanceof HTMLTextAreaElement) return el.readOnly || el.disabled ? null : el;
  if (el instanceof HTMLInputElement && TEXT_TYPES.has(el.type)) return el.readOnly || el.disabled ? null : el;
  return null;
}

export function insertText(field: TextField, text: string): void {
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? start;
  field.setRangeText(text, start, end, 'end');
  field.dispatchEvent(new Event('input', { bubbles: true }));
}

export interface WedgeOptions {
  readonly enabled: boolean;
  readonly onScan: (data: string) => void;
  readonly fallback: () => TextField | null;
}

export function useWedge(options: WedgeOptions): void {
  const ref = useRef(options);
  ref.current = options;

  useEffect(() => {
    const router = new KeyRouter();
    const interval = router.config.maxCharIntervalMs;
    let timer: number | undefined;
    let lastKeyAt = 0;

    const type = (text: string, into?: TextField | null) => {
      if (text === '') return;
      let field = into ?? asTextField(document.activeElement);
      if (!field) {
        field = ref.current.fallback();
        if (!field) return;
        field.focus();
      }
      insertText(field, text);
    };

    const onKeyDown = (e: KeyboardEvent) => {
      if (!ref.current.enabled) return;
      const step = router.keydown({ key: e.key, timeMs: e.timeStamp, repeat: e.repeat, ctrlKey: e.ctrlKey, altKey: e.altKey, metaKey: e.metaKey, isComposing: e.isComposing });
      type(step.insert);
      if (step.preventDefault) e.preventDefault();
      if (step.stop) e.stopPropagation();
      if (step.scan !== null) ref.current.onScan(step.scan);
      if (isPrintableKey(e.key)) {
        lastKeyAt = e.timeStamp;
        window.clearTimeout(timer);
        timer = window.setTimeout(() => type(router.flush(Math.max(performance.now(), lastKeyAt + interval + 1))), interval + 1);
      }
    };
    const onFocusOut = (e: FocusEvent) => {
      const field = asTextField(e.target);
      if (field) type(router.release(), field);
    };

    window.addEventListener('keydown', onKeyDown, true);
    document.addEventListener('focusout', onFocusOut, true);
    return () => {
      window.clearTimeout(timer);
      window.removeEventListener('keydown', onKeyDown, true);
      document.removeEventListener('focusout', onFocusOut, true);
    };
  }, []);
}
