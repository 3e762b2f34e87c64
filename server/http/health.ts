import type Redis from 'ioredis';
import type { AuthService } from '../auth/auth-service';
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
  /** Details (latencies, errors, node names) are for logged-in staff only. */
  auth: Pick<AuthService, 'authenticate'>;
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
 * GET /api/health answers 200 while the process serves requests. Anyone gets only
 * `status` (ok / degraded: up or down), enough for a load balancer; logged-in staff
 * also get each dependency's state, which would tell a stranger what to attack.
 */
export function healthRoutes(deps: HealthDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/api/health',
      tag: 'system',
      summary: 'Up or down; logged-in staff also get the state of the database, Redis and each FreeSWITCH node',
      access: 'public',
      handler: async ({ req }) => {
        const [database, redis] = await Promise.all([probe(() => deps.db.query('SELECT 1')), probe(() => deps.redis.ping())]);
        const freeswitch = deps.freeswitch();
        const ok = database.ok && redis.ok && freeswitch.every((n) => n.connected);
        const status = ok ? 'ok' : 'degraded';
        // A broken database makes authenticate() throw; the anonymous answer must still come.
        const staff = await deps.auth.authenticate(req).catch(() => undefined);
        if (!staff) return { status };
        return {
          status,
          database: { ...database, embedded: deps.database.embedded },
          redis,
          freeswitch,
        };
      },
    }),
  ];
}
