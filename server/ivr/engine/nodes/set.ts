import { z } from 'zod';
import { IvrNode, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { varName } from '../schemas';

export const setParams = z.strictObject({
  vars: z.record(varName, z.string().max(2000)).describe('name → value; ${var} is substituted'),
  channel: z.boolean().default(false).describe('also set them as channel variables on the media server'),
});
export type SetParams = z.output<typeof setParams>;

/** Sets flow variables (and optionally channel variables). */
export class SetNode extends IvrNode<SetParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    for (const [name, template] of Object.entries(this.params.vars)) {
      const value = ctx.vars.render(template);
      ctx.vars.set(name, value);
      if (this.params.channel) await ctx.channel.setVar(name, value);
    }
    return { exit: 'next' };
  }
}

export const setNode: NodeSpec<SetParams> = {
  type: 'set',
  description: 'Set variables.',
  params: setParams,
  exits: () => ({ required: ['next'], optional: ['failure'] }),
  fallbacks: { failure: 'next' },
  input: false,
  needs: () => ({ answered: false }),
  references: () => [],
  create: (def) => new SetNode(def),
};
