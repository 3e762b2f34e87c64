/**
 * Admission control for new calls: when Hotline cannot serve another caller well, the
 * caller is told at once (SIP 503, or a short busy prompt) instead of being answered into
 * silence, and the calls already in (queued callers above all) keep their place. It is
 * judged on three signals, each off when its limit is 0:
 *  - calls in progress in this process (a hard capacity);
 *  - new calls admitted in the last second (a setup rate the box can take);
 *  - the event loop's delay over the last window (the process is CPU-starved: everything,
 *    offers and prompts included, is already late).
 * The delay is measured in windows, so service recovers by itself once the load drops.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface AdmissionLimits {
  maxCalls: number;
  maxCallsPerSecond: number;
  maxEventLoopLagMs: number;
}

export type AdmissionVerdict = { admit: true } | { admit: false; reason: 'capacity' | 'rate' | 'overload' };

/** Pure: the verdict from the limits and what was measured. */
export function judgeAdmission(limits: AdmissionLimits, now: { activeCalls: number; admittedLastSecond: number; eventLoopLagMs: number }): AdmissionVerdict {
  if (limits.maxCalls > 0 && now.activeCalls >= limits.maxCalls) return { admit: false, reason: 'capacity' };
  if (limits.maxCallsPerSecond > 0 && now.admittedLastSecond >= limits.maxCallsPerSecond) return { admit: false, reason: 'rate' };
  if (limits.maxEventLoopLagMs > 0 && now.eventLoopLagMs > limits.maxEventLoopLagMs) return { admit: false, reason: 'overload' };
  return { admit: true };
}

const WINDOW_MS = 2000;

export class AdmissionControl {
  readonly #admitted: number[] = [];
  #histogram: IntervalHistogram | undefined;
  #lastLagMs = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
  ) {
    if (limits.maxEventLoopLagMs > 0) {
      this.#histogram = monitorEventLoopDelay({ resolution: 20 });
      this.#histogram.enable();
      // Each window's p99 stands until the next: a burst of lag refuses for a window, not for ever.
      this.#timer = setInterval(() => {
        this.#lastLagMs = this.#histogram!.percentile(99) / 1e6;
        this.#histogram!.reset();
      }, WINDOW_MS);
      this.#timer.unref();
    }
  }

  /** Decides for one new call and counts it when admitted. */
  decide(activeCalls: number): AdmissionVerdict {
    const t = this.now();
    while (this.#admitted.length && this.#admitted[0]! <= t - 1000) this.#admitted.shift();
    const verdict = judgeAdmission(this.limits, { activeCalls, admittedLastSecond: this.#admitted.length, eventLoopLagMs: this.#lastLagMs });
    if (verdict.admit) this.#admitted.push(t);
    return verdict;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram?.disable();
  }
}
