import { useTranslation } from 'react-i18next';
import { calls } from './commands';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/**
 * Digits go to the server's DTMF route for now (the call's far end hears them through
 * FreeSWITCH); with sip.js the softphone will send them in-band on its own session.
 */
export function DtmfPad({ callId, onError }: { callId: string; onError: (e: unknown) => void }) {
  const { t } = useTranslation();
  return (
    <div className="panel dtmf" aria-label={t('softphone.dtmf')} data-testid="dtmf">
      {KEYS.map((k) => (
        <button key={k} type="button" onClick={() => void calls.dtmf(callId, k).catch(onError)}>
          {k}
        </button>
      ))}
    </div>
  );
}
