// Training mode must be impossible to miss: sales are flagged and wallets are the sandbox.
import { usePos } from '../app/pos-context.tsx';
import { TID } from '../testids.ts';

export function TrainingBadge() {
  const { info, t } = usePos();
  if (!info.training) return null;
  return (
    <span className="training-badge" title={t('app.trainingHint')} data-testid={TID.trainingBadge}>
      {t('app.training')}
    </span>
  );
}
