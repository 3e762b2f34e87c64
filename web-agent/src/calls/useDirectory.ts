import { useCallback, useEffect, useState } from 'react';
import { get } from '../api/http';
import type { CallDirectory } from '../api/types';

/** Colleagues, groups and service numbers with availability, re-read every few seconds while a picker is open. */
export function useDirectory(live: boolean, everyMs = 3000): CallDirectory | null {
  const [dir, setDir] = useState<CallDirectory | null>(null);
  const load = useCallback(() => get<CallDirectory>('/api/calls/directory').then(setDir, () => undefined), []);
  useEffect(() => {
    void load();
    if (!live) return;
    const h = setInterval(() => void load(), everyMs);
    return () => clearInterval(h);
  }, [live, everyMs, load]);
  return dir;
}
