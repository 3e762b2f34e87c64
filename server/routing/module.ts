import { need, provide, type HotlineModule } from '../module';
import { NotFoundError } from '../platform/errors';
import { LIVENESS, REALTIME_SERVICE } from '../realtime/module';
import { PgRoutingStore } from './adapters/pg-store';
import { RedisLiveState } from './adapters/redis-live-state';
import { RoutingEngine } from './engine';
import { routingRoutes } from './routes';

export const ROUTING_SERVICE = 'routing';

/**
 * The ACD as a Hotline module: provides the RoutingEngine as service "routing"
 * (calls and chat modules use need(ctx, ROUTING_SERVICE)) and its HTTP API. Its
 * events reach browsers in the agent channel's rooms `agent:<id>` and `supervisor`.
 * An agent whose realtime connections are all gone for the grace period goes
 * offline (cause `connection_lost`). Needs the realtime module above it in server/modules.ts.
 */
export function routingModule(opts: { sweepIntervalMs?: number; resyncIntervalMs?: number } = {}): HotlineModule {
  let engine: RoutingEngine | undefined;
  return {
    name: 'routing',
    async start(ctx) {
      const hub = need(ctx, REALTIME_SERVICE);
      engine = new RoutingEngine({ live: new RedisLiveState(ctx.redis, ctx.config.redisPrefix), store: new PgRoutingStore(ctx.db), bus: hub, log: ctx.log, ...opts });
      await engine.start();
      const e = engine;
      need(ctx, LIVENESS).onGone(async (agentId) => {
        await e.setPresence(agentId, { state: 'offline' }, 'connection_lost').catch((err: unknown) => {
          // Someone who is no ACD agent (disabled meanwhile) has no presence to lose.
          if (!(err instanceof NotFoundError)) throw err;
        });
      });
      provide(ctx, ROUTING_SERVICE, engine);
    },
    routes: (ctx) => routingRoutes({ db: ctx.db, engine: engine! }),
    async stop() {
      await engine?.stop();
    },
  };
}
