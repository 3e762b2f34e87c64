import type http from 'node:http';
import { BLACKLIST } from '../blacklist/module';
import { need, provide, type HotlineModule, type ModuleContext } from '../module';
import { connectRedis, type Redis } from '../platform/redis';
import type { AgentChannel } from '../realtime/agent-channel';
import { ROOMS, type AgentEvents } from '../realtime/contract';
import { AGENT_CHANNEL, LIVENESS } from '../realtime/module';
import type { RoutingEngine } from '../routing/engine';
import { ROUTING_SERVICE } from '../routing/module';
import { ChatActions } from './actions';
import { ChatGateway } from './gateway';
import { chatRoutes } from './routes';
import { ChatService, type ChatNotifier } from './service';

export const CHAT_SERVICE = 'chat';

/** The Redis channel on which a process announces that it saved new chat settings. */
export function settingsChannel(redisPrefix: string): string {
  return `${redisPrefix}chat:settings`;
}

export interface ChatModuleOptions {
  /** Tests pass a controllable clock for messages and timers. */
  clock?: () => number;
  timerPollMs?: number;
}

/** Visitors' sockets exist once the gateway is attached (start runs before attach); agents' events go to the agent channel from the start. */
function notifier(channel: AgentChannel, gateway: () => ChatGateway | undefined): ChatNotifier {
  return {
    toVisitor: (visitorId, event, data) => gateway()?.toVisitor(visitorId, event, data),
    // ChatEvents is part of AgentEvents; TypeScript cannot see that through the generic index.
    toAgents: (agentIds, event, data) => channel.emit(agentIds.map(ROOMS.agent), event, data as AgentEvents[typeof event]),
    visitorOnline: (visitorId) => gateway()?.visitorOnline(visitorId) ?? Promise.resolve(false),
  };
}

/**
 * Web chat: the conversation service (provided as "chat"), its HTTP API, the
 * widget files, and the visitors' socket.io gateway at /api/chat/socket.io. Agents
 * get chat events on the agent channel and act over HTTP; an agent gone (liveness)
 * has their conversations requeued. Needs realtime, routing and blacklist above it
 * in server/modules.ts.
 */
export function chatModule(opts: ChatModuleOptions = {}): HotlineModule {
  let chat: ChatService | undefined;
  let actions: ChatActions | undefined;
  let gateway: ChatGateway | undefined;
  let engine: RoutingEngine | undefined;
  const conns: Redis[] = [];
  let positions: NodeJS.Timeout | undefined;
  return {
    name: 'chat',
    // What the widget calls from a customer's site; visitors authenticate by the x-visitor-token header.
    crossOriginPaths: ['/api/chat/sites/:key/public', '/api/chat/visitor', '/api/chat/conversations/:id/files'],
    async start(ctx: ModuleContext) {
      engine = need(ctx, ROUTING_SERVICE);
      chat = new ChatService({ db: ctx.db, engine, log: ctx.log, clock: opts.clock ?? Date.now, notifier: notifier(need(ctx, AGENT_CHANNEL), () => gateway) });
      actions = new ChatActions(chat);
      const c = chat;
      need(ctx, LIVENESS).onGone((agentId) => c.agentGone(agentId));
      // Settings changed by another process: it publishes on this channel, every process reloads.
      const channel = settingsChannel(ctx.config.redisPrefix);
      const settingsSub = connectRedis(ctx.redisUrl, ctx.log, 'chat-settings-sub');
      conns.push(settingsSub);
      const reload = () => void c.reloadSettings().catch((err: unknown) => ctx.log.warn({ err }, 'chat settings reload failed'));
      settingsSub.on('message', (ch: string) => ch === channel && reload());
      // A message missed while Redis was away: read the row again on every (re)connection.
      settingsSub.on('ready', reload);
      await settingsSub.subscribe(channel);
      chat.announceSettings = async () => {
        await ctx.redis.publish(channel, '1');
      };
      await chat.reloadSettings();
      engine.setOfferSink('chat', { offer: (o) => c.onOffer(o) });
      // Queue positions change when anyone on the chat channel moves; one refresh per burst.
      const refresh = () => {
        if (positions) return;
        positions = setTimeout(() => {
          positions = undefined;
          c.refreshPositions().catch((err: unknown) => ctx.log.warn({ err }, 'queue position refresh failed'));
        }, 200);
      };
      for (const t of ['offer.accepted', 'contact.abandoned', 'contact.completed'] as const) engine.events.on(t, (e) => e.channel === 'chat' && refresh());
      chat.timers.start(opts.timerPollMs ?? 500);
      provide(ctx, CHAT_SERVICE, { chat, actions });
    },
    routes: (ctx) => chatRoutes({ ctx, chat: () => chat!, actions: () => actions!, blacklist: () => need(ctx, BLACKLIST) }),
    attach(server: http.Server, ctx) {
      const pub = connectRedis(ctx.redisUrl, ctx.log, 'chat-io-pub');
      const sub = connectRedis(ctx.redisUrl, ctx.log, 'chat-io-sub');
      conns.push(pub, sub);
      const blacklist = need(ctx, BLACKLIST);
      gateway = new ChatGateway(server, { chat: chat!, actions: actions!, pub, sub, prefix: ctx.config.redisPrefix, log: ctx.log, isBlocked: async (v) => Boolean(await blacklist.blocking('chat', v)) });
    },
    beforeClose() {
      gateway?.io.of('/visitor').local.disconnectSockets(true);
      gateway?.io.engine.close();
    },
    async stop() {
      clearTimeout(positions);
      engine?.setOfferSink('chat', undefined);
      await chat?.timers.stop();
      await gateway?.close();
      for (const r of conns.splice(0)) await r.quit().catch(() => r.disconnect());
    },
  };
}
