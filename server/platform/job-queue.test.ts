import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../logging/logger';
import { JobQueue } from './job-queue';
import { spawnRedis, type RedisHandle } from './redis';

/** A Redis of its own per test, so it can be taken away. */
describe('JobQueue', () => {
  let dir: string;
  let redis: RedisHandle;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-jobs-'));
    redis = await spawnRedis(dir, silentLogger);
  });
  afterEach(async () => {
    await redis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(cond()).toBe(true);
  };

  test('runs jobs; close() lets the one running finish first', async () => {
    const done: number[] = [];
    let started = false;
    let release: () => void = () => undefined;
    const jobs = new JobQueue<{ n: number }>({
      name: 'probe',
      redisUrl: redis.url,
      prefix: 'hotline-test:jobs:',
      log: silentLogger,
      concurrency: 1,
      process: async (job) => {
        if (job.data.n === 2) {
          started = true;
          await new Promise<void>((r) => (release = r));
        }
        done.push(job.data.n);
      },
    });
    jobs.run();
    await jobs.queue.add('probe', { n: 1 });
    await until(() => done.length === 1);
    await jobs.queue.add('probe', { n: 2 });
    await until(() => started);
    const closing = jobs.close();
    setTimeout(() => release(), 200);
    await closing;
    expect(done).toEqual([1, 2]);
  });

  test('close() returns while Redis is gone (BullMQ alone waits forever there)', async () => {
    const jobs = new JobQueue<{ n: number }>({ name: 'probe', redisUrl: redis.url, prefix: 'hotline-test:jobs:', log: silentLogger, concurrency: 1, process: () => Promise.resolve() });
    jobs.run();
    await jobs.queue.add('probe', { n: 1 });
    await jobs.worker.waitUntilReady();
    await redis.close();
    // Let every connection notice and start reconnecting.
    await new Promise((r) => setTimeout(r, 500));
    await jobs.close();
  }, 20_000);
});
