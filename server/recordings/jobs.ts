import path from 'node:path';
import fs from 'node:fs';
import { Queue, Worker, type Job } from 'bullmq';
import Redis from 'ioredis';
import type { Db } from '../db/pool';
import type { Logger } from '../logging/logger';
import type { MediaTools } from '../platform/media-tools';
import { getRecording, markFailed, markProcessing, markReady, unfinishedRecordingIds } from './store';
import { transcodeRecording } from './transcode';

const QUEUE = 'recordings';
const ATTEMPTS = 3;

interface RecordingJob {
  recordingId: string;
}

export interface RecordingJobsOptions {
  db: Db;
  redisUrl: string;
  prefix: string;
  mediaDir: string;
  tools: MediaTools;
  log: Logger;
  concurrency?: number;
  /** Called after a recording is ready or has finally failed (for live events). */
  onSettled?: (recordingId: string, status: 'ready' | 'failed') => void;
}

/**
 * The BullMQ queue that turns raw recordings into playable ones. The job id is the
 * recording id, so enqueuing twice (a retry, a restart) never runs it twice at once;
 * Postgres holds the outcome, so losing Redis loses no recording: start() re-enqueues
 * whatever is unfinished.
 */
export class RecordingJobs {
  readonly #queue: Queue<RecordingJob>;
  readonly #worker: Worker<RecordingJob>;
  readonly #connections: Redis[] = [];

  constructor(private readonly opts: RecordingJobsOptions) {
    // BullMQ needs connections that retry forever rather than failing commands.
    const connection = () => {
      const c = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
      c.on('error', (err: Error) => opts.log.warn({ err: err.message }, 'recordings queue redis error'));
      this.#connections.push(c);
      return c;
    };
    const prefix = `${opts.prefix}bull`;
    this.#queue = new Queue<RecordingJob>(QUEUE, { connection: connection(), prefix });
    this.#worker = new Worker<RecordingJob>(QUEUE, (job) => this.#process(job), { connection: connection(), prefix, concurrency: opts.concurrency ?? 2, autorun: false });
    this.#worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      opts.log.warn({ recordingId: job.data.recordingId, attempt: job.attemptsMade, final, err: err.message }, 'recording job failed');
      markFailed(opts.db, job.data.recordingId, err.message, final)
        .then(() => final && opts.onSettled?.(job.data.recordingId, 'failed'))
        .catch((e: unknown) => opts.log.error({ err: e, recordingId: job.data.recordingId }, 'could not mark recording failed'));
    });
    this.#worker.on('error', (err) => opts.log.warn({ err: err.message }, 'recordings worker error'));
  }

  async start(): Promise<void> {
    void this.#worker.run().catch((err: unknown) => this.opts.log.error({ err }, 'recordings worker stopped'));
    for (const id of await unfinishedRecordingIds(this.opts.db)) await this.enqueue(id);
  }

  async enqueue(recordingId: string): Promise<void> {
    await this.#queue.add('transcode', { recordingId }, { jobId: recordingId, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 });
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
    for (const c of this.#connections) c.disconnect();
  }

  async #process(job: Job<RecordingJob>): Promise<void> {
    const id = job.data.recordingId;
    const log = this.opts.log.child({ recordingId: id });
    if (!(await markProcessing(this.opts.db, id))) return;
    const rec = await getRecording(this.opts.db, id);
    const dir = path.join(this.opts.mediaDir, 'recordings', 'web');
    fs.mkdirSync(dir, { recursive: true });
    const output = path.join(dir, `${id}.mp3`);
    const result = await transcodeRecording(this.opts.tools, rec.rawPath, output);
    await markReady(this.opts.db, id, output, result);
    log.info({ callId: rec.callId, durationMs: result.durationMs }, 'recording ready');
    this.opts.onSettled?.(id, 'ready');
  }
}
