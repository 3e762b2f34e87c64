import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthService } from './auth/auth-service';
import { LoginLimiter } from './auth/login-limiter';
import { authRoutes } from './auth/routes';
import { SessionStore } from './auth/sessions';
import { auditRoutes } from './audit/routes';
import type { Config } from './config/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded';
import { migrate } from './db/migrate';
import { createPool, type Db } from './db/pool';
import { ServiceRegistry } from './services';
import { createHttpApp } from './http/app';
import { defaultPublicOrigins } from './http/origin';
import { healthRoutes } from './http/health';
import type { Logger } from './logging/logger';
import { agentRoutes } from './org/agents.routes';
import { bootstrapPeople } from './org/bootstrap';
import { orgUnitRoutes } from './org/org-units.routes';
import { roleRoutes } from './org/roles.routes';
import { skillGroupRoutes } from './org/skill-groups.routes';
import type { HotlineModule, ModuleContext } from './module';
import { hotlineModules } from './modules';
import { FREESWITCH_HEALTH } from './telephony/module';
import { connectRedis, resolveRedis, type Redis, type RedisHandle } from './platform/redis';
import { settledWithin } from './platform/settled-within';

export const VERSION = '0.1.0';

export interface HotlineOptions {
  /** Domain modules; defaults to server/modules.ts. Tests may pass a subset. */
  modules?: HotlineModule[];
}

export interface Hotline {
  port: number;
  url: string;
  db: Db;
  redis: Redis;
  /** Services the modules provided (for tests and tools that drive the server from inside). */
  services: ServiceRegistry;
  close(): Promise<void>;
}

/** One step of shutdown, named for the log. */
interface Closer {
  step: string;
  fn: () => Promise<void>;
}

/**
 * How long one shutdown step may take. A step that hangs (a queue worker whose
 * Redis connection is stuck reconnecting, say) must not keep the process from
 * stopping: it is logged by name and shutdown goes on.
 */
const CLOSE_STEP_LIMIT_MS = 10_000;

async function runCloser(c: Closer, log: Logger): Promise<void> {
  const done = c.fn().catch((err: unknown) => log.error({ err, step: c.step }, 'error during shutdown'));
  if (!(await settledWithin(done, CLOSE_STEP_LIMIT_MS))) log.error({ step: c.step, limitMs: CLOSE_STEP_LIMIT_MS }, 'shutdown step did not finish in time; going on without it');
}

/**
 * Composition root: builds every part from the config, in dependency order, and
 * returns one handle whose close() tears them down in reverse.
 */
export async function startHotline(config: Config, log: Logger, opts: HotlineOptions = {}): Promise<Hotline> {
  const closers: Closer[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await runCloser(c, log);
  };
  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.mkdirSync(config.mediaDir, { recursive: true });

    let embedded: EmbeddedPostgres | undefined;
    if (!config.databaseUrl) {
      embedded = await startEmbeddedPostgres(config.dataDir);
      closers.push({ step: 'embedded database', fn: () => embedded!.close() });
      log.warn({ dataDir: config.dataDir }, 'DATABASE_URL not set: using the embedded PGlite database under DATA_DIR');
    }
    const db = createPool(config.databaseUrl ?? embedded!.url, { embedded: Boolean(embedded), log });
    closers.push({ step: 'database pool', fn: () => db.end() });
    await migrate(db, log);

    const redisHandle: RedisHandle = await resolveRedis({ url: config.redisUrl, dataDir: config.dataDir, log });
    closers.push({ step: 'redis server', fn: () => redisHandle.close() });
    const redis = connectRedis(redisHandle.url, log);
    closers.push({
      step: 'redis connection',
      fn: async () => {
        await redis.quit().catch(() => redis.disconnect());
      },
    });

    await bootstrapPeople(db, config.admin, log);

    const sessions = new SessionStore(redis, config.redisPrefix, config.sessionTtlSeconds);
    const auth = new AuthService(db, sessions, new LoginLimiter(redis, config.redisPrefix, config.login));
    // The listening port (PORT=0: ephemeral) is known only after listen; the default origins follow it.
    let listeningPort = config.port;
    const origins = () => config.publicOrigins ?? defaultPublicOrigins(config.host, listeningPort);
    const ctx: ModuleContext = { config, log, db, redis, redisUrl: redisHandle.url, auth, sessions, publicOrigins: origins, services: new ServiceRegistry() };
    const modules = opts.modules ?? hotlineModules();
    for (const m of modules) {
      await m.start?.(ctx);
      if (m.stop) closers.push({ step: `module ${m.name}`, fn: () => m.stop!() });
    }
    const routes = [
      ...healthRoutes({ auth, db, redis, database: { embedded: Boolean(embedded) }, freeswitch: () => ctx.services.get(FREESWITCH_HEALTH)?.() ?? [] }),
      ...authRoutes({ db, auth, cookie: { secure: config.cookieSecure, maxAgeSeconds: config.sessionTtlSeconds } }),
      ...orgUnitRoutes({ db }),
      ...roleRoutes({ db }),
      ...agentRoutes({ db, sessions, log }),
      ...skillGroupRoutes({ db }),
      ...auditRoutes({ db }),
      ...modules.flatMap((m) => m.routes?.(ctx) ?? []),
    ];
    const app = createHttpApp({ auth, log, routes, version: VERSION, crossOriginPaths: modules.flatMap((m) => m.crossOriginPaths ?? []), publicOrigins: origins, workspace: { dir: config.webAgentDir, sipWssUrl: config.sip.wssUrl } });
    const server = http.createServer(app);
    for (const m of modules) m.attach?.(server, ctx);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    closers.push({
      step: 'http server',
      fn: () =>
        new Promise<void>((resolve) => {
          for (const m of modules) m.beforeClose?.();
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    });
    const port = (server.address() as AddressInfo).port;
    listeningPort = port;
    const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
    log.info({ port, host: config.host }, 'Hotline HTTP listening');
    return { port, url: `http://${host}:${port}`, db, redis, services: ctx.services, close };
  } catch (err) {
    await close();
    throw err;
  }
}
