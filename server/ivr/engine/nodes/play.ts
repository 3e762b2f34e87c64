import { z } from 'zod';
import { IvrNode, promptList, promptRefs, resolvePrompts, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { prompts } from '../schemas';

export const playParams = z.strictObject({
  prompt: prompts,
});
export type PlayParams = z.output<typeof playParams>;

/** Plays one or more prompts, then `next`. */
export class PlayNode extends IvrNode<PlayParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    const files = await resolvePrompts(ctx, promptList(this.params.prompt));
    await ctx.channel.play(files);
    return { exit: 'next' };
  }
}

export const playNode: NodeSpec<PlayParams> = {
  type: 'play',
  description: 'Play prompts (files or text rendered to speech), then exit next.',
  params: playParams,
  exits: () => ({ required: ['next'], optional: ['failure'] }),
  // A prompt that cannot be played must not drop the call: carry on.
  fallbacks: { failure: 'next' },
  input: false,
  needs: () => ({ answered: true }),
  references: (p) => promptRefs(p.prompt, 'params.prompt'),
  create: (def) => new PlayNode(def),
};
