import type { Logger } from '../logging/logger';
import type { EslCommandTarget } from './commands';
import { nodeName, type EslNodeConfig } from './config';
import { EslConnectionError } from './errors';
import { normalizeEvent, type TelephonyEvent } from './events';
import { EslInboundConnection, type CommandOptions, type EslInboundOptions, type NodeHealth } from './inbound-connection';
import type { EslOk } from './reply';
import { TypedEmitter } from '../platform/typed-emitter';
import type { RawEslEvent } from './wire';

export interface TelephonyNodesOptions {
  nodes: readonly EslNodeConfig[];
  logger: Logger;
  /** Passed to every connection (timeouts, backoff). */
  connection?: Omit<EslInboundOptions, 'node' | 'logger'>;
}

export type TelephonyNodesEvents = {
  /** Normalised events from every node (see events.ts). */
  event: [event: TelephonyEvent];
  /** Every raw event, for consumers that need headers the typed stream leaves out. */
  raw: [event: RawEslEvent, node: string];
  nodeUp: [node: string];
  nodeDown: [node: string];
};

/**
 * One inbound connection per FreeSWITCH node. Every node is equal: commands that are not
 * about an existing channel (originate) go to the connected node with the fewest commands
 * in flight (round robin on ties). Commands about a channel must go to the node that holds
 * it: use connection(event.node).
 */
export class TelephonyNodes extends TypedEmitter<TelephonyNodesEvents> implements EslCommandTarget {
  readonly #connections = new Map<string, EslInboundConnection>();
  #next = 0;
  #closing: Promise<void> | undefined;

  constructor(opts: TelephonyNodesOptions) {
    const log = opts.logger.child({ component: 'telephony-nodes' });
    super(log);
    if (opts.nodes.length === 0) throw new EslConnectionError('no FreeSWITCH nodes configured');
    for (const node of opts.nodes) {
      const conn = new EslInboundConnection({ ...opts.connection, node, logger: opts.logger });
      const name = nodeName(node);
      conn.on('event', (raw) => {
        this.safeEmit('raw', raw, name);
        const typed = normalizeEvent(raw, name);
        if (typed) this.safeEmit('event', typed);
      });
      conn.on('ready', () => this.safeEmit('nodeUp', name));
      conn.on('disconnected', () => this.safeEmit('nodeDown', name));
      this.#connections.set(name, conn);
    }
  }

  start(): void {
    for (const c of this.#connections.values()) c.start();
  }

  /** Resolves when at least one node is ready. */
  waitAnyReady(timeoutMs: number): Promise<void> {
    return Promise.any([...this.#connections.values()].map((c) => c.waitReady(timeoutMs))).catch(() => {
      throw new EslConnectionError(`no FreeSWITCH node ready within ${timeoutMs} ms`);
    });
  }

  health(): NodeHealth[] {
    return [...this.#connections.values()].map((c) => c.health());
  }

  connection(node: string): EslInboundConnection | undefined {
    return this.#connections.get(node);
  }

  connections(): EslInboundConnection[] {
    return [...this.#connections.values()];
  }

  /** The connected node with the fewest commands in flight; EslConnectionError when none. */
  pick(): EslInboundConnection {
    const up = [...this.#connections.values()].filter((c) => c.connected);
    if (up.length === 0) throw new EslConnectionError('no FreeSWITCH node is connected');
    const start = this.#next++ % up.length;
    let best = up[start]!;
    for (let i = 1; i < up.length; i++) {
      const c = up[(start + i) % up.length]!;
      if (c.pending < best.pending) best = c;
    }
    return best;
  }

  /** api on the picked node. */
  async api(command: string, opts?: CommandOptions): Promise<EslOk> {
    return this.pick().api(command, opts);
  }

  /** bgapi on the picked node. */
  async bgapi(command: string, opts?: CommandOptions): Promise<EslOk> {
    return this.pick().bgapi(command, opts);
  }

  /** Closes every connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= Promise.all([...this.#connections.values()].map((c) => c.close())).then(() => this.removeAllListeners());
    return this.#closing;
  }
}
