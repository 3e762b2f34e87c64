/**
 * Signed call-event webhooks: each event becomes a BullMQ job POSTing JSON to WEBHOOK_URL
 * with `X-Hotline-Timestamp` and `X-Hotline-Signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<body>" with WEBHOOK_SECRET>`; non-2xx and network errors retry with
 * exponential backoff. The receiver verifies with the same secret.
 */
import crypto from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import Redis from 'ioredis';
import type { Logger } from '../logging/logger';
import type { CallEvent } from './events';

const QUEUE = 'call-webhooks';

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookSender {
  readonly #queue: Queue<CallEvent>;
  readonly #worker: Worker<CallEvent>;
  readonly #connections: Redis[] = [];

  constructor(private readonly opts: { url: string; secret: string; redisUrl: string; prefix: string; log: Logger; timeoutMs?: number }) {
    const connection = () => {
      const c = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
      c.on('error', (err: Error) => opts.log.warn({ err: err.message }, 'webhook queue redis error'));
      this.#connections.push(c);
      return c;
    };
    const prefix = `${opts.prefix}bull`;
    this.#queue = new Queue<CallEvent>(QUEUE, { connection: connection(), prefix });
    this.#worker = new Worker<CallEvent>(QUEUE, (job) => this.#deliver(job), { connection: connection(), prefix, concurrency: 4, autorun: false });
    this.#worker.on('failed', (job, err) => opts.log.warn({ type: job?.data.type, attempt: job?.attemptsMade, err: err.message }, 'webhook delivery failed'));
    this.#worker.on('error', (err) => opts.log.warn({ err: err.message }, 'webhook worker error'));
    void this.#worker.run().catch((err: unknown) => opts.log.error({ err }, 'webhook worker stopped'));
  }

  /** Fire and forget: queuing failures are logged. */
  send(event: CallEvent): void {
    this.#queue.add(event.type, event, { attempts: 8, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 }).catch((err: unknown) => this.opts.log.warn({ err }, 'queuing a webhook failed'));
  }

  async #deliver(job: Job<CallEvent>): Promise<void> {
    const body = JSON.stringify(job.data);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(this.opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hotline-timestamp': timestamp, 'x-hotline-signature': signWebhook(this.opts.secret, timestamp, body), 'x-hotline-delivery': String(job.id) },
      body,
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
    for (const c of this.#connections) c.disconnect();
  }
}
