import { EventEmitter } from 'node:events';
import type { Logger } from '../logging/logger';

/**
 * A typed EventEmitter whose emit is safe: a listener that throws is logged and the
 * remaining listeners still run, so one buggy subscriber cannot break a call, abort an
 * assignment or, worse, unwind the ESL parser that is delivering the frame.
 * Subclasses emit with safeEmit; EventBus is the same with a public emit.
 */
export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  readonly #ee = new EventEmitter();

  constructor(protected readonly emitterLogger: Logger) {
    // Many subscribers per call/node are normal (call layer, metrics, tests).
    this.#ee.setMaxListeners(0);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#ee.listenerCount(event);
  }

  protected removeAllListeners(): void {
    this.#ee.removeAllListeners();
  }

  /** Calls every listener; exceptions are logged, never propagated. */
  protected safeEmit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    for (const listener of this.#ee.rawListeners(event) as ((...a: unknown[]) => void)[]) {
      try {
        listener.apply(this, args);
      } catch (err) {
        this.emitterLogger.error({ err, event }, 'event listener threw; continuing');
      }
    }
  }
}

/** A TypedEmitter that anyone holding it may emit on: for a domain's event stream shared by its parts. */
export class EventBus<E extends { [K in keyof E]: unknown[] }> extends TypedEmitter<E> {
  emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    this.safeEmit(event, ...args);
  }

  override removeAllListeners(): void {
    super.removeAllListeners();
  }
}
