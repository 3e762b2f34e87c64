/**
 * A read-through cache for lookups on the call path (service number → flow, blacklist,
 * skill group by name): a call must not wait on, or fail with, a database that is slow
 * or down when the answer was known a moment ago.
 *
 * - within `freshMs` of the last load the cached value is returned without a query;
 * - otherwise the value is reloaded (one load per key at a time); when the load fails or
 *   takes longer than `budgetMs`, the last known value is returned (while younger than
 *   `staleMs`) and the late load still refreshes the cache when it lands;
 * - with nothing known yet, the load's own result or error is returned.
 */
import { settledWithin } from './settled-within';

interface Entry<V> {
  value: V;
  at: number;
}

/** The call path's defaults: wait this long for Postgres, then use an answer up to this old. */
export const CALL_PATH_BUDGET_MS = 300;
export const CALL_PATH_STALE_MS = 15 * 60_000;

export interface ReadThroughCacheOptions<K, V> {
  load: (key: K) => Promise<V>;
  /** 0: every get revalidates (the budget still bounds the wait). */
  freshMs: number;
  /** Default CALL_PATH_BUDGET_MS. */
  budgetMs?: number;
  /** Default CALL_PATH_STALE_MS. */
  staleMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export class ReadThroughCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #loading = new Map<K, Promise<V>>();
  readonly #now: () => number;
  readonly #budgetMs: number;
  readonly #staleMs: number;

  constructor(private readonly opts: ReadThroughCacheOptions<K, V>) {
    this.#now = opts.now ?? Date.now;
    this.#budgetMs = opts.budgetMs ?? CALL_PATH_BUDGET_MS;
    this.#staleMs = opts.staleMs ?? CALL_PATH_STALE_MS;
  }

  async get(key: K): Promise<V> {
    const known = this.#entries.get(key);
    if (known && this.#now() - known.at < this.opts.freshMs) return known.value;
    const load = this.#load(key);
    if (!known) return load;
    const usable = () => this.#now() - known.at < this.#staleMs;
    if (!(await settledWithin(load, this.#budgetMs))) {
      if (usable()) return known.value;
      return load;
    }
    try {
      return await load;
    } catch (err) {
      if (usable()) return known.value;
      throw err;
    }
  }

  /** Forget a key (or everything): the next get loads. */
  invalidate(key?: K): void {
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }

  #load(key: K): Promise<V> {
    const running = this.#loading.get(key);
    if (running) return running;
    const p = this.opts.load(key).then(
      (value) => {
        this.#remember(key, value);
        return value;
      },
    );
    this.#loading.set(key, p);
    // A late load nobody awaits any more must not be an unhandled rejection.
    p.catch(() => undefined).finally(() => this.#loading.delete(key));
    return p;
  }

  #remember(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: this.#now() });
    const max = this.opts.maxEntries ?? 10_000;
    if (this.#entries.size > max) this.#entries.delete(this.#entries.keys().next().value as K);
  }
}
