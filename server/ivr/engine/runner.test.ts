import fs from 'node:fs';
import path from 'node:path';
import { compileFlow } from './flow';
import { FlowRunner } from './runner';
import { FakeChannel, fakePorts } from './testing/fakes';
import { quietLog, runFlow } from './testing/harness';

const sample = () => JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../ivr-flows/sample-service.json'), 'utf8'));
const starts = (h: Awaited<ReturnType<typeof runFlow>>) => h.ports.trail.entries.filter((e) => e.kind === 'start').map((e) => e.nodeId);

describe('the sample flow on a scripted caller (engine only)', () => {
  it('1 → sales queue → answered → two-level survey → goodbye', async () => {
    const h = await runFlow(sample(), ['1', '1', '2'], ({ ports }) => (ports.queue.outcome = 'answered'));
    expect(starts(h)).toEqual(['welcome', 'hours', 'main_menu', 'sales_queue', 'survey', 'goodbye']);
    expect(h.ports.queue.requests[0]).toMatchObject({ skillGroup: 'sales', priority: 5 });
    expect(h.ports.survey.saved[0]).toMatchObject({ level1Label: '满意', level2Label: '态度热情' });
    expect(h.result).toMatchObject({ end: 'completed', lastNode: 'goodbye' });
    expect(h.channel.ops.filter((o) => o.op === 'answer')).toHaveLength(1);
  });

  it('2 → support queue with nobody there → overflow voicemail', async () => {
    const h = await runFlow(sample(), ['2']);
    expect(starts(h)).toEqual(['welcome', 'hours', 'main_menu', 'support_queue', 'overflow', 'goodbye']);
    expect(h.ports.voicemail.saved[0]).toMatchObject({ mailbox: 'overflow', callId: 'call-1' });
  });

  it('after hours → voicemail, no menu', async () => {
    const h = await runFlow(sample(), [], ({ ports }) => (ports.clock.current = new Date('2026-03-02T12:00:00Z')));
    expect(starts(h)).toEqual(['welcome', 'hours', 'after_hours', 'goodbye']);
    expect(h.ports.voicemail.saved[0]).toMatchObject({ mailbox: 'after-hours' });
  });

  it('three wrong keys → invalid goodbye; silence → operator', async () => {
    const wrong = await runFlow(sample(), ['5', '6', '7']);
    expect(starts(wrong).at(-1)).toBe('invalid_goodbye');
    const silent = await runFlow(sample(), ['', '', '']);
    expect(starts(silent)).toContain('operator_queue');
  });
});

describe('the runner', () => {
  it('bounds node visits: a caller looping through a menu is hung up at the limit', async () => {
    const doc = {
      name: 'spin',
      start: 'm',
      maxNodeVisits: 7,
      nodes: [
        { id: 'm', type: 'menu', params: { prompt: { text: 'x' }, retries: 0 }, exits: { '1': 'p', invalid: 'bye' } },
        { id: 'p', type: 'play', params: { prompt: { text: 'again' } }, exits: { next: 'm' } },
        { id: 'bye', type: 'hangup' },
      ],
    };
    const h = await runFlow(doc, Array(20).fill('1'));
    expect(h.result).toMatchObject({ end: 'visit_limit', visits: 8 });
    expect(h.channel.ops.at(-1)).toEqual({ op: 'hangup', cause: 'NORMAL_CLEARING' });
    expect(h.ports.trail.entries.at(-1)).toMatchObject({ kind: 'end', exit: 'visit_limit' });
  });

  it('a caller hanging up during a menu ends the flow cleanly, with the trail flushed', async () => {
    const h = await runFlow(sample(), [{ hangup: true }]);
    expect(h.result.end).toBe('caller_hangup');
    expect(h.ports.trail.summary().slice(-3)).toEqual(['main_menu:start', 'main_menu:outcome:caller_hangup', '-:end:caller_hangup']);
    expect(h.channel.ops.some((o) => o.op === 'hangup')).toBe(false);
  });

  it('an unexpected exception in a node takes the failure path instead of dropping the call', async () => {
    const h = await runFlow(sample(), ['1'], ({ ports }) => {
      ports.queue.enqueue = () => {
        throw new TypeError('bug');
      };
    });
    expect(h.exitsOf('sales_queue')).toEqual(['failure']);
    expect(starts(h)).toContain('overflow');
  });

  it('records start, input and outcome of every node with sequence numbers, flow and version', async () => {
    const flow = compileFlow(sample());
    const ports = fakePorts();
    await new FlowRunner(new FakeChannel(['0']), ports, quietLog).run({ callId: 'c9', flowId: 'f9', version: 4, flow });
    const e = ports.trail.entries;
    expect(e.map((x) => x.seq)).toEqual(e.map((_x, i) => i + 1));
    expect(new Set(e.map((x) => `${x.callId}/${x.flowId}/${x.flowVersion}`))).toEqual(new Set(['c9/f9/4']));
    expect(e.filter((x) => x.nodeId === 'main_menu').map((x) => x.kind)).toEqual(['start', 'input', 'outcome']);
  });
});
