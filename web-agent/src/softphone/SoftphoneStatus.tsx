import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api/http';
import type { SipCredentials } from '../api/types';
import { useAgent } from '../workspace/agentState';

/**
 * Registration as the ACD sees it (FreeSWITCH's sofia::register → voiceRegistered).
 * The sip.js softphone will register from this page with /api/me/sip; until then the
 * status reflects whatever endpoint is registered (a desk phone, the simulator).
 */
export function SoftphoneStatus() {
  const { t } = useTranslation();
  const { me } = useAgent();
  const [sip, setSip] = useState<SipCredentials | null>(null);
  useEffect(() => {
    void get<SipCredentials>('/api/me/sip').then(setSip, () => setSip(null));
  }, []);
  const status = sip?.mode === 'external' ? 'external' : me?.voiceRegistered ? 'registered' : 'unregistered';
  return (
    <span className={`softphone-status softphone-${status}`} data-testid="softphone-status" title={t('softphone.status.pending')}>
      {t(`softphone.status.${status}`)}
    </span>
  );
}
