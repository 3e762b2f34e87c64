/**
 * Live call events: one typed emitter per process (control events for the call domain),
 * fanned out to the realtime hub (topics `agent:<id>` of every agent concerned, and
 * `supervisor`) and to the signed webhook queue. Emitting never throws.
 */
import type { Logger } from '../logging/logger';
import { TypedEmitter } from '../platform/typed-emitter';

export type CallEventType =
  | 'call.queued'
  | 'call.ringing'
  | 'call.answered'
  | 'call.held'
  | 'call.resumed'
  | 'call.transferred'
  | 'call.consult'
  | 'call.conference'
  | 'call.agent_left'
  | 'call.wrap_up'
  | 'call.ended'
  | 'call.survey_answered'
  | 'call.recording_ready';

export interface CallEvent {
  type: CallEventType;
  callId: string;
  /** ms since the epoch */
  at: number;
  /** The agents this event concerns (their `agent:<id>` topics receive it). */
  agentIds: string[];
  data: Record<string, unknown>;
}

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
      this.sinks.publish(['supervisor', ...ids.map((a) => `agent:${a}`)], event);
      this.sinks.webhook?.(event);
    } catch (err) {
      this.emitterLogger.warn({ err, type, callId }, 'publishing a call event failed');
    }
    return event;
  }
}
