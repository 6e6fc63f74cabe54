// Decides, for every keydown on the cashier screen, what becomes a scan and what becomes typed
// text, around WedgeDetector (src/shared/keyboard-wedge.ts), which holds back the fast run of
// printable keys a keyboard-wedge scanner types. The DOM glue (input/use-wedge.ts) only carries
// out the decision, so the rules are tested here without a browser.
//
// Decisions a caller must know:
// - Printable keys are always taken from the browser (preventDefault) and come back as `insert`
//   text, in order, to be put into the focused field; so a scan never leaves digits in the
//   search box, whichever field had focus.
// - A SCAN consumes its terminator (Enter/Tab): the caller stops that key entirely.
// - Any other key (Enter that ends no scan, Backspace, arrows, F-keys, Escape) first releases
//   what was held, to be inserted BEFORE the key acts, and then keeps its normal meaning.
// - Keys with Ctrl/Alt/Meta are shortcuts or editing commands (paste), never scan data; while
//   an IME composes ("Process"/isComposing), keys belong to the IME.
// Hand-written: this is the glue the detector's own comment asks its caller to write.
import { DEFAULT_WEDGE_CONFIG, WedgeDetector } from '../../shared/keyboard-wedge.ts';
import type { WedgeConfig } from '../../shared/keyboard-wedge.ts';

export interface KeyInput {
  readonly key: string;
  readonly timeMs: number;
  readonly repeat?: boolean;
  readonly ctrlKey?: boolean;
  readonly altKey?: boolean;
  readonly metaKey?: boolean;
  readonly isComposing?: boolean;
}

export interface KeyStep {
  /** Text to insert into the focused field before the key acts ('' for none). */
  readonly insert: string;
  /** Scan data, when this key ended a scan. */
  readonly scan: string | null;
  /** Take the key from the browser. */
  readonly preventDefault: boolean;
  /** Stop the key reaching the page's own handlers (a scan's terminator). */
  readonly stop: boolean;
}

/** Same rule as the detector: one character of text (named keys such as "Enter" are longer). */
export function isPrintableKey(key: string): boolean {
  if ([...key].length !== 1) return false;
  const c = key.codePointAt(0) ?? 0;
  return c >= 0x20 && !(c >= 0x7f && c <= 0x9f);
}

const PASS: KeyStep = { insert: '', scan: null, preventDefault: false, stop: false };

export class KeyRouter {
  private readonly detector: WedgeDetector;
  readonly config: WedgeConfig;

  constructor(config: Partial<WedgeConfig> = {}) {
    this.config = { ...DEFAULT_WEDGE_CONFIG, ...config };
    this.detector = new WedgeDetector(this.config);
  }

  keydown(k: KeyInput): KeyStep {
    if (k.ctrlKey || k.altKey || k.metaKey || k.isComposing || k.key === 'Process') {
      return { ...PASS, insert: this.releaseText() };
    }
    const out = this.detector.key({ key: k.key, timeMs: k.timeMs, ...(k.repeat !== undefined ? { repeat: k.repeat } : {}) });
    if (out?.type === 'SCAN') {
      return { insert: '', scan: out.data, preventDefault: true, stop: true };
    }
    const insert = out?.type === 'TYPED' ? out.text : '';
    // A printable key is held (or, repeated, comes back inside `insert`): the browser never types it.
    if (isPrintableKey(k.key)) return { insert, scan: null, preventDefault: true, stop: false };
    return { ...PASS, insert };
  }

  /** From a timer armed after each printable key (`config.maxCharIntervalMs + 1` later): typed keys no scan can follow any more. */
  flush(nowMs: number): string {
    return this.detector.flush(nowMs)?.text ?? '';
  }

  /** Focus moved or the screen changed: everything held is typed text now. */
  release(): string {
    return this.releaseText();
  }

  private releaseText(): string {
    return this.detector.release()?.text ?? '';
  }
}
