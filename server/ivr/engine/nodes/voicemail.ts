import { z } from 'zod';
import { CallerHangupError } from '../errors';
import { IvrNode, promptList, promptRefs, resolvePrompts, type NodeContext, type NodeSpec, type Outcome } from '../node';
import type { RecordResult } from '../ports';
import { prompts, slug } from '../schemas';

export const BEEP = 'tone_stream://%(500,0,800)';

export const voicemailParams = z.strictObject({
  mailbox: slug.default('general').describe('whose messages these are (a team, a skill group)'),
  prompt: prompts.optional().describe('greeting before the beep'),
  beep: z.boolean().default(true),
  maxSeconds: z.number().int().min(5).max(600).default(120),
  silenceSeconds: z.number().int().min(1).max(30).default(5).describe('this much silence ends the message'),
  silenceThreshold: z.number().int().min(1).max(10_000).default(200).describe('energy below this is silence'),
  thanksPrompt: prompts.optional().describe('played after the message when the caller is still there'),
});
export type VoicemailParams = z.output<typeof voicemailParams>;

/**
 * Greeting, beep, record (max length, silence ends it), then the message is stored and
 * linked to the call. Most callers hang up to finish: the message is saved then too.
 */
export class VoicemailNode extends IvrNode<VoicemailParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    const p = this.params;
    const [greeting, thanks] = await Promise.all([resolvePrompts(ctx, promptList(p.prompt)), resolvePrompts(ctx, promptList(p.thanksPrompt))]);
    const files = p.beep ? [...greeting, BEEP] : greeting;
    if (files.length > 0) await ctx.channel.play(files);
    const path = ctx.ports.voicemail.allocate(ctx.callId, this.id);
    let result: RecordResult = {};
    let hangup: CallerHangupError | undefined;
    try {
      result = await ctx.channel.record({ path, maxSeconds: p.maxSeconds, silenceThreshold: p.silenceThreshold, silenceSeconds: p.silenceSeconds });
    } catch (err) {
      if (!(err instanceof CallerHangupError)) throw err;
      hangup = err;
    }
    const id = await ctx.ports.voicemail.save({ callId: ctx.callId, flowId: ctx.flowId, nodeId: this.id, mailbox: p.mailbox, callerNumber: ctx.channel.callerNumber, path, durationMs: result.durationMs });
    ctx.input({ voicemailId: id, mailbox: p.mailbox, durationMs: result.durationMs ?? null, endedBy: hangup ? 'hangup' : 'record_end' });
    if (hangup) throw hangup;
    if (thanks.length > 0) await ctx.channel.play(thanks);
    return { exit: 'next', data: { voicemailId: id } };
  }
}

export const voicemailNode: NodeSpec<VoicemailParams> = {
  type: 'voicemail',
  description: 'Greeting, beep, record with max length and silence end; stored as a message linked to the call.',
  params: voicemailParams,
  exits: () => ({ required: ['next'], optional: ['failure'] }),
  fallbacks: { failure: 'next' },
  input: true,
  needs: () => ({ answered: true }),
  references: (p) => [...promptRefs(p.prompt, 'params.prompt'), ...promptRefs(p.thanksPrompt, 'params.thanksPrompt')],
  create: (def) => new VoicemailNode(def),
};
