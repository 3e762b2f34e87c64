import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { silentLogger } from '../logging/logger';
import { resolveRedis, spawnRedis } from './redis';

describe('Redis resolution', () => {
  test('REDIS_URL wins and is used as given', async () => {
    const handle = await resolveRedis({ url: 'redis://127.0.0.1:6379/0', dataDir: os.tmpdir(), log: silentLogger });
    expect(handle).toMatchObject({ url: 'redis://127.0.0.1:6379/0', spawned: false });
  });

  test('a self-started redis-server keeps its data under DATA_DIR across a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-redis-'));
    try {
      const first = await spawnRedis(dataDir, silentLogger);
      const a = new Redis(first.url);
      await a.set('kept', 'yes');
      await a.quit();
      await first.close();
      expect(fs.readdirSync(path.join(dataDir, 'redis')).length).toBeGreaterThan(0);

      const second = await spawnRedis(dataDir, silentLogger);
      const b = new Redis(second.url);
      expect(await b.get('kept')).toBe('yes');
      await b.quit();
      await second.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
