import type Redis from 'ioredis';
import { hashSecret, newSecret } from './secrets';

export interface SessionData {
  userId: string;
  createdAt: string;
  ip?: string;
  userAgent?: string;
}

/**
 * Browser sessions live in Redis under the hash of their cookie value, with a
 * per-user index so disabling an agent or changing a password ends every live
 * session of that user at once. Expiry slides with use.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(sid: string): string {
    return `${this.prefix}session:${sid}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}user-sessions:${userId}`;
  }

  /** Creates a session; returns the cookie value (shown once) and the session id (its hash). */
  async create(data: SessionData): Promise<{ token: string; sid: string }> {
    const token = newSecret('hls');
    const sid = hashSecret(token);
    await this.redis
      .multi()
      .set(this.key(sid), JSON.stringify(data), 'EX', this.ttlSeconds)
      .sadd(this.userKey(data.userId), sid)
      .expire(this.userKey(data.userId), this.ttlSeconds)
      .exec();
    return { token, sid };
  }

  /** Looks up a cookie value and slides its expiry; undefined when unknown or expired. */
  async touch(token: string): Promise<{ sid: string; data: SessionData } | undefined> {
    const sid = hashSecret(token);
    const raw = await this.redis.getex(this.key(sid), 'EX', this.ttlSeconds);
    if (!raw) return undefined;
    return { sid, data: JSON.parse(raw) as SessionData };
  }

  async destroy(sid: string, userId: string): Promise<void> {
    await this.redis.multi().del(this.key(sid)).srem(this.userKey(userId), sid).exec();
  }

  /** Ends every session of a user (except one, when changing one's own password). Returns how many ended. */
  async destroyAllForUser(userId: string, exceptSid?: string): Promise<number> {
    const sids = (await this.redis.smembers(this.userKey(userId))).filter((s) => s !== exceptSid);
    if (sids.length === 0) return 0;
    const ended = await this.redis.del(...sids.map((s) => this.key(s)));
    await this.redis.srem(this.userKey(userId), ...sids);
    return ended;
  }
}
