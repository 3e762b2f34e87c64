import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { AgentEventName, AgentEvents } from '@contract';
import { AgentChannel, type ChannelState } from './channel';

const Ctx = createContext<AgentChannel | null>(null);

/** One channel for the signed-in session; closed on sign-out (unmount). */
export function ChannelProvider({ children }: { children: ReactNode }) {
  const [channel] = useState(() => new AgentChannel());
  useEffect(() => {
    channel.socket.connect(); // again after a StrictMode remount in development
    return () => channel.close();
  }, [channel]);
  return <Ctx.Provider value={channel}>{children}</Ctx.Provider>;
}

export function useChannel(): AgentChannel {
  const c = useContext(Ctx);
  if (!c) throw new Error('useChannel outside ChannelProvider');
  return c;
}

export function useChannelState(): ChannelState {
  const c = useChannel();
  return useSyncExternalStore(
    (fn) => c.onState(fn),
    () => c.state,
  );
}

/** Subscribes to one event for the component's lifetime; the latest handler is used. */
export function useAgentEvent<N extends AgentEventName>(name: N, fn: (p: AgentEvents[N]) => void): void {
  const c = useChannel();
  useEffect(() => c.on(name, fn), [c, name, fn]);
}

/** One handler for several events of one payload type (e.g. every call.* event). */
export function useAgentEvents<N extends AgentEventName>(names: readonly N[], fn: (p: AgentEvents[N]) => void): void {
  const c = useChannel();
  useEffect(() => {
    const offs = names.map((n) => c.on(n, fn));
    return () => offs.forEach((off) => off());
  }, [c, names, fn]);
}
