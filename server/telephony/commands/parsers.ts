/** Pure parsers for api result bodies (formats as captured in the fixtures). */
import { EslCommandError } from '../errors';

/** One row of `show channels as json` (the fields Hotline uses; all are strings as sent). */
export interface ChannelRow {
  uuid: string;
  direction: string;
  created: string;
  createdEpoch: number;
  name: string;
  state: string;
  callState: string;
  cidName: string;
  cidNum: string;
  dest: string;
  application: string;
  applicationData: string;
  context: string;
  callUuid: string;
  hostname: string;
  raw: Readonly<Record<string, string>>;
}

/**
 * `{"row_count":N,"rows":[...]}`; with no channels FreeSWITCH sends `{"row_count":0}`
 * without `rows`.
 */
export function parseShowChannels(body: string): ChannelRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new EslCommandError('show channels as json', body);
  }
  const rows = (parsed as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) return [];
  return rows.map((r: Record<string, unknown>) => {
    const s = (k: string): string => {
      const v = r[k];
      if (typeof v === 'string') return v;
      return typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
    };
    const raw: Record<string, string> = {};
    for (const k of Object.keys(r)) raw[k] = s(k);
    return {
      uuid: s('uuid'),
      direction: s('direction'),
      created: s('created'),
      createdEpoch: Number(s('created_epoch')) || 0,
      name: s('name'),
      state: s('state'),
      callState: s('callstate'),
      cidName: s('cid_name'),
      cidNum: s('cid_num'),
      dest: s('dest'),
      application: s('application'),
      applicationData: s('application_data'),
      context: s('context'),
      callUuid: s('call_uuid'),
      hostname: s('hostname'),
      raw,
    };
  });
}

/** One line of `conference <name> list`: `id;channel;uuid;cid_name;cid_num;flags;vol_in;vol_out;energy`. */
export interface ConferenceMember {
  id: number;
  channelName: string;
  uuid: string;
  callerIdName: string;
  callerIdNumber: string;
  flags: string[];
  canHear: boolean;
  canSpeak: boolean;
}

export function parseConferenceList(body: string): ConferenceMember[] {
  return body
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('+OK'))
    .map((line) => {
      const [id = '', channelName = '', uuid = '', callerIdName = '', callerIdNumber = '', flags = ''] = line.split(';');
      const flagList = flags.split('|').filter(Boolean);
      return { id: Number(id), channelName, uuid, callerIdName, callerIdNumber, flags: flagList, canHear: flagList.includes('hear'), canSpeak: flagList.includes('speak') };
    })
    .filter((m) => Number.isInteger(m.id));
}

/** One row of `sofia status`: Name, Type (profile/gateway/alias), Data, State. */
export interface SofiaStatusRow {
  name: string;
  type: string;
  data: string;
  state: string;
}

export function parseSofiaStatus(body: string): SofiaStatusRow[] {
  const rows: SofiaStatusRow[] = [];
  for (const line of body.split('\n')) {
    const cols = line.split('\t').map((c) => c.trim());
    if (cols.length < 4 || cols[0] === 'Name' || /^=+$/.test(cols[0] ?? '')) continue;
    const [name = '', type = '', data = '', ...state] = cols;
    rows.push({ name, type, data, state: state.join(' ').trim() });
  }
  return rows;
}
