import type Redis from 'ioredis';
import type { Logger } from '../logging/logger';

type Handler = (event: unknown, topic: string) => void;
/** Sees every message once, with all its topics: the agent channel forwards it to its rooms. */
type Tap = (topics: string[], event: unknown, name: string | undefined) => void;

/**
 * Publish/subscribe across server processes. publish() goes through one Redis
 * channel; every process (the publisher included) receives each message on its
 * own subscriber connection and hands it to the local handlers of its topics:
 * in-process listeners, and taps such as the agent channel, which hands events
 * whose topics are its rooms to the browsers connected to this process.
 * One channel keeps order per publisher. Events published in one turn of the
 * event loop travel together, as one PUBLISH of a JSON array: under load that is
 * one Redis command (and one delivery to each process) for many events.
 */
export class RealtimeHub {
  readonly #handlers = new Map<string, Set<Handler>>();
  readonly #taps = new Set<Tap>();
  readonly #channel: string;
  /** Serialised events waiting for the end of this turn of the event loop. */
  #outbox: string[] = [];
  #closed = false;

  constructor(
    private readonly pub: Redis,
    /** A dedicated connection: a subscribed Redis connection can do nothing else. */
    private readonly sub: Redis,
    redisPrefix: string,
    private readonly log: Logger,
  ) {
    this.#channel = `${redisPrefix}realtime`;
  }

  async start(): Promise<void> {
    this.sub.on('message', (channel: string, raw: string) => {
      if (channel === this.#channel) this.#dispatch(raw);
    });
    await this.sub.subscribe(this.#channel);
  }

  /**
   * Sends an event to every subscriber of these topics, in every process. Fire and forget: failures are logged.
   * `name` is the event's name for browsers when the event itself has no `type` (chat payloads).
   */
  publish(topics: string | string[], event: object, name?: string): void {
    if (this.#closed) return;
    const list = Array.isArray(topics) ? topics : [topics];
    if (this.#outbox.push(JSON.stringify(name === undefined ? { topics: list, event } : { topics: list, event, name })) === 1) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const batch = this.#outbox.splice(0);
    if (batch.length === 0) return;
    this.pub.publish(this.#channel, `[${batch.join(',')}]`).catch((err: unknown) => this.log.warn({ err, events: batch.length }, 'realtime publish failed'));
  }

  /** Listens to a topic in this process. Returns the unsubscribe function. */
  subscribe(topic: string, handler: Handler): () => void {
    let set = this.#handlers.get(topic);
    if (!set) this.#handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.#handlers.get(topic) === set) this.#handlers.delete(topic);
    };
  }

  /** Sees every message this process receives. Returns the removal function. */
  tap(fn: Tap): () => void {
    this.#taps.add(fn);
    return () => this.#taps.delete(fn);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#handlers.clear();
    this.#taps.clear();
    await this.sub.quit().catch(() => this.sub.disconnect());
  }

  #dispatch(raw: string): void {
    let batch: { topics: string[]; event: unknown; name?: string }[];
    try {
      batch = JSON.parse(raw) as typeof batch;
    } catch (err) {
      this.log.warn({ err }, 'unreadable realtime message dropped');
      return;
    }
    for (const msg of batch) {
      for (const tap of this.#taps) {
        try {
          tap(msg.topics, msg.event, msg.name);
        } catch (err) {
          this.log.error({ err, topics: msg.topics }, 'realtime tap threw; continuing');
        }
      }
      for (const topic of msg.topics) {
        for (const h of this.#handlers.get(topic) ?? []) {
          try {
            h(msg.event, topic);
          } catch (err) {
            this.log.error({ err, topic }, 'realtime handler threw; continuing');
          }
        }
      }
    }
  }
}
