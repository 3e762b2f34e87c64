import { z } from 'zod';
import { CallerHangupError, NonFatalNodeError } from '../errors';
import { IvrNode, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { varName } from '../schemas';

export const lookupParams = z.strictObject({
  url: z.string().min(1).max(2000).regex(/^https?:\/\//, 'must be an http:// or https:// URL').describe('${var} is substituted (URL-encoded)'),
  method: z.enum(['GET', 'POST']).default('GET'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().max(1000)).default({}),
  body: z.record(z.string().max(64), z.string().max(2000)).optional().describe('POST: sent as a JSON object; values may use ${var}'),
  timeoutMs: z.number().int().min(100).max(15_000).default(3000),
  assign: z.record(varName, z.string().min(1).max(200)).default({}).describe('variable → path in the JSON response (a.b.0.c)'),
});
export type LookupParams = z.output<typeof lookupParams>;

/** Reads a dotted path (a.b.0.c) out of parsed JSON. */
export function pick(json: unknown, path: string): unknown {
  let cur: unknown = json;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * HTTP GET/POST to a third-party service; fields of the JSON answer become variables
 * (what agents later see as "additional info"). A timeout, network error, non-2xx or
 * non-JSON answer is a NonFatalNodeError: `failure` exit, else `next` without the variables.
 */
export class LookupNode extends IvrNode<LookupParams> {
  async exec(ctx: NodeContext): Promise<Outcome> {
    const p = this.params;
    const url = p.url.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)\}/g, (_m, name: string) => encodeURIComponent(ctx.vars.get(name) ?? ''));
    const headers: Record<string, string> = { accept: 'application/json', ...p.headers };
    let body: string | undefined;
    if (p.method === 'POST') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(Object.fromEntries(Object.entries(p.body ?? {}).map(([k, v]) => [k, ctx.vars.render(v)])));
    }
    const started = ctx.ports.clock.now().getTime();
    let res;
    try {
      res = await ctx.ports.http.request({ method: p.method, url, headers, body, timeoutMs: p.timeoutMs, signal: ctx.signal });
    } catch (err) {
      if (err instanceof CallerHangupError || ctx.signal.aborted) throw err;
      const e = err as { name?: unknown; message?: unknown } | undefined;
      const name = typeof e?.name === 'string' ? e.name : 'Error';
      ctx.input({ url: redact(url), error: name });
      throw new NonFatalNodeError(`lookup failed: ${typeof e?.message === 'string' ? e.message : name}`, err);
    }
    const elapsedMs = ctx.ports.clock.now().getTime() - started;
    if (res.status < 200 || res.status > 299) {
      ctx.input({ url: redact(url), status: res.status, elapsedMs });
      throw new NonFatalNodeError(`lookup answered HTTP ${res.status}`);
    }
    if (res.json === undefined) {
      ctx.input({ url: redact(url), status: res.status, elapsedMs });
      throw new NonFatalNodeError('lookup answer is not JSON');
    }
    const assigned: string[] = [];
    for (const [name, path] of Object.entries(p.assign)) {
      const v = pick(res.json, path);
      if (v === undefined || v === null) continue;
      ctx.vars.set(name, typeof v === 'string' ? v : JSON.stringify(v));
      assigned.push(name);
    }
    ctx.input({ url: redact(url), status: res.status, elapsedMs, assigned });
    return { exit: 'next' };
  }
}

/** The trail keeps the endpoint, not query strings (they may carry caller data or keys). */
function redact(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}

export const lookupNode: NodeSpec<LookupParams> = {
  type: 'lookup',
  description: 'HTTP GET/POST with a timeout; JSON fields become variables. Exits next, failure (defaults to next).',
  params: lookupParams,
  exits: () => ({ required: ['next'], optional: ['failure'] }),
  fallbacks: { failure: 'next' },
  input: false,
  needs: () => ({ answered: false }),
  references: () => [],
  create: (def) => new LookupNode(def),
};
