import type { z } from 'zod';
import { CallerHangupError } from './errors';
import type { CallChannel, EnginePorts, PromptRef } from './ports';
import type { Variables } from './variables';
import { isStreamFile } from './schemas';

/** A node as stored in a flow, after its params were validated by its type's schema. */
export interface NodeDef<P = unknown> {
  id: string;
  type: string;
  name?: string;
  params: P;
  /** exit name → target node id */
  exits: Record<string, string>;
}

/**
 * What a node's exec() resolves with: an exit to follow, a jump (goto), or the end of
 * the flow (the node already hung up, or handed the call over for good).
 */
export type Outcome = { exit: string; data?: Record<string, unknown> } | { goto: { flow?: string; node?: string } } | { end: 'hangup' };

/** What a node asks the runner to provide before exec() runs. */
export interface NodeNeeds {
  /** The channel must be answered (media flows). */
  answered: boolean;
}

/** The per-visit context the runner hands to exec(). */
export interface NodeContext {
  readonly callId: string;
  readonly flowId: string;
  readonly flowVersion: number;
  readonly channel: CallChannel;
  readonly ports: EnginePorts;
  readonly vars: Variables;
  /** Default language of text prompts in this flow. */
  readonly lang: 'en' | 'zh';
  /** Aborted when the node is killed (caller hangup, shutdown). Pass it to anything that waits. */
  readonly signal: AbortSignal;
  /** Appends an `input` entry to the call's IVR trail. */
  input(data: Record<string, unknown>): void;
}

/** Exit names a node type has for one configured node. */
export interface ExitSpec {
  /** Must be wired for the flow to validate. */
  required: string[];
  /** May be wired; when not, `fallbacks` says where the runner goes instead. */
  optional: string[];
}

/** Something in a node that must exist outside the flow (checked when validating). */
export type Reference =
  | { kind: 'prompt'; name: string; field: string }
  | { kind: 'skillGroup'; name: string; field: string }
  | { kind: 'agent'; name: string; field: string }
  | { kind: 'flow'; name: string; field: string }
  /** A `file` prompt naming a path under MEDIA_DIR (streams are not references). */
  | { kind: 'file'; name: string; field: string };

/**
 * One IVR node type: its parameter schema, its exits, what it references and needs,
 * and the class that runs it. Each lives in its own module under nodes/.
 */
export interface NodeSpec<P = unknown> {
  type: string;
  /** One line for the JSON Schema and the admin UI. */
  description: string;
  params: z.ZodType<P>;
  exits(params: P): ExitSpec;
  /**
   * Where an unwired optional exit leads: another exit of this node, or null to end the
   * call safely. `failure` (a NonFatalNodeError) must have an entry.
   */
  fallbacks: Record<string, string | null>;
  /** Takes caller input: a loop in a flow must pass through at least one such node. */
  input: boolean;
  needs(params: P): NodeNeeds;
  references(params: P): Reference[];
  /** Static checks beyond the schema (names the field); [] when fine. */
  check?(def: NodeDef<P>): { field: string; message: string }[];
  create(def: NodeDef<P>): IvrNode<P>;
}

/**
 * Base of every node class: one instance per visit. `kill()` aborts the visit's signal so
 * whatever exec() awaits (HTTP, the ACD) stops promptly; channel commands are ended by the
 * caller hangup itself.
 */
export abstract class IvrNode<P = unknown> {
  readonly #abort = new AbortController();

  constructor(readonly def: NodeDef<P>) {}

  get id(): string {
    return this.def.id;
  }

  get params(): P {
    return this.def.params;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  abstract exec(ctx: NodeContext): Promise<Outcome>;

  /** Stops the visit. Idempotent. */
  kill(reason: string): void {
    if (!this.#abort.signal.aborted) this.#abort.abort(new CallerHangupError(reason));
  }
}

/** Normalises a prompt parameter (one or many) to a list. */
export function promptList(p: PromptRef | PromptRef[] | undefined): PromptRef[] {
  if (p === undefined) return [];
  return Array.isArray(p) ? p : [p];
}

/** Resolves prompt references to playable files, with the flow's variables substituted in text prompts. */
/** Resolves several named prompt parameters at once (menu, collect and survey each need three). */
export async function resolvePromptSet<K extends string>(ctx: NodeContext, set: Record<K, PromptRef | PromptRef[] | undefined>): Promise<Record<K, string[]>> {
  const keys = Object.keys(set) as K[];
  const files = await Promise.all(keys.map((k) => resolvePrompts(ctx, promptList(set[k]))));
  return Object.fromEntries(keys.map((k, i) => [k, files[i]!])) as Record<K, string[]>;
}

export async function resolvePrompts(ctx: NodeContext, refs: PromptRef[]): Promise<string[]> {
  const out: string[] = [];
  for (const ref of refs) {
    const r = 'text' in ref ? { ...ref, text: ctx.vars.render(ref.text) } : ref;
    out.push(await ctx.ports.prompts.resolve(r, ctx.lang));
  }
  return out;
}

/** References of a prompt parameter: named prompts and media files live outside the flow. */
export function promptRefs(p: PromptRef | PromptRef[] | undefined, field: string): Reference[] {
  return promptList(p).flatMap((ref, i): Reference[] => {
    const at = Array.isArray(p) ? `${field}.${i}` : field;
    if ('prompt' in ref) return [{ kind: 'prompt', name: ref.prompt, field: at }];
    if ('file' in ref && !isStreamFile(ref.file)) return [{ kind: 'file', name: ref.file, field: at }];
    return [];
  });
}

/** Rejects with the abort reason when the signal fires first. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
