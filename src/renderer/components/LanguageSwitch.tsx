// Switches this surface's language (remembered per surface, see i18n.ts).
import { usePos } from '../app/pos-context.tsx';
import { LANGUAGE_NAMES, LANGUAGES } from '../i18n/i18n.ts';
import { TID } from '../testids.ts';

export function LanguageSwitch({ className = '' }: { readonly className?: string }) {
  const { language, setLanguage, t } = usePos();
  return (
    <div className={`lang-switch ${className}`} role="group" aria-label={t('app.language')} data-testid={TID.languageSwitch}>
      {LANGUAGES.map((l) => (
        <button
          key={l}
          type="button"
          className={l === language ? 'lang on' : 'lang'}
          aria-pressed={l === language}
          data-testid={TID.language(l)}
          tabIndex={-1}
          onClick={() => setLanguage(l)}
        >
          {LANGUAGE_NAMES[l]}
        </button>
      ))}
    </div>
  );
}
