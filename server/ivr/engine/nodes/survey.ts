import { z } from 'zod';
import { askWithRetries } from '../digits';
import { IvrNode, promptList, promptRefs, resolvePrompts, resolvePromptSet, type NodeContext, type NodeSpec, type Outcome, type Reference } from '../node';
import { dtmfKey, prompts, retries, slug, timeoutMs } from '../schemas';

const option = z.strictObject({ digit: dtmfKey, label: z.string().min(1).max(100) });
const level1Option = option.extend({
  followUp: z
    .strictObject({
      prompt: prompts,
      options: z.array(option).min(1).max(12),
    })
    .optional()
    .describe('the second level asked after this answer'),
});

export const surveyParams = z.strictObject({
  survey: slug.default('csat').describe('name the results are stored under'),
  prompt: prompts.describe('e.g. "satisfied press 1, not satisfied press 2"'),
  options: z.array(level1Option).min(1).max(12),
  invalidPrompt: prompts.optional(),
  thanksPrompt: prompts.optional(),
  timeoutMs: timeoutMs(5000),
  retries: retries.default(1),
});
export type SurveyParams = z.output<typeof surveyParams>;

/**
 * The two-level DTMF satisfaction survey (seed 003 §1.3.3): a first question, and for
 * some answers a second one ("professional press 1, friendly press 2"). The result is
 * stored even when the caller answers only the first level (or none).
 */
export class SurveyNode extends IvrNode<SurveyParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    const p = this.params;
    const { prompt, invalidPrompt, thanks } = await resolvePromptSet(ctx, { prompt: p.prompt, invalidPrompt: p.invalidPrompt, thanks: p.thanksPrompt });
    const base = { retries: p.retries, minDigits: 1, maxDigits: 1, timeoutMs: p.timeoutMs, digitTimeoutMs: p.timeoutMs, terminators: '', invalidPrompt, timeoutPrompt: invalidPrompt };
    const r1 = await askWithRetries(ctx, { ...base, prompt, step: 'level1', accept: (d) => p.options.some((o) => o.digit === d) });
    const first = r1.kind === 'ok' ? p.options.find((o) => o.digit === r1.digits) : undefined;
    let second: { digit: string; label: string } | undefined;
    if (first?.followUp) {
      const follow = first.followUp;
      const r2 = await askWithRetries(ctx, { ...base, prompt: await resolvePrompts(ctx, promptList(follow.prompt)), step: 'level2', accept: (d) => follow.options.some((o) => o.digit === d) });
      if (r2.kind === 'ok') second = follow.options.find((o) => o.digit === r2.digits);
    }
    const id = await ctx.ports.survey.save({
      callId: ctx.callId,
      flowId: ctx.flowId,
      nodeId: this.id,
      survey: p.survey,
      level1Digit: first?.digit ?? null,
      level1Label: first?.label ?? null,
      level2Digit: second?.digit ?? null,
      level2Label: second?.label ?? null,
    });
    if (first?.label) ctx.vars.set('survey.level1', first.label);
    if (second?.label) ctx.vars.set('survey.level2', second.label);
    if (first && thanks.length > 0) await ctx.channel.play(thanks);
    return { exit: 'next', data: { surveyResultId: id, answered: Boolean(first) } };
  }
}

export const surveyNode: NodeSpec<SurveyParams> = {
  type: 'survey',
  description: 'Two-level DTMF satisfaction survey; the result is stored. Exit next.',
  params: surveyParams,
  exits: () => ({ required: ['next'], optional: ['failure'] }),
  fallbacks: { failure: 'next' },
  input: true,
  needs: () => ({ answered: true }),
  references: (p): Reference[] => [
    ...promptRefs(p.prompt, 'params.prompt'),
    ...promptRefs(p.invalidPrompt, 'params.invalidPrompt'),
    ...promptRefs(p.thanksPrompt, 'params.thanksPrompt'),
    ...p.options.flatMap((o, i) => (o.followUp ? promptRefs(o.followUp.prompt, `params.options.${i}.followUp.prompt`) : [])),
  ],
  check: (def) => {
    const dup = (opts: { digit: string }[], field: string) => {
      const seen = new Set<string>();
      return opts.flatMap((o, i) => {
        if (seen.has(o.digit)) return [{ field: `${field}.${i}.digit`, message: `key ${o.digit} is used twice` }];
        seen.add(o.digit);
        return [];
      });
    };
    return [...dup(def.params.options, 'params.options'), ...def.params.options.flatMap((o, i) => (o.followUp ? dup(o.followUp.options, `params.options.${i}.followUp.options`) : []))];
  },
  create: (def) => new SurveyNode(def),
};
