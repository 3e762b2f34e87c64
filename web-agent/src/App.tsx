import { useTranslation } from 'react-i18next';
import { LoginPage } from './auth/LoginPage';
import { useSession } from './auth/session';
import { Workspace } from './workspace/Workspace';

export function App() {
  const { t } = useTranslation();
  const { session, login, logout } = useSession();
  if (session.status === 'loading') return <p className="loading">{t('app.loading')}</p>;
  if (session.status === 'anonymous') return <LoginPage onLogin={login} />;
  return <Workspace me={session.me} onLogout={() => void logout()} />;
}
