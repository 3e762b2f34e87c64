import type { Logger } from '../logging/logger';
import { InvalidStateError } from '../platform/errors';
import { TypedEmitter } from '../platform/typed-emitter';

export enum CallState {
  New = 'new',
  Ringing = 'ringing',
  Answered = 'answered',
  Bridged = 'bridged',
  Held = 'held',
  Ended = 'ended',
}

const LEGAL: Record<CallState, readonly CallState[]> = {
  [CallState.New]: [CallState.Ringing, CallState.Answered, CallState.Ended],
  [CallState.Ringing]: [CallState.Answered, CallState.Ended],
  [CallState.Answered]: [CallState.Bridged, CallState.Held, CallState.Ended],
  [CallState.Bridged]: [CallState.Answered, CallState.Held, CallState.Ended],
  [CallState.Held]: [CallState.Bridged, CallState.Answered, CallState.Ended],
  [CallState.Ended]: [],
};

/** One FreeSWITCH channel that belongs to the call. */
export interface CallLeg {
  uuid: string;
  node: string;
  direction?: 'inbound' | 'outbound';
  channelName?: string;
}

export type CallEvents = {
  state: [to: CallState, from: CallState, reason: string];
  ended: [cause: string];
};

/**
 * A Hotline call: one or more FreeSWITCH channels (legs, possibly on different nodes) that
 * carry the same `hotline_call_id` channel variable.
 *
 * ```
 *   new ──ring──▶ ringing ──answer──▶ answered ──bridge──▶ bridged
 *    │               │                 │   ▲  ▲              │  ▲
 *    │               │                 │   │  └──unbridge────┘  │ unhold (was bridged)
 *    │               │            hold │   │ unhold /           │
 *    │               │                 ▼   │ unbridge      hold ▼  │
 *    │               │                 held ◀──────────────────────┘
 *    │               │                  │
 *    └───────────────┴──────────────────┴───(any state but ended)──end──▶ ended
 * ```
 *
 * `transition()` is the only way the state changes; an illegal move throws InvalidStateError.
 */
export class Call extends TypedEmitter<CallEvents> {
  readonly id: string;
  readonly createdAt = new Date();
  readonly legs = new Map<string, CallLeg>();
  #state = CallState.New;
  #log: Logger;
  #answeredAt: Date | undefined;
  #endedAt: Date | undefined;
  #endCause: string | undefined;
  /** Where unhold returns to: hold can be applied to a bridged or a lone answered call. */
  #heldFrom: CallState.Answered | CallState.Bridged | undefined;

  constructor(id: string, logger: Logger) {
    const log = logger.child({ callId: id });
    super(log);
    this.id = id;
    this.#log = log;
  }

  get state(): CallState {
    return this.#state;
  }
  get answeredAt(): Date | undefined {
    return this.#answeredAt;
  }
  get endedAt(): Date | undefined {
    return this.#endedAt;
  }
  get endCause(): string | undefined {
    return this.#endCause;
  }
  get heldFrom(): CallState | undefined {
    return this.#heldFrom;
  }

  can(to: CallState): boolean {
    return LEGAL[this.#state].includes(to);
  }

  /** The single guarded state change: rejects illegal moves, records, logs, emits, cleans up. */
  transition(to: CallState, reason: string): void {
    const from = this.#state;
    if (!this.can(to)) throw new InvalidStateError(`call ${this.id}: cannot go from ${from} to ${to} (${reason})`);
    this.#state = to;
    if (to === CallState.Answered && !this.#answeredAt) this.#answeredAt = new Date();
    if (to === CallState.Held) this.#heldFrom = from === CallState.Bridged ? CallState.Bridged : CallState.Answered;
    if (from === CallState.Held) this.#heldFrom = undefined;
    if (to === CallState.Ended) {
      this.#endedAt = new Date();
      this.#endCause = reason;
    }
    this.#log.info({ from, to, reason }, 'call state');
    this.safeEmit('state', to, from, reason);
    if (to === CallState.Ended) {
      this.safeEmit('ended', reason);
      // An ended call emits nothing more: drop listeners so nothing keeps it alive.
      this.removeAllListeners();
    }
  }

  addLeg(leg: CallLeg): void {
    if (!this.legs.has(leg.uuid)) this.#log.debug({ uuid: leg.uuid, node: leg.node }, 'leg joined call');
    this.legs.set(leg.uuid, leg);
  }

  removeLeg(uuid: string): boolean {
    return this.legs.delete(uuid);
  }
}
