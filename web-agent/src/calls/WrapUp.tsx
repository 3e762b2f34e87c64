import { useTranslation } from 'react-i18next';
import { useAgent } from '../workspace/agentState';
import { useNow } from './useNow';

/** The wrap-up countdown the ACD set (presence wrap_up until wrapUntil); the agent may end it early. */
export function WrapUp() {
  const { t } = useTranslation();
  const { me, setPresence } = useAgent();
  const until = me?.state === 'wrap_up' && me.wrapUntil ? Date.parse(me.wrapUntil) : null;
  const now = useNow(until !== null);
  if (until === null) return null;
  return (
    <span className="wrapup" data-testid="wrap-up">
      {t('softphone.wrapUp', { seconds: Math.max(0, Math.ceil((until - now) / 1000)) })}
      <button type="button" onClick={() => void setPresence('ready')}>
        {t('softphone.endWrapUp')}
      </button>
    </span>
  );
}
