import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api/http';
import type { CallDetail, CallRecord, Page } from '../api/types';
import type { LiveCall } from './callState';
import { useDirectory } from './useDirectory';

/**
 * Who is calling: numbers and queue from the offer's events at once; the IVR trail
 * (choices and lookup variables) from the call record once this agent is on it; the
 * earlier calls with this number from the call search.
 */
export function ScreenPop({ call }: { call: LiveCall }) {
  const { t, i18n } = useTranslation();
  const dir = useDirectory(false);
  const [detail, setDetail] = useState<CallDetail | null>(null);
  const [history, setHistory] = useState<CallRecord[] | null>(null);
  const onCall = call.phase !== 'ringing';

  useEffect(() => {
    if (!call.caller) return;
    void get<Page<CallRecord>>(`/api/calls?number=${encodeURIComponent(call.caller)}&limit=6`).then(
      (p) => setHistory(p.items.filter((c) => c.id !== call.callId).slice(0, 5)),
      () => setHistory([]),
    );
  }, [call.caller, call.callId]);
  useEffect(() => {
    // The record is readable by the agents on the call: after the answer.
    if (!onCall) return;
    void get<CallDetail>(`/api/calls/${encodeURIComponent(call.callId)}`).then(setDetail, () => undefined);
  }, [onCall, call.callId]);

  const queue = dir?.groups.find((g) => g.id === call.skillGroupId)?.name ?? null;
  const choices = (detail?.ivrTrail ?? []).filter((s) => s.exit || (s.data && Object.keys(s.data).length > 0));
  const time = (iso: string) => new Date(iso).toLocaleString(i18n.language);
  return (
    <section className="pop" data-testid="screen-pop" aria-label={t('pop.title')}>
      <dl>
        <dt>{t('pop.caller')}</dt>
        <dd data-testid="pop-caller">{call.caller ?? '—'}</dd>
        <dt>{t('pop.service')}</dt>
        <dd data-testid="pop-service">{call.serviceNumber ?? '—'}</dd>
        <dt>{t('pop.queue')}</dt>
        <dd>{queue ?? '—'}</dd>
      </dl>
      {choices.length > 0 && (
        <>
          <h3>{t('pop.ivr')}</h3>
          <ol className="ivr" data-testid="pop-ivr">
            {choices.map((s) => (
              <li key={s.seq}>
                <code>{s.nodeId}</code> {s.exit && <>→ {s.exit}</>}
                {s.data && Object.keys(s.data).length > 0 && <span className="vars">{Object.entries(s.data).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}</span>}
              </li>
            ))}
          </ol>
        </>
      )}
      <h3>{t('pop.history')}</h3>
      {history && history.length === 0 && <p className="muted">{t('pop.noHistory')}</p>}
      {history && history.length > 0 && (
        <ul className="history" data-testid="pop-history">
          {history.map((c) => (
            <li key={c.id}>
              {time(c.startedAt)} · {c.disposition ?? '—'} {c.agentName ? `· ${c.agentName}` : ''}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
