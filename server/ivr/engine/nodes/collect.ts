import { z } from 'zod';
import { askWithRetries } from '../digits';
import { IvrNode, promptRefs, resolvePromptSet, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { prompts, retries, timeoutMs, varName } from '../schemas';

export const collectParams = z.strictObject({
  prompt: prompts,
  variable: varName.describe('where the digits go'),
  minDigits: z.number().int().min(1).max(64).default(1),
  maxDigits: z.number().int().min(1).max(64).default(20),
  terminator: z.enum(['#', '*', '']).default('#').describe("key that ends input early ('' for none)"),
  pattern: z.string().max(200).optional().describe('regular expression the whole input must match'),
  timeoutMs: timeoutMs(5000).describe('wait for the first key after the prompt, ms'),
  digitTimeoutMs: timeoutMs(3000).describe('wait between keys, ms'),
  retries: retries,
  invalidPrompt: prompts.optional(),
  timeoutPrompt: prompts.optional(),
});
export type CollectParams = z.output<typeof collectParams>;

/** Collects a number (min/max digits, terminator, pattern) into a variable. */
export class CollectNode extends IvrNode<CollectParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    const p = this.params;
    const pattern = p.pattern !== undefined ? new RegExp(`^(?:${p.pattern})$`) : undefined;
    const { prompt, invalidPrompt, timeoutPrompt } = await resolvePromptSet(ctx, { prompt: p.prompt, invalidPrompt: p.invalidPrompt, timeoutPrompt: p.timeoutPrompt });
    const r = await askWithRetries(ctx, {
      prompt,
      invalidPrompt,
      timeoutPrompt,
      retries: p.retries,
      minDigits: p.minDigits,
      maxDigits: p.maxDigits,
      timeoutMs: p.timeoutMs,
      digitTimeoutMs: p.digitTimeoutMs,
      terminators: p.terminator,
      accept: (d) => d.length <= p.maxDigits && /^[0-9*#]+$/.test(d) && (pattern ? pattern.test(d) : true),
    });
    if (r.kind !== 'ok') return { exit: r.kind, data: { attempts: r.attempts } };
    ctx.vars.set(p.variable, r.digits);
    return { exit: 'next', data: { attempts: r.attempts } };
  }
}

export const collectNode: NodeSpec<CollectParams> = {
  type: 'collect',
  description: 'Collect digits (min/max, terminator, pattern) into a variable; exits next, invalid, timeout.',
  params: collectParams,
  exits: () => ({ required: ['next', 'invalid'], optional: ['timeout', 'failure'] }),
  fallbacks: { timeout: 'invalid', failure: 'invalid' },
  input: true,
  needs: () => ({ answered: true }),
  references: (p) => [...promptRefs(p.prompt, 'params.prompt'), ...promptRefs(p.invalidPrompt, 'params.invalidPrompt'), ...promptRefs(p.timeoutPrompt, 'params.timeoutPrompt')],
  check: (def) => {
    const out: { field: string; message: string }[] = [];
    if (def.params.minDigits > def.params.maxDigits) out.push({ field: 'params.minDigits', message: 'must not exceed maxDigits' });
    if (def.params.pattern !== undefined) {
      try {
        new RegExp(def.params.pattern);
      } catch {
        out.push({ field: 'params.pattern', message: 'is not a valid regular expression' });
      }
    }
    return out;
  },
  create: (def) => new CollectNode(def),
};
