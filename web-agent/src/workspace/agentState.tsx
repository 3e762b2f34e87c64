/**
 * This agent's ACD state (presence, load, capacity, voice registration): loaded once
 * from GET /api/routing/me, then kept current by agent.presence / agent.updated
 * events, and re-read when the channel reconnects (events missed while away).
 */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { AgentEvents, PresenceState } from '@contract';
import { get, put } from '../api/http';
import type { RoutingMe } from '../api/types';
import { useAgentEvent, useChannel } from '../realtime/context';

interface AgentCtx {
  me: RoutingMe | null;
  setPresence: (state: PresenceState, reason?: string) => Promise<void>;
  setChatCapacity: (chat: number) => Promise<void>;
  reload: () => Promise<void>;
}
const Ctx = createContext<AgentCtx | null>(null);

export function AgentProvider({ agentId, children }: { agentId: string; children: ReactNode }) {
  const channel = useChannel();
  const [me, setMe] = useState<RoutingMe | null>(null);
  const reload = useCallback(async () => setMe(await get<RoutingMe>('/api/routing/me')), []);
  useEffect(() => {
    void reload();
    return channel.onState((s) => s === 'connected' && void reload());
  }, [channel, reload]);

  const onPresence = useCallback(
    (e: AgentEvents['agent.presence']) => {
      if (e.agentId !== agentId) return;
      setMe((m) => m && { ...m, state: e.presence.state, reason: e.presence.reason, since: new Date(e.presence.since).toISOString(), wrapUntil: e.presence.wrapUntil === null ? null : new Date(e.presence.wrapUntil).toISOString() });
    },
    [agentId],
  );
  const onUpdated = useCallback((e: AgentEvents['agent.updated']) => e.agentId === agentId && setMe((m) => m && { ...m, capacity: e.capacity, voiceRegistered: e.voiceRegistered }), [agentId]);
  // Load changes with every contact: re-read rather than re-implement the ACD's counting here.
  const onLoad = useCallback((e: { agentId: string }) => e.agentId === agentId && void reload(), [agentId, reload]);
  useAgentEvent('agent.presence', onPresence);
  useAgentEvent('agent.updated', onUpdated);
  useAgentEvent('offer.accepted', onLoad);
  useAgentEvent('contact.completed', onLoad);

  const setPresence = useCallback(async (state: PresenceState, reason?: string) => {
    setMe(await put<RoutingMe>('/api/routing/me/presence', state === 'not_ready' ? { state, reason } : { state }));
  }, []);
  const setChatCapacity = useCallback(async (chat: number) => setMe(await put<RoutingMe>('/api/routing/me/capacity', { chat })), []);
  return <Ctx.Provider value={{ me, setPresence, setChatCapacity, reload }}>{children}</Ctx.Provider>;
}

export function useAgent(): AgentCtx {
  const c = useContext(Ctx);
  if (!c) throw new Error('useAgent outside AgentProvider');
  return c;
}
