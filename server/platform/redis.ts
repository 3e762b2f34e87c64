import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Redis from 'ioredis';
import type { Logger } from '../logging/logger';

export type { Redis };

export interface RedisHandle {
  url: string;
  /** Set when Hotline started its own redis-server under DATA_DIR. */
  spawned: boolean;
  close(): Promise<void>;
}

const LOCAL_URL = 'redis://127.0.0.1:6379';

/**
 * Finds the Redis to use. REDIS_URL wins; otherwise a Redis on 127.0.0.1:6379;
 * otherwise Hotline starts `redis-server` with its data under DATA_DIR.
 * Fails with a message that says what to do when none of these works.
 */
export async function resolveRedis(opts: { url?: string; dataDir: string; log: Logger }): Promise<RedisHandle> {
  if (opts.url) return { url: opts.url, spawned: false, close: () => Promise.resolve() };
  if (await pingRedis(LOCAL_URL)) {
    opts.log.info({ redis: LOCAL_URL }, 'REDIS_URL not set: using the local Redis on 127.0.0.1:6379');
    return { url: LOCAL_URL, spawned: false, close: () => Promise.resolve() };
  }
  return spawnRedis(opts.dataDir, opts.log);
}

export function connectRedis(url: string, log: Logger, name = 'main'): Redis {
  const client = new Redis(url, {
    connectionName: `hotline-${name}`,
    maxRetriesPerRequest: 3,
    connectTimeout: 5000,
    // Keep retrying forever with a capped backoff; callers see errors, not a dead client.
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
  client.on('error', (err: Error) => log.warn({ err: err.message, redis: name }, 'redis connection error'));
  return client;
}

/** Is a password-less Redis answering at this URL? A raw PING, so a failed probe leaves no client or timer behind. */
function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function spawnRedis(dataDir: string, log: Logger, fixedPort?: number): Promise<RedisHandle> {
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const port = fixedPort ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '60 1'];
  let child: ChildProcess;
  try {
    child = spawn('redis-server', args, { stdio: 'ignore' });
  } catch {
    throw noRedisError();
  }
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', () => reject(noRedisError())));
  spawnFailed.catch(() => undefined);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    const up = await Promise.race([pingRedis(url), spawnFailed]);
    if (up) {
      log.warn({ redis: url, dir }, 'REDIS_URL not set and nothing on 127.0.0.1:6379: started a local redis-server');
      return {
        url,
        spawned: true,
        close: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw noRedisError();
}

function noRedisError(): Error {
  return new Error(
    'No Redis available: REDIS_URL is not set, nothing answers on 127.0.0.1:6379, and `redis-server` could not be started. ' +
      'Install Redis (apt-get install redis-server) or set REDIS_URL=redis://host:6379.',
  );
}
