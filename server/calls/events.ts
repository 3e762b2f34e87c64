/**
 * Live call events: one typed emitter per process (control events for the call domain),
 * fanned out to the realtime hub (the agent channel's rooms `agent:<id>` of every
 * agent concerned, and `supervisor`) and to the signed webhook queue. Emitting never throws.
 */
import type { Logger } from '../logging/logger';
import { ROOMS, type CallEvent, type CallEventType } from '../realtime/contract';
import { TypedEmitter } from '../platform/typed-emitter';

/** The event shapes are the agent channel's (server/realtime/contract.ts): browsers and webhooks get the same. */
export type { CallEvent, CallEventType };

export interface CallEventSinks {
  publish(topics: string[], event: object): void;
  webhook?(event: CallEvent): void;
}

type Events = { event: [CallEvent] };

export class CallEventBus extends TypedEmitter<Events> {
  constructor(
    private readonly sinks: CallEventSinks,
    log: Logger,
  ) {
    super(log);
  }

  emit(type: CallEventType, callId: string, agentIds: (string | null | undefined)[], data: Record<string, unknown> = {}): CallEvent {
    const ids = [...new Set(agentIds.filter((a): a is string => Boolean(a)))];
    const event: CallEvent = { type, callId, at: Date.now(), agentIds: ids, data };
    this.safeEmit('event', event);
    try {
      this.sinks.publish([ROOMS.supervisor, ...ids.map(ROOMS.agent)], event);
      this.sinks.webhook?.(event);
    } catch (err) {
      this.emitterLogger.warn({ err, type, callId }, 'publishing a call event failed');
    }
    return event;
  }
}
