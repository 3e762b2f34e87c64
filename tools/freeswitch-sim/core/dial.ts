import { randomUUID } from 'node:crypto';
import { DEFAULT_BEHAVIOUR, type EndpointBehaviour, type SipAgent } from './endpoints';
import type { Engine } from './engine';
import { ORIGIN } from './origins';
import type { Session } from './session';

/**
 * Placing an outbound leg (switch_ivr_originate): parse the dial string, create the
 * channel with FreeSWITCH's event sequence (CHANNEL_OUTGOING, CS_INIT, CHANNEL_CREATE,
 * CHANNEL_ORIGINATE, CS_ROUTING, CS_CONSUME_MEDIA), then let the far end ring, answer,
 * reject or time out.
 *
 * Far ends:
 *  - `user/NAME`: a registered endpoint (EndpointRegistry) and its behaviour;
 *    never registered -> SUBSCRIBER_ABSENT, registered before but not now -> USER_NOT_REGISTERED.
 *  - `sofia/internal|external/X@127.0.0.1[:5060|:5080]`: FreeSWITCH calling itself; the
 *    far leg is a real simulated inbound channel that runs the dialplan (as in the fixtures).
 *  - `sofia/<profile>/X@other-host`, `sofia/gateway/GW/X`: a remote phone; behaviour set
 *    with setEndpointBehaviour(X) or answers after 1 s.
 *  - `loopback/EXT[/CONTEXT]`: a loopback pair; the b leg runs the dialplan.
 *  - `error/CAUSE`: fails with CAUSE.
 */
export type DialResult = { ok: true; session: Session } | { ok: false; cause: string };

export interface DialRequest {
  dialString: string;
  /** The A leg when the bridge app dials; its caller id is presented. */
  originator?: Session;
  /** originate's timeout argument (seconds). */
  timeoutSec?: number;
  callerIdName?: string;
  callerIdNumber?: string;
  signal?: AbortSignal;
}

export interface ParsedDialString {
  vars: Array<[string, string]>;
  target: string;
}

/** Splits `{a=b,c=d}[e=f]endpoint` into variables and the first endpoint. */
export function parseDialString(dial: string): ParsedDialString {
  let s = dial.trim();
  const vars: Array<[string, string]> = [];
  const takeBlock = (open: string, close: string): void => {
    while (s.startsWith(open)) {
      const end = s.indexOf(close);
      if (end < 0) return;
      const body = s.slice(1, end);
      s = s.slice(end + 1);
      for (const part of body.split(/(?<!\\),/)) {
        const eq = part.indexOf('=');
        if (eq > 0) vars.push([part.slice(0, eq).trim(), part.slice(eq + 1).replace(/\\,/g, ',').replace(/^'(.*)'$/, '$1')]);
      }
    }
  };
  takeBlock('{', '}');
  takeBlock('<', '>');
  takeBlock('[', ']');
  // simultaneous (,) or sequential (|) targets: the simulator dials the first one
  const target = s.split(/[|,]/)[0]?.trim() ?? '';
  return { vars, target };
}

const SELF_HOSTS = new Set(['127.0.0.1', '127.0.0.1:5060', '127.0.0.1:5080', 'localhost', 'localhost:5060', 'localhost:5080']);

type FarEnd =
  | { kind: 'behaviour'; behaviour: EndpointBehaviour; name: string; destination: string; presenceId?: string }
  | { kind: 'agent'; agent: SipAgent; name: string; destination: string; presenceId?: string }
  | { kind: 'self'; name: string; destination: string; peerName: (cidNum: string) => string; peerContext: string; peerSource: string; peerProfile?: string }
  | { kind: 'fail'; cause: string };

function resolveTarget(engine: Engine, target: string): FarEnd {
  const parts = target.split('/');
  const tech = parts[0] ?? '';
  if (tech === 'error') return { kind: 'fail', cause: parts[1] ?? 'NORMAL_CLEARING' };
  if (tech === 'user') {
    const [user = '', domain] = (parts[1] ?? '').split('@');
    const ep = engine.endpoints.get(user);
    if (!ep?.known) return { kind: 'fail', cause: 'SUBSCRIBER_ABSENT' };
    if (!ep.registered) return { kind: 'fail', cause: 'USER_NOT_REGISTERED' };
    // the directory's dial-string sets presence_id=${dialed_user}@${dialed_domain}
    const presenceId = domain ? `${user}@${domain}` : undefined;
    // sip/ hook: a browser registered over WebSocket gets a real INVITE
    if (ep.agent) return { kind: 'agent', agent: ep.agent, name: `sofia/internal/${user}@127.0.0.1:${ep.contactPort}`, destination: user, presenceId };
    return { kind: 'behaviour', behaviour: ep.behaviour, name: `sofia/internal/${user}@127.0.0.1:${ep.contactPort}`, destination: user, presenceId };
  }
  if (tech === 'sofia') {
    const profile = parts[1] ?? '';
    if (profile === 'gateway') {
      const num = parts.slice(3).join('/');
      return { kind: 'behaviour', behaviour: engine.endpoints.get(num)?.behaviour ?? DEFAULT_BEHAVIOUR, name: target, destination: num };
    }
    if (profile !== 'internal' && profile !== 'external') return { kind: 'fail', cause: 'INVALID_PROFILE' };
    const rest = parts.slice(2).join('/');
    const at = rest.indexOf('@');
    const user = at >= 0 ? rest.slice(0, at) : rest;
    const host = at >= 0 ? rest.slice(at + 1) : '';
    if (SELF_HOSTS.has(host)) {
      // FreeSWITCH calling its own internal (5060) or external (5080) profile
      const toProfile = host.endsWith(':5080') ? 'external' : 'internal';
      return {
        kind: 'self', name: target, destination: user, peerContext: 'public', peerSource: 'mod_sofia', peerProfile: toProfile,
        peerName: (cid) => `sofia/${toProfile}/${cid}@127.0.0.1`,
      };
    }
    return { kind: 'behaviour', behaviour: engine.endpoints.get(user)?.behaviour ?? DEFAULT_BEHAVIOUR, name: target, destination: user };
  }
  if (tech === 'loopback') {
    const ext = parts[1] ?? '';
    const context = parts[2] || 'default';
    if (!engine.dialplan.hasContext(context)) return { kind: 'fail', cause: 'NO_ROUTE_DESTINATION' };
    return {
      kind: 'self', name: `loopback/${ext}-a`, destination: ext, peerContext: context, peerSource: 'mod_loopback',
      peerName: () => `loopback/${ext}-b`,
    };
  }
  return { kind: 'fail', cause: 'CHAN_NOT_IMPLEMENTED' };
}

/** Places one outbound leg; resolves once it is answered or has failed. */
export async function dial(engine: Engine, req: DialRequest): Promise<DialResult> {
  const { vars, target } = parseDialString(req.dialString);
  const v = new Map(vars);
  const far = resolveTarget(engine, target);
  if (far.kind === 'fail') return { ok: false, cause: far.cause };

  const orig = req.originator?.channel;
  const cidName = v.get('origination_caller_id_name') ?? req.callerIdName ?? orig?.profile.callerIdName ?? 'FreeSWITCH';
  const cidNum = v.get('origination_caller_id_number') ?? req.callerIdNumber ?? orig?.profile.callerIdNumber ?? '0000000000';
  const uuid = v.get('origination_uuid') ?? randomUUID();
  if (engine.sessions.has(uuid)) return { ok: false, cause: 'DESTINATION_OUT_OF_ORDER' };
  const legVars: Array<[string, string]> = [];
  if (far.name.startsWith('sofia/')) {
    const prof = far.name.split('/')[1] ?? 'internal';
    legVars.push(['sip_profile_name', prof], ['sofia_profile_name', prof], ['sip_destination_url', `sip:${target.split('/').slice(2).join('/')}`]);
  }
  legVars.push(...vars, ['originate_early_media', 'true'], ['originate_endpoint', target.split('/')[0] ?? '']);
  const a = engine.newSession({
    uuid,
    name: far.name,
    direction: 'outbound',
    callerIdName: cidName,
    callerIdNumber: cidNum,
    destination: far.destination,
    context: 'default',
    source: 'src/switch_ivr_originate.c',
    presenceId: far.kind === 'behaviour' || far.kind === 'agent' ? far.presenceId : undefined,
    vars: legVars,
  });
  const ch = a.channel;
  ch.profile.calleeIdName = 'Outbound Call';
  ch.profile.calleeIdNumber = far.destination;
  if (far.kind === 'self' && far.peerSource === 'mod_loopback') loopbackMedia(a);
  ch.hitDialplan = false;
  ch.fire('CHANNEL_OUTGOING', ORIGIN.outgoing, { vars: false });
  a.setState('CS_INIT');
  ch.stateNumberOverride = 2;
  ch.fire('CHANNEL_CREATE', ORIGIN.create);
  ch.fire('CHANNEL_ORIGINATE', ORIGIN.originate);
  ch.stateNumberOverride = undefined;
  a.setState('CS_ROUTING');
  a.setState('CS_CONSUME_MEDIA');

  const timeoutSec = Number(v.get('originate_timeout') ?? v.get('leg_timeout') ?? v.get('call_timeout') ?? req.timeoutSec ?? 60);
  const result = await new Promise<DialResult>((resolve) => {
    let settled = false;
    const timers: Array<NodeJS.Timeout> = [];
    const finish = (r: DialResult): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) engine.clock.cancel(t);
      resolve(r);
    };
    a.answerListeners.push(() => finish({ ok: true, session: a }));
    void a.ended.then((cause) => finish({ ok: false, cause }));
    req.signal?.addEventListener('abort', () => finish({ ok: false, cause: 'ORIGINATOR_CANCEL' }), { once: true });
    timers.push(engine.clock.after(timeoutSec * 1000, () => finish({ ok: false, cause: 'NO_ANSWER' })));

    if (far.kind === 'self') {
      const b = engine.newSession({
        name: far.peerName(cidNum),
        direction: 'inbound',
        callerIdName: cidName,
        callerIdNumber: cidNum,
        destination: far.destination,
        context: far.peerContext,
        source: far.peerSource,
        username: cidNum,
        presenceId: far.peerSource === 'mod_sofia' ? `${cidNum}@127.0.0.1` : undefined,
        vars: far.peerProfile ? [['sofia_profile_name', far.peerProfile], ['sip_from_user', cidNum], ['sip_to_user', far.destination]] : [],
      });
      if (far.peerSource === 'mod_loopback') {
        loopbackMedia(b);
        // mod_loopback's quirk: the b half's callee is "Outbound Call" at the context's name
        b.channel.profile.calleeIdName = 'Outbound Call';
        b.channel.profile.calleeIdNumber = far.peerContext;
      }
      a.channel.sipPeer = b.channel;
      b.channel.sipPeer = a.channel;
      wireSelfCallHangups(engine, a);
      wireSelfCallHangups(engine, b);
      // the far leg answering answers ours (200 OK); its hangup before that fails the originate
      b.answerListeners.push(() => a.answer());
      void b.ended.then((cause) => {
        if (!a.channel.answered) finish({ ok: false, cause });
      });
      engine.startInbound(b);
      return;
    }
    if (far.kind === 'agent') {
      // sip/ hook: the SIP user agent's 180/200/failure drive the leg (sip/call.ts)
      far.agent.invite(a, { ringing: () => a.ringing(), answered: () => a.answer(), failed: (cause) => finish({ ok: false, cause }) });
      return;
    }
    const beh = far.behaviour;
    if (beh.mode === 'busy') {
      timers.push(engine.clock.after(50, () => finish({ ok: false, cause: 'USER_BUSY' })));
      return;
    }
    timers.push(
      engine.clock.after(50, () => {
        a.ringing();
        if (beh.mode === 'reject') finish({ ok: false, cause: beh.cause ?? 'CALL_REJECTED' });
        else if (beh.mode === 'answer') timers.push(engine.clock.after(beh.afterMs ?? 1000, () => a.answer()));
      }),
    );
  });

  if (!result.ok) {
    if (a.up) a.hangup(result.cause);
    const peer = engine.peerOf(a);
    if (peer?.up) peer.hangup(result.cause === 'NO_ANSWER' ? 'ORIGINATOR_CANCEL' : result.cause);
    return result;
  }
  // FreeSWITCH flips the caller id on an answered originate and announces it
  ch.setVar('pre_transfer_caller_id_name', ch.profile.callerIdName);
  ch.setVar('pre_transfer_caller_id_number', ch.profile.callerIdNumber);
  ch.profile = { ...ch.profile, callerIdName: far.destination, callerIdNumber: far.destination };
  ch.logicalDirection = 'inbound';
  ch.setVar('channel_cid_flipped', 'yes');
  ch.fire('CALL_UPDATE', ORIGIN.callUpdate, { prefix: [['Direction', 'RECV']] });
  return result;
}

/** Loopback halves are created with their codec already set: L16 at 8 kHz, no CODEC events. */
function loopbackMedia(s: Session): void {
  const codec = { name: 'L16', rate: 8000, bitRate: 128000 };
  s.channel.readCodec = codec;
  s.channel.writeCodec = codec;
}

/** When one side of a self-call hangs up, the other gets the BYE a moment later. */
export function wireSelfCallHangups(engine: Engine, s: Session): void {
  void s.ended.then((cause) => {
    const peer = engine.peerOf(s);
    if (peer?.up) engine.clock.after(20, () => peer.hangup(cause));
  });
}
