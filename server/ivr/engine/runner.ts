/**
 * The thin runner: walks one call through a flow, node by node. It provides what nodes
 * declare they need (an answered channel), writes the IVR trail (start, inputs, outcome of
 * every node), maps failures to the node's failure exit or safe default, bounds node visits,
 * and ends cleanly when the caller hangs up. It owns no telephony, storage or HTTP: those
 * are the ports.
 *
 * ```
 *  running ──node outcome──▶ running (next node)
 *     │  └──goto flow──▶ running (other flow, its published version, pinned for this call)
 *     ├──hangup node / end of flow──────▶ completed
 *     ├──caller hangs up───────────────▶ caller_hangup
 *     ├──visit bound exceeded──────────▶ visit_limit   (call hung up)
 *     └──unwired exit / broken goto────▶ failed        (call hung up)
 * ```
 */
import { CallerHangupError, NonFatalNodeError } from './errors';
import { checkFlow, type CompiledFlow } from './flow';
import type { IvrNode, NodeContext, Outcome } from './node';
import type { CallChannel, EnginePorts, TrailEntry, TrailKind } from './ports';
import { Variables } from './variables';

export type RunEnd = 'completed' | 'caller_hangup' | 'visit_limit' | 'failed';

export interface RunResult {
  end: RunEnd;
  visits: number;
  lastNode: string | null;
  variables: Record<string, string>;
}

export interface RunnerLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FlowRun {
  callId: string;
  flowId: string;
  version: number;
  flow: CompiledFlow;
  /** Extra initial variables (customer attributes known at the start, ...). */
  variables?: Record<string, string>;
}

interface Position {
  flowId: string;
  version: number;
  flow: CompiledFlow;
}

export class FlowRunner {
  #seq = 0;
  #callId = '';
  #current: IvrNode | undefined;
  #hangupCause: string | undefined;
  #answered = false;
  /** Other flows entered by goto, pinned to the version first loaded by this call. */
  readonly #pinned = new Map<string, Position>();

  constructor(
    private readonly channel: CallChannel,
    private readonly ports: EnginePorts,
    private readonly log: RunnerLogger,
  ) {}

  async run(r: FlowRun): Promise<RunResult> {
    this.#callId = r.callId;
    const vars = new Variables({ call_id: r.callId, caller_number: this.channel.callerNumber, destination_number: this.channel.destinationNumber, ...r.variables });
    let pos: Position = { flowId: r.flowId, version: r.version, flow: r.flow };
    this.#pinned.set(r.flow.name, pos);
    const unsubscribe = this.channel.onHangup((cause) => {
      this.#hangupCause = cause;
      this.#current?.kill('caller_hangup');
    });
    let nodeId: string | null = pos.flow.start;
    let lastNode: string | null = null;
    let visits = 0;
    let end: RunEnd = 'completed';
    try {
      while (nodeId !== null) {
        if (this.channel.hungUp || this.#hangupCause !== undefined) {
          end = 'caller_hangup';
          break;
        }
        visits++;
        if (visits > pos.flow.maxNodeVisits) {
          this.#trail(pos, null, null, 'error', { data: { reason: 'visit_limit', limit: pos.flow.maxNodeVisits } });
          end = 'visit_limit';
          break;
        }
        const def = pos.flow.def(nodeId);
        const spec = pos.flow.spec(nodeId);
        lastNode = nodeId;
        this.#trail(pos, nodeId, def.type, 'start');
        const node = pos.flow.instantiate(nodeId);
        this.#current = node;
        let outcome: Outcome;
        try {
          if (spec.needs(def.params).answered && !this.#answered) {
            await this.channel.answer();
            this.#answered = true;
          }
          outcome = await node.exec(this.#context(pos, r.callId, node, vars));
        } catch (err) {
          if (this.#isHangup(err)) {
            this.#trail(pos, nodeId, def.type, 'outcome', { exit: 'caller_hangup' });
            end = 'caller_hangup';
            break;
          }
          if (!(err instanceof NonFatalNodeError)) this.log.error({ err, node: nodeId, type: def.type }, 'IVR node failed unexpectedly; taking its failure exit');
          else this.log.warn({ err, node: nodeId, type: def.type }, 'IVR node failed; taking its failure exit');
          this.#trail(pos, nodeId, def.type, 'error', { data: { error: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code ?? 'internal' } });
          outcome = { exit: 'failure' };
        } finally {
          this.#current = undefined;
        }
        const changes = vars.takeChanges();
        if (changes) this.#trail(pos, nodeId, def.type, 'vars', { data: changes });

        if ('end' in outcome) {
          this.#trail(pos, nodeId, def.type, 'outcome', { exit: outcome.end });
          nodeId = null;
          break;
        }
        if ('goto' in outcome) {
          this.#trail(pos, nodeId, def.type, 'outcome', { exit: 'goto', data: outcome.goto });
          const target = await this.#goto(pos, outcome.goto);
          if (!target) {
            end = 'failed';
            break;
          }
          pos = target.pos;
          nodeId = target.node;
          continue;
        }
        const exit = this.#resolveExit(def.exits, spec.fallbacks, outcome.exit);
        this.#trail(pos, nodeId, def.type, 'outcome', { exit: outcome.exit, ...(exit.via !== outcome.exit ? { data: { ...outcome.data, via: exit.via } } : outcome.data ? { data: outcome.data } : {}) });
        if (exit.target === undefined) {
          this.log.warn({ node: nodeId, exit: outcome.exit }, 'IVR exit leads nowhere; ending the call');
          end = 'failed';
          break;
        }
        nodeId = exit.target;
      }
      if (end === 'visit_limit' || end === 'failed') await this.#safeHangup();
    } finally {
      unsubscribe();
      this.#trail(pos, null, null, 'end', { exit: end, data: { visits, ...(this.#hangupCause ? { hangupCause: this.#hangupCause } : {}) } });
      await this.ports.trail.flush();
    }
    return { end, visits, lastNode, variables: vars.toJSON() };
  }

  #context(pos: Position, callId: string, node: IvrNode, vars: Variables): NodeContext {
    return {
      callId,
      flowId: pos.flowId,
      flowVersion: pos.version,
      channel: this.channel,
      ports: this.ports,
      vars,
      lang: pos.flow.language,
      signal: node.signal,
      input: (data) => this.#trail(pos, node.id, node.def.type, 'input', { data }),
    };
  }

  /** Wired exit, else the node type's fallback chain; `target` undefined means: end safely. */
  #resolveExit(exits: Record<string, string>, fallbacks: Record<string, string | null>, exit: string): { target: string | undefined; via: string } {
    let name: string | null | undefined = exit;
    const seen = new Set<string>();
    while (name !== null && name !== undefined && !seen.has(name)) {
      if (exits[name] !== undefined) return { target: exits[name], via: name };
      seen.add(name);
      name = fallbacks[name];
    }
    return { target: undefined, via: exit };
  }

  async #goto(pos: Position, g: { flow?: string; node?: string }): Promise<{ pos: Position; node: string } | undefined> {
    let target = pos;
    if (g.flow !== undefined && g.flow !== pos.flow.name) {
      let pinned = this.#pinned.get(g.flow);
      if (!pinned) {
        const loaded = await this.ports.flows.loadPublished(g.flow).catch((err: unknown) => {
          this.log.error({ err, flow: g.flow }, 'IVR goto: loading the flow failed');
          return undefined;
        });
        const compiled = loaded ? checkFlow(loaded.definition).flow : undefined;
        if (!loaded || !compiled) {
          this.#trail(pos, null, null, 'error', { data: { reason: 'goto_flow_unavailable', flow: g.flow } });
          return undefined;
        }
        pinned = { flowId: loaded.flowId, version: loaded.version, flow: compiled };
        this.#pinned.set(g.flow, pinned);
      }
      target = pinned;
    }
    const node = g.node ?? target.flow.start;
    if (!target.flow.has(node)) {
      this.#trail(pos, null, null, 'error', { data: { reason: 'goto_node_missing', flow: target.flow.name, node } });
      return undefined;
    }
    return { pos: target, node };
  }

  #isHangup(err: unknown): boolean {
    return err instanceof CallerHangupError || this.#hangupCause !== undefined || this.channel.hungUp;
  }

  async #safeHangup(): Promise<void> {
    if (this.channel.hungUp) return;
    await this.channel.hangup('NORMAL_CLEARING').catch((err: unknown) => {
      if (!(err instanceof CallerHangupError)) this.log.warn({ err }, 'IVR: hangup after a failed flow was refused');
    });
  }

  #trail(pos: Position, nodeId: string | null, nodeType: string | null, kind: TrailKind, extra: { exit?: string; data?: Record<string, unknown> } = {}): void {
    const entry: TrailEntry = { callId: this.#callId, seq: ++this.#seq, at: this.ports.clock.now(), flowId: pos.flowId, flowVersion: pos.version, nodeId, nodeType, kind, ...extra };
    this.ports.trail.append(entry);
  }
}
