/**
 * One queued call's agent part: a thin runner over the caller's outbound ESL session.
 * The runner only ever does one thing with the caller's channel (the *intent*): wait with
 * music, bridge to a leg, sit in the call's conference room, or leave (back to the IVR
 * flow, e.g. the survey). Control actions change the intent and interrupt what the
 * channel is doing; the loop then performs the next intent. Collaborators: CallRecorder
 * (recording), CallRecords (CDR), the ACD port (offers), the event bus.
 *
 *              offer                 bridge answered
 *   queued ───────────▶ ringing ─────────────────────▶ talking ◀──resume── held
 *     ▲  ▲  ring timeout  │                              │ │ └──hold──────▲
 *     │  └────────────────┘        consult (caller MOH)  │ └─transfer (group) ─▶ queued
 *     │                     consulting ◀─────────────────┘   transfer (agent/external) ─▶ ringing
 *     │                      │ complete / cancel / merge
 *     │                      ▼
 *     │                  conference ──(only the caller left)──▶ agent_left
 *   any ──caller hangs up──▶ ended          talking ──agent hangs up / survey──▶ agent_left
 *
 * Ownership: the session owns its legs (Map by uuid) and its recorder; close() is
 * idempotent and ends legs first, then the recording (registered for transcoding).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import { InvalidStateError, NotFoundError, ValidationError } from '../platform/errors';
import { ChannelHangupError, EslConnectionError, commands, type OutboundSession } from '../telephony';
import type { EslCommandTarget } from '../telephony/commands';
import { header, type RawEslEvent } from '../telephony/wire';
import { CallerHangupError } from '../ivr/engine/errors';
import type { QueueRequest, QueueResult } from '../ivr/engine/ports';
import { ContactGoneError } from '../routing/events';
import type { CallEventBus } from './events';
import { CallerPlayback } from './caller-playback';
import { CallJournal, type RetryPolicy } from './journal';
import { CallRecorder, RecorderState } from './recorder';
import type { CallRecords, LegKind } from './records';
import { Leg, ringOutcome, type ConsultTarget, type TransferTarget } from './legs';

export { Leg, ringOutcome, type ConsultTarget, type TransferTarget } from './legs';

export enum CallState {
  Queued = 'queued',
  Ringing = 'ringing',
  Talking = 'talking',
  Held = 'held',
  Consulting = 'consulting',
  Conference = 'conference',
  AgentLeft = 'agent_left',
  Ended = 'ended',
}

const MOVES: Record<CallState, CallState[]> = {
  [CallState.Queued]: [CallState.Ringing, CallState.AgentLeft, CallState.Ended],
  [CallState.Ringing]: [CallState.Queued, CallState.Talking, CallState.AgentLeft, CallState.Ended],
  [CallState.Talking]: [CallState.Held, CallState.Consulting, CallState.Queued, CallState.Ringing, CallState.Conference, CallState.AgentLeft, CallState.Ended],
  [CallState.Held]: [CallState.Talking, CallState.Queued, CallState.Ringing, CallState.Consulting, CallState.Conference, CallState.AgentLeft, CallState.Ended],
  [CallState.Consulting]: [CallState.Conference, CallState.AgentLeft, CallState.Ended],
  [CallState.Conference]: [CallState.Held, CallState.Queued, CallState.Ringing, CallState.Conference, CallState.AgentLeft, CallState.Ended],
  [CallState.AgentLeft]: [CallState.Ended],
  [CallState.Ended]: [],
};

/** The ACD as the session needs it (RoutingEngine implements it). */
export interface AcdPort {
  enqueue(req: { id: string; channel: 'voice'; priority: number; target: { kind: 'group'; id: string }; entry: { serviceNumber: string }; attributes: Record<string, string>; owner: string }): Promise<{ status: 'queued' | 'offered' } | { status: 'overflowed'; reason: string }>;
  accept(offerId: string): Promise<unknown>;
  reject(offerId: string): Promise<void>;
  complete(contactId: string): Promise<void>;
  abandon(contactId: string): Promise<unknown>;
  position(contactId: string): Promise<{ position: number | null; estimatedWaitSeconds: number | null }>;
  readonly instanceId: string;
}

export interface SessionDeps {
  esl: EslCommandTarget;
  acd: AcdPort;
  records: CallRecords;
  bus: CallEventBus;
  /** Dial string of an agent's phone, undefined when the agent has none. */
  agentDial(agentId: string): Promise<string | undefined>;
  gatewayDial: string;
  holdMusic: string;
  announceIntervalSec: number;
  /** Text → playable file (TTS); rejects when it cannot. */
  speak(text: string): Promise<string>;
  recordingsDir: string;
  registerRecording(r: { callId: string; agentIds: string[]; rawPath: string }): Promise<{ id: string }>;
  isBlocked(number: string): Promise<boolean>;
  /** How long the journal retries a record write (tests shorten it). */
  journalRetry?: RetryPolicy;
  log: Logger;
}


type Intent =
  | { kind: 'wait' }
  | { kind: 'bridge'; leg: Leg; timeoutSec: number }
  | { kind: 'conference' }
  | { kind: 'leave'; outcome: QueueResult };

const LONG_MS = 12 * 3600 * 1000;
const RING_SEC = 30;
const JOIN_TONE = 'tone_stream://%(300,0,880)';
const LEAVE_TONE = 'tone_stream://%(300,0,440)';

export class CallSession {
  #state = CallState.Queued;
  #intent: Intent = { kind: 'wait' };
  readonly #legs = new Map<string, Leg>();
  /** The agent leg the caller is (or was last) bridged to or conferenced with. */
  #agentLeg: Leg | undefined;
  #consultLeg: Leg | undefined;
  /** ACD contact currently representing this call (a re-queue makes a new one). */
  #contactId: string;
  #contactActive = false;
  #queueTimer: NodeJS.Timeout | undefined;
  #announceDue = false;
  #holdStartedAt: number | undefined;
  #members = new Map<string, number>();
  #recorder: CallRecorder;
  #closing: Promise<void> | undefined;
  #recordingFinished: Promise<void> | undefined;
  /** The call's record, written in order behind the call path (see CallJournal). */
  readonly #journal: CallJournal;
  #priority: number;
  #groupId: string;
  #offers = 0;
  #everAnswered = false;
  /** The agent leg that answered while the ACD accepts its offer (the caller may hang up meanwhile). */
  #answering: Leg | undefined;
  #fastMusicEnds = 0;
  #heldFromConference = false;
  /** The caller's hold music and announcements, and interrupting them (see CallerPlayback). */
  readonly #playback: CallerPlayback;
  /** The registry re-indexes the session when a re-queue gives it a new ACD contact id. */
  onContactChanged: ((contactId: string) => void) | undefined;
  /** An agent's contact on this call completed (the registry remembers whose journal to wait for). */
  onContactCompleted: ((agentId: string) => void) | undefined;
  readonly room: string;
  readonly log: Logger;
  readonly #off: (() => void)[] = [];
  #markFinished!: () => void;
  /** Resolves once run() returned and the session is closed (the CDR hints are written). */
  readonly finished = new Promise<void>((resolve) => (this.#markFinished = resolve));

  constructor(
    readonly callId: string,
    readonly caller: OutboundSession,
    private readonly req: QueueRequest & { groupId: string },
    private readonly deps: SessionDeps,
  ) {
    this.#contactId = callId;
    this.#priority = Math.min(100, Math.max(0, req.priority * 10));
    this.#groupId = req.groupId;
    this.room = `hotline-${callId}`;
    this.log = deps.log.child({ callId });
    this.#recorder = new CallRecorder(caller, deps.esl, deps.recordingsDir, callId, this.log);
    this.#playback = new CallerPlayback(caller, deps.esl, this.log);
    this.#journal = new CallJournal(callId, deps.records, deps.bus, this.log, deps.journalRetry);
    const onEvent = (ev: RawEslEvent) => this.#onCallerEvent(ev);
    caller.on('event', onEvent);
    this.#off.push(() => caller.off('event', onEvent));
  }

  get state(): CallState {
    return this.#state;
  }
  get contactId(): string {
    return this.#contactId;
  }
  get currentAgentId(): string | null {
    return this.#agentLeg?.agentId ?? null;
  }
  /** Agents with a leg on this call (for permission checks and event topics). */
  get agentIds(): string[] {
    return [...new Set([...this.#legs.values()].map((l) => l.agentId).filter((a): a is string => Boolean(a)))];
  }
  /** Settles once every record write queued so far is written (or given up). */
  journalDrained(): Promise<void> {
    return this.#journal.drained();
  }

  get recordingState(): string {
    return this.#recorder.state;
  }

  #transition(to: CallState, why: string): void {
    if (this.#state === to) return;
    if (!MOVES[this.#state].includes(to)) throw new InvalidStateError(`call ${this.callId}: cannot go from ${this.#state} to ${to} (${why})`);
    this.log.debug({ from: this.#state, to, why }, 'call state');
    this.#state = to;
  }

  // ── the runner ─────────────────────────────────────────────────────────

  /** Resolves when the caller leaves the agent part (QueuePort semantics); rejects with CallerHangupError. */
  async run(signal: AbortSignal): Promise<QueueResult> {
    const onAbort = () => void this.#interrupt();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const first = await this.#enqueue();
      this.#journal.record('queued', this.callId, { skillGroupId: this.#groupId, serviceNumber: this.caller.channel.destinationNumber });
      this.#journal.note('queued', null, { skillGroupId: this.#groupId, priority: this.#priority });
      if (first.status === 'overflowed') {
        this.#journal.record('hint', this.callId, 'overflowed');
        return first.reason === 'queue_length' ? 'full' : 'no_agents';
      }
      this.#contactActive = false;
      this.deps.bus.emit('call.queued', this.callId, [], { skillGroupId: this.#groupId, caller: this.caller.channel.callerIdNumber });
      this.#queueTimer = setTimeout(() => void this.#queueTimeout().catch((err: unknown) => this.log.error({ err }, 'queue timeout handling failed')), this.req.timeoutSec * 1000);
      for (;;) {
        const intent = this.#intent;
        if (intent.kind === 'leave') return intent.outcome;
        if (signal.aborted) throw new CallerHangupError('ABORTED');
        await this.#perform(intent);
        if (this.#intent === intent) await this.#activityEnded(intent);
      }
    } catch (err) {
      if (err instanceof ChannelHangupError || err instanceof EslConnectionError || err instanceof CallerHangupError || this.caller.hangupCause) {
        await this.#callerGone();
        throw err instanceof CallerHangupError ? err : new CallerHangupError(this.caller.hangupCause ?? 'CONNECTION_LOST');
      }
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
      await this.close();
      await this.#journal.drained();
      this.#markFinished();
    }
  }

  async #perform(intent: Exclude<Intent, { kind: 'leave' }>): Promise<void> {
    const s = this.caller;
    switch (intent.kind) {
      case 'wait': {
        const music = this.#fastMusicEnds > 2 ? 'silence_stream://-1' : (this.req.holdMusic ?? this.deps.holdMusic);
        const every = this.#state === CallState.Queued ? this.deps.announceIntervalSec : 0;
        const timer = every > 0 ? setTimeout(() => ((this.#announceDue = true), void this.#playback.interrupt()), every * 1000) : undefined;
        const t0 = Date.now();
        try {
          await this.#playback.play(music, LONG_MS, () => this.#intent !== intent);
        } finally {
          clearTimeout(timer);
        }
        if (this.#intent === intent && !this.#announceDue && Date.now() - t0 < 200) this.#fastMusicEnds++;
        if (this.#announceDue && this.#intent === intent && this.#state === CallState.Queued) {
          this.#announceDue = false;
          await this.#announce();
        }
        return;
      }
      case 'bridge': {
        const l = intent.leg;
        const vars = [
          `origination_uuid=${l.uuid}`,
          `hotline_call_id=${this.callId}`,
          `hotline_leg=${l.kind}`,
          `hotline_caller=${s.channel.callerIdNumber}`,
          `hotline_service_number=${s.channel.destinationNumber}`,
          `hotline_queue=${this.#groupId}`,
          `sip_h_X-Hotline-Call-Id=${this.callId}`,
        ];
        // continue_on_fail & co. are the caller's own variables (see bridgeCallerVariables); `{}` would give them to the agent leg.
        await s.api(commands.buildUuidSetvarMulti(s.uuid, commands.bridgeCallerVariables(this.deps.holdMusic)));
        const dial = `{originate_timeout=${intent.timeoutSec}}[${vars.join(',')}]${l.dial}`;
        const r = await s.execute('bridge', dial, { timeoutMs: LONG_MS });
        if (!l.answered) l.cause = header(r.event, 'variable_originate_disposition') ?? header(r.event, 'variable_DIALSTATUS') ?? 'UNKNOWN';
        return;
      }
      case 'conference': {
        const p = s.execute('conference', `${this.room}@default`, { timeoutMs: LONG_MS });
        await p;
        return;
      }
    }
  }

  /** The caller's activity ended by itself (not because the intent changed). */
  async #activityEnded(intent: Exclude<Intent, { kind: 'leave' }>): Promise<void> {
    if (intent.kind === 'wait') return;
    if (intent.kind === 'bridge') {
      const l = intent.leg;
      l.ended = true;
      if (l.answered) {
        this.#journal.record('legEnded', l.uuid, 'hangup', null);
        await this.#agentLeft('agent_hangup');
        return;
      }
      const cause = l.cause ?? 'UNKNOWN';
      this.#journal.record('legEnded', l.uuid, ringOutcome(cause), cause);
      this.deps.bus.emit('call.ringing', this.callId, [l.agentId], { state: 'failed', cause, legUuid: l.uuid });
      if (l.offerId) await this.deps.acd.reject(l.offerId).catch((err: unknown) => this.#ignoreGone(err));
      if (l.offerId || !this.#everAnswered) {
        this.#transition(CallState.Queued, 'ring failed');
        this.#intent = { kind: 'wait' };
        if (!l.offerId) await this.#requeue();
      } else {
        // A blind transfer nobody took: back to the queue, ahead of new callers.
        this.#transition(CallState.Queued, 'transfer target did not answer');
        this.#intent = { kind: 'wait' };
        await this.#requeue();
      }
      return;
    }
    // conference: the caller was let out (alone in the room) or the room ended
    await this.#agentLeft('conference_ended');
  }

  #ignoreGone(err: unknown): void {
    if (!(err instanceof NotFoundError) && !(err instanceof InvalidStateError)) this.log.warn({ err }, 'ACD call failed');
  }

  /** Interrupt what the caller's channel is doing so the loop performs the new intent. */
  async #interrupt(): Promise<void> {
    await this.#playback.interrupt();
  }

  /** Sets the next intent and ends the current activity: kills/moves legs, kicks from the room, breaks music. */
  async #setIntent(next: Intent, current: { kill?: Leg; outcome?: string; moveToRoom?: Leg } = {}): Promise<void> {
    const was = this.#intent;
    this.#intent = next;
    if (current.moveToRoom) {
      await commands.uuidTransferInline(this.deps.esl, { uuid: current.moveToRoom.uuid, apps: [{ app: 'conference', arg: `${this.room}@default` }] });
    }
    if (current.kill) await this.#killLeg(current.kill, current.outcome ?? 'hangup');
    if (was.kind === 'wait') await this.#playback.interrupt();
    if (was.kind === 'conference') await this.#kickCaller();
  }

  async #killLeg(l: Leg, outcome: string): Promise<void> {
    if (l.ended) return;
    l.ended = true;
    this.#journal.record('legEnded', l.uuid, outcome, null);
    await commands.uuidKill(this.deps.esl, l.uuid).catch((err: unknown) => this.log.debug({ err, leg: l.uuid }, 'uuid_kill failed (leg already gone)'));
  }

  async #kickCaller(): Promise<void> {
    const id = this.#members.get(this.caller.uuid);
    if (id === undefined) return; // not in yet: member_add will kick (see onConferenceEvent)
    await commands.conferenceCommand(this.deps.esl, this.room, { action: 'kick', member: id }).catch((err: unknown) => this.log.debug({ err }, 'kick failed'));
  }

  // ── ACD offers ─────────────────────────────────────────────────────────

  /** An ACD offer for this call: ring the agent (the bridge answers → accept, fails → reject). */
  async offer(o: { offerId: string; contactId: string; agentId: string; deadline: number }): Promise<void> {
    // An offer for a contact this call no longer is (superseded by a re-queue) or a call that is over would be rejected and re-offered for ever.
    if (o.contactId !== this.#contactId || this.#state === CallState.AgentLeft || this.#state === CallState.Ended || this.#intent.kind === 'leave') {
      throw new ContactGoneError(o.contactId, `call ${this.callId} is ${this.#state} with contact ${this.#contactId}`);
    }
    if (this.#state !== CallState.Queued || this.#intent.kind !== 'wait') throw new InvalidStateError(`call ${this.callId} is ${this.#state}, not waiting for an agent`);
    const dial = await this.deps.agentDial(o.agentId);
    if (!dial) throw new NotFoundError('Agent phone');
    const ringSec = Math.max(1, Math.floor((o.deadline - Date.now()) / 1000) - 1);
    const leg = this.#newLeg('agent', dial, o.agentId, o.offerId, null);
    this.#offers++;
    this.#journal.record('offered', this.callId);
    this.#journal.note('offered', o.agentId, { offerId: o.offerId, legUuid: leg.uuid });
    this.#transition(CallState.Ringing, 'offer');
    this.deps.bus.emit('call.ringing', this.callId, [o.agentId], { legUuid: leg.uuid, caller: this.caller.channel.callerIdNumber, serviceNumber: this.caller.channel.destinationNumber, skillGroupId: this.#groupId });
    await this.#setIntent({ kind: 'bridge', leg, timeoutSec: ringSec });
  }

  /** The ACD gave up on the offer (timeout or the contact left): stop ringing. */
  async offerEnded(offerId: string): Promise<void> {
    const i = this.#intent;
    if (i.kind === 'bridge' && i.leg.offerId === offerId && !i.leg.answered) {
      await commands.uuidKill(this.deps.esl, i.leg.uuid, 'NO_ANSWER').catch(() => undefined);
    }
  }

  /** The ACD moved the contact out (wait overflow to voicemail or a flow node). */
  async overflowed(): Promise<void> {
    if (this.#state !== CallState.Queued) return;
    this.#journal.record('hint', this.callId, this.#offers > 0 ? 'ring_no_answer' : 'overflowed');
    await this.#setIntent({ kind: 'leave', outcome: 'timeout' });
  }

  async #queueTimeout(): Promise<void> {
    if (this.#state !== CallState.Queued || this.#intent.kind !== 'wait') return;
    try {
      await this.deps.acd.abandon(this.#contactId);
    } catch (err) {
      this.#ignoreGone(err);
      return;
    }
    this.#journal.record('hint', this.callId, this.#offers > 0 ? 'ring_no_answer' : 'overflowed');
    this.#journal.note('queue_timeout', null, {});
    await this.#setIntent({ kind: 'leave', outcome: 'timeout' });
  }

  async #announce(): Promise<void> {
    try {
      const p = await this.deps.acd.position(this.#contactId);
      if (p.position === null) return;
      const minutes = p.estimatedWaitSeconds === null ? null : Math.max(1, Math.round(p.estimatedWaitSeconds / 60));
      const text = minutes === null ? `您前面还有${p.position - 1}位客户在等待，请稍候。` : `您前面还有${p.position - 1}位客户在等待，预计等待${minutes}分钟，请稍候。`;
      const file = await this.deps.speak(text);
      if (this.#intent.kind === 'wait' && this.#state === CallState.Queued) await this.#playback.play(file, undefined, () => this.#intent.kind !== 'wait');
    } catch (err) {
      if (err instanceof ChannelHangupError || err instanceof EslConnectionError) throw err;
      this.log.warn({ err }, 'queue announcement failed');
    }
  }

  // ── channel events ─────────────────────────────────────────────────────

  #onCallerEvent(ev: RawEslEvent): void {
    if (this.#playback.onEvent(ev)) return;
    if (ev.name === 'CHANNEL_BRIDGE') {
      const i = this.#intent;
      const other = header(ev, 'Other-Leg-Unique-ID') ?? header(ev, 'Bridge-B-Unique-ID');
      if (i.kind === 'bridge' && (!other || other === i.leg.uuid) && !i.leg.answered) {
        i.leg.answered = true;
        void this.#legAnswered(i.leg).catch((err: unknown) => this.log.error({ err }, 'handling the answered leg failed'));
      }
    }
  }

  async #legAnswered(l: Leg): Promise<void> {
    // The agent picked up and the caller heard them: a fact for the record, whatever the ACD says next.
    this.#everAnswered = true;
    this.#answering = l;
    clearTimeout(this.#queueTimer);
    this.#journal.record('legAnswered', l.uuid);
    this.#journal.record('answered', this.callId, l.agentId);
    if (l.offerId) {
      try {
        await this.deps.acd.accept(l.offerId);
        this.#contactActive = true;
      } catch (err) {
        this.#answering = undefined;
        this.log.warn({ err, offerId: l.offerId }, 'the ACD no longer holds this offer: dropping the agent leg');
        await this.#setIntent({ kind: 'wait' }, { kill: l, outcome: 'offer_expired' });
        if (this.#state === CallState.Ringing) this.#transition(CallState.Queued, 'offer expired');
        return;
      }
    }
    this.#answering = undefined;
    this.#agentLeg = l;
    if (this.#state === CallState.Ended || this.#state === CallState.AgentLeft) {
      // The call ended while the ACD was accepting: the contact ends now, the agent is not left holding it.
      await this.#completeContact();
      return;
    }
    this.#transition(CallState.Talking, 'answered');
    this.#journal.note('answered', l.agentId, { legUuid: l.uuid, kind: l.kind }, { type: 'call.answered', agents: [l.agentId] });
    if (this.#recorder.state === RecorderState.Idle) await this.#recorder.start().catch((err: unknown) => this.log.error({ err }, 'starting the recording failed'));
  }

  /** conference::maintenance for this call's room. */
  onConferenceEvent(e: { type: 'conference.member_add' | 'conference.member_del'; uuid?: string; memberId: number }): void {
    if (!e.uuid) return;
    if (e.type === 'conference.member_add') {
      this.#members.set(e.uuid, e.memberId);
      if (e.uuid === this.caller.uuid && this.#intent.kind !== 'conference') void this.#kickCaller();
      if (this.#members.size >= 2) void this.#tone(JOIN_TONE);
      return;
    }
    this.#members.delete(e.uuid);
    const leg = this.#legs.get(e.uuid);
    if (leg && !leg.ended) {
      leg.ended = true;
      this.#journal.record('legEnded', leg.uuid, 'hangup', null);
    }
    if (e.uuid === this.caller.uuid) return;
    const others = [...this.#members.keys()].filter((u) => u !== this.caller.uuid);
    if (this.#members.has(this.caller.uuid) && others.length === 0 && this.#intent.kind === 'conference') void this.#kickCaller();
    else if (this.#members.size >= 2) void this.#tone(LEAVE_TONE);
  }

  async #tone(file: string): Promise<void> {
    await commands.conferenceCommand(this.deps.esl, this.room, { action: 'play', path: file }).catch(() => undefined);
  }

  // ── call control (the softphone bar) ───────────────────────────────────

  #requireAgentPart(): Leg {
    const l = this.#agentLeg;
    if (!l || ![CallState.Talking, CallState.Held, CallState.Conference].includes(this.#state)) throw new InvalidStateError(`call ${this.callId} is ${this.#state}: no conversation to act on`);
    return l;
  }

  /** Resolves when FreeSWITCH accepted the hold; the caller hears music. */
  async hold(by: string | null): Promise<void> {
    const l = this.#requireAgentPart();
    if (this.#state === CallState.Held) return;
    if (this.#state === CallState.Conference) await this.#setIntent({ kind: 'wait' });
    else await commands.uuidHold(this.deps.esl, l.uuid, 'on');
    this.#holdStartedAt = Date.now();
    const wasConference = this.#state === CallState.Conference;
    this.#transition(CallState.Held, 'hold');
    this.#heldFromConference = wasConference;
    this.#journal.note('held', by, {}, { type: 'call.held', agents: this.agentIds });
  }

  async resume(by: string | null): Promise<void> {
    if (this.#state !== CallState.Held) throw new InvalidStateError(`call ${this.callId} is not on hold`);
    const l = this.#requireAgentPart();
    const fromConference = this.#heldFromConference;
    if (fromConference) await this.#setIntent({ kind: 'conference' });
    else await commands.uuidHold(this.deps.esl, l.uuid, 'off');
    this.#transition(fromConference ? CallState.Conference : CallState.Talking, 'resume');
    const ms = Date.now() - (this.#holdStartedAt ?? Date.now());
    this.#holdStartedAt = undefined;
    this.#journal.record('held', this.callId, ms);
    this.#journal.note('resumed', by, { heldMs: ms }, { type: 'call.resumed', agents: this.agentIds });
  }

  #closeHoldSegment(): void {
    if (this.#holdStartedAt === undefined) return;
    const ms = Date.now() - this.#holdStartedAt;
    this.#holdStartedAt = undefined;
    this.#journal.record('held', this.callId, ms);
  }

  /** Blind transfer. Resolves when the transfer started; ringing/answered events follow. */
  async transfer(target: TransferTarget, by: string | null): Promise<void> {
    const old = this.#requireAgentPart();
    if (target.kind === 'external' && (await this.deps.isBlocked(target.number))) throw new ValidationError('This number is blacklisted', [{ path: 'target.number', message: 'blacklisted' }]);
    if (target.kind === 'ivr') {
      if (!(await this.deps.records.flowHasNode(this.callId, target.node))) throw new ValidationError(`The call's flow has no node "${target.node}"`, [{ path: 'target.node', message: 'no such node in the flow' }]);
      this.#closeHoldSegment();
      this.#journal.record('transferred', this.callId);
      this.#journal.note('transferred', by, { target }, { type: 'call.transferred', agents: this.agentIds });
      // The agent part ends (legs, recording, ACD contact); the queue node continues the flow at the node.
      await this.#setIntent({ kind: 'leave', outcome: { transfer: 'ivr', node: target.node } });
      await this.#agentLeft('transfer_ivr');
      return;
    }
    this.#closeHoldSegment();
    await this.#completeContact();
    this.#journal.record('transferred', this.callId);
    this.#journal.note('transferred', by, { target }, { type: 'call.transferred', agents: [...this.agentIds, target.kind === 'agent' ? target.agentId : null] });
    const killOld = this.#state === CallState.Conference ? undefined : old;
    if (target.kind === 'group') {
      this.#transition(CallState.Queued, 'transfer to group');
      await this.#setIntent({ kind: 'wait' }, { kill: killOld, outcome: 'transferred' });
      await this.#endRoom();
      this.#groupId = target.groupId;
      this.#priority = Math.min(100, this.#priority + 10);
      await this.#requeue();
      return;
    }
    const leg = target.kind === 'agent' ? await this.#agentLegFor(target.agentId) : this.#newLeg('external', this.deps.gatewayDial.replace('{number}', target.number), null, null, target.number);
    this.#transition(CallState.Ringing, 'blind transfer');
    this.deps.bus.emit('call.ringing', this.callId, [leg.agentId], { legUuid: leg.uuid, transfer: true });
    await this.#setIntent({ kind: 'bridge', leg, timeoutSec: RING_SEC }, { kill: killOld, outcome: 'transferred' });
    await this.#endRoom();
  }

  async #agentLegFor(agentId: string): Promise<Leg> {
    const dial = await this.deps.agentDial(agentId);
    if (!dial) throw new NotFoundError('Agent phone');
    return this.#newLeg('agent', dial, agentId, null, null);
  }

  /** Consult: the caller hears music, the agent talks to the target in the call's room. Resolves once the consult leg is dialling. */
  async consult(target: ConsultTarget, by: string | null): Promise<{ legUuid: string }> {
    const agent = this.#requireAgentPart();
    if (this.#state === CallState.Conference) throw new InvalidStateError('already in a conference');
    if (target.kind === 'external' && (await this.deps.isBlocked(target.number))) throw new ValidationError('This number is blacklisted', [{ path: 'target.number', message: 'blacklisted' }]);
    const dial = target.kind === 'agent' ? await this.deps.agentDial(target.agentId) : this.deps.gatewayDial.replace('{number}', target.number);
    if (!dial) throw new NotFoundError('Agent phone');
    if (this.#state === CallState.Held) {
      await commands.uuidHold(this.deps.esl, agent.uuid, 'off').catch(() => undefined);
      this.#closeHoldSegment();
    }
    const leg = this.#newLeg('consult', dial, target.kind === 'agent' ? target.agentId : null, null, target.kind === 'external' ? target.number : null);
    this.#consultLeg = leg;
    this.#transition(CallState.Consulting, 'consult');
    this.#holdStartedAt = Date.now();
    await this.#setIntent({ kind: 'wait' }, { moveToRoom: agent });
    this.#journal.note('consult', by, { target, legUuid: leg.uuid }, { type: 'call.consult', agents: this.agentIds, data: { state: 'ringing', target, legUuid: leg.uuid } });
    void commands
      .originate(this.deps.esl, { endpoint: dial, uuid: leg.uuid, callId: this.callId, timeoutSec: RING_SEC, callerIdNumber: this.caller.channel.destinationNumber, destination: { app: 'conference', arg: `${this.room}@default` }, variables: { hotline_leg: 'consult' } })
      .then(() => {
        leg.answered = true;
        this.#journal.record('legAnswered', leg.uuid);
        this.deps.bus.emit('call.consult', this.callId, this.agentIds, { state: 'answered', legUuid: leg.uuid });
      })
      .catch((err: unknown) => {
        leg.ended = true;
        this.#journal.record('legEnded', leg.uuid, 'consult_failed', err instanceof Error ? err.message : String(err));
        this.deps.bus.emit('call.consult', this.callId, this.agentIds, { state: 'failed', legUuid: leg.uuid });
      });
    return { legUuid: leg.uuid };
  }

  #requireConsult(): Leg {
    const c = this.#consultLeg;
    if (this.#state !== CallState.Consulting || !c) throw new InvalidStateError(`call ${this.callId} is not in a consultation`);
    return c;
  }

  /** Consult → transfer: the agent leaves, the caller joins the consulted party. */
  async consultComplete(by: string | null): Promise<void> {
    const c = this.#requireConsult();
    if (!c.answered || c.ended) throw new InvalidStateError('the consulted party has not answered');
    const agent = this.#agentLeg!;
    this.#closeHoldSegment();
    await this.#completeContact();
    this.#transition(CallState.Conference, 'consult complete');
    await this.#setIntent({ kind: 'conference' }, { kill: agent, outcome: 'transferred' });
    this.#agentLeg = c;
    this.#consultLeg = undefined;
    this.#journal.record('transferred', this.callId);
    this.#journal.record('answered', this.callId, c.agentId);
    this.#journal.note('transferred', by, { consult: true, legUuid: c.uuid }, { type: 'call.transferred', agents: this.agentIds });
  }

  /** Consult → cancel: the consulted party is dropped, the caller is back with the agent. */
  async consultCancel(by: string | null): Promise<void> {
    const c = this.#requireConsult();
    this.#closeHoldSegment();
    this.#transition(CallState.Conference, 'consult cancelled');
    await this.#setIntent({ kind: 'conference' }, { kill: c, outcome: 'cancelled' });
    this.#consultLeg = undefined;
    this.#journal.note('consult_cancelled', by, { legUuid: c.uuid }, { type: 'call.consult', agents: this.agentIds, data: { state: 'cancelled', legUuid: c.uuid } });
  }

  /** Consult → three-way: the caller joins the agent and the consulted party (join/leave tones). */
  async merge(by: string | null): Promise<void> {
    const c = this.#requireConsult();
    if (!c.answered || c.ended) throw new InvalidStateError('the consulted party has not answered');
    this.#closeHoldSegment();
    this.#transition(CallState.Conference, 'three-way');
    await this.#setIntent({ kind: 'conference' });
    this.#consultLeg = undefined;
    if (c.agentId) this.#journal.record('answered', this.callId, c.agentId);
    this.#journal.note('conference', by, { legUuid: c.uuid }, { type: 'call.conference', agents: this.agentIds, data: { parties: 3 } });
  }

  /** The agent leaves and the caller goes on in the flow (the satisfaction survey). */
  async sendToSurvey(by: string | null): Promise<void> {
    this.#requireAgentPart();
    this.#journal.note('survey_sent', by, {});
    await this.#setIntent({ kind: 'leave', outcome: 'answered' });
    await this.#agentLeft('survey');
  }

  async sendDtmf(digits: string): Promise<void> {
    this.#requireAgentPart();
    if (!/^[0-9*#A-D]{1,32}$/.test(digits)) throw new ValidationError('digits: 0-9 * # A-D, up to 32', [{ path: 'digits', message: 'invalid DTMF' }]);
    await this.deps.esl.api(`uuid_send_dtmf ${this.caller.uuid} ${digits}`);
  }

  async pauseRecording(by: string | null): Promise<void> {
    await this.#recorder.pause();
    this.#journal.note('recording_paused', by, {});
  }

  async resumeRecording(by: string | null): Promise<void> {
    await this.#recorder.resume();
    this.#journal.note('recording_resumed', by, {});
  }

  /** Ends the whole call. */
  async hangup(by: string | null): Promise<void> {
    this.#journal.note('hangup', by, {});
    await commands.uuidKill(this.deps.esl, this.caller.uuid).catch((err: unknown) => this.log.debug({ err }, 'caller already gone'));
  }

  // ── endings ────────────────────────────────────────────────────────────

  async #agentLeft(why: string): Promise<void> {
    if (this.#state === CallState.AgentLeft || this.#state === CallState.Ended) return;
    this.#closeHoldSegment();
    this.#transition(CallState.AgentLeft, why);
    if (this.#intent.kind !== 'leave') this.#intent = { kind: 'leave', outcome: 'answered' };
    await this.#completeContact();
    this.#journal.record('agentLeft', this.callId);
    this.deps.bus.emit('call.agent_left', this.callId, this.agentIds, { why });
    await this.#endLegs('agent_left');
    await this.#finishRecording();
  }

  /**
   * The ACD contact ends: the agent who took the offer starts wrap-up. The timeline row is
   * queued first; the wrap-up's end (an ACD presence event) waits for this call's journal
   * (CallSessions.journalOf) before it looks for its call and leg.
   */
  async #completeContact(): Promise<void> {
    if (!this.#contactActive) return;
    this.#contactActive = false;
    const leg = this.#agentLeg;
    this.#journal.note('contact_completed', leg?.agentId ?? null, { contactId: this.#contactId, legUuid: leg?.uuid ?? null });
    if (leg?.agentId) this.onContactCompleted?.(leg.agentId);
    // The ACD first: the agent's next offer never waits on the record (the journal writes it behind).
    await this.deps.acd.complete(this.#contactId).catch((err: unknown) => this.#ignoreGone(err));
  }

  /** The caller's current contact, into the ACD; this process owns its offers (it holds the socket). */
  #enqueue(): ReturnType<SessionDeps['acd']['enqueue']> {
    return this.deps.acd.enqueue({
      id: this.#contactId,
      channel: 'voice',
      priority: this.#priority,
      target: { kind: 'group', id: this.#groupId },
      entry: { serviceNumber: this.caller.channel.destinationNumber },
      attributes: this.req.attributes,
      owner: this.deps.acd.instanceId,
    });
  }

  async #requeue(): Promise<void> {
    this.#contactId = randomUUID();
    this.onContactChanged?.(this.#contactId);
    const r = await this.#enqueue();
    this.#journal.note('queued', null, { skillGroupId: this.#groupId, priority: this.#priority, requeue: true });
    if (r.status === 'overflowed') await this.#setIntent({ kind: 'leave', outcome: 'no_agents' });
  }

  async #endRoom(): Promise<void> {
    if (this.#members.size === 0) return;
    await commands.conferenceCommand(this.deps.esl, this.room, { action: 'hup', member: 'all' }).catch(() => undefined);
  }

  async #callerGone(): Promise<void> {
    const state = this.#state;
    if (state === CallState.Ended) return;
    if (state === CallState.Ringing && this.#answering) {
      // The agent answered and the ACD is accepting: #legAnswered completes the contact once it is accepted.
      this.#agentLeg = this.#answering;
      this.#journal.record('agentLeft', this.callId);
    } else if (state === CallState.Queued || state === CallState.Ringing) {
      await this.deps.acd.abandon(this.#contactId).catch((err: unknown) => this.#ignoreGone(err));
      this.#journal.record('hint', this.callId, state === CallState.Ringing ? 'abandoned_ringing' : this.#everAnswered ? 'answered' : 'abandoned_queue');
    } else if (state !== CallState.AgentLeft) {
      this.#closeHoldSegment();
      await this.#completeContact();
      this.#journal.record('agentLeft', this.callId);
    }
    this.#state = CallState.Ended;
  }

  async #endLegs(outcome: string): Promise<void> {
    await Promise.all([...this.#legs.values()].map((l) => this.#killLeg(l, outcome)));
    await this.#endRoom();
  }

  /** Once per call, whoever asks first (the agent leaving, or close()): one recording row per call. */
  #finishRecording(): Promise<void> {
    this.#recordingFinished ??= this.#registerRecording();
    return this.#recordingFinished;
  }

  async #registerRecording(): Promise<void> {
    const file = await this.#recorder.stop();
    if (!file) return;
    const agentIds = this.agentIds;
    // In the journal: retried like any record write (registering is idempotent per file), in order.
    this.#journal.write('recording', async (r) => {
      const rec = await this.deps.registerRecording({ callId: this.callId, agentIds, rawPath: file });
      await r.setRecording(this.callId, rec.id);
    });
  }

  #newLeg(kind: LegKind, dial: string, agentId: string | null, offerId: string | null, number: string | null): Leg {
    const leg = new Leg(randomUUID(), kind, dial, agentId, offerId, number);
    this.#legs.set(leg.uuid, leg);
    this.#journal.record('legStarted', { uuid: leg.uuid, callId: this.callId, kind, agentId, number, dial });
    return leg;
  }

  /**
   * Whatever way the session ends (an error included), its ACD contact ends with it: a
   * served one completes, a waiting or ringing one is abandoned. Nothing is left for the
   * ACD to offer again or to hold an agent with.
   */
  async #releaseContact(): Promise<void> {
    if (this.#contactActive) await this.#completeContact();
    else if (this.#answering === undefined && (this.#state === CallState.Queued || this.#state === CallState.Ringing)) await this.deps.acd.abandon(this.#contactId).catch((err: unknown) => this.#ignoreGone(err));
  }

  /** Idempotent: the ACD contact is released, legs end, then the recording is stopped and registered. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#queueTimer);
      for (const off of this.#off.splice(0)) off();
      await this.#releaseContact();
      await this.#endLegs('call_ended').catch((err: unknown) => this.log.warn({ err }, 'ending legs failed'));
      await this.#finishRecording();
    })();
    return this.#closing;
  }
}
