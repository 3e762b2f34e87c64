import { z } from 'zod';
import { IvrNode, promptList, promptRefs, resolvePrompts, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { prompts } from '../schemas';

export const hangupParams = z.strictObject({
  prompt: prompts.optional().describe('goodbye played first'),
  cause: z.string().regex(/^[A-Z][A-Z0-9_]{2,40}$/, 'a hangup cause such as NORMAL_CLEARING').default('NORMAL_CLEARING'),
});
export type HangupParams = z.output<typeof hangupParams>;

/** Optionally says goodbye, then hangs up. Ends the flow. */
export class HangupNode extends IvrNode<HangupParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    const files = await resolvePrompts(ctx, promptList(this.params.prompt));
    if (files.length > 0) await ctx.channel.play(files);
    await ctx.channel.hangup(this.params.cause);
    return { end: 'hangup' };
  }
}

export const hangupNode: NodeSpec<HangupParams> = {
  type: 'hangup',
  description: 'Optional goodbye prompt, then hang up.',
  params: hangupParams,
  exits: () => ({ required: [], optional: [] }),
  fallbacks: { failure: null },
  input: false,
  needs: (p) => ({ answered: p.prompt !== undefined }),
  references: (p) => promptRefs(p.prompt, 'params.prompt'),
  create: (def) => new HangupNode(def),
};
