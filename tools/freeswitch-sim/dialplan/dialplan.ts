import fs from 'node:fs';
import path from 'node:path';
import { expandGlobals, expandVariables, type VarLookup } from '../core/expand';
import { parseXml, walk, type XmlElement } from './xml';

/**
 * The XML dialplan as mod_dialplan_xml evaluates it, read from the same files a real
 * FreeSWITCH loads (`dialplan/*.xml`): contexts, extensions (with `continue`),
 * conditions (field/expression regex with $1.. captures, `break`), actions and
 * anti-actions, `inline` set, and `$${global}` pre-processor variables from
 * `<X-PRE-PROCESS cmd="set" data="name=value"/>`.
 */
export interface DialplanAction {
  application: string;
  data: string;
  inline: boolean;
}

interface Condition {
  field: string | undefined;
  expression: string | undefined;
  breakOn: 'on-false' | 'on-true' | 'always' | 'never';
  actions: DialplanAction[];
  antiActions: DialplanAction[];
}

interface Extension {
  name: string;
  continue: boolean;
  conditions: Condition[];
}

export interface RouteRequest {
  context: string;
  /** Caller-profile fields conditions can test (destination_number, caller_id_number, ...). */
  fields: Record<string, string>;
  /** Channel variables for `${var}` fields. */
  lookup: VarLookup;
  /** Applies an `inline="true"` set at parse time. */
  setInline: (name: string, value: string) => void;
}

export class Dialplan {
  private readonly contexts = new Map<string, Extension[]>();
  readonly globals: Map<string, string>;

  constructor(files: Array<{ name: string; text: string }>, globals: Record<string, string> = {}) {
    this.globals = new Map();
    const docs = files.map((f) => ({ name: f.name, doc: parseXml(f.text) }));
    // pre-processor pass first (vars.xml conventionally), explicit globals win
    for (const { doc } of docs) {
      for (const el of walk(doc)) {
        if (el.name === 'X-PRE-PROCESS' && el.attrs.cmd === 'set' && el.attrs.data) {
          const eq = el.attrs.data.indexOf('=');
          if (eq > 0) this.globals.set(el.attrs.data.slice(0, eq).trim(), expandGlobals(el.attrs.data.slice(eq + 1), this.globals));
        }
      }
    }
    for (const [k, v] of Object.entries(globals)) this.globals.set(k, v);
    for (const { doc } of docs) {
      for (const el of walk(doc)) {
        if (el.name === 'context' && el.attrs.name) {
          const list = this.contexts.get(el.attrs.name) ?? [];
          list.push(...el.children.filter((c) => c.name === 'extension').map((x) => this.readExtension(x)));
          this.contexts.set(el.attrs.name, list);
        }
      }
    }
  }

  static fromDir(dir: string, globals: Record<string, string> = {}): Dialplan {
    const files: Array<{ name: string; text: string }> = [];
    const entries = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort() : [];
    // vars.xml first so its X-PRE-PROCESS values are known when the others are read
    entries.sort((a, b) => (a === 'vars.xml' ? -1 : b === 'vars.xml' ? 1 : a.localeCompare(b)));
    for (const f of entries) files.push({ name: f, text: fs.readFileSync(path.join(dir, f), 'utf8') });
    return new Dialplan(files, globals);
  }

  hasContext(name: string): boolean {
    return this.contexts.has(name);
  }

  private readExtension(x: XmlElement): Extension {
    const g = (s: string | undefined): string | undefined => (s === undefined ? undefined : expandGlobals(s, this.globals));
    const readActions = (c: XmlElement, tag: string): DialplanAction[] =>
      c.children
        .filter((a) => a.name === tag)
        .map((a) => ({ application: a.attrs.application ?? '', data: g(a.attrs.data) ?? '', inline: a.attrs.inline === 'true' }));
    return {
      name: x.attrs.name ?? '',
      continue: x.attrs.continue === 'true',
      conditions: x.children
        .filter((c) => c.name === 'condition')
        .map((c) => ({
          field: g(c.attrs.field),
          expression: g(c.attrs.expression),
          breakOn: (c.attrs.break as Condition['breakOn'] | undefined) ?? 'on-false',
          actions: readActions(c, 'action'),
          antiActions: readActions(c, 'anti-action'),
        })),
    };
  }

  /** The applications to run, or undefined when nothing matched (NO_ROUTE_DESTINATION). */
  route(req: RouteRequest): DialplanAction[] | undefined {
    const exts = this.contexts.get(req.context);
    if (!exts) return undefined;
    const out: DialplanAction[] = [];
    let matchedAny = false;
    for (const ext of exts) {
      const { proceed, actions } = this.evalExtension(ext, req);
      if (proceed) {
        matchedAny = true;
        out.push(...actions);
        if (!ext.continue) break;
      } else {
        out.push(...actions); // anti-actions of a failed extension still run
      }
    }
    return matchedAny && out.length ? out : undefined;
  }

  private evalExtension(ext: Extension, req: RouteRequest): { proceed: boolean; actions: DialplanAction[] } {
    const actions: DialplanAction[] = [];
    let proceed = true;
    for (const cond of ext.conditions) {
      let pass = true;
      let captures: string[] = [];
      if (cond.field !== undefined && cond.expression !== undefined) {
        const value = cond.field.includes('${') ? expandVariables(cond.field, req.lookup) : (req.fields[cond.field] ?? req.lookup(cond.field) ?? '');
        const m = toRegex(cond.expression).exec(value);
        pass = m !== null;
        captures = m ? [...m].map((s) => s ?? '') : [];
      }
      const chosen = pass ? cond.actions : cond.antiActions;
      for (const a of chosen) {
        const data = a.data.replace(/\$(\d)/g, (_m, n: string) => captures[Number(n)] ?? '');
        if (a.inline && a.application === 'set') {
          const eq = data.indexOf('=');
          if (eq > 0) req.setInline(data.slice(0, eq), expandVariables(data.slice(eq + 1), req.lookup));
          continue;
        }
        actions.push({ ...a, data });
      }
      proceed = pass;
      if ((cond.breakOn === 'on-false' && !pass) || (cond.breakOn === 'on-true' && pass) || cond.breakOn === 'always') break;
    }
    return { proceed, actions };
  }
}

/** PCRE-ish expressions as FreeSWITCH writes them; `/x/` delimiters are accepted too. */
function toRegex(expr: string): RegExp {
  const delimited = /^\/(.*)\/([a-z]*)$/s.exec(expr);
  try {
    return delimited ? new RegExp(delimited[1] as string, delimited[2]) : new RegExp(expr);
  } catch {
    return /(?!)/; // an invalid expression never matches, as a failed pcre compile in FreeSWITCH
  }
}
