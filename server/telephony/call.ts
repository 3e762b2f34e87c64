import type { Logger } from '../logging/logger';
import { InvalidStateError } from '../platform/errors';
import { TypedEmitter } from '../platform/typed-emitter';

/** What the switch says of a call (its channels), as opposed to the calls domain's CallState of the agent part. */
export enum ChannelCallState {
  New = 'new',
  Ringing = 'ringing',
  Answered = 'answered',
  Bridged = 'bridged',
  Held = 'held',
  Ended = 'ended',
}

const LEGAL: Record<ChannelCallState, readonly ChannelCallState[]> = {
  [ChannelCallState.New]: [ChannelCallState.Ringing, ChannelCallState.Answered, ChannelCallState.Ended],
  [ChannelCallState.Ringing]: [ChannelCallState.Answered, ChannelCallState.Ended],
  [ChannelCallState.Answered]: [ChannelCallState.Bridged, ChannelCallState.Held, ChannelCallState.Ended],
  [ChannelCallState.Bridged]: [ChannelCallState.Answered, ChannelCallState.Held, ChannelCallState.Ended],
  [ChannelCallState.Held]: [ChannelCallState.Bridged, ChannelCallState.Answered, ChannelCallState.Ended],
  [ChannelCallState.Ended]: [],
};

/** One FreeSWITCH channel that belongs to the call. */
export interface CallLeg {
  uuid: string;
  node: string;
  direction?: 'inbound' | 'outbound';
  channelName?: string;
}

export type CallEvents = {
  state: [to: ChannelCallState, from: ChannelCallState, reason: string];
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
  #state = ChannelCallState.New;
  #log: Logger;
  #answeredAt: Date | undefined;
  #endedAt: Date | undefined;
  #endCause: string | undefined;
  /** Where unhold returns to: hold can be applied to a bridged or a lone answered call. */
  #heldFrom: ChannelCallState.Answered | ChannelCallState.Bridged | undefined;

  constructor(id: string, logger: Logger) {
    const log = logger.child({ callId: id });
    super(log);
    this.id = id;
    this.#log = log;
  }

  get state(): ChannelCallState {
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
  get heldFrom(): ChannelCallState | undefined {
    return this.#heldFrom;
  }

  can(to: ChannelCallState): boolean {
    return LEGAL[this.#state].includes(to);
  }

  /** The single guarded state change: rejects illegal moves, records, logs, emits, cleans up. */
  transition(to: ChannelCallState, reason: string): void {
    const from = this.#state;
    if (!this.can(to)) throw new InvalidStateError(`call ${this.id}: cannot go from ${from} to ${to} (${reason})`);
    this.#state = to;
    if (to === ChannelCallState.Answered && !this.#answeredAt) this.#answeredAt = new Date();
    if (to === ChannelCallState.Held) this.#heldFrom = from === ChannelCallState.Bridged ? ChannelCallState.Bridged : ChannelCallState.Answered;
    if (from === ChannelCallState.Held) this.#heldFrom = undefined;
    if (to === ChannelCallState.Ended) {
      this.#endedAt = new Date();
      this.#endCause = reason;
    }
    this.#log.info({ from, to, reason }, 'call state');
    this.safeEmit('state', to, from, reason);
    if (to === ChannelCallState.Ended) {
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
