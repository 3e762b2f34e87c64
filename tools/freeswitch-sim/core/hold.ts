import type { Engine } from './engine';
import { ORIGIN } from './origins';
import type { Session } from './session';

/**
 * uuid_hold, in the order of c_uuid_hold.txt: the held leg goes HELD + CHANNEL_HOLD,
 * its bridged partner hears ${hold_music} (a playback broadcast), and for a
 * FreeSWITCH-to-itself SIP call the far end sees the re-INVITE (HELD, CHANNEL_HOLD,
 * sofia::reinvite). Unhold stops the music (PLAYBACK_STOP + PRIVATE_COMMAND on the
 * partner), then CHANNEL_UNHOLD and ACTIVE.
 */
export function setHold(engine: Engine, s: Session, mode: 'on' | 'off' | 'toggle'): void {
  const on = mode === 'toggle' ? !s.channel.held : mode === 'on';
  if (on === s.channel.held || !s.up) return;
  const ch = s.channel;
  const partner = ch.bridgedTo ? engine.session(ch.bridgedTo.uuid) : undefined;
  const peer = engine.peerOf(s);
  if (on) {
    ch.held = true;
    ch.times.lastHold = engine.bus.nowMicros();
    s.setCallState('HELD');
    ch.fire('CHANNEL_HOLD', ORIGIN.hold);
    if (peer?.up) {
      peer.channel.held = true;
      peer.setCallState('HELD');
      peer.channel.fire('CHANNEL_HOLD', ORIGIN.markHold);
      peer.presence();
      reinvite(engine, peer);
    }
    if (partner?.up) {
      const music = engine.lookup(s, 'hold_music') ?? 'local_stream://moh';
      partner.holdMusic = new AbortController();
      partner.queuePrivate({ kind: 'execute', call: { app: 'playback', arg: music }, loops: 1 });
    }
    return;
  }
  ch.held = false;
  s.setCallState('UNHELD');
  if (partner?.up && partner.holdMusic) {
    partner.holdMusic = undefined;
    const stopped = partner.currentApp === 'playback' ? partner.appDone() : Promise.resolve();
    if (partner.currentApp === 'playback') partner.breakApp();
    // the unhold message is parsed once the music has stopped
    void stopped.then(() => {
      if (!partner.up) return;
      partner.channel.fire('PRIVATE_COMMAND', ORIGIN.privateCommand, {
        vars: false,
        prefix: [['call-command', 'execute'], ['execute-app-name', 'playback'], ['execute-app-arg', 'local_stream://moh'], ['event-lock', 'true'], ['lead-frames', '5'], ['loops', '1']],
      });
    });
  }
  ch.fire('CHANNEL_UNHOLD', ORIGIN.unhold);
  s.setCallState('ACTIVE');
  if (peer?.up) {
    peer.channel.held = false;
    peer.setCallState('UNHELD');
    peer.channel.fire('CHANNEL_UNHOLD', ORIGIN.markHold);
    peer.presence();
    reinvite(engine, peer);
    peer.setCallState('ACTIVE');
  }
}

function reinvite(engine: Engine, s: Session): void {
  engine.bus.fire('CUSTOM', ORIGIN.reinvite, { subclass: 'sofia::reinvite', headers: [['Unique-ID', s.uuid]] });
}
