import { createContext, useCallback, useContext, useReducer, type Dispatch, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentEvents, CallEvent } from '@contract';
import { useAgentEvent, useAgentEvents } from '../realtime/context';
import { callsReducer, currentCall, initialCalls, type CallAction, type CallsState, type LiveCall } from './callState';
import { notify, ring } from './offerAlert';

interface CallsCtx {
  state: CallsState;
  current: LiveCall | null;
  dispatch: Dispatch<CallAction>;
}
const Ctx = createContext<CallsCtx | null>(null);

const CALL_EVENTS = ['call.ringing', 'call.answered', 'call.held', 'call.resumed', 'call.consult', 'call.conference', 'call.agent_left', 'call.ended', 'call.transferred'] as const;

/** Folds this agent's routing and call events into the bar's state. */
export function CallsProvider({ agentId, children }: { agentId: string; children: ReactNode }) {
  const { t } = useTranslation();
  const [state, dispatch] = useReducer(callsReducer, initialCalls);

  const onOffered = useCallback(
    (e: AgentEvents['contact.offered']) => {
      if (e.agentId !== agentId) return;
      dispatch({ kind: 'offered', e });
      ring();
      notify(t(e.channel === 'voice' ? 'notify.offer' : 'notify.chatOffer'), '', e.offerId);
    },
    [agentId, t],
  );
  const onGone = useCallback((e: { contactId: string; agentId: string }) => e.agentId === agentId && dispatch({ kind: 'offer_gone', contactId: e.contactId }), [agentId]);
  const onCompleted = useCallback((e: AgentEvents['contact.completed']) => e.agentId === agentId && dispatch({ kind: 'completed', contactId: e.contactId, at: e.at }), [agentId]);
  const onCall = useCallback((e: CallEvent) => {
    dispatch({ kind: 'call', e });
    if (e.type === 'call.ringing' && typeof e.data.caller === 'string') notify(t('notify.offer'), t('notify.offerBody', { caller: e.data.caller }), e.callId);
  }, [t]);

  useAgentEvent('contact.offered', onOffered);
  useAgentEvent('offer.timed_out', onGone);
  useAgentEvent('offer.rejected', onGone);
  useAgentEvent('offer.cancelled', onGone);
  useAgentEvent('contact.completed', onCompleted);
  useAgentEvents(CALL_EVENTS, onCall);
  return <Ctx.Provider value={{ state, current: currentCall(state), dispatch }}>{children}</Ctx.Provider>;
}

export function useCalls(): CallsCtx {
  const c = useContext(Ctx);
  if (!c) throw new Error('useCalls outside CallsProvider');
  return c;
}
