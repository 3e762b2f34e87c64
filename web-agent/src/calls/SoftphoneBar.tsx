import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LiveCall } from './callState';
import { useCalls } from './CallsProvider';
import { calls } from './commands';
import { DialOut } from './DialOut';
import { DtmfPad } from './DtmfPad';
import { TransferPanel } from './TransferPanel';
import { mmss, useNow } from './useNow';
import { WrapUp } from './WrapUp';

type Panel = 'none' | 'transfer' | 'consult' | 'dtmf';

/**
 * The softphone bar: state, timer and call controls of the current call. Every
 * control is a server call-control route; the state changes when the server's call
 * event comes back (not optimistically), so the bar never shows what did not happen.
 */
export function SoftphoneBar() {
  const { t } = useTranslation();
  const { current, dispatch } = useCalls();
  const [panel, setPanel] = useState<Panel>('none');
  const [error, setError] = useState<string | null>(null);
  const live = current !== null && current.phase !== 'ended';
  const now = useNow(live);
  const onError = (err: unknown) => setError(t('softphone.failed', { message: err instanceof Error ? err.message : String(err) }));
  const act = (fn: () => Promise<unknown>) => () => {
    setError(null);
    void fn().catch(onError);
  };

  return (
    <section className={`softphone phase-${current?.phase ?? 'idle'}`} data-testid="softphone-bar">
      <div className="status">
        <span className="phase" data-testid="call-phase">
          {current ? t(`softphone.${current.phase === 'dialing' ? 'dialing' : current.phase}`) : t('softphone.idle')}
        </span>
        {current && (
          <>
            <span className="caller" data-testid="call-caller">
              {current.caller ?? '…'}
            </span>
            <span className="dir">{t(`softphone.${current.direction}`)}</span>
            {live && (
              <span className="timer" data-testid="call-timer">
                {mmss(now - (current.answeredAt ?? current.ringingAt))}
              </span>
            )}
            {current.phase === 'held' && current.heldAt && <span className="timer held">{mmss(now - current.heldAt)}</span>}
          </>
        )}
        <WrapUp />
      </div>
      <div className="controls">{current && live ? <Controls call={current} act={act} panel={panel} setPanel={setPanel} /> : <DialOut onError={onError} />}</div>
      {current?.phase === 'ended' && (
        <button type="button" onClick={() => dispatch({ kind: 'dismiss', callId: current.callId })}>
          ✕
        </button>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {current && live && (panel === 'transfer' || panel === 'consult') && <TransferPanel callId={current.callId} mode={panel} onDone={() => setPanel('none')} onError={onError} />}
      {current && live && panel === 'dtmf' && <DtmfPad callId={current.callId} onError={onError} />}
    </section>
  );
}

function Controls({ call, act, panel, setPanel }: { call: LiveCall; act: (fn: () => Promise<unknown>) => () => void; panel: Panel; setPanel: (p: Panel) => void }) {
  const { t } = useTranslation();
  const id = call.callId;
  const toggle = (p: Panel) => () => setPanel(panel === p ? 'none' : p);
  if (call.phase === 'ringing' || call.phase === 'dialing') {
    return (
      <>
        {/* Answering is the phone's: sip.js will answer here; a registered desk phone or auto-answer answers now. */}
        <button type="button" className="primary" disabled title={t('softphone.needsSoftphone')}>
          {t('softphone.accept')}
        </button>
        {call.offerId && (
          <button type="button" data-testid="reject" onClick={act(() => calls.rejectOffer(call.offerId!))}>
            {t('softphone.reject')}
          </button>
        )}
      </>
    );
  }
  const consulting = call.phase === 'consulting';
  return (
    <>
      {call.phase === 'held' ? (
        <button type="button" data-testid="resume" onClick={act(() => calls.resume(id))}>
          {t('softphone.resume')}
        </button>
      ) : (
        <button type="button" data-testid="hold" disabled={consulting || call.phase === 'conference'} onClick={act(() => calls.hold(id))}>
          {t('softphone.hold')}
        </button>
      )}
      <button type="button" disabled title={t('softphone.needsSoftphone')} data-testid="mute">
        {t('softphone.mute')}
      </button>
      <button type="button" data-testid="dtmf-toggle" aria-pressed={panel === 'dtmf'} onClick={toggle('dtmf')}>
        {t('softphone.dtmf')}
      </button>
      {consulting ? (
        <>
          <button type="button" data-testid="consult-complete" disabled={call.consult?.state !== 'answered'} onClick={act(() => calls.consultComplete(id))}>
            {t('softphone.consultComplete')}
          </button>
          <button type="button" data-testid="consult-merge" disabled={call.consult?.state !== 'answered'} onClick={act(() => calls.merge(id))}>
            {t('softphone.merge')}
          </button>
          <button type="button" data-testid="consult-cancel" onClick={act(() => calls.consultCancel(id))}>
            {t('softphone.consultCancel')}
          </button>
        </>
      ) : (
        <>
          <button type="button" data-testid="transfer-toggle" aria-pressed={panel === 'transfer'} disabled={call.phase === 'conference'} onClick={toggle('transfer')}>
            {t('softphone.transfer')}
          </button>
          <button type="button" data-testid="consult-toggle" aria-pressed={panel === 'consult'} disabled={call.phase === 'conference'} onClick={toggle('consult')}>
            {t('softphone.consult')}
          </button>
        </>
      )}
      <button type="button" data-testid="survey" onClick={act(() => calls.survey(id))}>
        {t('softphone.survey')}
      </button>
      <button type="button" className="danger" data-testid="hangup" onClick={act(() => calls.hangup(id))}>
        {t('softphone.hangup')}
      </button>
    </>
  );
}
