import { can } from '../auth/principal';
import { need, provide, type HotlineModule } from '../module';
import type { RealtimeHub } from '../realtime/hub';
import { REALTIME_SERVICE } from '../realtime/module';
import { PgRoutingStore } from './adapters/pg-store';
import { RedisLiveState } from './adapters/redis-live-state';
import { RoutingEngine } from './engine';
import { TOPICS } from './events';
import { routingRoutes } from './routes';

export const ROUTING_SERVICE = 'routing';

/**
 * The ACD as a Hotline module: provides the RoutingEngine as service "routing"
 * (calls and chat modules use need(ctx, ROUTING_SERVICE)), its HTTP API, and the
 * WebSocket topics `agent:<id>` (the agent, or a supervisor) and `supervisor`.
 * Needs the realtime module above it in server/modules.ts.
 */
export function routingModule(opts: { sweepIntervalMs?: number; resyncIntervalMs?: number } = {}): HotlineModule {
  let engine: RoutingEngine | undefined;
  return {
    name: 'routing',
    async start(ctx) {
      const hub = need<RealtimeHub>(ctx, REALTIME_SERVICE);
      hub.allowTopics({ matches: (t) => t === TOPICS.supervisor, allow: (p) => can(p, 'supervisor.monitor') });
      hub.allowTopics({ matches: (t) => t.startsWith('agent:'), allow: (p, t) => t === TOPICS.agent(p.userId) || can(p, 'supervisor.monitor') });
      engine = new RoutingEngine({ live: new RedisLiveState(ctx.redis, ctx.config.redisPrefix), store: new PgRoutingStore(ctx.db), bus: hub, log: ctx.log, ...opts });
      await engine.start();
      provide(ctx, ROUTING_SERVICE, engine);
    },
    routes: (ctx) => routingRoutes({ db: ctx.db, engine: engine! }),
    async stop() {
      await engine?.stop();
    },
  };
}
