import { z } from 'zod';
import { IvrNode, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { nodeId, slug } from '../schemas';

export const gotoParams = z.strictObject({
  node: nodeId.optional().describe('a node of this flow, or of `flow` when given (default: its start)'),
  flow: slug.optional().describe('another flow (its published version)'),
});
export type GotoParams = z.output<typeof gotoParams>;

/** Jumps to another node of this flow, or into another flow. No exits. */
export class GotoNode extends IvrNode<GotoParams> {
  exec(_ctx: NodeContext): Promise<Outcome> {
    return Promise.resolve({ goto: { ...(this.params.flow ? { flow: this.params.flow } : {}), ...(this.params.node ? { node: this.params.node } : {}) } });
  }
}

export const gotoNode: NodeSpec<GotoParams> = {
  type: 'goto',
  description: 'Jump to another node of this flow, or into another flow.',
  params: gotoParams,
  exits: () => ({ required: [], optional: [] }),
  fallbacks: { failure: null },
  input: false,
  needs: () => ({ answered: false }),
  references: (p) => (p.flow ? [{ kind: 'flow', name: p.flow, field: 'params.flow' }] : []),
  check: (def) => (def.params.node === undefined && def.params.flow === undefined ? [{ field: 'params', message: 'goto needs a node, a flow, or both' }] : []),
  create: (def) => new GotoNode(def),
};
