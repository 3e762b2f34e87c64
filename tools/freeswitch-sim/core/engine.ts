import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Channel } from './channel';
import { Clock } from './clock';
import { ConferenceManager } from './conference';
import { EndpointRegistry } from './endpoints';
import { EventBus } from './event-bus';
import { expandVariables } from './expand';
import { ORIGIN } from './origins';
import { loopBridge } from './bridge';
import { Session, type AppCall, type AppImpl, type BridgeRole, type SessionHost, type TransferTarget } from './session';
import type { Dialplan } from '../dialplan/dialplan';

export interface EngineOptions {
  speed: number;
  recordingsDir: string;
  soundsDir: string;
  log: Logger;
  dialplan: Dialplan;
}

/** Arguments for a new channel; what the SIP INVITE (or the originate) would have carried. */
export interface NewChannel {
  uuid?: string;
  name: string;
  direction: 'inbound' | 'outbound';
  callerIdName: string;
  callerIdNumber: string;
  destination: string;
  context: string;
  source: string;
  username?: string;
  presenceId?: string;
  vars?: Array<[string, string]>;
}

/**
 * The simulated switch: owns the event bus, the clock, every live session, endpoint
 * registrations, conferences and the dialplan. Applications and API commands are
 * plugged in by name (apps/, api/).
 */
export class Engine implements SessionHost {
  readonly bus = new EventBus();
  readonly clock: Clock;
  readonly log: Logger;
  readonly sessions = new Map<string, Session>();
  readonly endpoints: EndpointRegistry;
  readonly conferences: ConferenceManager;
  readonly apps = new Map<string, AppImpl>();
  readonly globals: Map<string, string>;
  readonly startedAt = Date.now();
  private sessionCounter = 0;
  sessionsSinceStartup = 0;
  peakSessions = 0;
  private readonly listeners = new Set<(s: Session) => void>();

  constructor(readonly opts: EngineOptions) {
    this.clock = new Clock(opts.speed);
    this.log = opts.log;
    this.endpoints = new EndpointRegistry(this.bus);
    this.conferences = new ConferenceManager(this.bus, this.clock);
    this.globals = opts.dialplan.globals;
    if (!this.globals.has('hold_music')) this.globals.set('hold_music', 'local_stream://moh');
    if (!this.globals.has('domain')) this.globals.set('domain', '127.0.0.1');
    if (!this.globals.has('sounds_dir')) this.globals.set('sounds_dir', opts.soundsDir);
    if (!this.globals.has('recordings_dir')) this.globals.set('recordings_dir', opts.recordingsDir);
  }

  get dialplan(): Dialplan {
    return this.opts.dialplan;
  }

  app(name: string): AppImpl | undefined {
    return this.apps.get(name);
  }

  /** Observers of new sessions (the public API's SimCall bookkeeping). */
  onSession(fn: (s: Session) => void): void {
    this.listeners.add(fn);
  }

  /** A live session (one that has not hung up). */
  session(uuid: string): Session | undefined {
    const s = this.sessions.get(uuid);
    return s?.up ? s : undefined;
  }

  /** A channel variable with FreeSWITCH's fallback to global variables. */
  lookup(session: Session | undefined, name: string): string | undefined {
    return session?.channel.getVar(name) ?? this.globals.get(name);
  }

  expand(session: Session | undefined, text: string): string {
    return expandVariables(text, (n) => this.lookup(session, n));
  }

  newSession(init: NewChannel): Session {
    const uuid = init.uuid ?? randomUUID();
    const created = this.bus.nowMicros();
    const channel = new Channel(this.bus, {
      uuid,
      name: init.name,
      direction: init.direction,
      presenceId: init.presenceId,
      createdMicros: created,
      sessionId: ++this.sessionCounter,
      profile: {
        username: init.username,
        dialplan: 'XML',
        callerIdName: init.callerIdName,
        callerIdNumber: init.callerIdNumber,
        origCallerIdName: init.callerIdName,
        origCallerIdNumber: init.callerIdNumber,
        networkAddr: '127.0.0.1',
        ani: init.callerIdNumber,
        destinationNumber: init.destination,
        source: init.source,
        context: init.context,
      },
    });
    for (const [k, v] of init.vars ?? []) channel.setVar(k, v);
    channel.setVar('channel_name', init.name);
    channel.setVar('call_uuid', uuid);
    if (init.presenceId) channel.setVar('presence_id', init.presenceId);
    const session = new Session(this, channel);
    this.sessions.set(uuid, session);
    this.sessionsSinceStartup++;
    this.peakSessions = Math.max(this.peakSessions, this.sessions.size);
    for (const fn of this.listeners) fn(session);
    return session;
  }

  /**
   * An inbound call arriving on a sofia profile (a SIPp-like caller), in the event
   * order of a_inbound_sipp_ivr_dtmf_record.txt: CS_NEW, CS_INIT, CHANNEL_CREATE,
   * RINGING, CS_ROUTING, then the dialplan.
   */
  startInbound(session: Session): void {
    const ch = session.channel;
    ch.profileAttached = false;
    ch.fire('CHANNEL_STATE', ORIGIN.setState, { vars: false });
    ch.profileAttached = true;
    session.setState('CS_INIT');
    ch.stateNumberOverride = 2;
    ch.fire('CHANNEL_CREATE', ORIGIN.create);
    ch.stateNumberOverride = undefined;
    ch.state = 'CS_ROUTING';
    session.setCallState('RINGING');
    session.setState('CS_ROUTING');
    session.presence();
    void session.run({ route: { destination: ch.profile.destinationNumber, dialplan: 'XML', context: ch.profile.context } });
  }

  route(session: Session, target: TransferTarget): AppCall[] | undefined {
    const ch = session.channel;
    if (target.dialplan === 'inline') {
      // the inline dialplan: app:arg,app:arg
      return target.destination.split(',').filter(Boolean).map((item) => {
        const c = item.indexOf(':');
        return c < 0 ? { app: item.trim(), arg: '' } : { app: item.slice(0, c).trim(), arg: item.slice(c + 1) };
      });
    }
    const actions = this.dialplan.route({
      context: target.context,
      fields: {
        destination_number: target.destination,
        caller_id_number: ch.profile.callerIdNumber,
        caller_id_name: ch.profile.callerIdName,
        ani: ch.profile.ani,
        network_addr: ch.profile.networkAddr,
        context: target.context,
        uuid: ch.uuid,
        source: ch.profile.source,
        chan_name: ch.name,
      },
      lookup: (n) => this.lookup(session, n),
      setInline: (k, v) => ch.setVar(k, v),
    });
    return actions?.map((a) => ({ app: a.application, arg: a.data }));
  }

  sessionEnded(session: Session): void {
    this.sessions.delete(session.uuid);
  }

  dtmfHook(session: Session, digit: string): void {
    // mod_conference's default caller-controls: 0 toggles mute
    if (session.conference && digit === '0') {
      const conf = this.conferences.get(session.conference.name);
      const m = conf?.members.find((x) => x.id === session.conference?.memberId);
      if (conf && m) this.conferences.setMute(conf, m, m.canSpeak);
    }
  }

  loopBridge(session: Session, role: BridgeRole): Promise<void> {
    return loopBridge(session, role, (s) => this.peerOf(s));
  }

  /** The FreeSWITCH-side peer of a self-call (sofia loop or loopback), if any. */
  peerOf(s: Session): Session | undefined {
    const peer = s.channel.sipPeer;
    return peer ? this.sessions.get(peer.uuid) : undefined;
  }

  stop(): void {
    this.clock.stop();
  }
}
