/**
 * The calls in this process that wait for or talk to agents: the IVR queue node's
 * QueuePort (service 'ivr.queue') and the ACD's voice OfferSink. Sessions are indexed by
 * call id, ACD contact id and conference room; each is dropped when it closes.
 */
import type { CallChannel, QueuePort, QueueRequest, QueueResult } from '../ivr/engine/ports';
import { ContactGoneError, type OfferEvent, type OfferSink } from '../routing/events';
import type { OutboundSession } from '../telephony';
import { groupIdByName } from './records';
import { CallSession, type SessionDeps } from './session';
import type { Db } from '../db/pool';
import { ReadThroughCache } from '../platform/read-through-cache';

export interface OutboundSessions {
  sessions(): OutboundSession[];
}

export interface CallOwnership {
  claim(callId: string): Promise<void>;
  release(callId: string): Promise<void>;
}

export class CallSessions implements QueuePort, OfferSink {
  readonly #byCall = new Map<string, CallSession>();
  readonly #byContact = new Map<string, CallSession>();
  readonly #byRoom = new Map<string, CallSession>();
  /** The call each agent last completed a contact on: its wrap-up's end waits for that call's record. */
  readonly #lastCompleted = new Map<string, CallSession>();
  /** Skill groups by the name a flow queues for: a queueing caller never waits on a slow Postgres for it. */
  readonly #groups: ReadThroughCache<string, string | undefined>;

  constructor(
    db: Db,
    private readonly outbound: OutboundSessions,
    private readonly deps: SessionDeps,
    /** Where other processes look up which process holds a call (CallControl); optional for tests. */
    private readonly ownership?: CallOwnership,
  ) {
    this.#groups = new ReadThroughCache({ load: (name) => groupIdByName(db, name), freshMs: 5000 });
  }

  get(callId: string): CallSession | undefined {
    return this.#byCall.get(callId);
  }

  byContact(contactId: string): CallSession | undefined {
    return this.#byContact.get(contactId);
  }

  byRoom(room: string): CallSession | undefined {
    return this.#byRoom.get(room);
  }

  byCallerUuid(uuid: string): CallSession | undefined {
    return [...this.#byCall.values()].find((s) => s.caller.uuid === uuid);
  }

  /** Settles when the record of the agent's last completed call is written (immediately when there is none). */
  async journalOf(agentId: string): Promise<void> {
    await this.#lastCompleted.get(agentId)?.journalDrained();
  }

  list(): CallSession[] {
    return [...this.#byCall.values()];
  }

  /** QueuePort: resolves when the caller leaves the agent part; rejects with CallerHangupError. */
  async enqueue(req: QueueRequest, channel: CallChannel, signal: AbortSignal): Promise<QueueResult> {
    const caller = this.outbound.sessions().find((s) => s.uuid === channel.uuid);
    if (!caller) {
      this.deps.log.warn({ callId: req.callId }, 'queue: the caller is not on an outbound socket of this process');
      return 'no_agents';
    }
    const groupId = await this.#groups.get(req.skillGroup);
    if (!groupId) {
      this.deps.log.warn({ skillGroup: req.skillGroup }, 'queue: no such skill group');
      return 'no_agents';
    }
    const session = new CallSession(req.callId, caller, { ...req, groupId }, this.deps);
    this.#byCall.set(req.callId, session);
    this.#byContact.set(session.contactId, session);
    this.#byRoom.set(session.room, session);
    session.onContactChanged = (id) => this.#byContact.set(id, session);
    session.onContactCompleted = (agentId) => this.#lastCompleted.set(agentId, session);
    await this.ownership?.claim(req.callId).catch((err: unknown) => this.deps.log.warn({ err, callId: req.callId }, 'claiming the call for remote control failed'));
    try {
      return await session.run(signal);
    } finally {
      await this.ownership?.release(req.callId).catch((err: unknown) => this.deps.log.warn({ err, callId: req.callId }, 'releasing the call claim failed'));
      this.#byCall.delete(req.callId);
      this.#byRoom.delete(session.room);
      for (const [k, v] of this.#byContact) if (v === session) this.#byContact.delete(k);
    }
  }

  /** OfferSink: throwing makes the ACD treat the offer as rejected. */
  async offer(o: OfferEvent): Promise<void> {
    const session = this.#byContact.get(o.contactId);
    // This process owns the contact (it held the call's socket): no session means the call is over.
    if (!session) throw new ContactGoneError(o.contactId, 'its call has ended');
    await session.offer(o);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.list().map((s) => s.close()));
  }
}
