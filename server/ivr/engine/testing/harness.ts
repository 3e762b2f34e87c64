import { compileFlow } from '../flow';
import { FlowRunner, type RunResult } from '../runner';
import { FakeChannel, fakePorts, type CallerStep, type FakePorts } from './fakes';

export const quietLog = { warn: () => undefined, error: () => undefined };

export interface Harness {
  channel: FakeChannel;
  ports: FakePorts;
  result: RunResult;
  /** Exits taken by a node, in order. */
  exitsOf(nodeId: string): string[];
  inputsOf(nodeId: string): Record<string, unknown>[];
}

/** Runs a whole flow document against a scripted caller and in-memory ports. */
export async function runFlow(doc: unknown, steps: CallerStep[] = [], setup?: (h: { channel: FakeChannel; ports: FakePorts }) => void): Promise<Harness> {
  const flow = compileFlow(doc);
  const channel = new FakeChannel(steps);
  const ports = fakePorts();
  setup?.({ channel, ports });
  const result = await new FlowRunner(channel, ports, quietLog).run({ callId: 'call-1', flowId: 'flow-1', version: 1, flow });
  return {
    channel,
    ports,
    result,
    exitsOf: (id) => ports.trail.entries.filter((e) => e.nodeId === id && e.kind === 'outcome').map((e) => e.exit!),
    inputsOf: (id) => ports.trail.entries.filter((e) => e.nodeId === id && e.kind === 'input').map((e) => e.data!),
  };
}

const endId = (exit: string) => `end_${exit === '*' ? 'star' : exit === '#' ? 'hash' : exit}`;

/** A flow of one node under test whose exits each lead to a hangup node `end_<exit>`. */
export function singleNodeFlow(type: string, params: unknown, exits: string[], extra: Record<string, unknown> = {}): unknown {
  return {
    name: 'unit',
    start: 'n',
    nodes: [
      { id: 'n', type, params, exits: Object.fromEntries(exits.map((e) => [e, endId(e)])), ...extra },
      ...exits.map((e) => ({ id: endId(e), type: 'hangup', params: {} })),
    ],
  };
}
