import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { calls } from './commands';
import { useCalls } from './CallsProvider';
import { useDirectory } from './useDirectory';

/** Click-to-call: the agent's phone rings first, then the customer sees the chosen service number. */
export function DialOut({ onError }: { onError: (e: unknown) => void }) {
  const { t } = useTranslation();
  const { dispatch } = useCalls();
  const dir = useDirectory(false);
  const [number, setNumber] = useState('');
  const [service, setService] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const { callId } = await calls.clickToCall(number.trim(), service || undefined);
      dispatch({ kind: 'dialing', callId, number: number.trim(), serviceNumber: service || null, at: Date.now() });
      setNumber('');
    } catch (err) {
      onError(err);
    }
  };
  return (
    <form className="dialout" onSubmit={(e) => void submit(e)} data-testid="dialout">
      <input value={number} onChange={(e) => setNumber(e.target.value)} placeholder={t('softphone.dialOut')} inputMode="tel" pattern="\+?[0-9]{3,20}" aria-label={t('softphone.number')} />
      <select value={service} onChange={(e) => setService(e.target.value)} aria-label={t('softphone.serviceNumber')}>
        <option value="">{t('softphone.defaultServiceNumber')}</option>
        {dir?.serviceNumbers.map((s) => (
          <option key={s.number} value={s.number}>
            {s.number}
            {s.description ? ` · ${s.description}` : ''}
          </option>
        ))}
      </select>
      <button type="submit" disabled={!number.trim()}>
        {t('softphone.dial')}
      </button>
    </form>
  );
}
