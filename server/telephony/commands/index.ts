/**
 * Typed FreeSWITCH commands over api/bgapi. Every function resolves when FreeSWITCH reported
 * the command's own result; effects that unfold later (hold music, a transfer's new leg, a
 * recording file) arrive as events. Failures reject with EslCommandError carrying the raw reply.
 */
import { randomUUID } from 'node:crypto';
import { EslCommandError } from '../errors';
import { okPayload, type EslOk } from '../reply';
import {
  buildConference,
  buildOriginate,
  buildUuidBridge,
  buildUuidBroadcast,
  buildUuidGetvar,
  buildUuidHold,
  buildUuidKill,
  buildUuidRecord,
  buildUuidSetvar,
  buildUuidSetvarMulti,
  buildUuidTransfer,
  buildUuidTransferInline,
  SHOW_CHANNELS_JSON,
  SOFIA_STATUS,
  type ChannelVariables,
  type ConferenceAction,
  type HoldAction,
  type OriginateApp,
  type OriginateOptions,
  type RecordAction,
  type TransferLeg,
} from './builders';
import { parseConferenceList, parseShowChannels, parseSofiaStatus, type ChannelRow, type ConferenceMember, type SofiaStatusRow } from './parsers';

export * from './builders';
export * from './parsers';

/** What the commands need: an inbound connection (or TelephonyNodes' chosen node) provides it. */
export interface EslCommandTarget {
  api(command: string, opts?: { timeoutMs?: number }): Promise<EslOk>;
  bgapi(command: string, opts?: { timeoutMs?: number }): Promise<EslOk>;
}

export interface OriginateResult {
  /** The new leg's uuid (we choose it, so it is known even before the job finishes). */
  uuid: string;
}

/**
 * Originates over bgapi (an `api originate` would block the connection until answer).
 * Resolves when the leg was answered and handed to its destination; rejects with
 * EslCommandError `-ERR NO_ANSWER` / `-ERR USER_BUSY` / ... otherwise. The timeout covers
 * the ring time plus a margin.
 */
export async function originate(target: EslCommandTarget, opts: OriginateOptions): Promise<OriginateResult> {
  const uuid = opts.uuid ?? randomUUID();
  const ringSec = opts.timeoutSec ?? 60;
  const res = await target.bgapi(buildOriginate({ ...opts, uuid }), { timeoutMs: (ringSec + 15) * 1000 });
  const returned = okPayload(res.body);
  return { uuid: returned || uuid };
}

export async function uuidBridge(target: EslCommandTarget, a: string, b: string): Promise<void> {
  await target.api(buildUuidBridge(a, b));
}

/** Note: FreeSWITCH answers `+OK Success` even for a uuid that does not exist (fixture h). */
export async function uuidHold(target: EslCommandTarget, uuid: string, action: HoldAction = 'on'): Promise<void> {
  await target.api(buildUuidHold(uuid, action));
}

export async function uuidTransfer(target: EslCommandTarget, opts: { uuid: string; destination: string; dialplan?: string; context?: string; leg?: TransferLeg }): Promise<void> {
  await target.api(buildUuidTransfer(opts));
}

export async function uuidTransferInline(target: EslCommandTarget, opts: { uuid: string; apps: readonly OriginateApp[]; leg?: TransferLeg }): Promise<void> {
  await target.api(buildUuidTransferInline(opts));
}

export async function uuidKill(target: EslCommandTarget, uuid: string, cause?: string): Promise<void> {
  await target.api(buildUuidKill(uuid, cause));
}

export async function uuidRecord(target: EslCommandTarget, uuid: string, action: RecordAction, path: string, limitSec?: number): Promise<void> {
  await target.api(buildUuidRecord(uuid, action, path, limitSec));
}

export async function uuidBroadcast(target: EslCommandTarget, uuid: string, path: string, leg: TransferLeg = 'aleg'): Promise<void> {
  await target.api(buildUuidBroadcast(uuid, path, leg));
}

export async function uuidSetvar(target: EslCommandTarget, uuid: string, name: string, value?: string): Promise<void> {
  await target.api(buildUuidSetvar(uuid, name, value));
}

export async function uuidSetvarMulti(target: EslCommandTarget, uuid: string, vars: ChannelVariables): Promise<void> {
  await target.api(buildUuidSetvarMulti(uuid, vars));
}

/** The variable's value, or undefined when unset (FreeSWITCH says `_undef_`). No trailing newline is sent. */
export async function uuidGetvar(target: EslCommandTarget, uuid: string, name: string): Promise<string | undefined> {
  const { body } = await target.api(buildUuidGetvar(uuid, name));
  return body === '_undef_' ? undefined : body;
}

export async function conferenceList(target: EslCommandTarget, name: string): Promise<ConferenceMember[]> {
  return parseConferenceList((await target.api(buildConference(name, { action: 'list' }))).body);
}

export async function conferenceCount(target: EslCommandTarget, name: string): Promise<number> {
  const { body } = await target.api(buildConference(name, { action: 'list_count' }));
  const n = Number(body.trim());
  if (!Number.isInteger(n)) throw new EslCommandError('conference list count', body);
  return n;
}

/** kick / hup / mute / unmute / play / record / norecord. Resolves with FreeSWITCH's `+OK ...` text. */
export async function conferenceCommand(target: EslCommandTarget, name: string, action: Exclude<ConferenceAction, { action: 'list' | 'list_count' | 'json_list' }>): Promise<string> {
  return (await target.api(buildConference(name, action))).body.trim();
}

export async function showChannels(target: EslCommandTarget): Promise<ChannelRow[]> {
  return parseShowChannels((await target.api(SHOW_CHANNELS_JSON)).body);
}

export async function sofiaStatus(target: EslCommandTarget): Promise<SofiaStatusRow[]> {
  return parseSofiaStatus((await target.api(SOFIA_STATUS)).body);
}
