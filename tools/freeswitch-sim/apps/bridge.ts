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

/**
 * bridge <dial string>: dial the B leg (ringing, honouring endpoint behaviour and
 * originate_timeout), answer A when B answers, CHANNEL_BRIDGE on A, and wait until one
 * side hangs up. A continues its dialplan afterwards unless hangup_after_bridge=true.
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
