import type http from 'node:http';
import type { HotlineModule } from '../module';
import { provide } from '../module';
import { connectRedis, type Redis } from '../platform/redis';
import { AgentChannel } from './agent-channel';
import { RealtimeHub } from './hub';
import { Liveness } from './liveness';

/** The cross-process event hub (RealtimeHub). */
export const REALTIME_SERVICE = 'realtime';
/** The staff browsers' channel (AgentChannel): typed emit to agent and supervisor rooms. */
export const AGENT_CHANNEL = 'realtime.channel';
/** Agent liveness across every realtime connection (Liveness): onGone(agentId). */
export const LIVENESS = 'realtime.liveness';

export interface RealtimeModuleOptions {
  /** Tests shorten the offline grace (default: config AGENT_OFFLINE_GRACE_SECONDS). */
  graceMs?: number;
  heartbeatMs?: number;
}

/**
 * The realtime hub, agent liveness and the agent channel (socket.io at
 * /api/realtime/socket.io, namespace /agent). Modules publish server events with
 * hub.publish(topic, event), browser events with channel.emit(rooms, name, payload),
 * and react to an agent gone with liveness.onGone().
 */
export function realtimeModule(opts: RealtimeModuleOptions = {}): HotlineModule {
  let hub: RealtimeHub | undefined;
  let liveness: Liveness | undefined;
  let channel: AgentChannel | undefined;
  const conns: Redis[] = [];
  return {
    name: 'realtime',
    async start(ctx) {
      const sub = connectRedis(ctx.redisUrl, ctx.log, 'realtime-sub');
      hub = new RealtimeHub(ctx.redis, sub, ctx.config.redisPrefix, ctx.log);
      await hub.start();
      liveness = new Liveness({ redis: ctx.redis, prefix: ctx.config.redisPrefix, graceMs: opts.graceMs ?? ctx.config.realtime.offlineGraceSeconds * 1000, heartbeatMs: opts.heartbeatMs, log: ctx.log.child({ component: 'liveness' }) });
      liveness.start();
      channel = new AgentChannel({ hub, liveness, auth: ctx.auth, publicOrigins: ctx.publicOrigins, prefix: ctx.config.redisPrefix, log: ctx.log.child({ component: 'agent-channel' }) });
      provide(ctx, REALTIME_SERVICE, hub);
      provide(ctx, LIVENESS, liveness);
      provide(ctx, AGENT_CHANNEL, channel);
    },
    attach(server: http.Server, ctx) {
      const pub = connectRedis(ctx.redisUrl, ctx.log, 'agent-io-pub');
      const sub = connectRedis(ctx.redisUrl, ctx.log, 'agent-io-sub');
      conns.push(pub, sub);
      channel!.attach(server, { pub, sub });
    },
    beforeClose() {
      liveness?.stopTimers();
      channel?.disconnectAll();
    },
    async stop() {
      await channel?.close();
      // After the sockets: their disconnects start graces in Redis, which must be written before it closes.
      await liveness?.stop();
      await hub?.close();
      for (const r of conns.splice(0)) await r.quit().catch(() => r.disconnect());
    },
  };
}
