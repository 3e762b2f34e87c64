import { Queue, Worker, type Job } from 'bullmq';
import Redis from 'ioredis';
import type { Logger } from '../logging/logger';
import { settledWithin } from './settled-within';

export interface JobQueueOptions<T> {
  /** The BullMQ queue name; also the `queue` field of its log lines and part of its connections' names. */
  name: string;
  redisUrl: string;
  /** Key prefix (config.redisPrefix); the queue's keys go under "<prefix>bull". */
  prefix: string;
  log: Logger;
  concurrency: number;
  process: (job: Job<T>) => Promise<void>;
}

/** How long close() lets the jobs this process is running finish before it stops anyway. */
const FINISH_RUNNING_MS = 8_000;

/**
 * A BullMQ queue and this process's worker for it, on connections of their own
 * that retry forever (BullMQ needs that rather than failing commands).
 *
 * close() does the graceful part itself and then closes BullMQ by force. BullMQ's
 * own graceful close waits for its blocking connection to emit 'end', which a
 * connection left reconnecting after a Redis outage never does
 * (taskforcesh/bullmq#4656): shutdown hung there, its retry timers kept the process
 * alive. A job cut off by the bound is not lost: its lock lapses and BullMQ runs it
 * again (jobs here are idempotent: keyed by their record, outcome in Postgres).
 */
export class JobQueue<T> {
  readonly queue: Queue<T>;
  readonly worker: Worker<T>;
  readonly #connections: Redis[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #log: Logger;

  constructor(opts: JobQueueOptions<T>) {
    this.#log = opts.log;
    const connection = () => {
      const c = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, connectionName: `hotline-jobs-${opts.name}` });
      c.on('error', (err: Error) => opts.log.warn({ err: err.message, queue: opts.name }, 'job queue redis error'));
      this.#connections.push(c);
      return c;
    };
    const prefix = `${opts.prefix}bull`;
    this.queue = new Queue<T>(opts.name, { connection: connection(), prefix });
    this.worker = new Worker<T>(opts.name, (job) => this.#track(opts.process(job)), { connection: connection(), prefix, concurrency: opts.concurrency, autorun: false });
    this.queue.on('error', (err) => opts.log.warn({ err: err.message, queue: opts.name }, 'job queue error'));
    this.worker.on('error', (err) => opts.log.warn({ err: err.message, queue: opts.name }, 'job worker error'));
  }

  /** Starts taking jobs. */
  run(): void {
    void this.worker.run().catch((err: unknown) => this.#log.error({ err, queue: this.queue.name }, 'job worker stopped'));
  }

  async close(): Promise<void> {
    await this.worker.pause(true);
    await settledWithin(Promise.allSettled([...this.#running]), FINISH_RUNNING_MS);
    await this.worker.close(true);
    await this.queue.close();
    for (const c of this.#connections) c.disconnect();
  }

  #track(p: Promise<void>): Promise<void> {
    this.#running.add(p);
    return p.finally(() => this.#running.delete(p));
  }
}
