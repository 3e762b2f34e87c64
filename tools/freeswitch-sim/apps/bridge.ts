import { createLink, fireBridge, fireUnbridge, notifySipPeer } from '../core/bridge';
import { dial } from '../core/dial';
import type { Engine } from '../core/engine';
import { ORIGIN } from '../core/origins';
import type { AppImpl } from '../core/session';

/** DIALSTATUS as mod_dptools reports it for a failed bridge. */
function dialStatus(cause: string): string {
  switch (cause) {
    case 'USER_BUSY':
      return 'BUSY';
    case 'NO_ANSWER':
    case 'NO_USER_RESPONSE':
      return 'NOANSWER';
    case 'ORIGINATOR_CANCEL':
      return 'CANCEL';
    default:
      return 'CHANUNAVAIL';
  }
}

/** Q.850 numbers of the causes a bridge can fail with (continue_on_fail lists may use either form). */
const CAUSE_NUMBERS: Record<string, number> = {
  UNALLOCATED_NUMBER: 1, NO_ROUTE_DESTINATION: 3, NORMAL_CLEARING: 16, USER_BUSY: 17, NO_USER_RESPONSE: 18, NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20, CALL_REJECTED: 21, DESTINATION_OUT_OF_ORDER: 27, INVALID_NUMBER_FORMAT: 28, NORMAL_UNSPECIFIED: 31,
  NORMAL_CIRCUIT_CONGESTION: 34, NETWORK_OUT_OF_ORDER: 38, NORMAL_TEMPORARY_FAILURE: 41, SWITCH_CONGESTION: 42,
  CHAN_NOT_IMPLEMENTED: 66, USER_NOT_REGISTERED: 606, ORIGINATOR_CANCEL: 487, ATTENDED_TRANSFER: 602,
};

function listHas(list: string, cause: string): boolean {
  const num = String(CAUSE_NUMBERS[cause] ?? '');
  return list.split(',').some((c) => c.trim().toUpperCase() === cause || (num !== '' && c.trim() === num));
}

/**
 * Whether the caller survives a failed bridge, as mod_dptools' audio_bridge_function decides
 * from the CALLER's variables (never the dial string's `{}`): `failure_causes` set and the
 * cause not in it → continue; `continue_on_fail` true, or a list holding the cause → continue;
 * neither variable set → only NO_ANSWER, NO_USER_RESPONSE and ORIGINATOR_CANCEL continue.
 * Otherwise the caller is hung up with the cause. ATTENDED_TRANSFER never continues.
 */
export function continuesAfterFailure(cause: string, continueOnFail: string | undefined, failureCauses: string | undefined): boolean {
  if (cause === 'ATTENDED_TRANSFER') return false;
  if (continueOnFail === undefined && failureCauses === undefined) return cause === 'NO_ANSWER' || cause === 'NO_USER_RESPONSE' || cause === 'ORIGINATOR_CANCEL';
  if (failureCauses !== undefined && !listHas(failureCauses, cause)) return true;
  if (continueOnFail === undefined) return false;
  if (/^(true|yes|on|1|enabled|active|allow)$/i.test(continueOnFail)) return true;
  return listHas(continueOnFail, cause);
}

/**
 * bridge <dial string>: dial the B leg (ringing, honouring endpoint behaviour and
 * originate_timeout), answer A when B answers, CHANNEL_BRIDGE on A, and wait until one
 * side hangs up. A continues its dialplan afterwards unless hangup_after_bridge=true. A failed
 * dial hangs A up unless A's own variables say to continue (continuesAfterFailure).
 */
export function bridgeApps(engine: Engine): Record<string, AppImpl> {
  return {
    bridge: async (a, arg, signal) => {
      const ch = a.channel;
      const result = await dial(engine, { dialString: arg, originator: a, signal });
      if (!result.ok) {
        ch.setVar('originate_disposition', result.cause);
        ch.setVar('DIALSTATUS', dialStatus(result.cause));
        ch.setVar('last_bridge_hangup_cause', result.cause);
        if (a.up && !continuesAfterFailure(result.cause, ch.getVar('continue_on_fail'), ch.getVar('failure_causes')) && !a.transferPending && ch.state !== 'CS_ROUTING') {
          a.hangup(result.cause);
        }
        return;
      }
      const b = result.session;
      if (!a.up || signal.aborted) {
        b.hangup(a.channel.hangupCause ?? 'ORIGINATOR_CANCEL');
        return;
      }
      ch.setVar('originate_disposition', 'SUCCESS');
      ch.setVar('DIALSTATUS', 'SUCCESS');
      if (!ch.answered) a.answer();
      const link = createLink('bridge', a, b);
      a.bridge = { link, inLoop: false, entered: true };
      b.bridge = { link, inLoop: true, entered: true };
      fireBridge(link);
      b.setState('CS_EXCHANGE_MEDIA');
      for (const s of [a, b]) {
        s.channel.fire('CALL_UPDATE', ORIGIN.callUpdate, { prefix: [['Direction', 'SEND'], ['Bridged-To', (s === a ? b : a).uuid]] });
        notifySipPeer(s, (x) => engine.peerOf(x));
      }
      void b.run({ idle: true });
      await a.bridgedWait(link);
      a.bridge = undefined;
      ch.bridgedTo = undefined;
      fireUnbridge(link);
      const bCause = b.channel.hangupCause;
      if (bCause) {
        ch.setVar('last_bridge_hangup_cause', bCause);
        ch.setVar('bridge_hangup_cause', bCause);
      }
      if (a.up && (ch.getVar('hangup_after_bridge') ?? '').toLowerCase() === 'true') a.hangup(bCause ?? 'NORMAL_CLEARING');
    },
  };
}
