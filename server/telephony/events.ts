/**
 * The typed telephony event stream: raw FreeSWITCH events (any format) → one discriminated
 * union. This is the only module that knows FreeSWITCH header names for events; everything
 * above it (call model, routing, realtime) switches on `type`.
 */
import { HOTLINE_CALL_ID_VAR } from './channel-snapshot';
import { isErrorBody } from './reply';
import { header, type RawEslEvent } from './wire';

interface Base {
  /** The node (host:port) whose connection delivered the event. */
  node: string;
  /** Event-Date-Timestamp in epoch milliseconds (FreeSWITCH sends microseconds). */
  at: number;
  /** Event-Sequence, per node; increases monotonically. */
  sequence?: number;
}

/** Fields every channel event carries. */
interface ChannelBase extends Base {
  uuid: string;
  /** Our `hotline_call_id` channel variable, when set on the channel. */
  callId?: string;
  channelName?: string;
  direction?: 'inbound' | 'outbound';
  callerIdNumber?: string;
  callerIdName?: string;
  destinationNumber?: string;
}

export interface ChannelCreateEvent extends ChannelBase {
  type: 'channel.create';
}
export interface ChannelAnswerEvent extends ChannelBase {
  type: 'channel.answer';
}
export interface ChannelBridgeEvent extends ChannelBase {
  type: 'channel.bridge' | 'channel.unbridge';
  /** Bridge-A-Unique-ID / Bridge-B-Unique-ID; one CHANNEL_BRIDGE arrives, on the A leg. */
  aUuid?: string;
  bUuid?: string;
  otherUuid?: string;
}
export interface ChannelHoldEvent extends ChannelBase {
  type: 'channel.hold' | 'channel.unhold';
}
export interface ChannelHangupCompleteEvent extends ChannelBase {
  type: 'channel.hangup_complete';
  cause: string;
  billsec?: number;
  durationSec?: number;
}
export interface DtmfEvent extends ChannelBase {
  type: 'dtmf';
  digit: string;
  /** DTMF-Duration is in 8 kHz samples; 1600 → 200 ms. */
  durationMs?: number;
  source?: string;
}
export interface PlaybackEvent extends ChannelBase {
  type: 'playback.start' | 'playback.stop';
  file: string;
  /** PLAYBACK_STOP: `done`, `break`, ... */
  status?: string;
}
export interface RecordEvent extends ChannelBase {
  type: 'record.start' | 'record.stop';
  file: string;
  /** RECORD_STOP: Record-Completion-Cause, e.g. `success-maxtime`. */
  completionCause?: string;
}
export interface ConferenceMemberEvent extends Base {
  type: 'conference.member_add' | 'conference.member_del';
  conference: string;
  conferenceUuid?: string;
  /** Member ids are global counters, not 1..n (fixture e). */
  memberId: number;
  uuid?: string;
  callId?: string;
}
export interface BackgroundJobEvent extends Base {
  type: 'background_job';
  jobUuid: string;
  command: string;
  arg?: string;
  ok: boolean;
  body: string;
}
export interface RegistrationEvent extends Base {
  type: 'registration.register' | 'registration.unregister' | 'registration.expire';
  profile?: string;
  user: string;
  host?: string;
  contact?: string;
  expires?: number;
  networkIp?: string;
  networkPort?: number;
  userAgent?: string;
  callId?: string;
}

export type TelephonyEvent =
  | ChannelCreateEvent
  | ChannelAnswerEvent
  | ChannelBridgeEvent
  | ChannelHoldEvent
  | ChannelHangupCompleteEvent
  | DtmfEvent
  | PlaybackEvent
  | RecordEvent
  | ConferenceMemberEvent
  | BackgroundJobEvent
  | RegistrationEvent;

export type TelephonyEventType = TelephonyEvent['type'];

/** Returns the typed event, or undefined for events the call model does not use. */
export function normalizeEvent(raw: RawEslEvent, node: string): TelephonyEvent | undefined {
  const h = (name: string): string | undefined => header(raw, name);
  switch (raw.name) {
    case 'CHANNEL_CREATE':
      return channel(raw, node, 'channel.create');
    case 'CHANNEL_ANSWER':
      return channel(raw, node, 'channel.answer');
    case 'CHANNEL_BRIDGE':
    case 'CHANNEL_UNBRIDGE': {
      const base = channel(raw, node, raw.name === 'CHANNEL_BRIDGE' ? 'channel.bridge' : 'channel.unbridge');
      return base && { ...base, aUuid: h('Bridge-A-Unique-ID'), bUuid: h('Bridge-B-Unique-ID'), otherUuid: h('Other-Leg-Unique-ID') };
    }
    case 'CHANNEL_HOLD':
      return channel(raw, node, 'channel.hold');
    case 'CHANNEL_UNHOLD':
      return channel(raw, node, 'channel.unhold');
    case 'CHANNEL_HANGUP_COMPLETE': {
      const base = channel(raw, node, 'channel.hangup_complete');
      return base && { ...base, cause: h('Hangup-Cause') ?? h('variable_hangup_cause') ?? 'NORMAL_CLEARING', billsec: num(h('variable_billsec')), durationSec: num(h('variable_duration')) };
    }
    case 'DTMF': {
      const base = channel(raw, node, 'dtmf');
      const digit = h('DTMF-Digit');
      if (!base || digit === undefined) return undefined;
      const samples = num(h('DTMF-Duration'));
      return { ...base, digit, durationMs: samples === undefined ? undefined : samples / 8, source: h('DTMF-Source') };
    }
    case 'PLAYBACK_START':
    case 'PLAYBACK_STOP': {
      const base = channel(raw, node, raw.name === 'PLAYBACK_START' ? 'playback.start' : 'playback.stop');
      return base && { ...base, file: h('Playback-File-Path') ?? '', status: h('Playback-Status') };
    }
    case 'RECORD_START':
    case 'RECORD_STOP': {
      const base = channel(raw, node, raw.name === 'RECORD_START' ? 'record.start' : 'record.stop');
      return base && { ...base, file: h('Record-File-Path') ?? '', completionCause: h('Record-Completion-Cause') };
    }
    case 'BACKGROUND_JOB': {
      const jobUuid = h('Job-UUID');
      if (jobUuid === undefined) return undefined;
      return { type: 'background_job', ...base(raw, node), jobUuid, command: h('Job-Command') ?? '', arg: h('Job-Command-Arg'), ok: !isErrorBody(raw.body), body: raw.body };
    }
    case 'CUSTOM':
      return custom(raw, node);
    default:
      return undefined;
  }
}

function custom(raw: RawEslEvent, node: string): TelephonyEvent | undefined {
  const h = (name: string): string | undefined => header(raw, name);
  switch (raw.subclass) {
    case 'conference::maintenance': {
      const action = h('Action');
      if (action !== 'add-member' && action !== 'del-member') return undefined;
      const memberId = num(h('Member-ID'));
      const conference = h('Conference-Name');
      if (memberId === undefined || conference === undefined) return undefined;
      return {
        type: action === 'add-member' ? 'conference.member_add' : 'conference.member_del',
        ...base(raw, node),
        conference,
        conferenceUuid: h('Conference-Unique-ID'),
        memberId,
        uuid: h('Unique-ID'),
        callId: h(`variable_${HOTLINE_CALL_ID_VAR}`),
      };
    }
    case 'sofia::register':
    case 'sofia::unregister':
    case 'sofia::expire': {
      // register/unregister name the user from-user/from-host; expire uses user/host.
      const user = h('from-user') ?? h('user') ?? h('username');
      if (user === undefined) return undefined;
      const type = raw.subclass === 'sofia::register' ? 'registration.register' : raw.subclass === 'sofia::unregister' ? 'registration.unregister' : 'registration.expire';
      return {
        type,
        ...base(raw, node),
        profile: h('profile-name'),
        user,
        host: h('from-host') ?? h('host') ?? h('realm'),
        contact: h('contact'),
        expires: num(h('expires')),
        networkIp: h('network-ip'),
        networkPort: num(h('network-port')),
        userAgent: h('user-agent'),
        callId: h('call-id'),
      };
    }
    default:
      return undefined;
  }
}

function base(raw: RawEslEvent, node: string): Base {
  const micros = num(header(raw, 'Event-Date-Timestamp'));
  return { node, at: micros === undefined ? Date.now() : Math.floor(micros / 1000), sequence: num(header(raw, 'Event-Sequence')) };
}

function channel<T extends TelephonyEventType>(raw: RawEslEvent, node: string, type: T): (ChannelBase & { type: T }) | undefined {
  const h = (name: string): string | undefined => header(raw, name);
  const uuid = h('Unique-ID');
  if (uuid === undefined) return undefined;
  const direction = h('Call-Direction');
  return {
    type,
    ...base(raw, node),
    uuid,
    callId: h(`variable_${HOTLINE_CALL_ID_VAR}`),
    channelName: h('Channel-Name'),
    direction: direction === 'inbound' || direction === 'outbound' ? direction : undefined,
    callerIdNumber: h('Caller-Caller-ID-Number'),
    callerIdName: h('Caller-Caller-ID-Name'),
    destinationNumber: h('Caller-Destination-Number'),
  };
}

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
