/**
 * Retrying writes that must land eventually but must never hold up live work (a call, an
 * offer): Postgres under CPU pressure times out for a while, then comes back.
 */
import type { Logger } from '../logging/logger';
import { settledWithin } from './settled-within';

export interface RetryPolicy {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/** About half a minute of retries: longer than a pool timeout or a Postgres restart. */
export const WRITE_RETRY: RetryPolicy = { attempts: 9, firstDelayMs: 100, maxDelayMs: 8_000 };

/** Runs op until it succeeds or the policy's attempts are spent (exponential backoff between). Never throws. */
export async function withRetry<T>(op: () => Promise<T>, policy: RetryPolicy, onRetry: (err: unknown, attempt: number) => void): Promise<{ done: true; value: T } | { done: false; error: unknown }> {
  let delay = policy.firstDelayMs;
  for (let i = 1; ; i++) {
    try {
      return { done: true, value: await op() };
    } catch (err) {
      if (i >= policy.attempts) return { done: false, error: err };
      onRetry(err, i);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(policy.maxDelayMs, delay * 2);
    }
  }
}

/** Writes run one after another, in the order given, each retried; the caller never waits. */
export class SerialWriter {
  #tail: Promise<void> = Promise.resolve();
  #failed = 0;

  constructor(
    private readonly log: Logger,
    private readonly policy: RetryPolicy = WRITE_RETRY,
  ) {}

  write(what: string, op: () => Promise<unknown>, context: Record<string, unknown> = {}): void {
    this.#tail = this.#tail.then(async () => {
      const r = await withRetry(op, this.policy, (err, attempt) => this.log.warn({ err, write: what, attempt, ...context }, 'write failed; retrying'));
      if (!r.done) {
        this.#failed++;
        this.log.error({ err: r.error, write: what, attempts: this.policy.attempts, ...context }, 'write given up');
      }
    });
  }

  /** Writes given up on so far. */
  get failedWrites(): number {
    return this.#failed;
  }

  /** Settles once every write queued so far landed or was given up (at most `ms`). */
  async drained(ms = 60_000): Promise<void> {
    await settledWithin(this.#tail, ms);
  }
}
