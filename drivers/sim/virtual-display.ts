// Virtual customer pole display on the device side of a ByteTransport: every byte received
// goes into a `VirtualPoleDisplay` (../display/pole-display.ts), which applies the Epson DM-D
// or CD5220 commands to its 2×20 buffer. The display never answers.
//
// Decisions: `powerCycle()` models switching the display off and on (a fresh buffer, power-on
// defaults); bytes arriving while the transport is closed never reach it (the transport drops
// them), as with a display on an unplugged cable.

import { VirtualPoleDisplay } from '../display/pole-display.ts';
import type { DisplayCharset, DisplayCommandSet, DisplayScreen } from '../display/pole-display.ts';
import type { ByteTransport } from '../transports/byte-transport.ts';

export interface VirtualDisplayOptions {
  readonly commandSet: DisplayCommandSet;
  /** The display's font; default 'cp437-yen'. */
  readonly charset?: DisplayCharset;
}

export class VirtualDisplayDevice {
  readonly commandSet: DisplayCommandSet;
  readonly charset: DisplayCharset;
  #display: VirtualPoleDisplay;
  readonly #unsubscribe: () => void;

  /** `transport` is the display's (device) side. */
  constructor(transport: ByteTransport, options: VirtualDisplayOptions) {
    this.commandSet = options.commandSet;
    this.charset = options.charset ?? 'cp437-yen';
    this.#display = new VirtualPoleDisplay(this.commandSet, this.charset);
    this.#unsubscribe = transport.onData((bytes) => this.#display.write(bytes));
  }

  /** What the two lines show now. */
  screen(): DisplayScreen {
    return this.#display.screen();
  }

  /** The display model, for its mode, cursor, brightness and counters. */
  get display(): VirtualPoleDisplay {
    return this.#display;
  }

  /** Off and on again: blank, power-on defaults. */
  powerCycle(): void {
    this.#display = new VirtualPoleDisplay(this.commandSet, this.charset);
  }

  /** Stops listening to the transport. */
  detach(): void {
    this.#unsubscribe();
  }
}
