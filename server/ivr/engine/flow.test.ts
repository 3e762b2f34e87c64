import fs from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../../platform/errors';
import { checkFlow, compileFlow } from './flow';

const sample = () => JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../ivr-flows/sample-service.json'), 'utf8'));
const say = (text: string) => ({ text });
const base = () => ({
  name: 'f',
  start: 'menu',
  nodes: [
    { id: 'menu', type: 'menu', params: { prompt: say('x') }, exits: { '1': 'bye', invalid: 'bye' } },
    { id: 'bye', type: 'hangup', params: {} },
  ] as Record<string, unknown>[],
});

/** The problems as `path: message` (path names the node). */
function problems(doc: unknown): string[] {
  return checkFlow(doc).problems.map((p) => `${p.node !== undefined ? `nodes.${p.node}.` : ''}${p.field}: ${p.message}`);
}

describe('flow validation', () => {
  it('accepts the shipped sample flow and lists what it references', () => {
    const r = checkFlow(sample());
    expect(r.problems).toEqual([]);
    expect(r.references.filter((x) => x.kind === 'skillGroup').map((x) => x.name).sort()).toEqual(['operator', 'sales', 'support']);
  });

  it('rejects a schema violation naming the node and the field', () => {
    const doc = base();
    (doc.nodes[0]!.params as Record<string, unknown>).timeoutMs = 'soon';
    expect(problems(doc)).toEqual([expect.stringMatching(/^nodes\.menu\.params\.timeoutMs: /)]);
    expect(() => compileFlow(doc)).toThrow(ValidationError);
    try {
      compileFlow(doc);
    } catch (err) {
      expect((err as ValidationError).fields[0]).toMatchObject({ path: 'nodes.menu.params.timeoutMs', message: expect.stringContaining('node "menu"') });
    }
  });

  it('rejects unknown node types and unknown params', () => {
    const doc = base();
    doc.nodes.push({ id: 'x', type: 'dance', params: {} });
    (doc.nodes[0]!.params as Record<string, unknown>).colour = 'red';
    expect(problems(doc)).toEqual([expect.stringMatching(/^nodes\.menu\.params: .*colour/), expect.stringMatching(/^nodes\.x\.type: unknown node type "dance"/)]);
  });

  it('rejects an envelope error naming the node by id', () => {
    const doc = base();
    doc.nodes[1]!.id = '1bad';
    expect(problems(doc)[0]).toMatch(/^nodes\.1bad\.id: /);
  });

  it('rejects duplicate ids and a missing start', () => {
    const dup = base();
    dup.nodes.push({ id: 'bye', type: 'hangup', params: {} });
    expect(problems(dup)).toEqual(['nodes.bye.id: duplicate node id "bye"']);
    const start = { ...base(), start: 'nowhere' };
    expect(problems(start)).toEqual(['start: start node "nowhere" does not exist']);
  });

  it('rejects a required exit that is not wired', () => {
    const doc = base();
    delete (doc.nodes[0]!.exits as Record<string, string>).invalid;
    expect(problems(doc)).toEqual(['nodes.menu.exits.invalid: exit "invalid" is not wired']);
    const q = { name: 'q', start: 'q', nodes: [{ id: 'q', type: 'queue', params: { skillGroup: 's' }, exits: { answered: 'b', timeout: 'b' } }, { id: 'b', type: 'hangup' }] };
    expect(problems(q)).toEqual(['nodes.q.exits.full: exit "full" is not wired', 'nodes.q.exits.no_agents: exit "no_agents" is not wired']);
  });

  it('rejects an exit to a node that does not exist, and an exit the type does not have', () => {
    const doc = base();
    (doc.nodes[0]!.exits as Record<string, string>)['1'] = 'ghost';
    (doc.nodes[0]!.exits as Record<string, string>).later = 'bye';
    expect(problems(doc)).toEqual([expect.stringMatching(/^nodes\.menu\.exits\.1: target node "ghost" does not exist/), expect.stringMatching(/^nodes\.menu\.exits\.later: a menu node has no exit "later"/)]);
  });

  it('rejects a menu without key exits, and a time node without its named periods wired', () => {
    const doc = base();
    doc.nodes[0]!.exits = { invalid: 'bye' };
    expect(problems(doc)).toEqual(['nodes.menu.exits: a menu needs at least one key exit (0-9, * or #)']);
    const t = { name: 't', start: 't', nodes: [{ id: 't', type: 'time', params: { timezone: 'Mars/Olympus', weekly: { mon: [{ from: '12:00', to: '13:00', period: 'lunch' }] } }, exits: { open: 'b', closed: 'b' } }, { id: 'b', type: 'hangup' }] };
    expect(problems(t)).toEqual(['nodes.t.params.timezone: unknown time zone "Mars/Olympus"']);
    (t.nodes[0]!.params as { timezone: string }).timezone = 'Asia/Shanghai';
    expect(problems(t)).toEqual(['nodes.t.exits.lunch: exit "lunch" is not wired']);
  });

  it('rejects unreachable nodes', () => {
    const doc = base();
    doc.nodes.push({ id: 'island', type: 'play', params: { prompt: say('x') }, exits: { next: 'bye' } });
    expect(problems(doc)).toEqual(['nodes.island.id: node "island" is unreachable from the start node']);
  });

  it('rejects a loop that has no input node in it', () => {
    const doc = {
      name: 'loop',
      start: 'a',
      nodes: [
        { id: 'a', type: 'play', params: { prompt: say('x') }, exits: { next: 'b' } },
        { id: 'b', type: 'set', params: { vars: { x: '1' } }, exits: { next: 'c' } },
        { id: 'c', type: 'goto', params: { node: 'a' } },
      ],
    };
    expect(problems(doc)).toEqual([expect.stringMatching(/^nodes\.a\.exits: loop without caller input: a → b → c → a/)]);
  });

  it('accepts a loop through a menu', () => {
    const doc = {
      name: 'loop',
      start: 'm',
      nodes: [
        { id: 'm', type: 'menu', params: { prompt: say('x') }, exits: { '9': 'again', '1': 'bye', invalid: 'bye' } },
        { id: 'again', type: 'play', params: { prompt: say('again') }, exits: { next: 'm' } },
        { id: 'bye', type: 'hangup' },
      ],
    };
    expect(problems(doc)).toEqual([]);
  });

  it('rejects a goto to a missing node and bad regular expressions', () => {
    const doc = {
      name: 'g',
      start: 'c',
      nodes: [
        { id: 'c', type: 'collect', params: { prompt: say('x'), variable: 'v', pattern: '([', minDigits: 5, maxDigits: 2 }, exits: { next: 'g', invalid: 'g' } },
        { id: 'g', type: 'goto', params: { node: 'nope' } },
      ],
    };
    expect(problems(doc)).toEqual(['nodes.c.params.minDigits: must not exceed maxDigits', 'nodes.c.params.pattern: is not a valid regular expression']);
    (doc.nodes[0] as { params: unknown }).params = { prompt: say('x'), variable: 'v' };
    expect(problems(doc)).toEqual(['nodes.g.params.node: target node "nope" does not exist']);
  });

  it('rejects duplicate survey keys', () => {
    const doc = { name: 's', start: 's', nodes: [{ id: 's', type: 'survey', params: { prompt: say('x'), options: [{ digit: '1', label: 'a' }, { digit: '1', label: 'b' }] }, exits: { next: 'b' } }, { id: 'b', type: 'hangup' }] };
    expect(problems(doc)).toEqual(['nodes.s.params.options.1.digit: key 1 is used twice']);
  });

  it('lists references of named prompts, agents and flows with their fields', () => {
    const doc = {
      name: 'r',
      start: 'p',
      nodes: [
        { id: 'p', type: 'play', params: { prompt: [{ prompt: 'welcome' }, say('x')] }, exits: { next: 't' } },
        { id: 't', type: 'transfer', params: { target: { kind: 'agent', agent: 'alice' } }, exits: { connected: 'g', failed: 'g' } },
        { id: 'g', type: 'goto', params: { flow: 'other' } },
      ],
    };
    expect(checkFlow(doc).references).toEqual([
      { kind: 'prompt', name: 'welcome', field: 'params.prompt.0', node: 'p' },
      { kind: 'agent', name: 'alice', field: 'params.target.agent', node: 't' },
      { kind: 'flow', name: 'other', field: 'params.flow', node: 'g' },
    ]);
  });
});
