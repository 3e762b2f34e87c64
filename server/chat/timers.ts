import type { Db } from '../db/pool';
import type { Logger } from '../logging/logger';

export type TimerKind = 'queue_timeout' | 'visitor_idle_warn' | 'visitor_idle_close' | 'agent_reply' | 'transfer_timeout' | 'visitor_gone';

export interface DueTimer {
  key: string;
  kind: TimerKind;
  subject: string;
  payload: Record<string, unknown>;
}

/**
 * Timers that survive a restart: rows in chat_timers keyed by what they are about
 * (setting a key again moves it). Every process polls; a due row is claimed by
 * DELETE … SKIP LOCKED, so exactly one process fires it. "Now" comes from the
 * injected clock, so tests move time instead of waiting for it.
 */
export class PgTimers {
  #interval: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
    private readonly log: Logger,
    private readonly fire: (t: DueTimer) => Promise<void>,
  ) {}

  start(pollMs: number): void {
    this.#interval = setInterval(() => void this.runDue(), pollMs);
  }

  async stop(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#interval);
    await this.#running;
  }

  async set(key: string, kind: TimerKind, subject: string, inMs: number, payload: Record<string, unknown> = {}): Promise<void> {
    await this.db.query(
      'INSERT INTO chat_timers (key, kind, subject, due_at, payload) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (key) DO UPDATE SET kind = $2, subject = $3, due_at = $4, payload = $5',
      [key, kind, subject, Math.round(this.clock() + inMs), JSON.stringify(payload)],
    );
  }

  /** Sets the timer only when none is pending under this key (the agent-reply timer runs from the first unanswered message). */
  async setIfAbsent(key: string, kind: TimerKind, subject: string, inMs: number): Promise<void> {
    await this.db.query('INSERT INTO chat_timers (key, kind, subject, due_at) VALUES ($1,$2,$3,$4) ON CONFLICT (key) DO NOTHING', [key, kind, subject, Math.round(this.clock() + inMs)]);
  }

  async cancel(...keys: string[]): Promise<void> {
    await this.db.query('DELETE FROM chat_timers WHERE key = ANY($1)', [keys]);
  }

  async cancelPrefix(prefix: string): Promise<void> {
    await this.db.query("DELETE FROM chat_timers WHERE key LIKE $1 || '%'", [prefix]);
  }

  async pending(prefix: string): Promise<{ key: string; kind: string; dueAt: number }[]> {
    return (await this.db.query<{ key: string; kind: string; dueAt: string }>(`SELECT key, kind, due_at AS "dueAt" FROM chat_timers WHERE key LIKE $1 || '%' ORDER BY due_at`, [prefix])).rows.map((r) => ({ ...r, dueAt: Number(r.dueAt) }));
  }

  /** Fires what is due now; overlapping calls collapse into the one in flight. */
  runDue(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#running ??= this.#runOnce().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #runOnce(): Promise<void> {
    for (;;) {
      let due: DueTimer[];
      try {
        due = (
          await this.db.query<DueTimer>(
            'DELETE FROM chat_timers WHERE key IN (SELECT key FROM chat_timers WHERE due_at <= $1 ORDER BY due_at LIMIT 100 FOR UPDATE SKIP LOCKED) RETURNING key, kind, subject, payload',
            [this.clock()],
          )
        ).rows;
      } catch (err) {
        this.log.warn({ err }, 'chat timer poll failed; retrying next tick');
        return;
      }
      for (const t of due) {
        await this.fire(t).catch((err: unknown) => this.log.error({ err, timer: t.key }, 'chat timer handler failed'));
      }
      if (due.length < 100 || this.#closed) return;
    }
  }
}
