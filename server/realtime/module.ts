import type http from 'node:http';
import type { HotlineModule } from '../module';
import { provide } from '../module';
import { connectRedis } from '../platform/redis';
import { RealtimeHub } from './hub';
import { attachWsGateway, type WsGateway } from './ws-gateway';

export const REALTIME_SERVICE = 'realtime';

/**
 * The realtime hub (provided as service "realtime") and its WebSocket gateway
 * at /api/ws. Modules publish with hub.publish(topic, event) and declare who may
 * listen with hub.allowTopics().
 */
export function realtimeModule(): HotlineModule {
  let hub: RealtimeHub | undefined;
  let gateway: WsGateway | undefined;
  return {
    name: 'realtime',
    async start(ctx) {
      const sub = connectRedis(ctx.redisUrl, ctx.log, 'realtime-sub');
      hub = new RealtimeHub(ctx.redis, sub, ctx.config.redisPrefix, ctx.log);
      await hub.start();
      provide(ctx, REALTIME_SERVICE, hub);
    },
    attach(server: http.Server, ctx) {
      gateway = attachWsGateway(server, { hub: hub!, auth: ctx.auth, log: ctx.log });
    },
    beforeClose() {
      gateway?.close();
    },
    async stop() {
      gateway?.close();
      await hub?.close();
    },
  };
}
