/**
 * A call's journal: what happens on the call, written to its record in the order it
 * happened, without the call path waiting on Postgres. A caller must never hear silence,
 * and an agent never stay "busy", because an INSERT is slow: the journal takes each
 * write at once (stamped with the time it happened), runs the writes one after another,
 * and retries one that fails (a pool timeout under CPU pressure, a dropped connection)
 * with backoff before the next, so the record ends up complete and in order. A write
 * that keeps failing is given up after the retry budget and logged with the call id.
 *
 * note() is the one way to say "this happened": the timeline row and the live event
 * (realtime + webhooks) in one call; the event goes out at once, the row in its turn.
 */
import type { Logger } from '../logging/logger';
import { SerialWriter, WRITE_RETRY, type RetryPolicy } from '../platform/retry';
import type { CallEventBus, CallEventType } from './events';
import type { CallRecords, Disposition } from './records';

/** The record writes the call path makes (reads stay direct). */
export type RecordWrites = Pick<CallRecords, 'event' | 'legStarted' | 'legAnswered' | 'legEnded' | 'queued' | 'offered' | 'answered' | 'held' | 'transferred' | 'agentLeft' | 'hint' | 'setRecording'>;

/** Each write's arguments, evaluated when the fact happens (the journal adds the time where the record keeps one). */
export interface RecordArgs {
  event: [callId: string, type: string, agentId: string | null, data: Record<string, unknown>];
  legStarted: [leg: Parameters<CallRecords['legStarted']>[0]];
  legAnswered: [uuid: string];
  legEnded: [uuid: string, outcome: string, cause: string | null];
  queued: [callId: string, q: Parameters<CallRecords['queued']>[1]];
  offered: [callId: string];
  answered: [callId: string, agentId: string | null];
  agentLeft: [callId: string];
  held: [callId: string, ms: number];
  transferred: [callId: string];
  hint: [callId: string, disposition: Disposition];
  setRecording: [callId: string, recordingId: string];
}

function run<K extends keyof RecordArgs>(r: RecordWrites, name: K, args: RecordArgs[K], at: Date): Promise<void> {
  const a: RecordArgs[keyof RecordArgs] = args;
  switch (name) {
    case 'event': {
      const [callId, type, agentId, data] = a as RecordArgs['event'];
      return r.event(callId, type, agentId, data, at);
    }
    case 'legStarted':
      return r.legStarted((a as RecordArgs['legStarted'])[0], at);
    case 'legAnswered':
      return r.legAnswered((a as RecordArgs['legAnswered'])[0], at);
    case 'legEnded': {
      const [uuid, outcome, cause] = a as RecordArgs['legEnded'];
      return r.legEnded(uuid, outcome, cause, at);
    }
    case 'queued': {
      const [callId, q] = a as RecordArgs['queued'];
      return r.queued(callId, q, at);
    }
    case 'offered':
      return r.offered((a as RecordArgs['offered'])[0], at);
    case 'answered': {
      const [callId, agentId] = a as RecordArgs['answered'];
      return r.answered(callId, agentId, at);
    }
    case 'agentLeft':
      return r.agentLeft((a as RecordArgs['agentLeft'])[0], at);
    case 'held':
      return r.held(...(a as RecordArgs['held']));
    case 'transferred':
      return r.transferred(...(a as RecordArgs['transferred']));
    case 'hint':
      return r.hint(...(a as RecordArgs['hint']));
    case 'setRecording':
      return r.setRecording(...(a as RecordArgs['setRecording']));
  }
  throw new Error(`unknown record write ${String(name)}`);
}

export type { RetryPolicy } from '../platform/retry';

export interface LiveEvent {
  type: CallEventType;
  agents: (string | null | undefined)[];
  data?: Record<string, unknown>;
}

export class CallJournal {
  /** The ordered, retried writing itself (the same writer keeps the ACD's history). */
  readonly #writer: SerialWriter;

  constructor(
    private readonly callId: string,
    private readonly records: RecordWrites,
    private readonly bus: CallEventBus,
    log: Logger,
    retry: RetryPolicy = WRITE_RETRY,
  ) {
    this.#writer = new SerialWriter(log, retry);
  }

  /** Writes given up on so far (the record is missing them). */
  get failedWrites(): number {
    return this.#writer.failedWrites;
  }

  /** Queues a write after those before it and returns at once; `at` is now, when it happened. */
  write(what: string, op: (records: RecordWrites, at: Date) => Promise<unknown>): void {
    const at = new Date();
    this.#writer.write(what, () => op(this.records, at), { callId: this.callId });
  }

  /** One record write, its arguments as of now. */
  record<K extends keyof RecordArgs>(name: K, ...args: RecordArgs[K]): void {
    this.write(name, (r, at) => run(r, name, args, at));
  }

  /** A timeline row (`call_events`) and, when given, its live event: one fact, said once. */
  note(type: string, by: string | null, data: Record<string, unknown>, live?: LiveEvent): void {
    this.record('event', this.callId, type, by, data);
    if (live) this.bus.emit(live.type, this.callId, live.agents, live.data ?? data);
  }

  /** Settles when every write queued so far is written or given up (at most `ms`). */
  drained(ms = 60_000): Promise<void> {
    return this.#writer.drained(ms);
  }
}
