import { z } from 'zod';
import { abortable, IvrNode, type NodeContext, type NodeSpec, type Outcome, type Reference } from '../node';

export const transferParams = z.strictObject({
  target: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('agent'), agent: z.string().min(1).max(64).describe('agent username') }),
    z.strictObject({ kind: z.literal('skillGroup'), skillGroup: z.string().min(1).max(100) }),
    z.strictObject({ kind: z.literal('external'), number: z.string().regex(/^\+?[0-9]{3,20}$/, 'a phone number: digits, optional leading +') }),
  ]),
  timeoutSec: z.number().int().min(5).max(300).default(30).describe('ring time before the failed exit'),
});
export type TransferParams = z.output<typeof transferParams>;

/** Blind transfer to an agent, a skill group or an external number (TransferPort). Exits connected, failed. */
export class TransferNode extends IvrNode<TransferParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    const p = this.params;
    const outcome = await abortable(ctx.ports.transfer.transfer({ callId: ctx.callId, target: p.target, timeoutSec: p.timeoutSec, callerNumber: ctx.channel.callerNumber }, ctx.channel, ctx.signal), ctx.signal);
    ctx.input({ target: p.target.kind, outcome });
    return { exit: outcome };
  }
}

export const transferNode: NodeSpec<TransferParams> = {
  type: 'transfer',
  description: 'Transfer to an agent, a skill group or an external number; exits connected (after the call), failed.',
  params: transferParams,
  exits: () => ({ required: ['connected', 'failed'], optional: ['failure'] }),
  fallbacks: { failure: 'failed' },
  input: false,
  needs: () => ({ answered: false }),
  references: (p): Reference[] =>
    p.target.kind === 'agent'
      ? [{ kind: 'agent', name: p.target.agent, field: 'params.target.agent' }]
      : p.target.kind === 'skillGroup'
        ? [{ kind: 'skillGroup', name: p.target.skillGroup, field: 'params.target.skillGroup' }]
        : [],
  create: (def) => new TransferNode(def),
};
