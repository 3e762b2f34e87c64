import path from 'node:path';
import fs from 'node:fs';
import type { Job } from 'bullmq';
import type { Db } from '../db/pool';
import type { Logger } from '../logging/logger';
import { JobQueue } from '../platform/job-queue';
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
  /** Transcodes at once in this process (default 1: a 2-core switch host keeps its CPU for calls). */
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
  readonly #jobs: JobQueue<RecordingJob>;

  constructor(private readonly opts: RecordingJobsOptions) {
    this.#jobs = new JobQueue<RecordingJob>({ name: QUEUE, redisUrl: opts.redisUrl, prefix: opts.prefix, log: opts.log, concurrency: opts.concurrency ?? 1, process: (job) => this.#process(job) });
    this.#jobs.worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      opts.log.warn({ recordingId: job.data.recordingId, attempt: job.attemptsMade, final, err: err.message }, 'recording job failed');
      markFailed(opts.db, job.data.recordingId, err.message, final)
        .then(() => final && opts.onSettled?.(job.data.recordingId, 'failed'))
        .catch((e: unknown) => opts.log.error({ err: e, recordingId: job.data.recordingId }, 'could not mark recording failed'));
    });
  }

  async start(): Promise<void> {
    this.#jobs.run();
    for (const id of await unfinishedRecordingIds(this.opts.db)) await this.enqueue(id);
  }

  async enqueue(recordingId: string): Promise<void> {
    await this.#jobs.queue.add('transcode', { recordingId }, { jobId: recordingId, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 });
  }

  close(): Promise<void> {
    return this.#jobs.close();
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
