import type { FieldError } from '../platform/errors';

/** Deeper than any document Hotline accepts (IVR flows nest a few levels); deep enough for any real one. */
export const MAX_JSON_DEPTH = 64;

/**
 * The first thing in a parsed JSON value that no route may receive: a NUL byte in a
 * string or key (Postgres text refuses it, mid-query) or nesting beyond maxDepth
 * (recursive validators would overflow the stack). Walks with an explicit stack, so
 * the check itself cannot overflow. Pure.
 */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): FieldError | undefined {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path: fieldPath(path), message: 'must not contain a NUL byte (\\u0000)' };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= maxDepth) return { path: fieldPath(path), message: `nested deeper than ${maxDepth} levels` };
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, child] of entries) {
      if (typeof k === 'string' && k.includes('\u0000')) return { path: fieldPath([...path, k]), message: 'a key must not contain a NUL byte (\\u0000)' };
      stack.push({ v: child, path: [...path, k] });
    }
  }
  return undefined;
}

/** Query strings: NUL in a name or a value (one or repeated). */
export function queryProblem(query: Record<string, unknown>): FieldError | undefined {
  for (const [k, v] of Object.entries(query)) {
    if (k.includes('\u0000')) return { path: k.split('\u0000').join('\\u0000'), message: 'a parameter name must not contain a NUL byte' };
    const problem = jsonProblem(v, 8);
    if (problem) return { path: problem.path === 'body' ? k : `${k}.${problem.path}`, message: problem.message };
  }
  return undefined;
}

function fieldPath(path: (string | number)[]): string {
  return path.length ? path.join('.') : 'body';
}
