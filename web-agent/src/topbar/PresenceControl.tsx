import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api/http';
import type { NotReadyReason } from '../api/types';
import { askNotificationPermission, unlockAudio } from '../calls/offerAlert';
import { useAgent } from '../workspace/agentState';

/** Ready / not ready (with the admin's reasons) / offline, as one picker. Values: `ready`, `offline`, `not_ready:<code>`. */
export function PresenceControl() {
  const { t } = useTranslation();
  const { me, setPresence } = useAgent();
  const [reasons, setReasons] = useState<NotReadyReason[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void get<NotReadyReason[]>('/api/routing/not-ready-reasons').then((r) => setReasons(r.filter((x) => x.enabled)));
  }, []);
  if (!me) return null;
  const value = me.state === 'not_ready' ? `not_ready:${me.reason ?? ''}` : me.state;
  const change = async (v: string) => {
    unlockAudio();
    if (v === 'ready') askNotificationPermission();
    setError(null);
    try {
      if (v.startsWith('not_ready:')) await setPresence('not_ready', v.slice('not_ready:'.length));
      else await setPresence(v as 'ready' | 'offline');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const reasonName = (code: string | null) => reasons.find((r) => r.code === code)?.name ?? code ?? '';
  return (
    <span className={`presence presence-${me.state}`}>
      <select aria-label={t('presence.choose')} data-testid="presence" value={value} onChange={(e) => void change(e.target.value)}>
        <option value="ready">{t('presence.ready')}</option>
        {reasons.map((r) => (
          <option key={r.code} value={`not_ready:${r.code}`}>
            {t('presence.not_ready_reason', { reason: r.name })}
          </option>
        ))}
        {me.state === 'not_ready' && !reasons.some((r) => r.code === me.reason) && <option value={value}>{t('presence.not_ready_reason', { reason: reasonName(me.reason) })}</option>}
        {me.state === 'wrap_up' && <option value="wrap_up">{t('presence.wrap_up')}</option>}
        <option value="offline">{t('presence.offline')}</option>
      </select>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
