import { randomBytes } from 'node:crypto';
import type { Header } from './message';

/** The headers FreeSWITCH 1.10.12's mod_sofia puts on what it sends (vanilla internal profile). */
export const USER_AGENT = 'FreeSWITCH-mod_sofia/1.10.12-release~64bit';
export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, INFO, UPDATE, REGISTER, REFER, NOTIFY, PUBLISH, SUBSCRIBE';
export const SUPPORTED = 'timer, path, replaces';
export const ALLOW_EVENTS = 'talk, hold, conference, presence, as-feature-event, dialog, line-seize, call-info, sla, include-session-description, presence.winfo, message-summary, refer';

export const commonHeaders = (): Header[] => [['User-Agent', USER_AGENT], ['Allow', ALLOW], ['Supported', SUPPORTED]];

/** sofia tags look like `Ft1N4m2QpXr3e`: 13 letters and digits. */
export function newTag(): string {
  return randomBytes(10).toString('base64').replace(/[^a-zA-Z0-9]/g, '').slice(0, 13).padEnd(13, 'x');
}

export function newBranch(): string {
  return `z9hG4bK${randomBytes(8).toString('hex')}`;
}

/**
 * SIP status → FreeSWITCH hangup cause for a failed outbound leg (sofia_glue_sip_cause_to_freeswitch).
 */
export function causeOfStatus(status: number): string {
  const map: Record<number, string> = {
    400: 'NORMAL_TEMPORARY_FAILURE', 401: 'CALL_REJECTED', 402: 'CALL_REJECTED', 403: 'CALL_REJECTED', 404: 'UNALLOCATED_NUMBER',
    405: 'SERVICE_UNAVAILABLE', 407: 'CALL_REJECTED', 408: 'RECOVERY_ON_TIMER_EXPIRE', 410: 'NUMBER_CHANGED', 413: 'INTERWORKING',
    414: 'INTERWORKING', 415: 'SERVICE_NOT_IMPLEMENTED', 416: 'INTERWORKING', 420: 'INTERWORKING', 421: 'INTERWORKING',
    423: 'INTERWORKING', 480: 'NO_USER_RESPONSE', 481: 'NORMAL_TEMPORARY_FAILURE', 482: 'EXCHANGE_ROUTING_ERROR',
    483: 'EXCHANGE_ROUTING_ERROR', 484: 'INVALID_NUMBER_FORMAT', 485: 'NO_ROUTE_DESTINATION', 486: 'USER_BUSY',
    487: 'ORIGINATOR_CANCEL', 488: 'INCOMPATIBLE_DESTINATION', 500: 'NORMAL_TEMPORARY_FAILURE', 501: 'SERVICE_NOT_IMPLEMENTED',
    502: 'NETWORK_OUT_OF_ORDER', 503: 'NORMAL_TEMPORARY_FAILURE', 504: 'RECOVERY_ON_TIMER_EXPIRE', 505: 'INTERWORKING',
    513: 'INTERWORKING', 600: 'USER_BUSY', 603: 'CALL_REJECTED', 604: 'NO_ROUTE_DESTINATION', 606: 'INCOMPATIBLE_DESTINATION',
  };
  return map[status] ?? 'NORMAL_UNSPECIFIED';
}
