/**
 * Queue and transfer ports until the ACD and call-control issues land.
 *
 * QueuePort: when another module provides `ivr.queue` (the ACD will) it is used; otherwise
 * every queue attempt reports `no_agents`, so flows take their overflow branch.
 * TransferPort: external numbers and agents are bridged with dial-string templates;
 * a skill group goes through the QueuePort.
 */
import type { Logger } from '../../logging/logger';
import type { CallChannel, QueueOutcome, QueuePort, QueueRequest, TransferPort, TransferTarget } from '../engine/ports';

export const QUEUE_SERVICE = 'ivr.queue';

export class NoAcdQueuePort implements QueuePort {
  #warned = false;
  constructor(private readonly log: Logger) {}

  enqueue(req: QueueRequest): Promise<QueueOutcome> {
    if (!this.#warned) {
      this.#warned = true;
      this.log.warn({ skillGroup: req.skillGroup }, 'no ACD is running (no ivr.queue service): queue nodes report no_agents');
    }
    return Promise.resolve('no_agents');
  }
}

export interface DialStrings {
  /** `{number}` is replaced. */
  external: string;
  /** `{agent}` is replaced (the agent's username, registered through the xml_curl directory). */
  agent: string;
}

export const DEFAULT_DIAL_STRINGS: DialStrings = { external: 'sofia/gateway/default/{number}', agent: 'user/{agent}' };

export class BridgeTransferPort implements TransferPort {
  constructor(
    private readonly queue: () => QueuePort,
    private readonly dial: DialStrings,
  ) {}

  async transfer(req: { callId: string; target: TransferTarget; timeoutSec: number }, channel: CallChannel, signal: AbortSignal): Promise<'connected' | 'failed'> {
    const t = req.target;
    if (t.kind === 'skillGroup') {
      const outcome = await this.queue().enqueue({ callId: req.callId, skillGroup: t.skillGroup, priority: 5, timeoutSec: req.timeoutSec, attributes: {} }, channel, signal);
      return outcome === 'answered' ? 'connected' : 'failed';
    }
    const dialString = t.kind === 'external' ? this.dial.external.replace('{number}', t.number) : this.dial.agent.replace('{agent}', t.agent);
    const r = await channel.bridge(dialString, { timeoutSec: req.timeoutSec });
    return r.outcome;
  }
}
