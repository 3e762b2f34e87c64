import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import { Call, ChannelCallState } from './call';
import type { TelephonyEvent } from './events';
import { TypedEmitter } from '../platform/typed-emitter';

export interface CallRegistryOptions {
  logger: Logger;
  /**
   * Create a Call when an event names a `hotline_call_id` this registry has not seen
   * (a leg originated by another server process, or on another node). Default true.
   */
  autoCreate?: boolean;
}

export type CallRegistryEvents = {
  /** A call was created (by create() or from an event). */
  call: [call: Call];
  /** A typed event, with the call it belongs to (if any), after the call's state was updated. */
  event: [event: TelephonyEvent, call: Call | undefined];
  ended: [call: Call];
};

/**
 * Maps FreeSWITCH channels to Hotline calls. A channel belongs to a call when its events carry
 * the `hotline_call_id` variable, or when attach() bound its uuid (an outbound socket session
 * knows its call before the variable shows up in events). Ended calls are dropped.
 */
export class CallRegistry extends TypedEmitter<CallRegistryEvents> {
  readonly #calls = new Map<string, Call>();
  readonly #byUuid = new Map<string, string>();
  readonly #log: Logger;
  readonly #autoCreate: boolean;

  constructor(opts: CallRegistryOptions) {
    const log = opts.logger.child({ component: 'call-registry' });
    super(log);
    this.#log = log;
    this.#autoCreate = opts.autoCreate ?? true;
  }

  get size(): number {
    return this.#calls.size;
  }

  create(callId: string = randomUUID()): Call {
    const existing = this.#calls.get(callId);
    if (existing) return existing;
    const call = new Call(callId, this.#log);
    this.#calls.set(callId, call);
    this.safeEmit('call', call);
    return call;
  }

  get(callId: string): Call | undefined {
    return this.#calls.get(callId);
  }

  byUuid(uuid: string): Call | undefined {
    const id = this.#byUuid.get(uuid);
    return id === undefined ? undefined : this.#calls.get(id);
  }

  /** Binds a channel to a call (e.g. the caller's leg of an outbound socket session). */
  attach(callId: string, uuid: string, node: string): Call {
    const call = this.create(callId);
    call.addLeg({ uuid, node });
    this.#byUuid.set(uuid, callId);
    return call;
  }

  /** Applies one typed event: finds the call, moves its state where the event implies it. */
  handle(event: TelephonyEvent): Call | undefined {
    const call = this.#resolve(event);
    if (call) this.#apply(call, event);
    this.safeEmit('event', event, call);
    if (call && call.state === ChannelCallState.Ended) this.#forget(call);
    return call;
  }

  #resolve(event: TelephonyEvent): Call | undefined {
    if (event.type === 'background_job' || event.type.startsWith('registration.')) return undefined;
    const uuid = 'uuid' in event ? event.uuid : undefined;
    const callId = 'callId' in event && event.type !== 'registration.register' ? event.callId : undefined;
    let call = callId !== undefined ? this.#calls.get(callId) : undefined;
    if (!call && callId !== undefined && this.#autoCreate && event.type !== 'channel.hangup_complete') call = this.create(callId);
    if (!call && uuid !== undefined) call = this.byUuid(uuid);
    if (call && uuid !== undefined && event.type.startsWith('channel.') && event.type !== 'channel.hangup_complete' && !call.legs.has(uuid)) {
      call.addLeg({ uuid, node: event.node, ...('direction' in event && event.direction ? { direction: event.direction } : {}) });
      this.#byUuid.set(uuid, call.id);
    }
    return call;
  }

  #apply(call: Call, event: TelephonyEvent): void {
    const move = (to: ChannelCallState, reason: string): void => {
      if (call.state !== to && call.can(to)) call.transition(to, reason);
    };
    switch (event.type) {
      case 'channel.create':
        if (call.state === ChannelCallState.New) move(ChannelCallState.Ringing, 'channel created');
        break;
      case 'channel.answer':
        if (call.state === ChannelCallState.New || call.state === ChannelCallState.Ringing) move(ChannelCallState.Answered, 'answered');
        break;
      case 'channel.bridge':
        if (call.state === ChannelCallState.Answered || call.state === ChannelCallState.Ringing) {
          if (call.state === ChannelCallState.Ringing) move(ChannelCallState.Answered, 'answered by bridge');
          move(ChannelCallState.Bridged, 'bridged');
        }
        break;
      case 'channel.unbridge':
        if (call.state === ChannelCallState.Bridged || call.state === ChannelCallState.Held) move(ChannelCallState.Answered, 'unbridged');
        break;
      case 'channel.hold':
        // CHANNEL_HOLD arrives on both SIP ends (fixture c): the second one is a no-op.
        if (call.state === ChannelCallState.Answered || call.state === ChannelCallState.Bridged) move(ChannelCallState.Held, 'hold');
        break;
      case 'channel.unhold':
        if (call.state === ChannelCallState.Held) move(call.heldFrom === ChannelCallState.Bridged ? ChannelCallState.Bridged : ChannelCallState.Answered, 'unhold');
        break;
      case 'channel.hangup_complete':
        call.removeLeg(event.uuid);
        this.#byUuid.delete(event.uuid);
        if (call.legs.size === 0) move(ChannelCallState.Ended, event.cause);
        break;
      default:
        break;
    }
  }

  #forget(call: Call): void {
    this.#calls.delete(call.id);
    for (const [uuid, id] of this.#byUuid) if (id === call.id) this.#byUuid.delete(uuid);
    this.safeEmit('ended', call);
  }
}
