import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Channel } from './channel';
import type { Clock } from './clock';
import type { EventBus } from './event-bus';
import { ORIGIN } from './origins';
import type { Header } from '../wire/event';

const CALL_STATE_NUMBER: Record<Channel['callState'], number> = { DOWN: 0, DIALING: 1, RINGING: 2, EARLY: 3, ACTIVE: 4, HELD: 5, HANGUP: 7, UNHELD: 8 };

/** Two bridged sessions; `a` owns the bridge (it gets CHANNEL_BRIDGE / CHANNEL_UNBRIDGE). */
export interface BridgeLink {
  kind: 'uuid_bridge' | 'bridge';
  a: Session;
  b: Session;
  done: Promise<void>;
  ended: boolean;
  end(): void;
}

/** A session's part in a bridge: `inLoop` when its main loop (not an app) waits on it. */
export interface BridgeRole {
  link: BridgeLink;
  inLoop: boolean;
  entered: boolean;
}

/** One dialplan action or queued `execute` message. */
export interface AppCall {
  app: string;
  arg: string;
  /** Application-UUID; sendmsg's Event-UUID header when the ESL client set one. */
  appUuid?: string;
}

export interface TransferTarget {
  destination: string;
  dialplan: string;
  context: string;
}

/** An application: resolves when it is done; must return promptly once `signal` aborts. */
export type AppImpl = (session: Session, arg: string, signal: AbortSignal) => Promise<void>;

/** What a session needs from the simulator (kept narrow to avoid a god object). */
export interface SessionHost {
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly log: Logger;
  app(name: string): AppImpl | undefined;
  /** Looks up the dialplan; undefined when no extension matches. */
  route(session: Session, target: TransferTarget): AppCall[] | undefined;
  sessionEnded(session: Session): void;
  /** Called for DTMF so features like conference caller-controls can react. */
  dtmfHook(session: Session, digit: string): void;
  /** ${var} expansion with the channel's variables and the globals. */
  expand(session: Session, text: string): string;
  /** Runs a uuid_bridge'd leg's bridge from its main loop (enter, wait, leave). */
  loopBridge(session: Session, role: BridgeRole): Promise<void>;
}

type PrivateMsg =
  | { kind: 'execute'; call: AppCall; loops: number }
  | { kind: 'hangup'; cause: string };

/**
 * The "session thread" of a channel: runs the dialplan, queued `execute` messages,
 * bridges and parks, and the hangup tail (CS_HANGUP, CS_REPORTING, HANGUP_COMPLETE,
 * DESTROY) in FreeSWITCH's event order.
 */
export class Session {
  readonly channel: Channel;
  private apps: AppCall[] = [];
  private pendingTransfer: TransferTarget | undefined;
  private appAbort: AbortController | undefined;
  private readonly privateQueue: PrivateMsg[] = [];
  private wakeWaiters: Array<() => void> = [];
  private running = false;
  private hangingUp = false;
  private finished = false;
  private readonly destroyHolds = new Set<Promise<void>>();
  private endResolve!: (cause: string) => void;
  readonly ended: Promise<string>;
  private readonly dtmfBuffer: string[] = [];
  private dtmfWaiters: Array<() => void> = [];
  /** Set while a bridge holds the channel (uuid_bridge or the bridge app). */
  bridge: BridgeRole | undefined;
  /** The MOH broadcast uuid_hold started on this channel, to stop it on unhold. */
  holdMusic: AbortController | undefined;
  /** Media bugs (record_session / uuid_record) keyed by file path. */
  readonly mediaBugs = new Map<string, { stop: (cause: string) => Promise<void>; setMask?: (masked: boolean) => void; setPaused?: (paused: boolean) => void }>();
  /** Conference this channel is in, for DTMF caller-controls. */
  conference: { name: string; memberId: number } | undefined;
  currentApp: string | undefined;
  private readonly appDoneWaiters: Array<() => void> = [];
  /** Set when a bridge ended because this leg was transferred away. */
  leftBridge = false;
  /** Called once when the channel is answered (originate waits on this). */
  readonly answerListeners: Array<() => void> = [];

  constructor(readonly host: SessionHost, channel: Channel) {
    this.channel = channel;
    this.ended = new Promise((resolve) => (this.endResolve = resolve));
  }

  get uuid(): string {
    return this.channel.uuid;
  }

  get up(): boolean {
    return !this.hangingUp;
  }

  get isRunning(): boolean {
    return this.running;
  }

  // ---- state helpers ------------------------------------------------------------------

  setState(state: Channel['state']): void {
    this.channel.state = state;
    this.channel.stateNumberOverride = undefined;
    this.channel.fire('CHANNEL_STATE', ORIGIN.setState, { vars: false });
  }

  setCallState(cs: Channel['callState']): void {
    const orig = this.channel.callState;
    this.channel.callState = cs;
    this.channel.fire('CHANNEL_CALLSTATE', ORIGIN.callState, {
      prefix: [['Original-Channel-Call-State', orig], ['Channel-Call-State-Number', String(CALL_STATE_NUMBER[cs])]],
      vars: false,
    });
  }

  /** Sets the negotiated codec (PCMA like the SIPp caller) and fires the CODEC events. */
  setCodec(name = 'PCMA'): void {
    if (this.channel.readCodec) return;
    const codec = { name, rate: 8000, bitRate: 64000 };
    this.channel.readCodec = codec;
    this.channel.writeCodec = codec;
    this.channel.fire('CODEC', ORIGIN.codecRead, {
      vars: false,
      suffix: [['channel-read-codec-name', name], ['channel-read-codec-rate', '8000'], ['channel-read-codec-bit-rate', '64000']],
    });
    this.channel.fire('CODEC', ORIGIN.codecWrite, {
      vars: false,
      suffix: [['Channel-Write-Codec-Name', name], ['Channel-Write-Codec-Rate', '8000'], ['Channel-Write-codec-bit-rate', '64000']],
    });
    this.channel.setVar('read_codec', name);
    this.channel.setVar('read_rate', '8000');
    this.channel.setVar('write_codec', name);
    this.channel.setVar('write_rate', '8000');
  }

  presence(): void {
    const ch = this.channel;
    if (ch.direction !== 'inbound' || !ch.presenceId) return;
    const status = ch.answerState === 'hangup' ? 'CS_HANGUP' : ch.answerState === 'answered' ? 'Answered' : ch.callState === 'HELD' ? 'On Hold' : 'CS_ROUTING';
    ch.fire('PRESENCE_IN', ORIGIN.presence, {
      vars: false,
      suffix: [
        ['proto', 'sip'], ['login', ch.getVar('sofia_profile_url') ?? 'sip:mod_sofia@127.0.0.1:5060'], ['from', ch.presenceId],
        ['rpid', 'unknown'], ['status', status], ['event_type', 'presence'], ['alt_event_type', 'dialog'],
        ['presence-call-info-state', ch.callState.toLowerCase()], ['presence-call-direction', ch.direction], ['event_count', '1'],
        ['Presence-Calling-File', 'switch_channel.c'], ['Presence-Calling-Function', 'switch_channel_perform_presence'],
        ['Presence-Calling-Line', '805'],
      ],
    });
  }

  /** 183 with media: CHANNEL_PROGRESS_MEDIA, call state EARLY. */
  preAnswer(): void {
    const ch = this.channel;
    if (ch.times.progressMedia || ch.answered || !this.up) return;
    this.setCodec();
    ch.times.progressMedia = this.host.bus.nowMicros();
    ch.answerState = 'early';
    ch.setVar('endpoint_disposition', 'EARLY MEDIA');
    ch.fire('CHANNEL_PROGRESS_MEDIA', ORIGIN.progressMedia);
    this.setCallState('EARLY');
  }

  /** 180 Ringing: CHANNEL_PROGRESS, call state RINGING (outbound legs). */
  ringing(): void {
    const ch = this.channel;
    if (ch.times.progress || !this.up) return;
    ch.times.progress = this.host.bus.nowMicros();
    ch.fire('CHANNEL_PROGRESS', ORIGIN.progress);
    this.setCallState('RINGING');
  }

  /** Answers the channel; for an inbound leg this includes the early-media step like mod_sofia. */
  answer(): void {
    const ch = this.channel;
    if (ch.answered || !this.up) return;
    // an inbound SIP leg goes through early media first; a loopback b half does not (n_uuid_hold_loopback.txt)
    if (ch.direction === 'inbound' && !ch.name.startsWith('loopback/')) this.preAnswer();
    else this.setCodec(ch.name.startsWith('loopback/') ? undefined : 'PCMU');
    ch.times.answered = this.host.bus.nowMicros();
    ch.answerState = 'answered';
    ch.setVar('endpoint_disposition', 'ANSWER');
    ch.fire('CHANNEL_ANSWER', ORIGIN.answer);
    this.presence();
    this.setCallState('ACTIVE');
    for (const fn of this.answerListeners.splice(0)) fn();
  }

  // ---- DTMF -----------------------------------------------------------------------------

  /** A digit from the far end: one DTMF event, then it feeds whatever is collecting digits. */
  receiveDtmf(digit: string): void {
    if (!this.up) return;
    this.channel.fire('DTMF', ORIGIN.dtmf, {
      vars: false,
      suffix: [['DTMF-Digit', digit], ['DTMF-Duration', '1600'], ['DTMF-Source', 'RTP']],
    });
    this.dtmfBuffer.push(digit);
    const waiters = this.dtmfWaiters;
    this.dtmfWaiters = [];
    for (const w of waiters) w();
    this.host.dtmfHook(this, digit);
  }

  flushDtmf(): void {
    this.dtmfBuffer.length = 0;
  }

  hasDtmf(): boolean {
    return this.dtmfBuffer.length > 0;
  }

  takeDtmf(): string | undefined {
    return this.dtmfBuffer.shift();
  }

  /** Waits for the next digit; undefined on timeout, abort or hangup. */
  async nextDigit(timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
    if (this.dtmfBuffer.length) return this.dtmfBuffer.shift();
    const inner = new AbortController();
    const onAbort = (): void => inner.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const waiter = (): void => inner.abort();
    this.dtmfWaiters.push(waiter);
    await this.host.clock.sleep(timeoutMs, inner.signal);
    signal.removeEventListener('abort', onAbort);
    this.dtmfWaiters = this.dtmfWaiters.filter((w) => w !== waiter);
    return this.dtmfBuffer.shift();
  }

  /** Resolves when a digit arrives (or the signal aborts); for prompts that stop on a key. */
  digitArrived(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (this.dtmfBuffer.length || signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.dtmfWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  // ---- execution ------------------------------------------------------------------------

  /** Runs one application with CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE around it. */
  async execute(call: AppCall): Promise<void> {
    const ch = this.channel;
    const impl = this.host.app(call.app);
    if (!impl) {
      // switch_core_session_execute_application_get_flags: "Invalid Application" hangs the call up
      this.host.log.warn({ uuid: this.uuid, app: call.app }, 'invalid application');
      this.hangup('DESTINATION_OUT_OF_ORDER');
      return;
    }
    const appUuid = call.appUuid ?? randomUUID();
    // applications see their data with ${variables} expanded, and so does CHANNEL_EXECUTE
    call = { ...call, arg: this.host.expand(this, call.arg) };
    if (call.arg) ch.setVar('current_application_data', call.arg);
    else ch.vars.delete('current_application_data');
    ch.setVar('current_application', call.app);
    ch.vars.delete('current_application_response');
    const appHeaders = (): Header[] => {
      const h: Header[] = [['Application', call.app]];
      if (call.arg) h.push(['Application-Data', call.arg]);
      return h;
    };
    ch.fire('CHANNEL_EXECUTE', ORIGIN.execute, { suffix: [...appHeaders(), ['Application-UUID', appUuid]] });
    const abort = new AbortController();
    if (!this.up) abort.abort();
    const previous = this.appAbort;
    // Applications nest (the socket app runs the ones its client sends): restore the outer one after.
    const outerApp = this.currentApp;
    this.appAbort = abort;
    this.currentApp = call.app;
    try {
      await impl(this, call.arg, abort.signal);
    } catch (err) {
      this.host.log.error({ err, uuid: this.uuid, app: call.app }, 'application failed');
    } finally {
      this.appAbort = previous;
      this.currentApp = outerApp;
    }
    for (const w of this.appDoneWaiters.splice(0)) w();
    const response = ch.getVar('current_application_response') ?? '_none_';
    ch.fire('CHANNEL_EXECUTE_COMPLETE', ORIGIN.executeComplete, {
      suffix: [...appHeaders(), ['Application-Response', response], ['Application-UUID', appUuid]],
    });
  }

  /** The channel's main loop, started once the channel enters routing or execution. */
  async run(first: { route: TransferTarget } | { apps: AppCall[] } | { idle: true }): Promise<void> {
    if (this.running || this.finished) return;
    this.running = true;
    try {
      if ('route' in first) {
        this.pendingTransfer = first.route;
      } else if ('apps' in first) {
        this.apps = [...first.apps];
        if (this.channel.state !== 'CS_EXECUTE') this.setState('CS_EXECUTE');
      }
      while (this.up) {
        if (this.pendingTransfer) {
          const target = this.pendingTransfer;
          this.pendingTransfer = undefined;
          this.routeTo(target);
          continue;
        }
        if (this.bridge?.inLoop) {
          await this.host.loopBridge(this, this.bridge);
          continue;
        }
        const next = this.apps.shift();
        if (next) {
          await this.execute(next);
          continue;
        }
        if (this.privateQueue.length) {
          await this.processPrivate();
          continue;
        }
        // the extension ran out of applications: FreeSWITCH hangs up with NORMAL_CLEARING
        this.hangup('NORMAL_CLEARING');
      }
    } catch (err) {
      this.host.log.error({ err, uuid: this.uuid }, 'session loop failed');
      this.hangup('NORMAL_TEMPORARY_FAILURE');
    } finally {
      await this.finishHangup();
    }
  }

  private routeTo(target: TransferTarget): void {
    const ch = this.channel;
    if (ch.state !== 'CS_ROUTING') {
      // a transfer: back to routing; a leg taken out of a bridge also announces its new caller id
      this.setState('CS_ROUTING');
      if (this.leftBridge) ch.fire('CALL_UPDATE', ORIGIN.callUpdate, { prefix: [['Direction', 'SEND']] });
    }
    this.leftBridge = false;
    const apps = this.host.route(this, target);
    if (!apps) {
      this.host.log.info({ uuid: this.uuid, destination: target.destination, context: target.context }, 'no route, aborting');
      this.hangup('NO_ROUTE_DESTINATION');
      return;
    }
    this.apps = apps;
    this.setState('CS_EXECUTE');
  }

  /** Transfers to an extension (uuid_transfer, transfer app): the current app stops, routing restarts. */
  transfer(target: TransferTarget): void {
    const ch = this.channel;
    const now = this.host.bus.nowMicros();
    ch.pushVar('transfer_history', `${Math.floor(now / 1e6)}:${randomUUID()}:bl_xfer:${target.destination}/${target.context}/${target.dialplan}`);
    ch.times.transfer = now;
    ch.profile = { ...ch.profile, destinationNumber: target.destination, context: target.context, dialplan: target.dialplan, profileIndex: ch.profile.profileIndex + 1, profileCreated: now };
    ch.otherLeg = undefined;
    this.pendingTransfer = target;
    this.apps = [];
    if (this.bridge) this.bridge.link.end();
    this.appAbort?.abort();
    this.wake();
  }

  /** Queues a sendmsg message; it runs when the channel parks or between applications. */
  queuePrivate(msg: PrivateMsg): void {
    if (msg.kind === 'hangup') {
      this.hangup(msg.cause);
      return;
    }
    this.privateQueue.push(msg);
    this.wake();
  }

  hasPrivate(): boolean {
    return this.privateQueue.length > 0;
  }

  /** Runs queued messages one by one (switch_ivr_parse_all_events). */
  async processPrivate(): Promise<void> {
    while (this.up && this.privateQueue.length) {
      const msg = this.privateQueue.shift();
      if (msg?.kind === 'execute') {
        for (let i = 0; i < msg.loops && this.up; i++) await this.execute(msg.call);
      }
    }
  }

  /** Park loop body: waits for work (a queued message) or an abort. */
  waitForWork(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || this.privateQueue.length) {
        resolve();
        return;
      }
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wakeWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    const w = this.wakeWaiters;
    this.wakeWaiters = [];
    for (const f of w) f();
  }

  /** Resolves once the running application (if any) has completed. */
  appDone(): Promise<void> {
    if (!this.currentApp) return Promise.resolve();
    return new Promise((r) => this.appDoneWaiters.push(r));
  }

  /** Aborts the running application (uuid_break, uuid_bridge taking the channel). */
  breakApp(): void {
    this.appAbort?.abort();
    this.wake();
  }

  /**
   * Ends the hold music uuid_hold broadcast to this channel (switch_channel_stop_broadcast):
   * PLAYBACK_STOP and the playback's EXECUTE_COMPLETE, then the broadcast's PRIVATE_COMMAND.
   */
  stopHoldMusic(): Promise<void> {
    if (!this.holdMusic) return Promise.resolve();
    this.holdMusic = undefined;
    const playing = this.currentApp === 'playback';
    const stopped = playing ? this.appDone() : Promise.resolve();
    if (playing) this.breakApp();
    return stopped.then(() => {
      if (!this.up) return;
      this.channel.fire('PRIVATE_COMMAND', ORIGIN.privateCommand, {
        vars: false,
        prefix: [['call-command', 'execute'], ['execute-app-name', 'playback'], ['execute-app-arg', 'local_stream://moh'], ['event-lock', 'true'], ['lead-frames', '5'], ['loops', '1']],
      });
    });
  }

  /** While bridged: waits for the bridge to end; queued messages (hold music broadcasts) still run. */
  async bridgedWait(link: BridgeLink): Promise<void> {
    const ctl = new AbortController();
    // the bridge ending (the held party hung up) also ends the music this side hears
    void link.done.then(() => (ctl.abort(), void this.stopHoldMusic()));
    while (this.up && !link.ended) {
      await this.waitForWork(ctl.signal);
      if (this.privateQueue.length) await this.processPrivate();
    }
  }

  /** Drops the pending dialplan applications (used when a bridge ends a uuid_bridge'd leg). */
  get pendingApps(): number {
    return this.apps.length;
  }

  get transferPending(): boolean {
    return this.pendingTransfer !== undefined;
  }

  // ---- hangup -----------------------------------------------------------------------------

  /** Starts hanging up: CHANNEL_HANGUP now, the rest once the running application returns. */
  hangup(cause = 'NORMAL_CLEARING'): void {
    if (this.hangingUp) return;
    this.hangingUp = true;
    const ch = this.channel;
    ch.hangupCause = cause;
    ch.answerState = 'hangup';
    ch.times.hangup = this.host.bus.nowMicros();
    ch.setVar('hangup_cause', cause);
    ch.fire('CHANNEL_HANGUP', ORIGIN.hangup);
    this.appAbort?.abort();
    this.holdMusic?.abort();
    this.wake();
    const waiters = this.dtmfWaiters;
    this.dtmfWaiters = [];
    for (const w of waiters) w();
    if (this.bridge) this.bridge.link.end();
    if (!this.running) void this.finishHangup();
  }

  /** Keeps CHANNEL_DESTROY back until `p` settles (an outbound ESL socket holds the session). */
  holdDestroy(p: Promise<void>): void {
    this.destroyHolds.add(p);
  }

  private async finishHangup(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!this.hangingUp) this.hangup('NORMAL_CLEARING');
    const ch = this.channel;
    for (const bug of [...this.mediaBugs.values()]) await bug.stop('success');
    this.setState('CS_HANGUP');
    this.setCallState('HANGUP');
    this.presence();
    this.setState('CS_REPORTING');
    ch.fire('CHANNEL_HANGUP_COMPLETE', ORIGIN.hangupComplete, { prefix: [['Hangup-Cause', ch.hangupCause ?? 'NORMAL_CLEARING']] });
    this.endResolve(ch.hangupCause ?? 'NORMAL_CLEARING');
    while (this.destroyHolds.size) {
      const holds = [...this.destroyHolds];
      this.destroyHolds.clear();
      await Promise.allSettled(holds);
    }
    ch.fire('CHANNEL_DESTROY', ORIGIN.destroy);
    ch.state = 'CS_DESTROY';
    ch.fire('CHANNEL_STATE', ORIGIN.setState, { vars: false });
    this.host.sessionEnded(this);
  }
}
