import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../server/logging/logger';
import { spawnRedis, type RedisHandle } from '../../server/platform/redis';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

/** A dropped Redis gives clear 503s and degraded health, loses nothing, and service resumes when it returns. */
describe('Redis going away', () => {
  const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-redis-down-'));
  let redis: RedisHandle;
  let world: TestWorld;

  beforeAll(async () => {
    redis = await spawnRedis(redisDir, silentLogger);
    world = await createTestWorld({ redisUrl: redis.url });
  });
  // Stopping a server whose Redis came back means every queue worker reconnects first: give the hook room on a loaded machine.
  afterAll(async () => {
    await world?.cleanup();
    await redis?.close();
    fs.rmSync(redisDir, { recursive: true, force: true });
  }, 90_000);

  test('503 while Redis is down, health degraded, data kept, recovery after restart', async () => {
    const admin = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
    expect((await admin.post('/api/org-units', { name: 'Before outage' })).status).toBe(201);

    const port = new URL(redis.url).port;
    await redis.close();
    const health = await new ApiClient(world.hotline.url).get('/api/health');
    expect(health.status).toBe(200);
    // Anonymous (and, with sessions in Redis, everyone while it is down): up or down only.
    expect(health.body).toEqual({ status: 'degraded' });
    const during = await admin.get('/api/org-units');
    expect(during.status).toBe(503);
    expect(during.body.error.code).toBe('unavailable');

    // Same port and data dir: the session and the unit are both still there.
    redis = await spawnRedis(redisDir, silentLogger, Number(port));
    let after = await admin.get('/api/org-units');
    for (let i = 0; i < 50 && after.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await admin.get('/api/org-units');
    }
    expect(after.status).toBe(200);
    expect(after.body.map((u: any) => u.name)).toContain('Before outage');
  }, 60_000);
});
