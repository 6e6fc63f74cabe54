// Tells keyboard-wedge scans from typing by timing, for the renderer: the OS owns keyboards,
// so node-hid cannot read them (reference/hardware.md §3). Hand-written: onScan.js, the usual
// library, reads `document` itself and keeps its own timers; the core rules here must be
// pure (keys and times in, decisions out) so they can be tested exhaustively and used in
// every host, and the rule is only a few lines.
//
// How it works: printable keys are held back while they arrive in a fast run. A run is a SCAN
// when it has at least `minLength` characters, each within `maxCharIntervalMs` of the one
// before, and a terminator (Enter/Tab) follows within `maxCharIntervalMs` of the last one.
// Everything else is handed back as TYPED text, in order, for the UI to insert: a run that a
// slow key breaks, a run ended by any other key, a too-short run, a run whose terminator comes
// late, and a run nothing ends (`flush`). A fast typist (60–80 ms per key) never forms a run
// of two, and six digits without Enter are never a scan.
//
// - The first character's own delay is unknown, so any key may start a run. When the cashier
//   types "ab" and the scanner then fires, "a" and "b" come back as TYPED (each is released as
//   soon as the next key is too late for it) and the burst is the SCAN. Only a key pressed
//   within `maxCharIntervalMs` before the scanner's first character joins the scan; trimming
//   it by guesswork could cut a real first digit instead, which is worse, and such a code
//   usually fails its check digit in `classifyScan()`, so the cashier just scans again.
// - Auto-repeat keys (`repeat: true`, a held key) are typing: they end the run as TYPED. A
//   scanner presses and releases each key, so it never repeats.
// - Modifier keys (Shift for capitals, CapsLock…) are ignored and do not break a run: a
//   scanner types capitals with Shift.
// - Callers pass keys typed without Ctrl/Alt/Meta held (shortcuts are not text). A scanner's
//   FNC1 (GS) cannot come through a keyboard; GS1 data needs serial or HID-POS mode.
// - Keys other than printable characters and terminators are never held: the caller handles
//   them itself, right after inserting any TYPED text returned for them. Likewise a terminator
//   that did not end a scan is the caller's to handle. Only a SCAN consumes its terminator.
// - The UI calls `flush(now)` from a timer (about `maxCharIntervalMs + 1` after the last key)
//   so typed characters do not wait for the next key; `release()` on focus loss.
// - With a Chinese IME composing, keydowns arrive as "Process", which is not printable, so no
//   scan forms: the till must keep the IME off where scans are expected (hardware fix: HID-POS).
// - Symbology is always null; an AIM id the scanner types stays in the data, where
//   `classifyScan()` strips it.

import type { ScanEvent } from './scan-event.ts';

export interface WedgeConfig {
  /** Fewest characters a scan has (onScan.js uses 6). */
  readonly minLength: number;
  /** Longest gap between a scan's keys, terminator included (30–50 ms per the issue). */
  readonly maxCharIntervalMs: number;
  /** `KeyboardEvent.key` values that end a scan. */
  readonly terminators: readonly string[];
}

export const DEFAULT_WEDGE_CONFIG: WedgeConfig = { minLength: 6, maxCharIntervalMs: 50, terminators: ['Enter', 'Tab'] };

/** One keydown: `KeyboardEvent.key`, its time in ms, and `KeyboardEvent.repeat`. */
export interface WedgeKey {
  readonly key: string;
  readonly timeMs: number;
  readonly repeat?: boolean;
}

export interface TypedText {
  readonly type: 'TYPED';
  readonly text: string;
}

export type WedgeOutput = ScanEvent | TypedText;

const MODIFIERS: ReadonlySet<string> = new Set([
  'Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'OS', 'Super', 'Hyper', 'Fn', 'FnLock', 'CapsLock', 'NumLock', 'ScrollLock', 'Symbol', 'SymbolLock',
]);

/** A key that produces one character of text (named keys such as "Enter" are longer). */
function printable(key: string): boolean {
  const chars = [...key];
  if (chars.length !== 1) return false;
  const c = key.codePointAt(0) ?? 0;
  return c >= 0x20 && !(c >= 0x7f && c <= 0x9f);
}

export class WedgeDetector {
  private readonly config: WedgeConfig;
  private held = '';
  private count = 0;
  private lastAt = 0;

  constructor(config: Partial<WedgeConfig> = {}) {
    this.config = { ...DEFAULT_WEDGE_CONFIG, ...config };
    const { minLength, maxCharIntervalMs } = this.config;
    if (!Number.isInteger(minLength) || minLength < 1) throw new RangeError(`minLength must be a positive integer, got ${minLength}`);
    if (!(maxCharIntervalMs >= 0) || !Number.isFinite(maxCharIntervalMs)) throw new RangeError(`maxCharIntervalMs must be a finite number ≥ 0, got ${maxCharIntervalMs}`);
  }

  /** Feeds one keydown; returns a SCAN, text to insert, or null (held, or not ours). */
  key(ev: WedgeKey): WedgeOutput | null {
    if (MODIFIERS.has(ev.key)) return null;
    const inTime = this.count > 0 && this.fast(ev.timeMs);
    if (this.config.terminators.includes(ev.key)) {
      if (inTime && !ev.repeat && this.count >= this.config.minLength) {
        const data = this.held;
        this.clear();
        return { type: 'SCAN', data, symbology: null, source: 'keyboard' };
      }
      return this.release();
    }
    if (!printable(ev.key)) return this.release();
    if (ev.repeat) return typed(this.take() + ev.key);
    const before = inTime ? '' : this.take();
    this.held += ev.key;
    this.count += 1;
    this.lastAt = ev.timeMs;
    return before === '' ? null : typed(before);
  }

  /** Releases held keys as TYPED once no scan can follow them (more than the interval has passed). */
  flush(nowMs: number): TypedText | null {
    if (this.count === 0 || this.fast(nowMs)) return null;
    return this.release();
  }

  /** Releases held keys as TYPED now, whatever the time (focus lost, screen changed). */
  release(): TypedText | null {
    const text = this.take();
    return text === '' ? null : typed(text);
  }

  /** Within the interval of the last held key; a clock that runs backwards never counts. */
  private fast(timeMs: number): boolean {
    const gap = timeMs - this.lastAt;
    return gap >= 0 && gap <= this.config.maxCharIntervalMs;
  }

  private take(): string {
    const text = this.held;
    this.clear();
    return text;
  }

  private clear(): void {
    this.held = '';
    this.count = 0;
  }
}

function typed(text: string): TypedText {
  return { type: 'TYPED', text };
}
