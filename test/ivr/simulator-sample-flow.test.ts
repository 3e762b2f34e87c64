/**
 * The sample flow against the FreeSWITCH simulator (tools/freeswitch-sim) over real ESL TCP:
 * the simulator's dialplan (dialplan/public.xml) sends 4001 to Hotline's outbound socket,
 * a simulated caller presses DTMF, the simulator runs answer/playback/play_and_get_digits/
 * record as FreeSWITCH would. Keys are pressed once the matching application started on
 * the channel (seen as CHANNEL_EXECUTE on the session), so no timing is assumed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { QueueOutcome, QueuePort, QueueRequest } from '../../server/ivr/engine/ports';
import { ivrModule } from '../../server/ivr/module';
import { silentLogger } from '../../server/logging/logger';
import { provide, type HotlineModule } from '../../server/module';
import { EslOutboundServer, type OutboundSession } from '../../server/telephony';
import { header } from '../../server/telephony/wire';
import { startFreeswitchSim, type FreeswitchSim } from '../../tools/freeswitch-sim';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { waitFor } from './helpers/wait';


/** Applications started per channel, from the session's CHANNEL_EXECUTE events. */
const started = new Map<string, string[]>();

function telephonyModule(state: { port: number }): HotlineModule {
  let server: EslOutboundServer | undefined;
  return {
    name: 'telephony-test',
    async start(ctx) {
      server = new EslOutboundServer({ port: 0, logger: silentLogger });
      state.port = await server.listen();
      server.on('session', (session: OutboundSession) => {
        const uuid = session.uuid;
        session.on('event', (ev) => {
          if (ev.name === 'CHANNEL_EXECUTE') started.set(uuid, [...(started.get(uuid) ?? []), header(ev, 'Application') ?? '']);
        });
      });
      provide(ctx, 'telephony.outbound', server);
    },
    async stop() {
      await server?.close();
    },
  };
}

class TestAcd implements QueuePort {
  outcomes: Record<string, QueueOutcome> = {};
  enqueue(req: QueueRequest): Promise<QueueOutcome> {
    return Promise.resolve(this.outcomes[req.skillGroup] ?? 'no_agents');
  }
}

/** At the n-th start of `app` on the channel: press keys, do nothing (let it time out) or hang up. */
type Step = { app: 'play_and_get_digits' | 'record'; keys?: string; hangup?: boolean };

describe('sample flow on the FreeSWITCH simulator', () => {
  const clock = { at: new Date('2026-03-02T02:00:00Z'), now: () => new Date(clock.at) };
  const acd = new TestAcd();
  const tel = { port: 0 };
  let world: TestWorld;
  let api: ApiClient;
  let sim: FreeswitchSim | undefined;

  beforeAll(async () => {
    const acdModule: HotlineModule = { name: 'acd-test', start: (ctx) => Promise.resolve(provide(ctx, 'ivr.queue', acd)) };
    world = await createTestWorld({ modules: [telephonyModule(tel), acdModule, ivrModule({ clock })] });
    api = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
    sim = await startFreeswitchSim({ eslPort: 0, globals: { hotline_socket: `127.0.0.1:${tel.port}` }, speed: 50, heartbeatMs: 0, recordingsDir: path.join(world.dataDir, 'sim-recordings') });
  });

  afterAll(async () => {
    await sim?.stop();
    await world?.cleanup();
  });

  beforeEach(() => {
    acd.outcomes = {};
  });

  async function walk(steps: Step[]) {
    const call = await sim!.placeCall({ from: '13700000002', to: '4001' });
    const seen: Record<string, number> = {};
    for (const step of steps) {
      const n = (seen[step.app] ?? 0) + 1;
      seen[step.app] = n;
      await waitFor(() => ((started.get(call.uuid) ?? []).filter((a) => a === step.app).length >= n ? true : undefined), `${step.app} #${n} on ${call.uuid}`);
      if (step.hangup) await call.hangup();
      else if (step.keys) await call.pressDtmf(step.keys);
    }
    await call.waitForEnd(20_000);
    const id = await waitFor(async () => {
      const r = await world.hotline.db.query<{ id: string; ivr_outcome: string | null }>('SELECT id, ivr_outcome FROM calls WHERE channel_uuid = $1', [call.uuid]);
      return r.rows[0]?.ivr_outcome != null ? r.rows[0].id : undefined;
    }, 'the IVR outcome');
    const ivr = (await api.get(`/api/ivr/calls/${id}`)).body;
    return { call, ivr, nodes: ivr.trail.filter((t: { kind: string }) => t.kind === 'start').map((t: { nodeId: string }) => t.nodeId) as string[], apps: started.get(call.uuid) ?? [] };
  }

  const pagd = (keys?: string): Step => ({ app: 'play_and_get_digits', ...(keys !== undefined ? { keys } : {}) });

  it('1 → sales, nobody free → overflow voicemail (# ends it) → goodbye', async () => {
    const w = await walk([pagd('1'), { app: 'record', keys: '#' }]);
    expect(w.nodes).toEqual(['welcome', 'hours', 'main_menu', 'sales_queue', 'overflow', 'goodbye']);
    expect(w.ivr.ivrOutcome).toBe('completed');
    const vm = (await api.get(`/api/ivr/voicemails?callId=${w.ivr.id}`)).body;
    expect(vm).toEqual([expect.objectContaining({ mailbox: 'overflow', callerNumber: '13700000002' })]);
    const wav = fs.readFileSync(path.join(world.config.mediaDir, vm[0].file));
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
  });

  it('2 → support answered → two-level survey stored', async () => {
    acd.outcomes = { support: 'answered' };
    const w = await walk([pagd('2'), pagd('2'), pagd('1')]);
    expect(w.nodes).toEqual(['welcome', 'hours', 'main_menu', 'support_queue', 'survey', 'goodbye']);
    expect((await api.get(`/api/ivr/survey-results?callId=${w.ivr.id}`)).body[0]).toMatchObject({ level1Label: '不满意', level2Label: '等待时间长' });
    expect(w.ivr.ivrVariables).toMatchObject({ 'survey.level1': '不满意', 'survey.level2': '等待时间长' });
  });

  it('invalid keys: three attempts, then the invalid goodbye', async () => {
    const w = await walk([pagd('8'), pagd('9'), pagd('*')]);
    expect(w.nodes).toEqual(['welcome', 'hours', 'main_menu', 'invalid_goodbye']);
    expect(w.ivr.trail.filter((t: { nodeId: string; kind: string }) => t.nodeId === 'main_menu' && t.kind === 'input').map((t: { data: { digits: string; result: string } }) => [t.data.digits, t.data.result])).toEqual([
      ['8', 'invalid'],
      ['9', 'invalid'],
      ['*', 'invalid'],
    ]);
  });

  it('no keys: three timeouts, then the operator queue; the caller hangs up in the voicemail', async () => {
    const w = await walk([pagd(), pagd(), pagd(), { app: 'record', hangup: true }]);
    expect(w.nodes).toEqual(['welcome', 'hours', 'main_menu', 'operator_queue', 'overflow']);
    expect(w.ivr.trail.filter((t: { nodeId: string; kind: string }) => t.nodeId === 'main_menu' && t.kind === 'input').map((t: { data: { result: string } }) => t.data.result)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(w.ivr.ivrOutcome).toBe('caller_hangup');
    expect((await api.get(`/api/ivr/voicemails?callId=${w.ivr.id}`)).body).toHaveLength(1);
  });

  it('Postgres failing on the call path: a known number still runs its flow, an unknown one is released with 503, never left ringing', async () => {
    await walk([pagd('9'), pagd('9'), pagd('9')]); // 4001 is known (resolved by this call, at the latest)
    const db = world.hotline.db;
    await db.query('ALTER TABLE ivr_service_numbers RENAME TO ivr_service_numbers_away');
    try {
      const stranger = await sim!.placeCall({ from: '13700000009', to: '4998' });
      expect(await stranger.waitForEnd(10_000)).toBe('NORMAL_TEMPORARY_FAILURE');
      expect(stranger.answered).toBe(false);
      const known = await sim!.placeCall({ from: '13700000010', to: '4001' });
      await waitFor(() => ((started.get(known.uuid) ?? []).includes('play_and_get_digits') ? true : undefined), 'the flow runs on the cached binding');
      await known.hangup();
    } finally {
      await db.query('ALTER TABLE ivr_service_numbers_away RENAME TO ivr_service_numbers');
    }
  });

  it('after hours → voicemail', async () => {
    clock.at = new Date('2026-10-01T03:00:00Z'); // a holiday
    try {
      const w = await walk([{ app: 'record', keys: '#' }]);
      expect(w.nodes).toEqual(['welcome', 'hours', 'after_hours', 'goodbye']);
      expect(w.ivr.trail.find((t: { nodeId: string; kind: string }) => t.nodeId === 'hours' && t.kind === 'outcome').data).toMatchObject({ reason: 'holiday', name: '国庆节' });
    } finally {
      clock.at = new Date('2026-03-02T02:00:00Z');
    }
  });
});
