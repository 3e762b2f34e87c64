import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { calls, type TransferTarget } from './commands';
import { useDirectory } from './useDirectory';

type Kind = TransferTarget['kind'];

/** Blind transfer (agent, group, external, IVR node) or consult (agent, external), with live availability. */
export function TransferPanel({ callId, mode, onDone, onError }: { callId: string; mode: 'transfer' | 'consult'; onDone: () => void; onError: (e: unknown) => void }) {
  const { t } = useTranslation();
  const dir = useDirectory(true);
  const kinds: Kind[] = mode === 'transfer' ? ['agent', 'group', 'external', 'ivr'] : ['agent', 'external'];
  const [kind, setKind] = useState<Kind>('agent');
  const [value, setValue] = useState('');

  const target = (): TransferTarget | null => {
    if (!value.trim()) return null;
    switch (kind) {
      case 'agent':
        return { kind, agentId: value };
      case 'group':
        return { kind, groupId: value };
      case 'external':
        return { kind, number: value.trim() };
      case 'ivr':
        return { kind, node: value.trim() };
    }
  };
  const go = async () => {
    const tg = target();
    if (!tg) return;
    try {
      if (mode === 'transfer') await calls.transfer(callId, tg);
      else if (tg.kind === 'agent' || tg.kind === 'external') await calls.consult(callId, tg);
      onDone();
    } catch (err) {
      onError(err);
    }
  };

  return (
    <div className="panel transfer" data-testid={`${mode}-panel`}>
      <div className="tabs" role="tablist">
        {kinds.map((k) => (
          <button key={k} type="button" role="tab" aria-selected={k === kind} className={k === kind ? 'on' : ''} onClick={() => (setKind(k), setValue(''))}>
            {t(`transfer.${k}`)}
          </button>
        ))}
      </div>
      {kind === 'agent' && (
        <select value={value} onChange={(e) => setValue(e.target.value)} data-testid="pick-agent">
          <option value="">—</option>
          {dir?.agents.map((a) => (
            <option key={a.id} value={a.id} disabled={!a.available}>
              {a.displayName} · {a.available ? t('transfer.available') : t(`presence.${a.state}`)}
            </option>
          ))}
        </select>
      )}
      {kind === 'group' && (
        <select value={value} onChange={(e) => setValue(e.target.value)} data-testid="pick-group">
          <option value="">—</option>
          {dir?.groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name} · {t('transfer.availableN', { n: g.available, m: g.members })}
            </option>
          ))}
        </select>
      )}
      {(kind === 'external' || kind === 'ivr') && (
        <input value={value} onChange={(e) => setValue(e.target.value)} placeholder={kind === 'external' ? t('softphone.number') : t('transfer.nodeId')} inputMode={kind === 'external' ? 'tel' : 'text'} />
      )}
      <div className="row">
        <button type="button" className="primary" disabled={!target()} onClick={() => void go()}>
          {mode === 'transfer' ? t('transfer.go') : t('transfer.consultGo')}
        </button>
        <button type="button" onClick={onDone}>
          {t('transfer.cancel')}
        </button>
      </div>
    </div>
  );
}
