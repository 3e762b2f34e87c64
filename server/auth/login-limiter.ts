import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../platform/errors';

/**
 * Brute-force protection for logins: consecutive failures per account+IP lock
 * that pair for a while, and a wider per-IP budget stops spraying across usernames.
 * A success clears the pair's count. The account is a key from accountKey(): the
 * user's id when the typed login names one, so every identifier of that user
 * (username, phone) shares one count.
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

  /** The account a login attempt counts against: the user when one matches, else the string typed (unknown names lock too). */
  static accountKey(userId: string | undefined, login: string): string {
    return userId ? `user:${userId}` : `login:${login.toLowerCase()}`;
  }

  private static pair(account: string, ip: string): string {
    return `${account}_${ip}`;
  }

  /** Throws RateLimitedError when this account+IP or this IP is locked. */
  async check(account: string, ip: string): Promise<void> {
    const [pair, wide] = await Promise.all([this.perUserIp.get(LoginLimiter.pair(account, ip)), this.perIp.get(ip)]);
    for (const res of [pair, wide]) {
      if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0) throw LoginLimiter.locked(res);
    }
  }

  async recordFailure(account: string, ip: string): Promise<void> {
    await Promise.all([this.consume(this.perUserIp, LoginLimiter.pair(account, ip)), this.consume(this.perIp, ip)]);
  }

  async recordSuccess(account: string, ip: string): Promise<void> {
    await this.perUserIp.delete(LoginLimiter.pair(account, ip));
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
