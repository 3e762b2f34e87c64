import type { EventBus, Origin } from './event-bus';
import type { EslEvent, Header, HeaderValue } from '../wire/event';

/**
 * The FreeSWITCH channel model: states, call states, answer state, caller profile and
 * variables, and the exact header set switch_channel_event_set_data writes.
 *
 *   CS_NEW ─▶ CS_INIT ─▶ CS_ROUTING ─▶ CS_EXECUTE ◀─▶ (CS_HIBERNATE/CS_RESET/CS_SOFT_EXECUTE/
 *   (outbound legs start CS_NONE ─▶ CS_INIT ─▶ CS_ROUTING ─▶ CS_CONSUME_MEDIA)   CS_EXCHANGE_MEDIA)
 *   any ─▶ CS_HANGUP ─▶ CS_REPORTING ─▶ CS_DESTROY
 */
export type ChannelState =
  | 'CS_NEW' | 'CS_INIT' | 'CS_ROUTING' | 'CS_SOFT_EXECUTE' | 'CS_EXECUTE' | 'CS_EXCHANGE_MEDIA'
  | 'CS_PARK' | 'CS_CONSUME_MEDIA' | 'CS_HIBERNATE' | 'CS_RESET' | 'CS_HANGUP' | 'CS_REPORTING'
  | 'CS_DESTROY' | 'CS_NONE';

export type CallState = 'DOWN' | 'DIALING' | 'RINGING' | 'EARLY' | 'ACTIVE' | 'HELD' | 'UNHELD' | 'HANGUP';
export type AnswerState = 'ringing' | 'early' | 'answered' | 'hangup';

const STATE_NUMBER: Record<ChannelState, number> = {
  CS_NEW: 0, CS_INIT: 1, CS_ROUTING: 2, CS_SOFT_EXECUTE: 3, CS_EXECUTE: 4, CS_EXCHANGE_MEDIA: 5,
  CS_PARK: 6, CS_CONSUME_MEDIA: 7, CS_HIBERNATE: 8, CS_RESET: 9, CS_HANGUP: 10, CS_REPORTING: 11,
  CS_DESTROY: 12, CS_NONE: 13,
};

export interface CallerProfile {
  username?: string;
  dialplan: string;
  callerIdName: string;
  callerIdNumber: string;
  origCallerIdName: string;
  origCallerIdNumber: string;
  calleeIdName?: string;
  calleeIdNumber?: string;
  networkAddr: string;
  ani: string;
  destinationNumber: string;
  source: string;
  transferSource?: string;
  context: string;
  channelName: string;
  profileIndex: number;
  profileCreated: number;
}

export interface ChannelTimes {
  created: number;
  answered: number;
  progress: number;
  progressMedia: number;
  hangup: number;
  transfer: number;
  resurrect: number;
  bridged: number;
  lastHold: number;
  holdAccum: number;
}

export interface Codec {
  name: string;
  rate: number;
  bitRate: number;
}

/** The other party as it appears in Other-Type / Other-Leg-* headers. */
export interface OtherLeg {
  type: 'originator' | 'originatee';
  channel: Channel;
}

export interface ChannelInit {
  uuid: string;
  name: string;
  direction: 'inbound' | 'outbound';
  profile: Omit<CallerProfile, 'profileIndex' | 'profileCreated' | 'channelName'>;
  presenceId?: string;
  createdMicros: number;
  sessionId: number;
}

export class Channel {
  readonly uuid: string;
  name: string;
  readonly direction: 'inbound' | 'outbound';
  state: ChannelState;
  /** Channel-State-Number reports the state already scheduled (e.g. 2 on CHANNEL_CREATE). */
  stateNumberOverride: number | undefined;
  callState: CallState = 'DOWN';
  answerState: AnswerState = 'ringing';
  hitDialplan = true;
  presenceId: string | undefined;
  profile: CallerProfile;
  /** Caller-* headers are absent until the caller profile is attached (CS_NEW event). */
  profileAttached = true;
  times: ChannelTimes;
  readonly vars = new Map<string, HeaderValue>();
  hangupCause: string | undefined;
  readCodec: Codec | undefined;
  writeCodec: Codec | undefined;
  otherLeg: OtherLeg | undefined;
  /** Currently bridged partner (uuid_bridge / bridge app). */
  bridgedTo: Channel | undefined;
  /** For calls FreeSWITCH places to itself over SIP: the leg on the other profile. */
  sipPeer: Channel | undefined;
  held = false;
  /** Caller-Logical-Direction: flips to inbound on an originated leg once it is answered. */
  logicalDirection: 'inbound' | 'outbound';

  constructor(private readonly bus: EventBus, init: ChannelInit) {
    this.uuid = init.uuid;
    this.name = init.name;
    this.direction = init.direction;
    this.state = init.direction === 'outbound' ? 'CS_NONE' : 'CS_NEW';
    this.presenceId = init.presenceId;
    this.logicalDirection = init.direction;
    this.profile = { ...init.profile, channelName: init.name, profileIndex: 1, profileCreated: init.createdMicros };
    this.times = {
      created: init.createdMicros, answered: 0, progress: 0, progressMedia: 0, hangup: 0,
      transfer: 0, resurrect: 0, bridged: 0, lastHold: 0, holdAccum: 0,
    };
    this.vars.set('direction', init.direction);
    if (init.direction === 'outbound') this.vars.set('is_outbound', 'true');
    this.vars.set('uuid', init.uuid);
    this.vars.set('session_id', String(init.sessionId));
  }

  get up(): boolean {
    return this.answerState !== 'hangup';
  }

  get answered(): boolean {
    return this.times.answered > 0;
  }

  getVar(name: string): string | undefined {
    const v = this.vars.get(name);
    return Array.isArray(v) ? v[v.length - 1] : v;
  }

  setVar(name: string, value: string | undefined): void {
    if (value === undefined || value === '') this.vars.delete(name);
    else this.vars.set(name, value);
  }

  /** Appends to a multi-valued variable (transfer_history); JSON shows it as an array. */
  pushVar(name: string, value: string): void {
    const cur = this.vars.get(name);
    if (cur === undefined) this.vars.set(name, value);
    else this.vars.set(name, Array.isArray(cur) ? [...cur, value] : [cur, value]);
  }

  // ---- header building ------------------------------------------------------------

  /** switch_caller_profile_event_set_data for this channel's profile. */
  callerHeaders(prefix: string): Header[] {
    return profileHeaderList(prefix, this, false);
  }

  /** switch_channel_event_set_basic_data: channel identity, state, codecs, caller profile, other leg. */
  basicData(): Header[] {
    const h: Header[] = [
      ['Channel-State', this.state],
      ['Channel-Call-State', this.callState],
      ['Channel-State-Number', String(this.stateNumberOverride ?? STATE_NUMBER[this.state])],
      ['Channel-Name', this.name],
      ['Unique-ID', this.uuid],
      ['Call-Direction', this.direction],
      ['Presence-Call-Direction', this.direction],
      ['Channel-HIT-Dialplan', this.hitDialplan ? 'true' : 'false'],
    ];
    if (this.presenceId) h.push(['Channel-Presence-ID', this.presenceId]);
    h.push(['Channel-Call-UUID', this.getVar('call_uuid') ?? this.uuid], ['Answer-State', this.answerState]);
    if (this.hangupCause) h.push(['Hangup-Cause', this.hangupCause]);
    if (this.readCodec) {
      h.push(
        ['Channel-Read-Codec-Name', this.readCodec.name],
        ['Channel-Read-Codec-Rate', String(this.readCodec.rate)],
        ['Channel-Read-Codec-Bit-Rate', String(this.readCodec.bitRate)],
      );
    }
    if (this.writeCodec) {
      h.push(
        ['Channel-Write-Codec-Name', this.writeCodec.name],
        ['Channel-Write-Codec-Rate', String(this.writeCodec.rate)],
        ['Channel-Write-Codec-Bit-Rate', String(this.writeCodec.bitRate)],
      );
    }
    if (this.profileAttached) {
      h.push(...profileHeaderList('Caller', this, false));
      if (this.otherLeg) {
        h.push(['Other-Type', this.otherLeg.type]);
        h.push(...profileHeaderList('Other-Leg', this.otherLeg.channel, true));
      }
    }
    return h;
  }

  variableHeaders(): Header[] {
    const h: Header[] = [];
    for (const [k, v] of this.vars) h.push([`variable_${k}`, v]);
    return h;
  }

  /**
   * Fires a channel event laid out as FreeSWITCH does: event-specific `prefix` headers,
   * the basic channel data, the variables (only for event types that carry them), then
   * the event-specific `suffix` headers.
   */
  fire(name: string, origin: Origin, opts: { prefix?: Header[]; suffix?: Header[]; vars?: boolean; subclass?: string; body?: string } = {}): EslEvent {
    const headers: Header[] = [...(opts.prefix ?? []), ...this.basicData()];
    if (opts.vars ?? true) headers.push(...this.variableHeaders());
    if (opts.suffix) headers.push(...opts.suffix);
    return this.bus.fire(name, origin, { headers, subclass: opts.subclass, body: opts.body });
  }

  /** The CHANNEL_DATA block used by the outbound `connect` reply (Channel-* profile prefix first). */
  channelDataHeaders(): Header[] {
    return [...profileHeaderList('Channel', this, false), ...this.basicData(), ...this.variableHeaders()];
  }
}

function profileHeaderList(prefix: string, ch: Channel, forOtherLeg: boolean): Header[] {
  const p = ch.profile;
  const t = ch.times;
  const h: Header[] = [];
  const add = (k: string, v: string | undefined): void => {
    if (v !== undefined) h.push([`${prefix}-${k}`, v]);
  };
  add('Direction', ch.direction);
  add('Logical-Direction', ch.logicalDirection);
  if (!forOtherLeg) add('Username', p.username);
  // FreeSWITCH prints Dialplan when the profile has one: originated SIP legs do not, loopback halves do (n_uuid_hold_loopback.txt)
  if (!forOtherLeg || ch.name.startsWith('loopback/')) add('Dialplan', p.dialplan);
  add('Caller-ID-Name', p.callerIdName);
  add('Caller-ID-Number', p.callerIdNumber);
  add('Orig-Caller-ID-Name', p.origCallerIdName);
  add('Orig-Caller-ID-Number', p.origCallerIdNumber);
  add('Callee-ID-Name', p.calleeIdName);
  add('Callee-ID-Number', p.calleeIdNumber);
  add('Network-Addr', p.networkAddr);
  add('ANI', p.ani);
  add('Destination-Number', p.destinationNumber);
  add('Unique-ID', ch.uuid);
  add('Source', p.source);
  add('Transfer-Source', p.transferSource);
  add('Context', p.context);
  add('Channel-Name', p.channelName);
  if (!forOtherLeg) add('Profile-Index', String(p.profileIndex));
  add('Profile-Created-Time', String(p.profileCreated));
  add('Channel-Created-Time', String(t.created));
  add('Channel-Answered-Time', String(t.answered));
  add('Channel-Progress-Time', String(t.progress));
  add('Channel-Progress-Media-Time', String(t.progressMedia));
  add('Channel-Hangup-Time', String(t.hangup));
  add('Channel-Transfer-Time', String(t.transfer));
  add('Channel-Resurrect-Time', String(t.resurrect));
  add('Channel-Bridged-Time', String(t.bridged));
  add('Channel-Last-Hold', String(t.lastHold));
  add('Channel-Hold-Accum', String(t.holdAccum));
  add('Screen-Bit', 'true');
  add('Privacy-Hide-Name', 'false');
  add('Privacy-Hide-Number', 'false');
  return h;
}

export { STATE_NUMBER };
