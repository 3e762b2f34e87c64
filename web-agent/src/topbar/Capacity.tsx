import { useTranslation } from 'react-i18next';
import { useAgent } from '../workspace/agentState';

/** Current load against capacity; the chat capacity is the agent's to lower or raise (up to the admin's limit, enforced by the server). */
export function Capacity() {
  const { t } = useTranslation();
  const { me, setChatCapacity } = useAgent();
  if (!me) return null;
  return (
    <span className="capacity" data-testid="capacity">
      <span>{t('top.voice', { load: me.load.voice, cap: me.capacity.voice })}</span>
      <span>{t('top.chats', { load: me.load.chat, cap: me.capacity.chat })}</span>
      <label>
        {t('top.capacity')}
        <input type="number" min={0} max={100} value={me.capacity.chat} onChange={(e) => void setChatCapacity(Number(e.target.value)).catch(() => undefined)} />
      </label>
    </span>
  );
}
