/**
 * Queue order and wait estimates. A queue is ordered by priority (higher first),
 * then by enqueue time (earlier first); one number encodes both so a sorted set
 * keeps the order and the heads of different queues compare directly.
 */
export const MAX_PRIORITY = 100;
const TIME_SPAN = 2 ** 42; // ms since the epoch stay below this until the year 2109

/** Lower score is served first. Exact in a double: (MAX_PRIORITY+1) * 2^42 < 2^53. */
export function queueScore(priority: number, enqueuedAt: number): number {
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) throw new RangeError(`priority must be an integer 0..${MAX_PRIORITY}`);
  return (MAX_PRIORITY - priority) * TIME_SPAN + enqueuedAt;
}

export function scoreParts(score: number): { priority: number; enqueuedAt: number } {
  const band = Math.floor(score / TIME_SPAN);
  return { priority: MAX_PRIORITY - band, enqueuedAt: score - band * TIME_SPAN };
}

/** Average handle time used until a queue has history of its own. */
export const DEFAULT_HANDLE_SECONDS = 180;

export interface WaitInputs {
  /** 1-based place in the queue (1 = next). */
  position: number;
  /** Agents logged in to this queue (ready, busy or wrapping up): the ones who will free up. */
  agentsServing: number;
  /** Slots each serving agent has on this channel on average (1 for voice). */
  slotsPerAgent: number;
  /** Mean seconds a contact of this queue keeps a slot; undefined without history. */
  averageHandleSeconds?: number;
}

/**
 * Estimated seconds until this contact is offered: the contacts ahead are served
 * in waves of one per serving slot, each wave lasting one average handle time.
 * Null when nobody is logged in: there is no honest estimate to announce.
 */
export function estimateWaitSeconds(w: WaitInputs): number | null {
  const slots = w.agentsServing * Math.max(1, w.slotsPerAgent);
  if (slots <= 0) return null;
  const aht = w.averageHandleSeconds ?? DEFAULT_HANDLE_SECONDS;
  const waves = Math.floor((w.position - 1) / slots);
  // The head waits for the first slot to free: half a handle time on average.
  return Math.round(waves * aht + aht / 2);
}
