import { EventEmitter } from 'node:events';
import type { Logger } from '../logging/logger';

/**
 * A typed event emitter whose emit is safe: a listener that throws is logged and
 * the others still run, so one subscriber's bug cannot abort an assignment.
 * (telephony/ has the same idea; the two could move to platform/.)
 */
export class SafeEmitter<E extends { [K in keyof E]: unknown[] }> {
  readonly #ee = new EventEmitter();

  constructor(private readonly log: Logger) {
    this.#ee.setMaxListeners(0);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    for (const listener of this.#ee.rawListeners(event) as ((...a: unknown[]) => void)[]) {
      try {
        listener(...args);
      } catch (err) {
        this.log.error({ err, event }, 'routing event listener threw; continuing');
      }
    }
  }

  removeAllListeners(): void {
    this.#ee.removeAllListeners();
  }
}
