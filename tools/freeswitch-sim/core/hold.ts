import type { Engine } from './engine';
import { ORIGIN } from './origins';
import type { Session } from './session';

/**
 * uuid_hold, as switch_ivr_hold / switch_ivr_unhold (switch_ivr.c) and mod_sofia do it.
 *
 * The call state is what decides: hold fails when the leg is already HELD, unhold fails
 * unless it is HELD. Only mod_sofia turns a hold into the HELD call state (its
 * INDICATE_HOLD handler sets CF_LEG_HOLDING and sends the re-INVITE); a loopback leg
 * ignores the message. So on a loopback leg every hold "succeeds" (CHANNEL_HOLD, music
 * for the partner) and every unhold fails, leaving the music playing
 * (n_uuid_hold_loopback.txt); on a SIP leg hold/unhold pair up (o_uuid_hold_sip_phone.txt,
 * c_uuid_hold.txt). For a FreeSWITCH-to-itself SIP call the far end sees the re-INVITE
 * (HELD, CHANNEL_HOLD, sofia::reinvite).
 *
 * Returns false where FreeSWITCH answers `-ERR Operation failed`.
 */
export function setHold(engine: Engine, s: Session, mode: 'on' | 'off' | 'toggle'): boolean {
  const state = s.channel.callState;
  if (mode === 'toggle') {
    if (state === 'ACTIVE' || state === 'UNHELD') return hold(engine, s);
    if (state === 'HELD') return unhold(engine, s);
    return true;
  }
  return mode === 'on' ? hold(engine, s) : unhold(engine, s);
}

/** Only sofia legs reach the HELD call state (mod_sofia's CF_LEG_HOLDING). */
function isSofia(s: Session): boolean {
  return s.channel.name.startsWith('sofia/');
}

function hold(engine: Engine, s: Session): boolean {
  const ch = s.channel;
  if (ch.callState === 'HELD') return false;
  if (!s.up) return true;
  const partner = ch.bridgedTo ? engine.session(ch.bridgedTo.uuid) : undefined;
  const sofia = isSofia(s);
  if (sofia) {
    ch.held = true;
    ch.times.lastHold = engine.bus.nowMicros();
    s.setCallState('HELD');
  }
  ch.fire('CHANNEL_HOLD', ORIGIN.hold);
  const peer = sofia ? engine.peerOf(s) : undefined;
  if (peer?.up && isSofia(peer)) {
    peer.channel.held = true;
    peer.setCallState('HELD');
    peer.channel.fire('CHANNEL_HOLD', ORIGIN.markHold);
    peer.presence();
    reinvite(engine, peer);
  }
  // the broadcast loops, so a second one waits behind it for ever: one visible playback
  if (partner?.up && !partner.holdMusic) {
    const music = engine.lookup(s, 'hold_music') ?? 'local_stream://moh';
    partner.holdMusic = new AbortController();
    partner.queuePrivate({ kind: 'execute', call: { app: 'playback', arg: music }, loops: 1 });
  }
  return true;
}

function unhold(engine: Engine, s: Session): boolean {
  const ch = s.channel;
  if (ch.callState !== 'HELD') return false;
  const partner = ch.bridgedTo ? engine.session(ch.bridgedTo.uuid) : undefined;
  ch.held = false;
  s.setCallState('UNHELD');
  // the unhold message is parsed once the music has stopped
  if (partner?.up) void partner.stopHoldMusic();
  ch.fire('CHANNEL_UNHOLD', ORIGIN.unhold);
  s.setCallState('ACTIVE');
  const peer = engine.peerOf(s);
  if (peer?.up && isSofia(peer) && peer.channel.callState === 'HELD') {
    peer.channel.held = false;
    peer.setCallState('UNHELD');
    peer.channel.fire('CHANNEL_UNHOLD', ORIGIN.markHold);
    peer.presence();
    reinvite(engine, peer);
    peer.setCallState('ACTIVE');
  }
  return true;
}

function reinvite(engine: Engine, s: Session): void {
  engine.bus.fire('CUSTOM', ORIGIN.reinvite, { subclass: 'sofia::reinvite', headers: [['Unique-ID', s.uuid]] });
}
