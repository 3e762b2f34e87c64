export interface BackoffPolicy {
  /** First retry delay. */
  initialMs: number;
  /** Ceiling for the exponential part. */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** 0..1: fraction of the delay that is randomised (0.5 → delay in [0.5d, d]). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 30_000, factor: 2, jitter: 0.5 };

/**
 * Delay before reconnect attempt `attempt` (1-based). Jitter spreads the reconnects of many
 * server processes after a FreeSWITCH restart so they do not all hit it in the same instant.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(exp * (1 - jitter) + exp * jitter * random());
}
