/**
 * switch_separate_string on spaces: quotes group words (and are removed), `{...}`
 * channel-variable blocks stay in one piece so dial strings survive.
 */
export function splitArgs(s: string | undefined): string[] {
  if (!s) return [];
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let depth = 0;
  let started = false;
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = '';
      else cur += c;
      continue;
    }
    if ((c === "'" || c === '"') && depth === 0) {
      quote = c;
      started = true;
      continue;
    }
    if (c === '{' || c === '[' || c === '<') depth++;
    if ((c === '}' || c === ']' || c === '>') && depth > 0) depth--;
    if (c === ' ' && depth === 0) {
      if (started) out.push(cur);
      cur = '';
      started = false;
      continue;
    }
    cur += c;
    started = true;
  }
  if (started) out.push(cur);
  return out;
}
