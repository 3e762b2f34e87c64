/**
 * Signed call-event webhooks: each event becomes a BullMQ job POSTing JSON to WEBHOOK_URL
 * with `X-Hotline-Timestamp` and `X-Hotline-Signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<body>" with WEBHOOK_SECRET>`; non-2xx and network errors retry with
 * exponential backoff. The receiver verifies with the same secret.
 */
import crypto from 'node:crypto';
import type { Job } from 'bullmq';
import type { Logger } from '../logging/logger';
import { JobQueue } from '../platform/job-queue';
import type { CallEvent } from './events';

const QUEUE = 'call-webhooks';

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookSender {
  readonly #jobs: JobQueue<CallEvent>;

  constructor(private readonly opts: { url: string; secret: string; redisUrl: string; prefix: string; log: Logger; timeoutMs?: number }) {
    this.#jobs = new JobQueue<CallEvent>({ name: QUEUE, redisUrl: opts.redisUrl, prefix: opts.prefix, log: opts.log, concurrency: 4, process: (job) => this.#deliver(job) });
    this.#jobs.worker.on('failed', (job, err) => opts.log.warn({ type: job?.data.type, attempt: job?.attemptsMade, err: err.message }, 'webhook delivery failed'));
    this.#jobs.run();
  }

  /** Fire and forget: queuing failures are logged. */
  send(event: CallEvent): void {
    this.#jobs.queue.add(event.type, event, { attempts: 8, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 }).catch((err: unknown) => this.opts.log.warn({ err }, 'queuing a webhook failed'));
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

  close(): Promise<void> {
    return this.#jobs.close();
  }
}
