import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../server/config/config';
import { startHotline, type Hotline } from '../../server/hotline';
import { silentLogger, type Logger } from '../../server/logging/logger';
import type { HotlineModule } from '../../server/module';
import { deleteRedisPrefix, TEST_REDIS } from './redis-cleanup';

export const ADMIN = { username: 'admin', password: 'admin-test-password' };
const ADMIN_PG = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh world for one test file: its own Postgres database (or an embedded one)
 * and Redis key prefix, both removed by cleanup(). The server runs in the test
 * process on an ephemeral port.
 */
export interface TestWorld {
  config: Config;
  dataDir: string;
  hotline: Hotline;
  start(): Promise<Hotline>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createTestWorld(opts: { embedded?: boolean; redisUrl?: string; modules?: HotlineModule[]; env?: Record<string, string>; log?: Logger } = {}): Promise<TestWorld> {
  const id = `${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-test-'));
  const prefix = `hotline-test:${id}:`;
  let databaseUrl: string | undefined;
  const dbName = `hotline_test_${id}`;
  if (!opts.embedded) {
    const admin = new pg.Client({ connectionString: ADMIN_PG });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(ADMIN_PG);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    MEDIA_DIR: path.join(dataDir, 'media'),
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl ?? TEST_REDIS,
    REDIS_PREFIX: prefix,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ESL_OUTBOUND_PORT: '0',
    ...opts.env,
  });
  const world: TestWorld = {
    config,
    dataDir,
    hotline: undefined as unknown as Hotline,
    async start() {
      world.hotline = await startHotline(config, opts.log ?? silentLogger, { modules: opts.modules });
      return world.hotline;
    },
    async stop() {
      await world.hotline?.close();
    },
    async cleanup() {
      await world.stop();
      if (!opts.redisUrl) await deleteRedisPrefix(prefix);
      if (!opts.embedded) {
        const admin = new pg.Client({ connectionString: ADMIN_PG });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await world.start();
  return world;
}
