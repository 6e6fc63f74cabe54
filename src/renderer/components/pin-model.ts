// What the PIN pad does with a key or typed text. Pure: the pad (PinPad.tsx) only draws it.
// A PIN is digits only, at most PIN_MAX long (api.ts: 4 to 8 digits); anything else typed or
// pasted is dropped, never refused, so a stray key cannot wipe what was typed.
export const PIN_MIN = 4;
export const PIN_MAX = 8;

export type PinKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | 'back' | 'clear';

/** The keypad's layout, row by row (phone order, like a card terminal). */
export const PIN_KEYS: readonly (readonly PinKey[])[] = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
  ['clear', '0', 'back'],
];

/** The PIN after a keypad key. */
export function pressPin(pin: string, key: PinKey): string {
  if (key === 'back') return pin.slice(0, -1);
  if (key === 'clear') return '';
  return pin.length >= PIN_MAX ? pin : pin + key;
}

/** What the PIN field keeps of typed or pasted text: its digits, up to PIN_MAX. */
export function pinFromInput(text: string): string {
  return text.replace(/\D+/g, '').slice(0, PIN_MAX);
}

/** Whether a PIN is long enough to send (the core checks it). */
export function pinComplete(pin: string): boolean {
  return pin.length >= PIN_MIN && pin.length <= PIN_MAX && /^\d+$/.test(pin);
}
