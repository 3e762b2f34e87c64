import type Redis from 'ioredis';
import type { Db } from '../db/pool';
import { route, type Route } from './route';

/** What the telephony layer reports about each FreeSWITCH node (filled in by telephony/). */
export interface FreeswitchNodeHealth {
  node: string;
  connected: boolean;
  simulated?: boolean;
  [detail: string]: unknown;
}

export interface HealthDeps {
  db: Db;
  redis: Redis;
  database: { embedded: boolean };
  freeswitch: () => FreeswitchNodeHealth[];
}

async function probe(fn: () => Promise<unknown>, timeoutMs = 2000): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs)))]);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, latencyMs: Date.now() - started, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /api/health answers 200 while the process serves requests, with the state of
 * each dependency in the body (`status: degraded` when one is down), so a load
 * balancer's check and a human's look both work.
 */
export function healthRoutes(deps: HealthDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/api/health',
      tag: 'system',
      summary: 'State of the database, Redis and each FreeSWITCH node',
      access: 'public',
      handler: async () => {
        const [database, redis] = await Promise.all([probe(() => deps.db.query('SELECT 1')), probe(() => deps.redis.ping())]);
        const freeswitch = deps.freeswitch();
        const ok = database.ok && redis.ok && freeswitch.every((n) => n.connected);
        return {
          status: ok ? 'ok' : 'degraded',
          database: { ...database, embedded: deps.database.embedded },
          redis,
          freeswitch,
        };
      },
    }),
  ];
}
