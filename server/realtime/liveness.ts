import type { Logger } from '../logging/logger';
import type { Redis } from '../platform/redis';

/**
 * Is an agent still there, whatever they are connected with? Every realtime
 * connection of an agent (each tab, on any server process) is a member of the
 * agent's set in Redis, with an expiry its process pushes forward on a heartbeat.
 * When the last one goes (closed, or expired because its process died) a grace
 * period starts; a connection back within it cancels it (a page refresh, a network
 * blip, a server restart). When it ends with nothing connected, exactly one process
 * (the one whose sweep removes the pending entry) calls the `gone` handlers.
 *
 * Keys (prefix + `rt:`): `conns:<agent>` zset connection → expiry;
 * `live` zset agent → latest expiry (finds agents whose process died);
 * `grace` zset agent → when the grace ends.
 */
export interface LivenessOptions {
  redis: Redis;
  prefix: string;
  graceMs: number;
  /** How often this process renews its connections; a connection lives 3 beats without one. */
  heartbeatMs?: number;
  /** How often this process looks for ended graces and dead processes' connections. */
  sweepMs?: number;
  log: Logger;
}

type GoneHandler = (agentId: string) => void | Promise<void>;

// Adds (or renews) one connection and cancels a running grace.
const CONNECT = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
return 1`;

// Drops one connection (ARGV[4], may be empty) and the expired ones; with none left, starts the grace.
const REAP = `
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[1], ARGV[4]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local left = redis.call('ZRANGE', KEYS[1], 0, 0, 'REV', 'WITHSCORES')
if #left == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], 'NX', ARGV[2], ARGV[3])
  return 1
end
redis.call('ZADD', KEYS[2], left[2], ARGV[3])
return 0`;

// Ends a due grace: 1 when this caller removed it and the agent has no connection.
const EXPIRE = `
local due = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not due or tonumber(due) > tonumber(ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
return 1`;

export class Liveness {
  readonly #local = new Map<string, string>(); // connection → agent
  readonly #gone = new Set<GoneHandler>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #heartbeatMs: number;
  readonly #sweepMs: number;
  readonly #key: { conns: (agentId: string) => string; live: string; grace: string };
  #timers: NodeJS.Timeout[] = [];
  /** A slow Redis must not pile sweeps up: one at a time. */
  #sweeping = false;

  constructor(private readonly o: LivenessOptions) {
    this.#heartbeatMs = o.heartbeatMs ?? 10_000;
    this.#sweepMs = o.sweepMs ?? Math.min(1000, Math.max(50, Math.floor(o.graceMs / 10)));
    const p = `${o.prefix}rt:`;
    this.#key = { conns: (a) => `${p}conns:${a}`, live: `${p}live`, grace: `${p}grace` };
  }

  /** Called once per agent whose connections all stayed gone for the grace period, in one process. */
  onGone(fn: GoneHandler): void {
    this.#gone.add(fn);
  }

  start(): void {
    const beat = setInterval(() => void this.#track(this.#heartbeat()), this.#heartbeatMs);
    const sweep = setInterval(() => {
      if (this.#sweeping) return;
      this.#sweeping = true;
      void this.#track(this.#sweep()).finally(() => (this.#sweeping = false));
    }, this.#sweepMs);
    beat.unref();
    sweep.unref();
    this.#timers = [beat, sweep];
  }

  async connected(agentId: string, connectionId: string): Promise<void> {
    this.#local.set(connectionId, agentId);
    await this.#track(this.#connect(agentId, connectionId));
  }

  async disconnected(agentId: string, connectionId: string): Promise<void> {
    this.#local.delete(connectionId);
    await this.#track(this.#reap(agentId, connectionId));
  }

  /** Live connections of an agent, across processes. */
  async connections(agentId: string): Promise<number> {
    return this.o.redis.zcount(this.#key.conns(agentId), `(${Date.now()}`, '+inf');
  }

  /**
   * Shutdown begins: no more sweeps, so no agent-gone handler runs against modules
   * that are stopping (a grace this process would have ended is left to the others,
   * or to the next start).
   */
  stopTimers(): void {
    for (const t of this.#timers.splice(0)) clearInterval(t);
  }

  /** Stops the timers and waits for the bookkeeping under way (disconnects of shutdown included). */
  async stop(): Promise<void> {
    this.stopTimers();
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    const guarded = p.catch((err: unknown) => {
      this.o.log.warn({ err }, 'liveness bookkeeping failed');
      return undefined as T;
    });
    this.#pending.add(guarded);
    void guarded.finally(() => this.#pending.delete(guarded));
    return guarded;
  }

  #expiry(): number {
    return Date.now() + 3 * this.#heartbeatMs;
  }

  async #connect(agentId: string, connectionId: string): Promise<void> {
    const k = this.#key;
    await this.o.redis.eval(CONNECT, 3, k.conns(agentId), k.live, k.grace, connectionId, this.#expiry(), agentId);
  }

  async #reap(agentId: string, connectionId: string): Promise<void> {
    const k = this.#key;
    const now = Date.now();
    const started = await this.o.redis.eval(REAP, 3, k.conns(agentId), k.live, k.grace, now, now + this.o.graceMs, agentId, connectionId);
    if (started === 1) this.o.log.debug({ agentId, graceMs: this.o.graceMs }, 'agent has no realtime connection: grace started');
  }

  async #heartbeat(): Promise<void> {
    if (this.#local.size === 0) return;
    const k = this.#key;
    const exp = this.#expiry();
    const batch = this.o.redis.pipeline();
    // CONNECT, not a bare renewal: a connection reaped while this process stalled comes back.
    for (const [conn, agent] of this.#local) batch.eval(CONNECT, 3, k.conns(agent), k.live, k.grace, conn, exp, agent);
    await batch.exec();
  }

  async #sweep(): Promise<void> {
    const k = this.#key;
    const now = Date.now();
    // Connections of a process that died without closing them.
    for (const agentId of await this.o.redis.zrangebyscore(k.live, '-inf', now)) await this.#reap(agentId, '');
    for (const agentId of await this.o.redis.zrangebyscore(k.grace, '-inf', now)) {
      if ((await this.o.redis.eval(EXPIRE, 2, k.conns(agentId), k.grace, now, agentId)) !== 1) continue;
      this.o.log.info({ agentId, graceMs: this.o.graceMs }, 'agent gone: every realtime connection closed for the grace period');
      for (const fn of this.#gone) {
        try {
          await fn(agentId);
        } catch (err) {
          this.o.log.warn({ err, agentId }, 'an agent-gone handler failed');
        }
      }
    }
  }
}
