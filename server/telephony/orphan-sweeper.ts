/**
 * Finds calls FreeSWITCH still holds in the `socket` application aimed at this Hotline
 * process that no outbound session of this process serves, and hangs them up.
 *
 * Why: when the outbound socket breaks before or during setup (a timeout under CPU
 * pressure, a restart), FreeSWITCH keeps the caller parked in `socket` for ever
 * (socket_function never gives up on an async socket), ringing and unanswered. Nothing
 * on the Hotline side owns such a channel any more, so it is reaped here: by the uuid
 * right away when setup failed after `connect` told us the uuid, and by a periodic sweep
 * of `show channels` for those whose uuid we never learnt.
 */
import type { Logger } from '../logging/logger';
import { showChannels, uuidKill, type ChannelRow } from './commands';
import { ConnectionState, type EslInboundConnection } from './inbound-connection';

export interface OrphanSweeperOptions {
  connections: () => EslInboundConnection[];
  /** Uuids of the channels this process serves right now. */
  served: () => ReadonlySet<string>;
  /** The port of this process's outbound listener, as the dialplan's `socket HOST:PORT` names it. */
  outboundPort: number;
  /** A channel younger than this may still be setting up. */
  graceMs?: number;
  intervalMs?: number;
  now?: () => number;
  log: Logger;
}

/** What a caller Hotline cannot serve is told: SIP 503, so the carrier may retry elsewhere. */
export const UNSERVED_CAUSE = 'NORMAL_TEMPORARY_FAILURE';

/** Pure: the rows that are this process's abandoned socket calls. */
export function orphanedSocketCalls(rows: readonly ChannelRow[], opts: { outboundPort: number; served: ReadonlySet<string>; nowMs: number; graceMs: number }): ChannelRow[] {
  const port = `:${opts.outboundPort}`;
  return rows.filter((r) => {
    if (r.application !== 'socket') return false;
    const target = r.applicationData.trim().split(/\s+/)[0] ?? '';
    if (!target.endsWith(port)) return false;
    if (opts.served.has(r.uuid)) return false;
    return opts.nowMs - r.createdEpoch * 1000 >= opts.graceMs;
  });
}

export class OrphanSweeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(private readonly opts: OrphanSweeperOptions) {}

  start(): void {
    this.#timer = setInterval(() => void this.sweep(), this.opts.intervalMs ?? 30_000);
    this.#timer.unref();
  }

  /** One pass over every ready node; never throws. */
  sweep(): Promise<void> {
    this.#running ??= this.#sweep().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #sweep(): Promise<void> {
    const nowMs = (this.opts.now ?? Date.now)();
    for (const conn of this.opts.connections().filter((c) => c.state === ConnectionState.Ready)) {
      try {
        const rows = await showChannels(conn);
        const orphans = orphanedSocketCalls(rows, { outboundPort: this.opts.outboundPort, served: this.opts.served(), nowMs, graceMs: this.opts.graceMs ?? 60_000 });
        for (const r of orphans) await this.reap(conn, r.uuid, 'no outbound session serves this call');
      } catch (err) {
        this.opts.log.warn({ err }, 'orphan sweep: listing channels failed');
      }
    }
  }

  /** Hangs one channel up with the unserved cause (a missing channel is fine: it is gone already). */
  async reap(conn: Pick<EslInboundConnection, 'api' | 'bgapi'>, uuid: string, why: string): Promise<void> {
    this.opts.log.warn({ uuid, why }, 'hanging up a call no session serves');
    await uuidKill(conn, uuid, UNSERVED_CAUSE).catch((err: unknown) => this.opts.log.debug({ err, uuid }, 'uuid_kill of an orphan failed'));
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
