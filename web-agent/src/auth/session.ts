import { useCallback, useEffect, useState } from 'react';
import { ApiError, get, post } from '../api/http';
import type { Me } from '../api/types';

export type Session = { status: 'loading' } | { status: 'anonymous' } | { status: 'signed_in'; me: Me };

/** Who is signed in (the httpOnly cookie is invisible to scripts: ask the server). */
export function useSession() {
  const [session, setSession] = useState<Session>({ status: 'loading' });
  const refresh = useCallback(async () => {
    try {
      setSession({ status: 'signed_in', me: await get<Me>('/api/auth/me') });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setSession({ status: 'anonymous' });
      else throw err;
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const login = useCallback(
    async (username: string, password: string) => {
      await post('/api/auth/login', { username, password });
      await refresh();
    },
    [refresh],
  );
  const logout = useCallback(async () => {
    await post('/api/auth/logout');
    setSession({ status: 'anonymous' });
  }, []);
  return { session, login, logout };
}
