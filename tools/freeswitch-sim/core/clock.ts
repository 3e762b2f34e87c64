/**
 * Simulated time. Every media duration, ring time and timeout goes through here so one
 * `speed` factor (20 = twenty times faster) shortens them all; reported durations
 * (playback_ms, record_ms, ...) stay in simulated milliseconds.
 */
export class Clock {
  /** Pending timers and what to do if the simulator stops before they fire. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private stopped = false;

  constructor(readonly speed: number) {}

  /** Real milliseconds for a simulated duration. */
  real(ms: number): number {
    return Math.max(0, ms / this.speed);
  }

  /**
   * Waits `ms` simulated milliseconds. Resolves true when the time ran out, false when
   * `signal` aborted first (hangup, break, transfer) or the simulator stopped.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.stopped || signal?.aborted) {
        resolve(false);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(t);
        this.timers.delete(t);
        resolve(false);
      };
      const t = setTimeout(() => {
        this.timers.delete(t);
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, this.real(ms));
      this.timers.set(t, () => resolve(false));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs `fn` after a simulated delay unless the simulator stops first. */
  after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.real(ms));
    this.timers.set(t, () => undefined);
    return t;
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  stop(): void {
    this.stopped = true;
    for (const [t, onStop] of this.timers) {
      clearTimeout(t);
      onStop();
    }
    this.timers.clear();
  }
}
