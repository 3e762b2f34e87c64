/**
 * The one playback (music or an announcement) the caller's channel runs while it waits,
 * and the race in interrupting it.
 *
 * The playback is a sendmsg on the caller's own socket; uuid_break travels on the inbound
 * connection, so it can overtake the sendmsg. A break asked for before the playback's
 * CHANNEL_EXECUTE is therefore deferred to it (otherwise it is lost and the caller hears
 * music for ever), and none is sent when nothing plays: a uuid_break that reaches the
 * channel between applications is not harmless, FreeSWITCH keeps the break flag for
 * whatever runs next (the simulator ends the outbound socket's park with it).
 */
import type { Logger } from '../logging/logger';
import type { OutboundSession } from '../telephony';
import type { EslCommandTarget } from '../telephony/commands';
import { header, type RawEslEvent } from '../telephony/wire';

export class CallerPlayback {
  /** From the execute until its CHANNEL_EXECUTE_COMPLETE. */
  #playing: { started: boolean; breakWanted: boolean } | undefined;

  constructor(
    private readonly caller: OutboundSession,
    private readonly esl: EslCommandTarget,
    private readonly log: Logger,
  ) {}

  /** Plays `file` until it ends or is interrupted; `stale()` says it is no longer wanted by the time it is sent. */
  async play(file: string, timeoutMs: number | undefined, stale: () => boolean): Promise<void> {
    const playing = { started: false, breakWanted: false };
    this.#playing = playing;
    try {
      const p = this.caller.execute('playback', file, timeoutMs === undefined ? {} : { timeoutMs });
      if (stale()) playing.breakWanted = true;
      await p;
    } finally {
      if (this.#playing === playing) this.#playing = undefined;
    }
  }

  /** Breaks the playback: now when it runs, at its CHANNEL_EXECUTE when it is still queued, not at all when nothing plays. */
  async interrupt(): Promise<void> {
    const p = this.#playing;
    if (!p) return;
    if (!p.started) {
      p.breakWanted = true;
      return;
    }
    await this.#sendBreak();
  }

  /** The caller's channel events: true when it was the playback's own (started or over). */
  onEvent(ev: RawEslEvent): boolean {
    if ((ev.name !== 'CHANNEL_EXECUTE' && ev.name !== 'CHANNEL_EXECUTE_COMPLETE') || header(ev, 'Application') !== 'playback') return false;
    const p = this.#playing;
    if (!p) return true;
    if (ev.name === 'CHANNEL_EXECUTE_COMPLETE') {
      this.#playing = undefined; // over: a later break must not reach the channel
    } else if (!p.started) {
      p.started = true;
      if (p.breakWanted) void this.#sendBreak();
    }
    return true;
  }

  async #sendBreak(): Promise<void> {
    await this.esl.api(`uuid_break ${this.caller.uuid} all`).catch((err: unknown) => this.log.debug({ err }, 'uuid_break failed'));
  }
}
