import type http from 'node:http';
import type { AuthService } from './auth/auth-service';
import type { SessionStore } from './auth/sessions';
import type { Config } from './config/config';
import type { Db } from './db/pool';
import type { Route } from './http/route';
import type { Logger } from './logging/logger';
import type { Redis } from './platform/redis';
import type { ServiceName, ServiceRegistry, Services } from './services';

/** What every domain module may use. Modules get these explicitly, never through a global. */
export interface ModuleContext {
  config: Config;
  log: Logger;
  db: Db;
  /** The shared command connection. Blocking commands and subscriptions need their own: use redisUrl. */
  redis: Redis;
  redisUrl: string;
  auth: AuthService;
  sessions: SessionStore;
  /** The origins staff pages are served from (PUBLIC_ORIGINS, or derived from the listening port once it is known). */
  publicOrigins: () => readonly string[];
  /** Services other modules published in start(), by name and type (see provide/need, server/services.ts). */
  services: ServiceRegistry;
}

/**
 * A domain module plugs into the server: its routes, and optional start/stop for
 * background work (timers, queue workers, ESL listeners). Modules start in list
 * order and stop in reverse, after HTTP stops accepting requests.
 */
export interface HotlineModule {
  name: string;
  start?(ctx: ModuleContext): Promise<void>;
  routes?(ctx: ModuleContext): Route[];
  /**
   * Express paths any web origin may call without credentials (the chat widget on a
   * customer's site). Such routes must authenticate by an explicit header, never a cookie.
   */
  crossOriginPaths?: string[];
  /** For modules that speak WebSocket or other upgrades on the HTTP server. */
  attach?(server: http.Server, ctx: ModuleContext): void;
  /**
   * Called when shutdown begins, before HTTP closes: drop upgraded connections
   * (WebSockets never end by themselves, and the HTTP server waits for every connection).
   */
  beforeClose?(): void;
  stop?(): Promise<void>;
}

export function provide<K extends ServiceName>(ctx: ModuleContext, name: K, service: Services[K]): void {
  ctx.services.set(name, service);
}

/** A service another module provided; a missing one is a wiring bug, so it throws at start. */
export function need<K extends ServiceName>(ctx: ModuleContext, name: K): Services[K] {
  const service = ctx.services.get(name);
  if (service === undefined) throw new Error(`module service "${name}" is not available: check the module order in server/modules.ts`);
  return service;
}
