import type { NodeContext } from './node';

export interface AskOptions {
  prompt: string[];
  invalidPrompt: string[];
  timeoutPrompt: string[];
  retries: number;
  minDigits: number;
  maxDigits: number;
  timeoutMs: number;
  digitTimeoutMs: number;
  terminators: string;
  /** Engine-side check of what the caller typed. */
  accept(digits: string): boolean;
  /** Labels the trail entries (e.g. 'level1'). */
  step?: string;
}

export type AskResult = { kind: 'ok'; digits: string; attempts: number } | { kind: 'timeout' | 'invalid'; attempts: number };

/**
 * The retry rule shared by menu, collect and survey: up to 1 + retries attempts; an
 * attempt with no key is a timeout (the timeout prompt plays before the next attempt),
 * a key sequence that is not accepted is invalid (the invalid prompt plays). After the
 * last attempt the result is the kind of the last failure. Every attempt is in the trail.
 */
export async function askWithRetries(ctx: NodeContext, o: AskOptions): Promise<AskResult> {
  let last: 'timeout' | 'invalid' = 'timeout';
  const attempts = o.retries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const r = await ctx.channel.playAndGetDigits({
      prompt: o.prompt,
      // The media server only waits for input; length, pattern and choices are checked here
      // so that "typed too little" counts as invalid, not as a timeout.
      minDigits: 1,
      maxDigits: o.maxDigits,
      timeoutMs: o.timeoutMs,
      digitTimeoutMs: o.digitTimeoutMs,
      terminators: o.terminators,
      regex: '',
    });
    const ok = r.digits.length >= Math.max(1, o.minDigits) && o.accept(r.digits);
    last = r.digits === '' ? 'timeout' : 'invalid';
    ctx.input({ ...(o.step ? { step: o.step } : {}), attempt, digits: r.digits, result: ok ? 'ok' : last });
    if (ok) return { kind: 'ok', digits: r.digits, attempts: attempt };
    if (attempt < attempts) {
      const retryPrompt = last === 'timeout' ? o.timeoutPrompt : o.invalidPrompt;
      if (retryPrompt.length > 0) await ctx.channel.play(retryPrompt);
    }
  }
  return { kind: last, attempts };
}
