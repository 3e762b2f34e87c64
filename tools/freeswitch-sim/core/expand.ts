import { randomUUID } from 'node:crypto';

/**
 * switch_channel_expand_variables, reduced to what dialplans and ESL clients use:
 * `${var}` from the channel (falling back to globals) and `${api(args)}` calls for a
 * few API functions (create_uuid, strftime, expr-free ones). Unknown variables expand
 * to the empty string, as in FreeSWITCH.
 */
export type VarLookup = (name: string) => string | undefined;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

export function strftime(fmt: string, d = new Date()): string {
  const tz = -d.getTimezoneOffset();
  const tzs = (tz >= 0 ? '+' : '-') + p2(Math.floor(Math.abs(tz) / 60)) + p2(Math.abs(tz) % 60);
  const map: Record<string, string> = {
    a: DAYS[d.getDay()] as string, b: MONTHS[d.getMonth()] as string, d: p2(d.getDate()), m: p2(d.getMonth() + 1),
    Y: String(d.getFullYear()), y: p2(d.getFullYear() % 100), H: p2(d.getHours()), M: p2(d.getMinutes()),
    S: p2(d.getSeconds()), T: `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`,
    F: `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`, z: tzs, s: String(Math.floor(d.getTime() / 1000)), '%': '%',
  };
  return fmt.replace(/%([a-zA-Z%])/g, (m, c: string) => map[c] ?? m);
}

function callFunction(name: string, args: string): string | undefined {
  switch (name) {
    case 'create_uuid':
      return randomUUID();
    case 'strftime':
      return strftime(args || '%Y-%m-%d %T');
    case 'strepoch':
      return String(Math.floor(Date.now() / 1000));
    default:
      return undefined;
  }
}

/** Finds the `}` closing a `${` that starts at `start` (nesting allowed). */
function matchBrace(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export function expandVariables(input: string, lookup: VarLookup): string {
  if (!input.includes('${')) return input;
  let out = '';
  let i = 0;
  while (i < input.length) {
    const at = input.indexOf('${', i);
    if (at < 0) {
      out += input.slice(i);
      break;
    }
    out += input.slice(i, at);
    const end = matchBrace(input, at + 1);
    if (end < 0) {
      out += input.slice(at);
      break;
    }
    const inner = expandVariables(input.slice(at + 2, end), lookup);
    const call = /^([\w-]+)\((.*)\)$/s.exec(inner);
    if (call) {
      out += callFunction(call[1] as string, call[2] as string) ?? '';
    } else {
      out += lookup(inner) ?? '';
    }
    i = end + 1;
  }
  return out;
}

/** `$${var}` pre-processor expansion (load time), leaving `${...}` alone. */
export function expandGlobals(input: string, globals: Map<string, string>): string {
  return input.replace(/\$\$\{([^}]+)\}/g, (_m, name: string) => globals.get(name) ?? '');
}
