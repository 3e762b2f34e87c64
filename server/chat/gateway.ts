import crypto from 'node:crypto';
import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import { zodToValidationError } from '../http/errors';
import type { Logger } from '../logging/logger';
import { HotlineError } from '../platform/errors';
import type { Redis } from '../platform/redis';
import type { ChatActions } from './actions';
import * as s from './schemas';
import type { ChatService } from './service';
import * as store from './store';
import { parseCookies } from '../http/cookies';

export const SOCKET_PATH = '/api/chat/socket.io';
export const VISITOR_COOKIE = 'hotline_visitor';

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

type Ack = (r: { ok: true; data: unknown } | { ok: false; error: { code: string; message: string; fields?: unknown } }) => void;

/**
 * The widget's realtime edge: socket.io with the Redis adapter, so a visitor's room
 * `v:<visitor>` spans server processes. One namespace, /visitor (visitor token from
 * auth.token or the widget's cookie). Every client event is `name(payload, ack)`;
 * the ack carries {ok,data} or {ok:false,error:{code,message}}. Agents get chat
 * events on the agent channel (server/realtime) and act over HTTP.
 */
export class ChatGateway {
  readonly io: Server;

  constructor(
    server: http.Server,
    private readonly deps: { chat: ChatService; actions: ChatActions; pub: Redis; sub: Redis; prefix: string; log: Logger; isBlocked: (visitorId: string) => Promise<boolean> },
  ) {
    this.io = new Server(server, {
      path: SOCKET_PATH,
      // The widget runs on customers' sites: any origin may connect. Identity is the
      // visitor token the widget passes explicitly, so no credentials are answered:
      // a foreign page cannot ride the visitor cookie through a CORS request.
      cors: { origin: true, credentials: false },
      adapter: createAdapter(deps.pub, deps.sub, { key: `${deps.prefix}chat-io` }),
      maxHttpBufferSize: 64 * 1024,
      pingInterval: 10_000,
      pingTimeout: 10_000,
    });
    this.#visitors();
  }

  toVisitor(visitorId: string, event: string, data: unknown): void {
    this.io.of('/visitor').to(`v:${visitorId}`).emit(event, data);
  }
  async visitorOnline(visitorId: string): Promise<boolean> {
    return (await this.io.of('/visitor').in(`v:${visitorId}`).fetchSockets()).length > 0;
  }

  async close(): Promise<void> {
    this.io.of('/visitor').local.disconnectSockets(true);
    await new Promise<void>((resolve) => {
      void this.io.close(() => resolve());
    });
  }

  #on<S extends z.ZodType>(socket: Socket, event: string, schema: S, fn: (input: z.output<S>) => Promise<unknown>): void {
    socket.on(event, (payload: unknown, ack?: Ack) => {
      const reply: Ack = typeof ack === 'function' ? ack : () => undefined;
      const parsed = schema.safeParse(payload ?? {});
      if (!parsed.success) {
        const e = zodToValidationError('body', parsed.error);
        return reply({ ok: false, error: { code: e.code, message: e.message, fields: e.fields } });
      }
      fn(parsed.data).then(
        (data) => reply({ ok: true, data: data ?? null }),
        (err: unknown) => {
          if (err instanceof HotlineError) return reply({ ok: false, error: { code: err.code, message: err.message, fields: err.fields } });
          this.deps.log.error({ err, event }, 'chat socket handler failed');
          reply({ ok: false, error: { code: 'internal', message: 'Internal error' } });
        },
      );
    });
  }

  #visitors(): void {
    const { chat, actions } = this.deps;
    const nsp = this.io.of('/visitor');
    nsp.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown };
      const token = typeof auth.token === 'string' ? auth.token : parseCookies(socket.handshake.headers.cookie)[VISITOR_COOKIE];
      if (!token) return next(new Error('unauthorized'));
      store.visitorByToken(chat.db, hashToken(token)).then(
        (v) => {
          if (!v) return next(new Error('unauthorized'));
          (socket.data as { visitor?: store.VisitorRow }).visitor = v;
          next();
        },
        (err: unknown) => next(err instanceof Error ? err : new Error('unavailable')),
      );
    });
    nsp.on('connection', (socket) => {
      const visitor = (socket.data as { visitor: store.VisitorRow }).visitor;
      const actor = { kind: 'visitor' as const, visitorId: visitor.id };
      void socket.join(`v:${visitor.id}`);
      void chat.visitorConnected(visitor.id).catch((err: unknown) => this.deps.log.warn({ err }, 'visitor connect bookkeeping failed'));
      socket.on('disconnect', () => void chat.visitorDisconnected(visitor.id).catch((err: unknown) => this.deps.log.warn({ err }, 'visitor disconnect bookkeeping failed')));
      this.#on(socket, 'start', s.startEvent, async (b) => {
        const blocked = await this.deps.isBlocked(visitor.id);
        return chat.snapshot((await chat.start(visitor, { navigation: b.navigation, blocked })).id);
      });
      this.#on(socket, 'topic', s.topicEvent, async (b) => chat.snapshot((await chat.pickTopic(visitor, b.conversationId, b.navigation)).id));
      this.#on(socket, 'send', s.sendEvent, (b) => chat.send(actor, b.conversationId, b));
      this.#on(socket, 'read', s.readEvent, (b) => chat.read(actor, b.conversationId, b.upTo));
      this.#on(socket, 'typing', s.typingEvent, (b) => chat.typing(actor, b.conversationId, b.typing));
      this.#on(socket, 'end', s.convRef, async (b) => chat.snapshot((await chat.end(actor, b.conversationId)).id));
      this.#on(socket, 'rate', s.rateEvent, (b) => actions.rate(visitor.id, b.conversationId, b));
      this.#on(socket, 'history', s.historyEvent, (b) => chat.history(visitor.id, b.before ?? null, b.limit));
    });
  }
}
