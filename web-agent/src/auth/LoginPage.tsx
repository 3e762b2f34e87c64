import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/http';
import { LanguageSwitch } from '../topbar/LanguageSwitch';

export function LoginPage({ onLogin }: { onLogin: (username: string, password: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onLogin(username, password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(t('login.failed'));
      else if (err instanceof ApiError && err.status === 429) setError(t('login.locked'));
      else setError(t('login.error', { message: err instanceof Error ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <div className="login-head">
          <h1>{t('login.title')}</h1>
          <LanguageSwitch />
        </div>
        <label>
          {t('login.username')}
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <p className="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
