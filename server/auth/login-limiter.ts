import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../platform/errors';

/**
 * Brute-force protection for logins: consecutive failures per username+IP lock
 * that pair for a while, and a wider per-IP budget stops spraying across usernames.
 * A success clears the pair's count.
 */
export class LoginLimiter {
  private readonly perUserIp: RateLimiterRedis;
  private readonly perIp: RateLimiterRedis;

  constructor(redis: Redis, prefix: string, opts: { maxFailures: number; lockSeconds: number }) {
    this.perUserIp = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}login-fail-user-ip`,
      points: opts.maxFailures,
      duration: opts.lockSeconds,
      blockDuration: opts.lockSeconds,
    });
    this.perIp = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}login-fail-ip`,
      points: opts.maxFailures * 20,
      duration: 3600,
      blockDuration: opts.lockSeconds,
    });
  }

  private static pair(username: string, ip: string): string {
    return `${username.toLowerCase()}_${ip}`;
  }

  /** Throws RateLimitedError when this username+IP or this IP is locked. */
  async check(username: string, ip: string): Promise<void> {
    const [pair, wide] = await Promise.all([this.perUserIp.get(LoginLimiter.pair(username, ip)), this.perIp.get(ip)]);
    for (const res of [pair, wide]) {
      if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0) throw LoginLimiter.locked(res);
    }
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await Promise.all([this.consume(this.perUserIp, LoginLimiter.pair(username, ip)), this.consume(this.perIp, ip)]);
  }

  async recordSuccess(username: string, ip: string): Promise<void> {
    await this.perUserIp.delete(LoginLimiter.pair(username, ip));
  }

  private async consume(limiter: RateLimiterRedis, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (err) {
      // Running out of points is the lock itself, enforced on the next check; anything else is a real error.
      if (!(err instanceof RateLimiterRes)) throw err;
    }
  }

  private static locked(res: RateLimiterRes): RateLimitedError {
    const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return new RateLimitedError(`Too many failed login attempts; try again in ${seconds} seconds`, seconds);
  }
}
