/**
 * The flow format and its one factory. A flow is JSON: nodes (id, type, params) whose
 * named exits are wired to other node ids. `compileFlow` checks everything that can be
 * checked without a database — the schema, every exit wired, no unreachable node, loops
 * only through input nodes — before anything runs; what a flow references outside
 * itself (prompts, skill groups, agents, flows) is returned for the caller to check.
 *
 * ivr-flows/flow.schema.json is generated from `flowDocumentSchema` (see json-schema.ts).
 */
import { z } from 'zod';
import { ValidationError, type FieldError } from '../../platform/errors';
import type { IvrNode, NodeDef, NodeSpec, Reference } from './node';
import { NODE_SPECS, NODE_TYPES } from './nodes';
import { lang, nodeId, slug } from './schemas';

export const MAX_NODE_VISITS = 1000;

const envelope = {
  $schema: z.string().optional(),
  name: slug.describe('unique flow name'),
  description: z.string().max(500).default(''),
  language: lang.default('zh').describe('default language of text prompts'),
  start: nodeId.describe('id of the first node'),
  maxNodeVisits: z.number().int().min(1).max(MAX_NODE_VISITS).default(200).describe('a call visiting more nodes than this is ended safely'),
};

const looseNode = z.strictObject({
  id: nodeId,
  type: z.string(),
  name: z.string().max(100).optional(),
  params: z.unknown().optional(),
  exits: z.record(z.string(), z.string()).default({}),
});

/** Parses the envelope; node params are checked per type afterwards so errors name the node. */
const looseFlow = z.strictObject({ ...envelope, nodes: z.array(looseNode).min(1).max(500) });

/** The whole document, node types as a discriminated union: what the JSON Schema publishes. */
export const flowDocumentSchema = z.strictObject({
  ...envelope,
  nodes: z
    .array(
      z.discriminatedUnion(
        'type',
        NODE_SPECS.map((s) =>
          z
            .strictObject({
              id: nodeId,
              type: z.literal(s.type),
              name: z.string().max(100).optional(),
              params: s.params as z.ZodType,
              exits: z.record(z.string(), nodeId).default({}).describe('exit name → node id'),
            })
            .describe(s.description),
        ) as unknown as [z.ZodObject, ...z.ZodObject[]],
      ),
    )
    .min(1)
    .max(500),
});

export type FlowDocument = z.input<typeof flowDocumentSchema>;

export interface FlowProblem {
  /** The node the problem is about, when it is about one. */
  node?: string;
  /** Field inside the node (params.timeoutMs, exits.1) or of the flow (start, nodes). */
  field: string;
  message: string;
}

export type FlowReference = Reference & { node: string };

/** A validated flow, ready to run. Immutable; nodes are instantiated per visit. */
export class CompiledFlow {
  constructor(
    readonly name: string,
    readonly language: 'en' | 'zh',
    readonly start: string,
    readonly maxNodeVisits: number,
    readonly nodes: ReadonlyMap<string, NodeDef>,
  ) {}

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  def(id: string): NodeDef {
    const d = this.nodes.get(id);
    if (!d) throw new ValidationError(`flow ${this.name} has no node "${id}"`);
    return d;
  }

  spec(id: string): NodeSpec {
    return NODE_TYPES.get(this.def(id).type)!;
  }

  instantiate(id: string): IvrNode {
    return this.spec(id).create(this.def(id));
  }
}

export interface FlowCheck {
  flow?: CompiledFlow;
  problems: FlowProblem[];
  references: FlowReference[];
}

/** Every problem at once (never throws). */
export function checkFlow(json: unknown): FlowCheck {
  const parsed = looseFlow.safeParse(json);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => issueProblem(json, i)), references: [] };
  }
  const doc = parsed.data;
  const problems: FlowProblem[] = [];
  const references: FlowReference[] = [];
  const defs = new Map<string, NodeDef>();
  for (const n of doc.nodes) {
    if (defs.has(n.id)) {
      problems.push({ node: n.id, field: 'id', message: `duplicate node id "${n.id}"` });
      continue;
    }
    const spec = NODE_TYPES.get(n.type);
    if (!spec) {
      problems.push({ node: n.id, field: 'type', message: `unknown node type "${n.type}" (one of ${[...NODE_TYPES.keys()].join(', ')})` });
      continue;
    }
    const params = spec.params.safeParse(n.params ?? {});
    if (!params.success) {
      for (const i of params.error.issues) problems.push({ node: n.id, field: ['params', ...i.path.map(String)].join('.'), message: i.message });
      continue;
    }
    const def: NodeDef = { id: n.id, type: n.type, ...(n.name ? { name: n.name } : {}), params: params.data, exits: n.exits };
    defs.set(n.id, def);
    for (const p of spec.check?.(def) ?? []) problems.push({ node: n.id, ...p });
    for (const r of spec.references(params.data)) references.push({ ...r, node: n.id });
  }
  if (problems.length > 0) return { problems, references };

  if (!defs.has(doc.start)) problems.push({ field: 'start', message: `start node "${doc.start}" does not exist` });
  for (const def of defs.values()) problems.push(...checkExits(def, defs));
  if (problems.length > 0) return { problems, references };

  const edges = edgesOf(defs);
  problems.push(...unreachable(doc.start, defs, edges));
  problems.push(...loopsWithoutInput(defs, edges));
  if (problems.length > 0) return { problems, references };
  return { flow: new CompiledFlow(doc.name, doc.language, doc.start, doc.maxNodeVisits, defs), problems, references };
}

/** The factory: a runnable flow, or a ValidationError whose fields name node and field. */
export function compileFlow(json: unknown): CompiledFlow {
  const r = checkFlow(json);
  if (!r.flow) throw flowValidationError(r.problems);
  return r.flow;
}

export function problemPath(p: FlowProblem): string {
  return p.node !== undefined ? `nodes.${p.node}.${p.field}` : p.field;
}

export function flowValidationError(problems: FlowProblem[]): ValidationError {
  const fields: FieldError[] = problems.map((p) => ({ path: problemPath(p), message: p.node !== undefined ? `node "${p.node}": ${p.field}: ${p.message}` : `${p.field}: ${p.message}` }));
  return new ValidationError(`The flow is not valid: ${fields.map((f) => f.message).join('; ')}`, fields);
}

function issueProblem(json: unknown, i: z.core.$ZodIssue): FlowProblem {
  // nodes.<index>.<field>: name the node by its id when it has one.
  if (i.path[0] === 'nodes' && typeof i.path[1] === 'number') {
    const nodes = (json as { nodes?: unknown[] }).nodes;
    const raw = Array.isArray(nodes) ? (nodes[i.path[1]] as { id?: unknown } | undefined) : undefined;
    const node = typeof raw?.id === 'string' ? raw.id : `#${i.path[1]}`;
    return { node, field: i.path.slice(2).map(String).join('.') || 'node', message: i.message };
  }
  return { field: i.path.map(String).join('.') || 'flow', message: i.message };
}

function checkExits(def: NodeDef, defs: Map<string, NodeDef>): FlowProblem[] {
  const spec = NODE_TYPES.get(def.type)!;
  const ex = spec.exits(def.params);
  const known = new Set([...ex.required, ...ex.optional]);
  const out: FlowProblem[] = [];
  for (const name of ex.required) if (def.exits[name] === undefined) out.push({ node: def.id, field: `exits.${name}`, message: `exit "${name}" is not wired` });
  for (const [name, target] of Object.entries(def.exits)) {
    if (!known.has(name)) out.push({ node: def.id, field: `exits.${name}`, message: `a ${def.type} node has no exit "${name}" (exits: ${[...known].join(', ') || 'none'})` });
    else if (!defs.has(target)) out.push({ node: def.id, field: `exits.${name}`, message: `target node "${target}" does not exist` });
  }
  const gotoNode = def.type === 'goto' ? (def.params as { node?: string; flow?: string }) : undefined;
  if (gotoNode?.node !== undefined && gotoNode.flow === undefined && !defs.has(gotoNode.node)) out.push({ node: def.id, field: 'params.node', message: `target node "${gotoNode.node}" does not exist` });
  return out;
}

/** Successors of every node: wired exits, plus a goto's target inside this flow. */
function edgesOf(defs: Map<string, NodeDef>): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const def of defs.values()) {
    const next = Object.values(def.exits);
    const g = def.type === 'goto' ? (def.params as { node?: string; flow?: string }) : undefined;
    if (g?.node !== undefined && g.flow === undefined) next.push(g.node);
    edges.set(def.id, [...new Set(next)]);
  }
  return edges;
}

function unreachable(start: string, defs: Map<string, NodeDef>, edges: Map<string, string[]>): FlowProblem[] {
  const seen = new Set([start]);
  const todo = [start];
  while (todo.length > 0) {
    for (const n of edges.get(todo.pop()!) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        todo.push(n);
      }
    }
  }
  return [...defs.keys()].filter((id) => !seen.has(id)).map((id) => ({ node: id, field: 'id', message: `node "${id}" is unreachable from the start node` }));
}

/**
 * A cycle that passes through no input node (menu, collect, survey, voicemail) would spin
 * without the caller doing anything: find cycles among the non-input nodes (Tarjan's SCCs).
 */
function loopsWithoutInput(defs: Map<string, NodeDef>, edges: Map<string, string[]>): FlowProblem[] {
  const isPassive = (id: string) => !NODE_TYPES.get(defs.get(id)!.type)!.input;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const problems: FlowProblem[] = [];
  let counter = 0;
  const strong = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of (edges.get(v) ?? []).filter(isPassive)) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      const selfLoop = scc.length === 1 && (edges.get(v) ?? []).includes(v);
      if (scc.length > 1 || selfLoop) {
        const cycle = scc.reverse();
        problems.push({ node: cycle[0]!, field: 'exits', message: `loop without caller input: ${cycle.join(' → ')} → ${cycle[0]} (a loop must pass through a menu, collect, survey or voicemail node)` });
      }
    }
  };
  for (const id of defs.keys()) if (isPassive(id) && !index.has(id)) strong(id);
  return problems;
}
