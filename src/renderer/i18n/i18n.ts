// Looks up and fills the surfaces' strings, and remembers each surface's language.
//
// Decisions a caller must know:
// - Each surface keeps its own language (the customer may read English while the cashier reads
//   Chinese), in localStorage under `kassa.language.<surface>`; without one, the terminal's
//   configured language applies.
// - A {placeholder} with no value stays visible as {placeholder}: a missing value is a bug to
//   see, not a blank to miss.
// - Storage that throws (a sandboxed page, privacy mode) is treated as empty.
// Hand-written: two dictionaries and a replace; an i18n library would bring ICU plurals and
// loaders the terminal does not need.
import type { Language, Surface } from '../../shared/api.ts';
import { en, zhCN, type MessageKey } from './messages.ts';

export const LANGUAGES: readonly Language[] = ['zh-CN', 'en'];

export const dictionaries: Readonly<Record<Language, Readonly<Record<MessageKey, string>>>> = { en, 'zh-CN': zhCN };

/** Language names, each in its own language (what a switch shows). */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { 'zh-CN': '中文', en: 'English' };

export type Params = Readonly<Record<string, string | number>>;

export function translate(language: Language, key: MessageKey, params?: Params): string {
  const text = dictionaries[language][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** The {names} a message uses, for the completeness test. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

export type Translate = (key: MessageKey, params?: Params) => string;

export function translator(language: Language): Translate {
  return (key, params) => translate(language, key, params);
}

export function storageKey(surface: Surface): string {
  return `kassa.language.${surface}`;
}

export interface LanguageStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function isLanguage(value: string | null): value is Language {
  return value !== null && (LANGUAGES as readonly string[]).includes(value);
}

/** The language chosen on this surface before, or null (none, unknown, or unreadable storage). */
export function savedLanguage(store: LanguageStore | null, surface: Surface): Language | null {
  try {
    const saved = store?.getItem(storageKey(surface)) ?? null;
    return isLanguage(saved) ? saved : null;
  } catch {
    return null;
  }
}

/** The surface's chosen language, or `fallback` (the terminal's) when none was chosen. */
export function loadLanguage(store: LanguageStore | null, surface: Surface, fallback: Language): Language {
  return savedLanguage(store, surface) ?? fallback;
}

/** Remembers the choice; false when the storage refused it (the choice still applies until reload). */
export function saveLanguage(store: LanguageStore | null, surface: Surface, language: Language): boolean {
  try {
    if (!store) return false;
    store.setItem(storageKey(surface), language);
    return true;
  } catch {
    return false;
  }
}

/** The page's own storage, or null where reading it throws. */
export function pageStorage(): LanguageStore | null {
  try {
    return (globalThis as { localStorage?: LanguageStore }).localStorage ?? null;
  } catch {
    return null;
  }
}
