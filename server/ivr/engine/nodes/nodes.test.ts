import { NonFatalNodeError } from '../errors';
import { runFlow, singleNodeFlow } from '../testing/harness';

const say = (text: string) => ({ text });

describe('play', () => {
  it('plays its prompts in order (named, text, file) and exits next', async () => {
    const h = await runFlow(singleNodeFlow('play', { prompt: [{ prompt: 'welcome' }, say('你好'), { file: 'tone_stream://%(100,0,800)' }] }, ['next']));
    expect(h.exitsOf('n')).toEqual(['next']);
    expect(h.channel.ops.slice(0, 2)).toEqual([{ op: 'answer' }, { op: 'play', files: ['prompt:welcome', 'tts:zh:你好', 'tone_stream://%(100,0,800)'] }]);
  });

  it('substitutes variables into text prompts', async () => {
    const h = await runFlow(singleNodeFlow('play', { prompt: { text: '来电号码 ${caller_number}', lang: 'en' } }, ['next']));
    expect(h.channel.played()[0]).toBe('tts:en:来电号码 13800000001');
  });

  it('a prompt that cannot be resolved takes the failure exit when wired', async () => {
    const h = await runFlow(singleNodeFlow('play', { prompt: { prompt: 'gone' } }, ['next', 'failure']), [], ({ ports }) => ports.prompts.failing.add('gone'));
    expect(h.exitsOf('n')).toEqual(['failure']);
    expect(h.ports.trail.summary()).toContain('n:error');
  });

  it('... and its safe default (next) when not', async () => {
    const h = await runFlow(singleNodeFlow('play', { prompt: { prompt: 'gone' } }, ['next']), [], ({ ports }) => ports.prompts.failing.add('gone'));
    const outcome = h.ports.trail.entries.find((e) => e.nodeId === 'n' && e.kind === 'outcome')!;
    expect(outcome.exit).toBe('failure');
    expect(outcome.data).toEqual({ via: 'next' });
    expect(h.result.end).toBe('completed');
    expect(h.result.lastNode).toBe('end_next');
  });
});

describe('menu', () => {
  const menu = { prompt: say('按1或2'), invalidPrompt: say('输入有误'), timeoutPrompt: say('没有收到'), timeoutMs: 3000, retries: 2 };

  it('a valid key takes that key exit', async () => {
    const h = await runFlow(singleNodeFlow('menu', menu, ['1', '2', 'invalid', 'timeout']), ['2']);
    expect(h.exitsOf('n')).toEqual(['2']);
    expect(h.inputsOf('n')).toEqual([{ attempt: 1, digits: '2', result: 'ok' }]);
    const pagd = h.channel.ops.find((o) => o.op === 'pagd');
    expect(pagd).toMatchObject({ req: { prompt: ['tts:zh:按1或2'], maxDigits: 1, timeoutMs: 3000, terminators: '' } });
  });

  it('an invalid key plays the invalid prompt and retries', async () => {
    const h = await runFlow(singleNodeFlow('menu', menu, ['1', '2', 'invalid', 'timeout']), ['9', '1']);
    expect(h.exitsOf('n')).toEqual(['1']);
    expect(h.channel.played()).toEqual(['tts:zh:按1或2', 'tts:zh:输入有误', 'tts:zh:按1或2']);
  });

  it('no key plays the timeout prompt and retries', async () => {
    const h = await runFlow(singleNodeFlow('menu', menu, ['1', '2', 'invalid', 'timeout']), ['', '2']);
    expect(h.exitsOf('n')).toEqual(['2']);
    expect(h.channel.played()).toEqual(['tts:zh:按1或2', 'tts:zh:没有收到', 'tts:zh:按1或2']);
  });

  it('after 1 + retries attempts it exits by the kind of the last failure', async () => {
    const invalid = await runFlow(singleNodeFlow('menu', menu, ['1', 'invalid', 'timeout']), ['', '7', '8', '1']);
    expect(invalid.exitsOf('n')).toEqual(['invalid']);
    expect(invalid.inputsOf('n').map((i) => i.result)).toEqual(['timeout', 'invalid', 'invalid']);
    const timeout = await runFlow(singleNodeFlow('menu', menu, ['1', 'invalid', 'timeout']), ['7', '', '']);
    expect(timeout.exitsOf('n')).toEqual(['timeout']);
  });

  it('timeout falls back to invalid when the timeout exit is not wired', async () => {
    const h = await runFlow(singleNodeFlow('menu', { ...menu, retries: 0 }, ['1', 'invalid']), ['']);
    expect(h.exitsOf('n')).toEqual(['timeout']);
    expect(h.result.lastNode).toBe('end_invalid');
  });

  it('* and # can be options', async () => {
    const h = await runFlow(singleNodeFlow('menu', menu, ['*', '#', 'invalid']), ['#']);
    expect(h.exitsOf('n')).toEqual(['#']);
  });
});

describe('collect', () => {
  const collect = { prompt: say('请输入订单号'), variable: 'order', minDigits: 4, maxDigits: 6, terminator: '#', pattern: '[1-9][0-9]*', retries: 1, invalidPrompt: say('无效') };

  it('stores valid digits (terminator stripped) and exits next', async () => {
    const h = await runFlow(singleNodeFlow('collect', collect, ['next', 'invalid']), ['12345#']);
    expect(h.exitsOf('n')).toEqual(['next']);
    expect(h.result.variables.order).toBe('12345');
    expect(h.ports.trail.entries.find((e) => e.kind === 'vars')?.data).toEqual({ order: '12345' });
  });

  it('too few digits or a pattern mismatch is invalid and retried', async () => {
    const h = await runFlow(singleNodeFlow('collect', collect, ['next', 'invalid']), ['12#', '0123#']);
    expect(h.exitsOf('n')).toEqual(['invalid']);
    expect(h.inputsOf('n').map((i) => i.result)).toEqual(['invalid', 'invalid']);
    expect(h.result.variables.order).toBeUndefined();
    expect(h.channel.played()).toEqual(['tts:zh:请输入订单号', 'tts:zh:无效', 'tts:zh:请输入订单号']);
  });

  it('passes min/max/terminator/timeouts to the channel', async () => {
    const h = await runFlow(singleNodeFlow('collect', { ...collect, timeoutMs: 4000, digitTimeoutMs: 2000 }, ['next', 'invalid', 'timeout']), ['', '']);
    expect(h.exitsOf('n')).toEqual(['timeout']);
    expect(h.channel.ops.find((o) => o.op === 'pagd')).toMatchObject({ req: { maxDigits: 6, terminators: '#', timeoutMs: 4000, digitTimeoutMs: 2000 } });
  });
});

describe('time', () => {
  const week = { from: '09:00', to: '18:00' };
  const params = {
    timezone: 'Asia/Shanghai',
    weekly: { mon: [week, { from: '18:00', to: '20:00', period: 'evening' }], tue: [week], sat: [{ from: '09:00', to: '12:00' }] },
    holidays: [{ date: '2026-10-01', name: '国庆节' }],
    exceptions: [{ date: '2026-09-27', ranges: [week] }],
  };
  const at = async (iso: string) => {
    const h = await runFlow(singleNodeFlow('time', params, ['open', 'closed', 'evening']), [], ({ ports }) => (ports.clock.current = new Date(iso)));
    return h.exitsOf('n')[0];
  };

  it('is open inside a weekday range, in the flow time zone', async () => {
    expect(await at('2026-03-02T01:00:00Z')).toBe('open'); // Mon 09:00 Shanghai
    expect(await at('2026-03-02T00:59:00Z')).toBe('closed'); // Mon 08:59
    expect(await at('2026-03-02T09:59:00Z')).toBe('open'); // Mon 17:59
  });

  it('honours range ends, named periods, missing days, holidays and exception dates', async () => {
    expect(await at('2026-03-02T10:00:00Z')).toBe('evening'); // Mon 18:00 → evening period
    expect(await at('2026-03-02T12:00:00Z')).toBe('closed'); // Mon 20:00
    expect(await at('2026-03-04T03:00:00Z')).toBe('closed'); // Wed: no ranges
    expect(await at('2026-10-01T03:00:00Z')).toBe('closed'); // Thu, holiday
    expect(await at('2026-09-27T03:00:00Z')).toBe('open'); // Sun, working exception
    expect(await at('2026-09-26T03:00:00Z')).toBe('open'); // Sat morning
  });

  it('uses the local date, not UTC (23:30 UTC Sunday is Monday in Shanghai)', async () => {
    expect(await at('2026-03-01T23:30:00Z')).toBe('closed'); // Mon 07:30
    expect(await at('2026-03-02T01:30:00Z')).toBe('open');
  });
});

describe('condition', () => {
  const params = {
    rules: [
      { exit: 'vip', conditions: [{ var: 'customer.vip', op: 'eq', value: 'true' }] },
      { exit: 'local', match: 'any', conditions: [{ var: 'caller_number', op: 'startsWith', value: ['021', '138'] }, { var: 'region', op: 'in', value: ['sh'] }] },
      { exit: 'big', conditions: [{ var: 'amount', op: 'gte', value: 1000 }] },
    ],
  };
  const run = (vars: Record<string, string>) =>
    runFlow({
      name: 'c',
      start: 's',
      nodes: [
        { id: 's', type: 'set', params: { vars }, exits: { next: 'n' } },
        { id: 'n', type: 'condition', params, exits: { vip: 'e1', local: 'e2', big: 'e3', else: 'e4' } },
        ...['e1', 'e2', 'e3', 'e4'].map((id) => ({ id, type: 'hangup', params: {} })),
      ],
    });

  it('the first rule that holds wins', async () => {
    expect((await run({ 'customer.vip': 'true' })).exitsOf('n')).toEqual(['vip']);
    expect((await run({})).exitsOf('n')).toEqual(['local']); // caller 138...
  });

  it('numeric comparisons and else', async () => {
    const h = await runFlow(singleNodeFlow('condition', { rules: [{ exit: 'big', conditions: [{ var: 'amount', op: 'gt', value: 5 }] }] }, ['big', 'else']));
    expect(h.exitsOf('n')).toEqual(['else']);
  });
});

describe('lookup', () => {
  const params = { url: 'http://crm.example/customers?phone=${caller_number}', timeoutMs: 2000, assign: { 'customer.vip': 'data.vip', 'customer.name': 'data.name', 'customer.tags': 'data.tags' } };

  it('GETs with the variables URL-encoded and assigns result fields', async () => {
    const h = await runFlow(singleNodeFlow('lookup', params, ['next', 'failure']), [], ({ ports }) => {
      ports.http.handler = () => Promise.resolve({ status: 200, json: { data: { vip: true, name: '张三', tags: ['a'] } } });
    });
    expect(h.exitsOf('n')).toEqual(['next']);
    expect(h.ports.http.requests[0]).toMatchObject({ method: 'GET', url: 'http://crm.example/customers?phone=13800000001', timeoutMs: 2000 });
    expect(h.result.variables).toMatchObject({ 'customer.vip': 'true', 'customer.name': '张三', 'customer.tags': '["a"]' });
    expect(h.inputsOf('n')[0]).toMatchObject({ status: 200, assigned: ['customer.vip', 'customer.name', 'customer.tags'], url: 'http://crm.example/customers?…' });
  });

  it('POSTs a JSON body rendered from variables', async () => {
    const h = await runFlow(singleNodeFlow('lookup', { url: 'https://x.example/q', method: 'POST', body: { phone: '${caller_number}' } }, ['next']));
    expect(h.ports.http.requests[0]).toMatchObject({ method: 'POST', body: '{"phone":"13800000001"}', headers: { 'content-type': 'application/json' } });
  });

  it.each([
    ['a network error', () => Promise.reject(new Error('ECONNREFUSED'))],
    ['HTTP 500', () => Promise.resolve({ status: 500, json: {} })],
    ['a non-JSON answer', () => Promise.resolve({ status: 200, json: undefined })],
  ])('%s takes the failure exit, or next when failure is not wired', async (_name, handler) => {
    const wired = await runFlow(singleNodeFlow('lookup', params, ['next', 'failure']), [], ({ ports }) => (ports.http.handler = handler));
    expect(wired.exitsOf('n')).toEqual(['failure']);
    const unwired = await runFlow(singleNodeFlow('lookup', params, ['next']), [], ({ ports }) => (ports.http.handler = handler));
    expect(unwired.result.lastNode).toBe('end_next');
    expect(unwired.result.variables['customer.vip']).toBeUndefined();
  });

  it('a caller hangup aborts the request', async () => {
    let signal: AbortSignal | undefined;
    const h = await runFlow(singleNodeFlow('lookup', params, ['next']), [], ({ ports, channel }) => {
      ports.http.handler = (req) => {
        signal = req.signal;
        setImmediate(() => channel.callerHangup());
        return new Promise((_resolve, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted'))));
      };
    });
    expect(signal?.aborted).toBe(true);
    expect(h.result.end).toBe('caller_hangup');
  });
});

describe('set', () => {
  it('sets flow variables from templates, optionally on the channel', async () => {
    const h = await runFlow(singleNodeFlow('set', { vars: { who: 'caller ${caller_number}', lang: 'zh' }, channel: true }, ['next']));
    expect(h.result.variables).toMatchObject({ who: 'caller 13800000001', lang: 'zh' });
    expect(h.channel.ops.filter((o) => o.op === 'setVar')).toEqual([
      { op: 'setVar', name: 'who', value: 'caller 13800000001' },
      { op: 'setVar', name: 'lang', value: 'zh' },
    ]);
  });
});

describe('queue', () => {
  const exits = ['answered', 'timeout', 'full', 'no_agents'];
  it.each(['answered', 'timeout', 'full', 'no_agents'] as const)('exits %s as the ACD says', async (outcome) => {
    const h = await runFlow(singleNodeFlow('queue', { skillGroup: 'sales', priority: 7, holdMusic: { file: 'local_stream://moh' } }, exits), [], ({ ports }) => (ports.queue.outcome = outcome));
    expect(h.exitsOf('n')).toEqual([outcome]);
    expect(h.ports.queue.requests[0]).toMatchObject({ callId: 'call-1', skillGroup: 'sales', priority: 7, timeoutSec: 120, holdMusic: 'local_stream://moh' });
  });

  it('a blind transfer to an IVR node continues the flow at that node', async () => {
    const h = await runFlow(singleNodeFlow('queue', { skillGroup: 'sales' }, exits), [], ({ ports }) => (ports.queue.outcome = { transfer: 'ivr', node: 'end_full' }));
    expect(h.exitsOf('n')).toEqual(['goto']);
    expect(h.inputsOf('n')).toEqual([{ skillGroup: 'sales', outcome: 'transfer_ivr', node: 'end_full' }]);
    expect(h.result.lastNode).toBe('end_full');
  });

  it('an ACD failure is treated as no agents', async () => {
    const h = await runFlow(singleNodeFlow('queue', { skillGroup: 'sales' }, exits), [], ({ ports }) => (ports.queue.outcome = 'throw'));
    expect(h.result.lastNode).toBe('end_no_agents');
  });

  it('a caller hanging up while queued ends the flow cleanly', async () => {
    const h = await runFlow(singleNodeFlow('queue', { skillGroup: 'sales' }, exits), [], ({ ports, channel }) => {
      ports.queue.outcome = 'wait';
      setImmediate(() => channel.callerHangup('ORIGINATOR_CANCEL'));
    });
    expect(h.result.end).toBe('caller_hangup');
    expect(h.exitsOf('n')).toEqual(['caller_hangup']);
    expect(h.ports.trail.entries.at(-1)).toMatchObject({ kind: 'end', exit: 'caller_hangup', data: { hangupCause: 'ORIGINATOR_CANCEL' } });
  });
});

describe('transfer', () => {
  it.each([
    [{ kind: 'agent', agent: 'alice' }, 'connected'],
    [{ kind: 'skillGroup', skillGroup: 'support' }, 'failed'],
    [{ kind: 'external', number: '+8613900000000' }, 'connected'],
  ] as const)('to %j exits as the transfer port says', async (target, outcome) => {
    const h = await runFlow(singleNodeFlow('transfer', { target }, ['connected', 'failed']), [], ({ ports }) => (ports.transfer.outcome = outcome));
    expect(h.exitsOf('n')).toEqual([outcome]);
    expect(h.ports.transfer.requests[0]).toMatchObject({ target, timeoutSec: 30, callerNumber: '13800000001' });
  });
});

describe('voicemail', () => {
  const params = { mailbox: 'sales', prompt: say('请留言'), maxSeconds: 60, silenceSeconds: 3, thanksPrompt: say('谢谢') };

  it('greets, beeps, records with limits and stores the message linked to the call', async () => {
    const h = await runFlow(singleNodeFlow('voicemail', params, ['next']));
    expect(h.exitsOf('n')).toEqual(['next']);
    expect(h.channel.ops.filter((o) => o.op !== 'answer').slice(0, 3)).toEqual([
      { op: 'play', files: ['tts:zh:请留言', 'tone_stream://%(500,0,800)'] },
      { op: 'record', req: { path: '/media/voicemail/call-1-n.wav', maxSeconds: 60, silenceThreshold: 200, silenceSeconds: 3 } },
      { op: 'play', files: ['tts:zh:谢谢'] },
    ]);
    expect(h.ports.voicemail.saved).toEqual([{ callId: 'call-1', flowId: 'flow-1', nodeId: 'n', mailbox: 'sales', callerNumber: '13800000001', path: '/media/voicemail/call-1-n.wav', durationMs: 4000 }]);
  });

  it('a caller hanging up to finish still leaves the message', async () => {
    const h = await runFlow(singleNodeFlow('voicemail', { ...params, beep: false }, ['next']), [], ({ channel }) => (channel.recordResult = 'hangup'));
    expect(h.ports.voicemail.saved).toHaveLength(1);
    expect(h.inputsOf('n')[0]).toMatchObject({ endedBy: 'hangup', voicemailId: 'vm-1' });
    expect(h.result.end).toBe('caller_hangup');
    expect(h.channel.ops[1]).toEqual({ op: 'play', files: ['tts:zh:请留言'] });
  });
});

describe('survey (two-level DTMF)', () => {
  const params = {
    prompt: say('满意请按1，不满意请按2'),
    options: [
      { digit: '1', label: '满意', followUp: { prompt: say('服务专业请按1，态度热情请按2'), options: [{ digit: '1', label: '服务专业' }, { digit: '2', label: '态度热情' }] } },
      { digit: '2', label: '不满意' },
    ],
    invalidPrompt: say('输入有误'),
    thanksPrompt: say('感谢评价'),
    retries: 1,
  };

  it('stores both levels', async () => {
    const h = await runFlow(singleNodeFlow('survey', params, ['next']), ['1', '2']);
    expect(h.ports.survey.saved).toEqual([{ callId: 'call-1', flowId: 'flow-1', nodeId: 'n', survey: 'csat', level1Digit: '1', level1Label: '满意', level2Digit: '2', level2Label: '态度热情' }]);
    expect(h.inputsOf('n').map((i) => [i.step, i.digits])).toEqual([['level1', '1'], ['level2', '2']]);
    expect(h.channel.played().at(-1)).toBe('tts:zh:感谢评价');
  });

  it('an answer without a follow-up stores level 1 only; retries on a wrong key', async () => {
    const h = await runFlow(singleNodeFlow('survey', params, ['next']), ['5', '2']);
    expect(h.ports.survey.saved[0]).toMatchObject({ level1Digit: '2', level1Label: '不满意', level2Digit: null });
    expect(h.result.variables['survey.level1']).toBe('不满意');
  });

  it('no answer is stored as unanswered and the flow goes on', async () => {
    const h = await runFlow(singleNodeFlow('survey', params, ['next']), ['', '']);
    expect(h.ports.survey.saved[0]).toMatchObject({ level1Digit: null, level2Digit: null });
    expect(h.exitsOf('n')).toEqual(['next']);
  });
});

describe('goto', () => {
  it('jumps to a node of the same flow', async () => {
    const h = await runFlow({
      name: 'g',
      start: 'm',
      nodes: [
        { id: 'm', type: 'menu', params: { prompt: say('按1'), retries: 0 }, exits: { '1': 'again', invalid: 'bye' } },
        { id: 'again', type: 'goto', params: { node: 'm' } },
        { id: 'bye', type: 'hangup', params: {} },
      ],
    }, ['1', '1', '9']);
    expect(h.ports.trail.summary().filter((s) => s.endsWith(':start'))).toEqual(['m:start', 'again:start', 'm:start', 'again:start', 'm:start', 'bye:start']);
  });

  it('enters another flow at its published version, pinned for the call', async () => {
    const other = { name: 'other', start: 'o1', nodes: [{ id: 'o1', type: 'play', params: { prompt: say('其他流程') }, exits: { next: 'o2' } }, { id: 'o2', type: 'hangup', params: {} }] };
    const h = await runFlow(singleNodeFlow('goto', { flow: 'other' }, []), [], ({ ports }) => ports.flows.flows.set('other', { flowId: 'flow-2', version: 3, definition: other }));
    expect(h.channel.played()).toEqual(['tts:zh:其他流程']);
    const o1 = h.ports.trail.entries.find((e) => e.nodeId === 'o1')!;
    expect(o1).toMatchObject({ flowId: 'flow-2', flowVersion: 3 });
    expect(h.result.end).toBe('completed');
  });

  it('a missing target flow ends the call safely', async () => {
    const h = await runFlow(singleNodeFlow('goto', { flow: 'nope' }, []));
    expect(h.result.end).toBe('failed');
    expect(h.channel.ops.at(-1)).toEqual({ op: 'hangup', cause: 'NORMAL_CLEARING' });
  });
});

describe('hangup', () => {
  it('says goodbye, hangs up with the cause, ends the flow', async () => {
    const h = await runFlow({ name: 'h', start: 'n', nodes: [{ id: 'n', type: 'hangup', params: { prompt: say('再见'), cause: 'CALL_REJECTED' } }] });
    expect(h.channel.ops).toEqual([{ op: 'answer' }, { op: 'play', files: ['tts:zh:再见'] }, { op: 'hangup', cause: 'CALL_REJECTED' }]);
    expect(h.result.end).toBe('completed');
  });

  it('without a prompt it does not answer the call first', async () => {
    const h = await runFlow({ name: 'h', start: 'n', nodes: [{ id: 'n', type: 'hangup', params: {} }] });
    expect(h.channel.ops).toEqual([{ op: 'hangup', cause: 'NORMAL_CLEARING' }]);
  });
});

it('NonFatalNodeError is a HotlineError with a code', () => {
  expect(new NonFatalNodeError('x').code).toBe('ivr_node_failed');
});
