import { z } from 'zod';
import { abortable, IvrNode, promptRefs, resolvePrompts, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { promptRef } from '../schemas';

export const queueParams = z.strictObject({
  skillGroup: z.string().min(1).max(100).describe('skill group name'),
  priority: z.number().int().min(0).max(10).default(5).describe('higher is served first'),
  timeoutSec: z.number().int().min(5).max(3600).default(120).describe('longest wait before the timeout exit'),
  maxQueueLength: z.number().int().min(1).max(10_000).optional().describe('more waiting callers than this: the full exit'),
  holdMusic: promptRef.optional(),
});
export type QueueParams = z.output<typeof queueParams>;

/**
 * Puts the caller in a skill group's queue through the QueuePort (the ACD). Exits:
 * answered (an agent took the call and the conversation ended), timeout, full, no_agents.
 * An agent's blind transfer to an IVR node continues the flow at that node (a goto).
 */
export class QueueNode extends IvrNode<QueueParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    const p = this.params;
    const holdMusic = p.holdMusic ? (await resolvePrompts(ctx, [p.holdMusic]))[0] : undefined;
    const attributes = Object.fromEntries(Object.entries(ctx.vars.toJSON()).filter(([k]) => k.startsWith('customer.') || k === 'language'));
    const outcome = await abortable(
      ctx.ports.queue.enqueue({ callId: ctx.callId, skillGroup: p.skillGroup, priority: p.priority, timeoutSec: p.timeoutSec, maxQueueLength: p.maxQueueLength, holdMusic, attributes }, ctx.channel, ctx.signal),
      ctx.signal,
    );
    if (typeof outcome === 'object') {
      // An agent transferred the caller to a node of this flow: the flow goes on there.
      ctx.input({ skillGroup: p.skillGroup, outcome: 'transfer_ivr', node: outcome.node });
      return { goto: { node: outcome.node } };
    }
    ctx.input({ skillGroup: p.skillGroup, outcome });
    return { exit: outcome };
  }
}

export const queueNode: NodeSpec<QueueParams> = {
  type: 'queue',
  description: 'Queue the caller for a skill group (via the ACD); exits answered, timeout, full, no_agents.',
  params: queueParams,
  exits: () => ({ required: ['answered', 'timeout', 'full', 'no_agents'], optional: ['failure'] }),
  // The ACD failing is the same to the caller as nobody being there.
  fallbacks: { failure: 'no_agents' },
  input: false,
  needs: () => ({ answered: true }),
  references: (p) => [{ kind: 'skillGroup', name: p.skillGroup, field: 'params.skillGroup' }, ...(p.holdMusic ? promptRefs(p.holdMusic, 'params.holdMusic') : [])],
  create: (def) => new QueueNode(def),
};
