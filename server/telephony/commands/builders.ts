/**
 * Pure builders for FreeSWITCH api command strings (no I/O: unit tested). Each validates its
 * inputs so that caller data can never split a command or smuggle in another argument.
 * The strings are what follows `api ` / `bgapi `.
 */
import { ValidationError } from '../../platform/errors';

export type ChannelVariables = Readonly<Record<string, string | number | boolean>>;

/** A dialplan application to run on the answered leg (`&app(arg)`). */
export interface OriginateApp {
  app: string;
  arg?: string;
}

/** Send the answered leg into the dialplan: `<extension> [<dialplan> [<context>]]`. */
export interface OriginateExtension {
  extension: string;
  dialplan?: string;
  context?: string;
}

export interface OriginateOptions {
  /** Dial string, e.g. `user/1001`, `sofia/gateway/gw1/15551234`, `loopback/3000/public`. */
  endpoint: string;
  destination: OriginateApp | OriginateExtension;
  /** Becomes `origination_uuid`, so the caller knows the leg's uuid before the job finishes. */
  uuid?: string;
  /** Stamped as `hotline_call_id` so events map back to the call on any node. */
  callId?: string;
  /** Seconds to ring before giving up (`originate_timeout`; the leg ends NO_ANSWER). */
  timeoutSec?: number;
  callerIdNumber?: string;
  callerIdName?: string;
  variables?: ChannelVariables;
}

const VAR_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const TOKEN = /^[^\s'"{}[\]<>\\]+$/;
const UUID_LIKE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const CAUSE = /^[A-Z][A-Z0-9_]*$/;

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, [{ path: field, message }]);
}

function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function noControl(field: string, value: string): void {
  if (hasControl(value)) throw invalid(field, 'must not contain control characters or line breaks');
}

/** A uuid argument: never empty, never spaces (a space would shift every later argument). */
export function assertUuid(field: string, uuid: string): string {
  if (!UUID_LIKE.test(uuid)) throw invalid(field, 'must be a channel uuid');
  return uuid;
}

/** A single positional argument with no spaces or quoting characters. */
export function assertToken(field: string, value: string): string {
  noControl(field, value);
  if (!TOKEN.test(value)) throw invalid(field, 'must be one word without quotes, braces or backslashes');
  return value;
}

/**
 * One channel variable value for a `{k=v,...}` block: backslashes doubled, `,` → `\,`,
 * `'` → `\'`, wrapped in single quotes when it contains whitespace.
 */
export function escapeVariableValue(value: string | number | boolean): string {
  const text = String(value);
  noControl('variable value', text);
  if (/[{}]/.test(text)) throw invalid('variable value', 'must not contain { or }');
  const escaped = text.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/'/g, "\\'");
  return /\s/.test(escaped) || escaped === '' ? `'${escaped}'` : escaped;
}

/** `{k=v,k2='v 2'}` (empty string when there are no variables). */
export function buildVariableBlock(vars: ChannelVariables): string {
  const parts = Object.entries(vars).map(([k, v]) => {
    if (!VAR_NAME.test(k)) throw invalid(`variables.${k}`, 'invalid channel variable name');
    return `${k}=${escapeVariableValue(v)}`;
  });
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** `originate {vars}endpoint &app(arg)` or `originate {vars}endpoint ext [dialplan [context]]`. */
export function buildOriginate(opts: OriginateOptions): string {
  noControl('endpoint', opts.endpoint);
  if (!/^[^\s{}[\]<>]+$/.test(opts.endpoint)) throw invalid('endpoint', 'must be a dial string without spaces or variable blocks');
  const vars: Record<string, string | number | boolean> = {};
  if (opts.uuid !== undefined) vars.origination_uuid = assertUuid('uuid', opts.uuid);
  if (opts.callId !== undefined) vars.hotline_call_id = assertToken('callId', opts.callId);
  if (opts.timeoutSec !== undefined) {
    if (!Number.isInteger(opts.timeoutSec) || opts.timeoutSec < 1) throw invalid('timeoutSec', 'must be a positive whole number of seconds');
    vars.originate_timeout = opts.timeoutSec;
  }
  if (opts.callerIdNumber !== undefined) vars.origination_caller_id_number = opts.callerIdNumber;
  if (opts.callerIdName !== undefined) vars.origination_caller_id_name = opts.callerIdName;
  Object.assign(vars, opts.variables ?? {});
  const head = `originate ${buildVariableBlock(vars)}${opts.endpoint}`;
  const d = opts.destination;
  if ('app' in d) {
    if (!/^[A-Za-z0-9_]+$/.test(d.app)) throw invalid('destination.app', 'invalid application name');
    const arg = d.arg ?? '';
    noControl('destination.arg', arg);
    if (/[()]/.test(arg) && !/^[^()]*\([^()]*\)[^()]*$/.test(arg)) throw invalid('destination.arg', 'unbalanced parentheses');
    if (/\s/.test(arg)) throw invalid('destination.arg', 'must not contain spaces (use an extension instead)');
    return `${head} &${d.app}(${arg})`;
  }
  const parts = [assertToken('destination.extension', d.extension)];
  if (d.dialplan !== undefined || d.context !== undefined) parts.push(assertToken('destination.dialplan', d.dialplan ?? 'XML'));
  if (d.context !== undefined) parts.push(assertToken('destination.context', d.context));
  return `${head} ${parts.join(' ')}`;
}

export function buildUuidBridge(a: string, b: string): string {
  return `uuid_bridge ${assertUuid('a', a)} ${assertUuid('b', b)}`;
}

export type HoldAction = 'on' | 'off' | 'toggle';

/** `uuid_hold [off|toggle] <uuid>` (plain `uuid_hold <uuid>` puts on hold). */
export function buildUuidHold(uuid: string, action: HoldAction = 'on'): string {
  assertUuid('uuid', uuid);
  return action === 'on' ? `uuid_hold ${uuid}` : `uuid_hold ${action} ${uuid}`;
}

export type TransferLeg = 'aleg' | 'bleg' | 'both';

export interface TransferOptions {
  uuid: string;
  /** Which leg moves: the uuid itself (default), its bridged partner, or both. */
  leg?: TransferLeg;
}

/** `uuid_transfer <uuid> [-bleg|-both] <dest> [<dialplan>] [<context>]`. */
export function buildUuidTransfer(opts: TransferOptions & { destination: string; dialplan?: string; context?: string }): string {
  const parts = ['uuid_transfer', assertUuid('uuid', opts.uuid)];
  if (opts.leg === 'bleg') parts.push('-bleg');
  if (opts.leg === 'both') parts.push('-both');
  parts.push(assertToken('destination', opts.destination));
  if (opts.dialplan !== undefined || opts.context !== undefined) parts.push(assertToken('dialplan', opts.dialplan ?? 'XML'));
  if (opts.context !== undefined) parts.push(assertToken('context', opts.context));
  return parts.join(' ');
}

/** `uuid_transfer <uuid> [-bleg|-both] 'app:arg,app2:arg2' inline`: run apps without a dialplan lookup. */
export function buildUuidTransferInline(opts: TransferOptions & { apps: readonly OriginateApp[] }): string {
  if (opts.apps.length === 0) throw invalid('apps', 'at least one application');
  const parts = ['uuid_transfer', assertUuid('uuid', opts.uuid)];
  if (opts.leg === 'bleg') parts.push('-bleg');
  if (opts.leg === 'both') parts.push('-both');
  const list = opts.apps
    .map(({ app, arg }) => {
      if (!/^[A-Za-z0-9_]+$/.test(app)) throw invalid('apps.app', 'invalid application name');
      const a = arg ?? '';
      noControl('apps.arg', a);
      // The inline list is split on ',' and the whole list is one quoted argument.
      if (/[,']/.test(a)) throw invalid('apps.arg', "must not contain ',' or quotes");
      return a === '' ? app : `${app}:${a}`;
    })
    .join(',');
  parts.push(`'${list}'`, 'inline');
  return parts.join(' ');
}

/** `uuid_kill <uuid> [cause]`. */
export function buildUuidKill(uuid: string, cause?: string): string {
  assertUuid('uuid', uuid);
  if (cause === undefined) return `uuid_kill ${uuid}`;
  if (!CAUSE.test(cause)) throw invalid('cause', 'must be a FreeSWITCH hangup cause such as NORMAL_CLEARING');
  return `uuid_kill ${uuid} ${cause}`;
}

export type RecordAction = 'start' | 'stop' | 'mask' | 'unmask';

/** `uuid_record <uuid> start|stop|mask|unmask <path> [<limit seconds>]`. */
export function buildUuidRecord(uuid: string, action: RecordAction, path: string, limitSec?: number): string {
  const parts = ['uuid_record', assertUuid('uuid', uuid), action, assertToken('path', path)];
  if (limitSec !== undefined) {
    if (action !== 'start') throw invalid('limitSec', 'only with start');
    if (!Number.isInteger(limitSec) || limitSec < 1) throw invalid('limitSec', 'must be a positive whole number');
    parts.push(String(limitSec));
  }
  return parts.join(' ');
}

/** `uuid_broadcast <uuid> <path> [aleg|bleg|both]`. */
export function buildUuidBroadcast(uuid: string, path: string, leg: TransferLeg = 'aleg'): string {
  return `uuid_broadcast ${assertUuid('uuid', uuid)} ${assertToken('path', path)} ${leg}`;
}

/** `uuid_setvar <uuid> <var> [value]` (no value unsets). The value is the rest of the line. */
export function buildUuidSetvar(uuid: string, name: string, value?: string): string {
  assertUuid('uuid', uuid);
  if (!VAR_NAME.test(name)) throw invalid('name', 'invalid channel variable name');
  if (value === undefined) return `uuid_setvar ${uuid} ${name}`;
  noControl('value', value);
  return `uuid_setvar ${uuid} ${name} ${value}`;
}

/** `uuid_setvar_multi <uuid> k=v;k2=v2`: several variables in one command (values without `;`). */
export function buildUuidSetvarMulti(uuid: string, vars: ChannelVariables): string {
  assertUuid('uuid', uuid);
  const parts = Object.entries(vars).map(([k, v]) => {
    if (!VAR_NAME.test(k)) throw invalid(`variables.${k}`, 'invalid channel variable name');
    const text = String(v);
    noControl(`variables.${k}`, text);
    if (/[;\s]/.test(text)) throw invalid(`variables.${k}`, 'must not contain ; or spaces');
    return `${k}=${text}`;
  });
  if (!parts.length) throw invalid('variables', 'at least one variable');
  return `uuid_setvar_multi ${uuid} ${parts.join(';')}`;
}

/**
 * What the `bridge` application reads from the caller's own (A-leg) channel, not from the
 * dial string's `{}` (those go to the B-legs): mod_dptools' audio_bridge_function reads
 * `continue_on_fail` from the caller, and without it any failure but NO_ANSWER hangs the
 * caller up (a phone answering 486/503 would drop the caller); `hangup_after_bridge` and
 * `transfer_ringback` are the caller's too.
 */
export function bridgeCallerVariables(ringback: string): ChannelVariables {
  return { continue_on_fail: 'true', hangup_after_bridge: 'false', transfer_ringback: ringback };
}

export function buildUuidGetvar(uuid: string, name: string): string {
  assertUuid('uuid', uuid);
  if (!VAR_NAME.test(name)) throw invalid('name', 'invalid channel variable name');
  return `uuid_getvar ${uuid} ${name}`;
}

export type ConferenceAction =
  | { action: 'list' }
  | { action: 'list_count' }
  | { action: 'json_list' }
  | { action: 'kick'; member: number | 'all' }
  | { action: 'hup'; member: number | 'all' }
  | { action: 'mute'; member: number | 'all' }
  | { action: 'unmute'; member: number | 'all' }
  | { action: 'play'; path: string; member?: number }
  | { action: 'record'; path: string }
  | { action: 'norecord'; /** a file, or 'all' */ path: string };

/** `conference <name> <action> [...]`. */
export function buildConference(name: string, a: ConferenceAction): string {
  const head = `conference ${assertToken('conference', name)}`;
  const member = (m: number | 'all'): string => {
    if (m !== 'all' && (!Number.isInteger(m) || m < 0)) throw invalid('member', 'must be a member id or "all"');
    return String(m);
  };
  switch (a.action) {
    case 'list':
    case 'json_list':
      return `${head} ${a.action}`;
    case 'list_count':
      return `${head} list count`;
    case 'kick':
    case 'hup':
    case 'mute':
    case 'unmute':
      return `${head} ${a.action} ${member(a.member)}`;
    case 'play':
      return `${head} play ${assertToken('path', a.path)}${a.member !== undefined ? ` ${member(a.member)}` : ''}`;
    case 'record':
      return `${head} record ${assertToken('path', a.path)}`;
    case 'norecord':
      return `${head} norecord ${a.path === 'all' ? 'all' : assertToken('path', a.path)}`;
  }
}

export const SHOW_CHANNELS_JSON = 'show channels as json';
export const SOFIA_STATUS = 'sofia status';
