import { randomUUID } from 'node:crypto';
import { ORIGIN } from './origins';
import type { BridgeLink, BridgeRole, Session } from './session';

/**
 * Bridging two channels, with the event sequences of switch_ivr_bridge.c:
 * one CHANNEL_BRIDGE / CHANNEL_UNBRIDGE pair on the owning (first / originating) leg,
 * Other-Leg-* headers on both, CALL_UPDATE, and for FreeSWITCH-to-itself SIP legs the
 * far ends' CALL_UPDATE + RECV_INFO.
 */
export function createLink(kind: BridgeLink['kind'], a: Session, b: Session): BridgeLink {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const link: BridgeLink = {
    kind,
    a,
    b,
    done,
    ended: false,
    end() {
      if (link.ended) return;
      link.ended = true;
      resolve();
    },
  };
  const now = a.host.bus.nowMicros();
  for (const [self, other, type] of [[a, b, 'originatee'], [b, a, 'originator']] as const) {
    const ch = self.channel;
    ch.otherLeg = { type, channel: other.channel };
    ch.bridgedTo = other.channel;
    ch.times.bridged = now;
    ch.setVar('bridge_channel', other.channel.name);
    ch.setVar('bridge_uuid', other.uuid);
    ch.setVar('signal_bond', other.uuid);
    ch.setVar('last_bridge_to', other.uuid);
  }
  return link;
}

function bridgeHeaders(link: BridgeLink): Array<[string, string]> {
  return [['Bridge-A-Unique-ID', link.a.uuid], ['Bridge-B-Unique-ID', link.b.uuid]];
}

export function fireBridge(link: BridgeLink): void {
  link.a.channel.fire('CHANNEL_BRIDGE', ORIGIN.bridge, { prefix: bridgeHeaders(link) });
}

export function fireUnbridge(link: BridgeLink): void {
  link.a.channel.fire('CHANNEL_UNBRIDGE', ORIGIN.unbridge, { prefix: bridgeHeaders(link) });
}

function callUpdate(s: Session, withBridge: boolean): void {
  const other = s.channel.bridgedTo;
  const prefix: Array<[string, string]> = [['Direction', 'SEND']];
  if (withBridge && other) {
    prefix.push(['Sent-Callee-ID-Name', other.profile.callerIdName], ['Sent-Callee-ID-Number', other.profile.callerIdNumber], ['Bridged-To', other.uuid]);
  }
  s.channel.fire('CALL_UPDATE', ORIGIN.callUpdate, { prefix });
}

/** The far end of a FreeSWITCH-to-itself SIP leg sees a re-INVITE/UPDATE and an INFO. */
export function notifySipPeer(s: Session, peerOf: (s: Session) => Session | undefined): void {
  const peer = peerOf(s);
  if (!peer?.up) return;
  peer.channel.fire('CALL_UPDATE', ORIGIN.callUpdate, { prefix: [['Direction', 'RECV']] });
  peer.channel.fire('RECV_INFO', { file: 'sofia.c', func: 'create_info_event', line: 9721 }, {
    vars: false,
    prefix: [
      ['SIP-Content-Type', 'freeswitch/data'], ['SIP-From-User', peer.channel.profile.callerIdNumber], ['SIP-From-Host', '127.0.0.1'],
      ['SIP-To-User', peer.channel.profile.destinationNumber], ['SIP-To-Host', '127.0.0.1'],
      ['SIP-Contact-User', peer.channel.profile.callerIdNumber], ['SIP-Contact-Host', '127.0.0.1'],
    ],
  });
}

/**
 * uuid_bridge A B: both legs leave whatever they run (park), hibernate, reset, and
 * meet in CS_SOFT_EXECUTE; each main loop then runs `loopBridge`.
 */
export function uuidBridge(a: Session, b: Session): void {
  const link = createLink('uuid_bridge', a, b);
  // uuid_bridge is a transfer of both legs: it leaves a Transfer-Source / transfer_history behind
  const now = a.host.bus.nowMicros();
  for (const [self, other] of [[a, b], [b, a]] as const) {
    const src = `${Math.floor(now / 1e6)}:${randomUUID()}:uuid_br:${other.uuid}`;
    const ch = self.channel;
    ch.profile = { ...ch.profile, transferSource: src, profileIndex: ch.profile.profileIndex + 1, profileCreated: now };
    ch.pushVar('transfer_history', src);
    ch.setVar('transfer_source', src);
  }
  a.bridge = { link, inLoop: true, entered: false };
  b.bridge = { link, inLoop: true, entered: false };
  b.breakApp();
  a.breakApp();
}

/** A uuid_bridge'd leg's part, run from its session loop. */
export async function loopBridge(s: Session, role: BridgeRole, peerOf: (s: Session) => Session | undefined): Promise<void> {
  const link = role.link;
  const owner = link.a === s;
  const other = owner ? link.b : link.a;
  if (!role.entered) {
    role.entered = true;
    s.setState('CS_HIBERNATE');
    s.setState('CS_RESET');
    s.setState('CS_SOFT_EXECUTE');
    if (!s.up) return;
    s.channel.fire('CHANNEL_EXECUTE', ORIGIN.uuidBridgeExec, { suffix: [['Application', 'uuid_bridge'], ['Application-Data', other.uuid]] });
    if (owner) {
      // the bridge starts once both legs are in: the owner fires CHANNEL_BRIDGE
      fireBridge(link);
    } else {
      s.setState('CS_EXCHANGE_MEDIA');
    }
    callUpdate(s, true);
    notifySipPeer(s, peerOf);
    if (!s.channel.answered) s.answer();
  }
  await s.bridgedWait(link);
  s.bridge = undefined;
  s.channel.bridgedTo = undefined;
  if (owner) fireUnbridge(link);
  if (!s.up) return;
  if (s.transferPending) s.leftBridge = true;
  if (!other.up && !s.transferPending) {
    // the other party hung up: so does this leg, with the same cause
    s.hangup(other.channel.hangupCause ?? 'NORMAL_CLEARING');
    return;
  }
  if (!s.transferPending) s.setState('CS_EXECUTE');
}
