/**
 * The channel as FreeSWITCH describes it in the reply to `connect` on an outbound socket:
 * a single header block with no Content-Length (Event-Name: CHANNEL_DATA, URL-encoded values,
 * ending with Content-Type: command/reply, Reply-Text: %2BOK%0A, Socket-Mode, Control).
 */
import { EslCommandError } from './errors';

export interface ChannelSnapshot {
  uuid: string;
  /** Channel-Call-UUID: shared by the legs of one FreeSWITCH call. */
  callUuid?: string;
  channelName: string;
  direction: 'inbound' | 'outbound';
  callerIdNumber: string;
  callerIdName: string;
  destinationNumber: string;
  context?: string;
  /** ringing / early / answered / hangup */
  answerState?: string;
  /** Channel-Call-State: RINGING, ACTIVE, HELD, ... */
  callState?: string;
  /** The Hotline call id, when the channel already carries `hotline_call_id`. */
  hotlineCallId?: string;
  socketMode?: string;
  control?: string;
  /** Channel variables without the `variable_` prefix. */
  variables: Readonly<Record<string, string>>;
  /** Every header, decoded. */
  headers: Readonly<Record<string, string>>;
}

export const HOTLINE_CALL_ID_VAR = 'hotline_call_id';

/** Throws EslCommandError when the reply is not +OK, or when it does not describe a channel. */
export function parseConnectReply(headers: Readonly<Record<string, string>>): ChannelSnapshot {
  const reply = headers['Reply-Text'] ?? '';
  if (!reply.startsWith('+OK')) throw new EslCommandError('connect', reply || '(no Reply-Text)');
  const uuid = headers['Unique-ID'] ?? headers['Channel-Unique-ID'];
  if (!uuid) throw new EslCommandError('connect', 'connect reply carries no Unique-ID');
  const variables: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.startsWith('variable_')) variables[k.slice('variable_'.length)] = v;
  const pick = (...names: string[]): string | undefined => {
    for (const n of names) if (headers[n] !== undefined) return headers[n];
    return undefined;
  };
  return {
    uuid,
    callUuid: pick('Channel-Call-UUID'),
    channelName: pick('Channel-Name', 'Caller-Channel-Name') ?? '',
    direction: pick('Call-Direction', 'Caller-Direction', 'Channel-Direction') === 'outbound' ? 'outbound' : 'inbound',
    callerIdNumber: pick('Caller-Caller-ID-Number', 'Channel-Caller-ID-Number') ?? '',
    callerIdName: pick('Caller-Caller-ID-Name', 'Channel-Caller-ID-Name') ?? '',
    destinationNumber: pick('Caller-Destination-Number', 'Channel-Destination-Number') ?? '',
    context: pick('Caller-Context', 'Channel-Context'),
    answerState: pick('Answer-State'),
    callState: pick('Channel-Call-State'),
    hotlineCallId: variables[HOTLINE_CALL_ID_VAR],
    socketMode: pick('Socket-Mode'),
    control: pick('Control'),
    variables,
    headers,
  };
}
