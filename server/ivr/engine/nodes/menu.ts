import { z } from 'zod';
import { askWithRetries } from '../digits';
import { IvrNode, promptRefs, resolvePromptSet, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { DTMF_KEY, prompts, retries, timeoutMs } from '../schemas';

export const menuParams = z.strictObject({
  prompt: prompts,
  invalidPrompt: prompts.optional().describe('played before a retry after a key that is not an option'),
  timeoutPrompt: prompts.optional().describe('played before a retry after no key'),
  timeoutMs: timeoutMs(5000).describe('wait for a key after the prompt, ms'),
  retries: retries.describe('extra attempts after the first (0-5)'),
});
export type MenuParams = z.output<typeof menuParams>;

/**
 * A one-key menu. Its exits are the keys (wired exits named 0-9, * or #) plus `invalid`
 * (retries used up on wrong keys) and optionally `timeout` (retries used up with no key;
 * falls back to `invalid`).
 */
export class MenuNode extends IvrNode<MenuParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    const p = this.params;
    const keys = Object.keys(this.def.exits).filter((k) => DTMF_KEY.test(k));
    const { prompt, invalidPrompt, timeoutPrompt } = await resolvePromptSet(ctx, { prompt: p.prompt, invalidPrompt: p.invalidPrompt, timeoutPrompt: p.timeoutPrompt });
    const r = await askWithRetries(ctx, {
      prompt,
      invalidPrompt,
      timeoutPrompt,
      retries: p.retries,
      minDigits: 1,
      maxDigits: 1,
      timeoutMs: p.timeoutMs,
      digitTimeoutMs: p.timeoutMs,
      terminators: '',
      accept: (d) => keys.includes(d),
    });
    if (r.kind === 'ok') return { exit: r.digits, data: { digits: r.digits, attempts: r.attempts } };
    return { exit: r.kind, data: { attempts: r.attempts } };
  }
}

export const menuNode: NodeSpec<MenuParams> = {
  type: 'menu',
  description: 'One-key menu: exits named by key (0-9, *, #), invalid, timeout; retries with invalid/timeout prompts.',
  params: menuParams,
  exits: () => ({ required: ['invalid'], optional: ['timeout', 'failure', ...'0123456789*#'.split('')] }),
  fallbacks: { timeout: 'invalid', failure: 'invalid' },
  input: true,
  needs: () => ({ answered: true }),
  references: (p) => [...promptRefs(p.prompt, 'params.prompt'), ...promptRefs(p.invalidPrompt, 'params.invalidPrompt'), ...promptRefs(p.timeoutPrompt, 'params.timeoutPrompt')],
  check: (def) => (Object.keys(def.exits).some((k) => DTMF_KEY.test(k)) ? [] : [{ field: 'exits', message: 'a menu needs at least one key exit (0-9, * or #)' }]),
  create: (def) => new MenuNode(def),
};
