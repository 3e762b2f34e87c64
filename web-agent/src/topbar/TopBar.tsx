import { useTranslation } from 'react-i18next';
import type { Me } from '../api/types';
import { useChannelState } from '../realtime/context';
import { SoftphoneStatus } from '../softphone/SoftphoneStatus';
import { Capacity } from './Capacity';
import { LanguageSwitch } from './LanguageSwitch';
import { PresenceControl } from './PresenceControl';

export function TopBar({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const { t } = useTranslation();
  const channel = useChannelState();
  return (
    <header className="topbar">
      <strong className="brand">Hotline</strong>
      <span className="who" data-testid="who">
        {me.displayName}
      </span>
      <PresenceControl />
      <Capacity />
      <SoftphoneStatus />
      <span className={`channel channel-${channel}`} data-testid="channel">
        {t(`top.channel.${channel}`)}
      </span>
      <span className="spacer" />
      <LanguageSwitch />
      <button type="button" onClick={onLogout}>
        {t('top.logout')}
      </button>
    </header>
  );
}
