/**
 * The sample flow on real calls over real ESL TCP: Hotline's outbound ESL server (telephony
 * layer) accepts the socket, the IVR module runs the flow bound to 4001, a scripted caller
 * (test/ivr/helpers/scripted-switch.ts, FreeSWITCH's side of the socket) presses keys. The
 * trail, variables, voicemail and survey rows are read back from Postgres.
 *
 * The same walks against tools/freeswitch-sim are in simulator-sample-flow.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { QueueOutcome, QueuePort, QueueRequest } from '../../server/ivr/engine/ports';
import { ivrModule } from '../../server/ivr/module';
import { silentLogger } from '../../server/logging/logger';
import type { HotlineModule } from '../../server/module';
import { provide } from '../../server/module';
import { EslOutboundServer } from '../../server/telephony';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { ScriptedCall, type CallerAction } from './helpers/scripted-switch';
import { waitFor } from './helpers/wait';

const OPEN = new Date('2026-03-02T02:00:00Z'); // Monday 10:00 in Shanghai
const CLOSED = new Date('2026-03-02T14:00:00Z'); // Monday 22:00

/** Stands in for the telephony module: the real outbound ESL server on an ephemeral port. */
function telephonyModule(state: { port: number }): HotlineModule {
  let server: EslOutboundServer | undefined;
  return {
    name: 'telephony-test',
    async start(ctx) {
      server = new EslOutboundServer({ port: 0, logger: silentLogger });
      state.port = await server.listen();
      provide(ctx, 'telephony.outbound', server);
    },
    async stop() {
      await server?.close();
    },
  };
}

/** Stands in for the ACD: answers (or waits, for the version-pinning test) per skill group. */
class TestAcd implements QueuePort {
  outcomes: Record<string, QueueOutcome> = {};
  hold: Promise<void> | undefined;
  readonly requests: QueueRequest[] = [];
  async enqueue(req: QueueRequest): Promise<QueueOutcome> {
    this.requests.push(req);
    if (this.hold) await this.hold;
    return this.outcomes[req.skillGroup] ?? 'no_agents';
  }
}

const clock = { at: OPEN, now: () => new Date(clock.at) };
const acd = new TestAcd();
const tel = { port: 0 };
let world: TestWorld;
let api: ApiClient;

beforeAll(async () => {
  const acdModule: HotlineModule = { name: 'acd-test', start: (ctx) => Promise.resolve(provide(ctx, 'ivr.queue', acd)) };
  world = await createTestWorld({ modules: [telephonyModule(tel), acdModule, ivrModule({ clock })] });
  api = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
});

afterAll(async () => {
  await world.cleanup();
});

beforeEach(() => {
  clock.at = OPEN;
  acd.outcomes = {};
  acd.hold = undefined;
});

interface Walk {
  call: ScriptedCall;
  ivr: { id: string; ivrOutcome: string; ivrVariables: Record<string, string>; flowVersion: number; trail: { nodeId: string | null; kind: string; exit: string | null; data: any; flowVersion: number }[] };
  nodes: string[];
}

/** Places a call to `to`, lets the scripted caller act, waits until the IVR stored its outcome. */
async function walk(keys: CallerAction[], opts: { to?: string; hangupDuringRecord?: boolean; whileRunning?: (call: ScriptedCall) => Promise<void> } = {}): Promise<Walk> {
  const call = await ScriptedCall.place({ port: tel.port, from: '13900000007', to: opts.to ?? '4001', keys, hangupDuringRecord: opts.hangupDuringRecord });
  if (opts.whileRunning) await opts.whileRunning(call);
  await call.ended;
  const id = await waitFor(async () => {
    const r = await world.hotline.db.query<{ id: string; ivr_outcome: string | null }>('SELECT id, ivr_outcome FROM calls WHERE channel_uuid = $1', [call.uuid]);
    return r.rows[0]?.ivr_outcome != null ? r.rows[0].id : undefined;
  }, `IVR outcome of call ${call.uuid}`);
  const ivr = (await api.get(`/api/ivr/calls/${id}`)).body;
  return { call, ivr, nodes: ivr.trail.filter((t: { kind: string }) => t.kind === 'start').map((t: { nodeId: string }) => t.nodeId) };
}

describe('sample flow over ESL (scripted caller)', () => {
  it('1 → sales queue; nobody free → overflow voicemail linked to the call → goodbye', async () => {
    const w = await walk(['1']);
    expect(w.nodes).toEqual(['welcome', 'hours', 'main_menu', 'sales_queue', 'overflow', 'goodbye']);
    expect(w.ivr.ivrOutcome).toBe('completed');
    expect(w.ivr.trail.find((t) => t.nodeId === 'main_menu' && t.kind === 'input')!.data).toEqual({ attempt: 1, digits: '1', result: 'ok' });
    expect(w.ivr.trail.find((t) => t.nodeId === 'sales_queue' && t.kind === 'outcome')!.exit).toBe('no_agents');
    const vm = (await api.get(`/api/ivr/voicemails?callId=${w.ivr.id}`)).body;
    expect(vm).toEqual([expect.objectContaining({ mailbox: 'overflow', callerNumber: '13900000007', durationMs: 1500, nodeId: 'overflow' })]);
    expect(fs.existsSync(path.join(world.config.mediaDir, vm[0].file))).toBe(true);
    const audio = await fetch(`${world.hotline.url}/api/ivr/voicemails/${vm[0].id}/audio`, { headers: { cookie: await cookie() } });
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    // What the caller heard and did, on the wire.
    expect(w.call.apps().map((a) => a.app)).toEqual(['answer', 'playback', 'play_and_get_digits', 'playback', 'record', 'playback', 'playback']);
    expect(w.call.apps('play_and_get_digits')[0]!.arg).toMatch(/^1 1 1 5000 none \S+\.wav silence_stream:\/\/150 hotline_ivr_digits \^\[0-9\*#\]\+\$ 5000$/);
    expect(w.call.apps('record')[0]!.arg).toMatch(/voicemail\/\d{4}-\d{2}-\d{2}\/\S+-overflow\.wav 120 200 5$/);
  });

  it('2 → support answered by an agent → two-level survey stored → goodbye', async () => {
    acd.outcomes = { support: 'answered' };
    const w = await walk(['2', '1', '2']);
    expect(w.nodes).toEqual(['welcome', 'hours', 'main_menu', 'support_queue', 'survey', 'goodbye']);
    expect(w.ivr.ivrVariables).toMatchObject({ 'survey.level1': '满意', 'survey.level2': '态度热情', caller_number: '13900000007', destination_number: '4001' });
    const results = (await api.get(`/api/ivr/survey-results?callId=${w.ivr.id}`)).body;
    expect(results).toEqual([expect.objectContaining({ survey: 'csat', level1Digit: '1', level1Label: '满意', level2Digit: '2', level2Label: '态度热情' })]);
    expect(acd.requests.at(-1)).toMatchObject({ skillGroup: 'support', callId: w.ivr.id });
  });

  it('0 → operator queue', async () => {
    acd.outcomes = { operator: 'answered' };
    const w = await walk(['0', '', '']);
    expect(w.nodes.slice(0, 5)).toEqual(['welcome', 'hours', 'main_menu', 'operator_queue', 'survey']);
    expect((await api.get(`/api/ivr/survey-results?callId=${w.ivr.id}`)).body[0]).toMatchObject({ level1Digit: null });
  });

  it('wrong keys follow the retry rule: invalid prompt, 3 attempts, then the invalid exit', async () => {
    const w = await walk(['5', '6', '7']);
    expect(w.nodes).toEqual(['welcome', 'hours', 'main_menu', 'invalid_goodbye']);
    const inputs = w.ivr.trail.filter((t) => t.nodeId === 'main_menu' && t.kind === 'input').map((t) => t.data);
    expect(inputs).toEqual([
      { attempt: 1, digits: '5', result: 'invalid' },
      { attempt: 2, digits: '6', result: 'invalid' },
      { attempt: 3, digits: '7', result: 'invalid' },
    ]);
    expect(w.call.apps().map((a) => a.app)).toEqual(['answer', 'playback', 'play_and_get_digits', 'playback', 'play_and_get_digits', 'playback', 'play_and_get_digits', 'playback']);
  });

  it('no keys follow the retry rule: timeout prompt, 3 attempts, then the timeout exit (operator)', async () => {
    const w = await walk(['', '', '']);
    expect(w.nodes.slice(0, 4)).toEqual(['welcome', 'hours', 'main_menu', 'operator_queue']);
    expect(w.ivr.trail.filter((t) => t.nodeId === 'main_menu' && t.kind === 'input').map((t) => t.data.result)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(w.ivr.trail.find((t) => t.nodeId === 'main_menu' && t.kind === 'outcome')!.exit).toBe('timeout');
  });

  it('a wrong key then a right one recovers', async () => {
    acd.outcomes = { sales: 'answered' };
    const w = await walk(['9', '1', { hangup: true }]);
    expect(w.nodes).toEqual(['welcome', 'hours', 'main_menu', 'sales_queue', 'survey']);
    expect(w.ivr.ivrOutcome).toBe('caller_hangup');
  });

  it('after hours → voicemail; the caller hangs up to finish and the message is kept', async () => {
    clock.at = CLOSED;
    const w = await walk([], { hangupDuringRecord: true });
    expect(w.nodes).toEqual(['welcome', 'hours', 'after_hours']);
    expect(w.ivr.trail.find((t) => t.nodeId === 'hours' && t.kind === 'outcome')).toMatchObject({ exit: 'closed', data: { weekday: 'mon', reason: 'weekly' } });
    expect(w.ivr.ivrOutcome).toBe('caller_hangup');
    const vm = (await api.get(`/api/ivr/voicemails?callId=${w.ivr.id}`)).body;
    expect(vm).toEqual([expect.objectContaining({ mailbox: 'after-hours' })]);
    expect(w.ivr.trail.find((t) => t.nodeId === 'after_hours' && t.kind === 'input')!.data).toMatchObject({ endedBy: 'hangup' });
  });

  it('the caller hanging up at the menu ends the flow cleanly', async () => {
    const w = await walk([{ hangup: true }]);
    expect(w.ivr.ivrOutcome).toBe('caller_hangup');
    expect(w.ivr.trail.slice(-2).map((t) => [t.nodeId, t.kind, t.exit])).toEqual([
      ['main_menu', 'outcome', 'caller_hangup'],
      [null, 'end', 'caller_hangup'],
    ]);
  });

  it('a number with no flow is refused', async () => {
    const w = await walk([], { to: '9999' });
    expect(w.ivr.ivrOutcome).toBe('no_flow');
    expect(w.call.apps()).toEqual([]);
  });

  it('a call in progress keeps the version it started with; the next call gets the new one', async () => {
    let release!: () => void;
    acd.hold = new Promise((resolve) => (release = resolve));
    acd.outcomes = { sales: 'answered' };
    const flowId = (await api.get('/api/ivr/numbers')).body.find((n: { number: string }) => n.number === '4001').flowId;
    const before = (await api.get(`/api/ivr/flows/${flowId}`)).body.activeVersion as number;
    const first = walk(['1', '2'], {
      whileRunning: async () => {
        await waitFor(() => (acd.requests.at(-1)?.skillGroup === 'sales' ? true : undefined), 'the caller to be queued');
        // Publish a new version without the survey while the caller waits in the queue.
        const flow = (await api.get(`/api/ivr/flows/${flowId}`)).body;
        const draft = structuredClone(flow.draft);
        for (const n of draft.nodes) if (n.type === 'queue') n.exits.answered = 'goodbye';
        draft.nodes = draft.nodes.filter((n: { id: string }) => n.id !== 'survey');
        await api.put(`/api/ivr/flows/${flowId}/draft`, draft);
        expect((await api.post(`/api/ivr/flows/${flowId}/publish`, { note: 'no survey' })).status).toBe(201);
        release();
      },
    });
    const w1 = await first;
    expect(w1.nodes).toContain('survey');
    expect(new Set(w1.ivr.trail.map((t) => t.flowVersion))).toEqual(new Set([before]));
    acd.hold = undefined;
    const w2 = await walk(['1']);
    expect(w2.nodes).toEqual(['welcome', 'hours', 'main_menu', 'sales_queue', 'goodbye']);
    expect(w2.ivr.flowVersion).toBe(before + 1);
    await api.post(`/api/ivr/flows/${flowId}/rollback`, { version: before });
    const w3 = await walk(['1', '']);
    expect(w3.nodes).toContain('survey');
  });
});

async function cookie(): Promise<string> {
  const login = await fetch(`${world.hotline.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  return login.headers.get('set-cookie')!.split(';')[0]!;
}
