/**
 * The calls scenarios of test/calls/calls.test.ts against a real FreeSWITCH.
 * Run: FREESWITCH_ESL=host:port:password npx jest --runInBand -c jest.freeswitch.config.js test/freeswitch-real/calls.test.ts
 *
 * What the box needs: FreeSWITCH set up as dialplan/README.md says (Hotline's `default` context sends every
 * service number to `socket <ESL_OUTBOUND_HOST>:<ESL_OUTBOUND_PORT> async full`; this process listens there,
 * defaults 127.0.0.1:8084, so FreeSWITCH on the same host), plus test/freeswitch-real/dialplan/hotline-test.xml:
 * - HOTLINE_FS_ANSWER (default 9196): answers at once and stays up (echo) — agents that answer;
 * - HOTLINE_FS_RING (default 9198): rings and never answers — agents that do not.
 * Callers are loopback channels originated with `loopback/<service number>/<HOTLINE_FS_CONTEXT, default default>` and
 * parked; agents use the external-phone mode with CALLS_GATEWAY_DIAL=loopback/{number}/<HOTLINE_FS_PHONES, default hotline-test>.
 * Hold/resume is not tried here: on a loopback leg FreeSWITCH never enters the HELD call state, so `uuid_hold off`
 * always answers -ERR Operation failed (test/fixtures/freeswitch-esl/n_uuid_hold_loopback.txt); sip-phones.test.ts
 * holds and resumes SIP phones.
 * The recording is checked for "ready" only when FreeSWITCH writes into this host's MEDIA_DIR.
 * Steps wait on observable state (session state, rows), never on wall time.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { blacklistModule } from '../../server/blacklist/module';
import { CALLS_SERVICE, callsModule, type CallsService } from '../../server/calls/module';
import { CallState, type CallSession } from '../../server/calls/session';
import type { Db } from '../../server/db/pool';
import { endpointsModule } from '../../server/endpoints/module';
import { ensureEndpoint } from '../../server/endpoints/store';
import { ivrModule } from '../../server/ivr/module';
import { realtimeModule } from '../../server/realtime/module';
import { recordingsModule } from '../../server/recordings/module';
import type { RoutingEngine } from '../../server/routing/engine';
import { routingModule, ROUTING_SERVICE } from '../../server/routing/module';
import { commands, type TelephonyNodes } from '../../server/telephony';
import { telephonyModule, TELEPHONY_NODES } from '../../server/telephony/module';
import { header } from '../../server/telephony/wire';
import { createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { waitFor } from '../ivr/helpers/wait';
import { bindQueueSurveyFlow } from '../calls/helpers/queue-flow';

const esl = process.env.FREESWITCH_ESL;
if (!esl) console.warn('test/freeswitch-real/calls.test.ts: FREESWITCH_ESL is not set; skipping the real-FreeSWITCH calls suite');
const describeReal = esl ? describe : describe.skip;

const CONTEXT = process.env.HOTLINE_FS_CONTEXT ?? 'default';
const PHONES = process.env.HOTLINE_FS_PHONES ?? 'hotline-test';
const ANSWER = process.env.HOTLINE_FS_ANSWER ?? '9196';
const RING = process.env.HOTLINE_FS_RING ?? '9198';

describeReal('calls against a real FreeSWITCH', () => {
  let world: TestWorld;
  let db: Db;
  let fsw: TelephonyNodes;
  let calls: CallsService;
  let acd: RoutingEngine;
  let groupId: string;
  const number = `4${crypto.randomInt(100000, 999999)}`;
  const agents: { id: string; phone: string }[] = [];

  async function agent(name: string, phone: string): Promise<{ id: string; phone: string }> {
    const username = `${name}${crypto.randomBytes(3).toString('hex')}`;
    const { rows } = await db.query<{ id: string }>("INSERT INTO users (username, password_hash, display_name, employee_no) VALUES ($1, 'x', $1, $1) RETURNING id", [username]);
    const id = rows[0]!.id;
    await ensureEndpoint(db, { id, username });
    await db.query("UPDATE agent_endpoints SET mode = 'external', external_number = $2 WHERE user_id = $1", [id, phone]);
    await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, id]);
    await acd.syncAgent(id);
    await acd.syncAgent(id);
    return { id, phone };
  }

  /** A caller: a loopback channel whose other half dials the service number; we hold the handset half (parked). */
  async function placeCall(from: string): Promise<{ uuid: string; hangup(): Promise<void>; press(digits: string): Promise<void> }> {
    const uuid = crypto.randomUUID();
    await commands.originate(fsw, { endpoint: `loopback/${number}/${CONTEXT}`, uuid, callId: `real-${from}`, timeoutSec: 30, callerIdNumber: from, destination: { app: 'park' } });
    return {
      uuid,
      hangup: () => commands.uuidKill(fsw, uuid).catch(() => undefined),
      press: async (digits) => void (await fsw.api(`uuid_send_dtmf ${uuid} ${digits}`)),
    };
  }

  const sessionFrom = (from: string) => waitFor(() => calls.sessions.list().find((s) => s.caller.channel.callerIdNumber === from), 'the call reaches the queue', 20_000);
  const inState = (s: CallSession, state: CallState) => waitFor(() => (s.state === state ? true : undefined), `call state ${state}`, 30_000);
  const ended = (callId: string) =>
    waitFor(async () => (await db.query('SELECT * FROM calls WHERE id = $1 AND ended_at IS NOT NULL', [callId])).rows[0] as Record<string, unknown> | undefined, 'the call record is final', 30_000);
  const notReady = (id: string) => acd.setPresence(id, { state: 'not_ready', reason: 'busy' });

  beforeAll(async () => {
    world = await createTestWorld({
      modules: [telephonyModule(), realtimeModule(), routingModule({ sweepIntervalMs: 100 }), recordingsModule(), endpointsModule(), blacklistModule(), callsModule(), ivrModule({ seedSample: false })],
      env: {
        FREESWITCH_ESL: esl!,
        ESL_OUTBOUND_HOST: process.env.ESL_OUTBOUND_HOST ?? '127.0.0.1',
        ESL_OUTBOUND_PORT: process.env.ESL_OUTBOUND_PORT ?? '8084',
        CALLS_GATEWAY_DIAL: `loopback/{number}/${PHONES}`,
      },
    });
    db = world.hotline.db;
    fsw = world.hotline.services.get(TELEPHONY_NODES) as TelephonyNodes;
    await fsw.waitAnyReady(10_000);
    calls = world.hotline.services.get(CALLS_SERVICE) as CallsService;
    acd = world.hotline.services.get(ROUTING_SERVICE) as RoutingEngine;
    ({ groupId } = await bindQueueSurveyFlow(db, { number, namePrefix: 'calls-real', description: 'calls against a real FreeSWITCH', surveyTimeoutMs: 5000 , mediaDir: world.config.mediaDir }));
    await db.query('UPDATE routing_settings SET offer_timeout_voice_seconds = 8, wrap_up_seconds = 0.5, missed_offers_before_not_ready = 0');
    await acd.reloadConfig();
    for (const name of ['alice', 'bob', 'carol']) {
      const a = await agent(name, ANSWER);
      agents.push(a);
      await (name === 'alice' ? acd.setPresence(a.id, { state: 'ready' }) : notReady(a.id));
    }
  }, 60_000);

  afterAll(async () => {
    await world?.cleanup();
  });

  test('queue → agent → recorded → blind transfer → consult → three-way → survey', async () => {
    const from = '13800000001';
    const caller = await placeCall(from);
    const s = await sessionFrom(from);
    let asked = 0;
    s.caller.on('event', (ev) => {
      if (ev.name === 'CHANNEL_EXECUTE' && header(ev, 'Application') === 'play_and_get_digits') void caller.press(++asked === 1 ? '1' : '2');
    });
    await inState(s, CallState.Talking);
    expect(s.currentAgentId).toBe(agents[0]!.id);
    await waitFor(() => (s.recordingState === 'recording' ? true : undefined), 'recording started');
    await s.transfer({ kind: 'agent', agentId: agents[1]!.id }, agents[0]!.id);
    await waitFor(() => (s.state === CallState.Talking && s.currentAgentId === agents[1]!.id ? true : undefined), 'bob took the transfer', 30_000);
    const { legUuid } = await s.consult({ kind: 'agent', agentId: agents[2]!.id }, agents[1]!.id);
    await waitFor(async () => (await db.query('SELECT 1 FROM call_legs WHERE uuid = $1 AND answered_at IS NOT NULL', [legUuid])).rows[0], 'carol answered the consult', 30_000);
    await s.merge(agents[1]!.id);
    await waitFor(() => (s.agentIds.length === 3 ? true : undefined), 'three parties');
    await s.sendToSurvey(agents[1]!.id);
    const row = await ended(s.callId);
    expect(row).toMatchObject({ disposition: 'answered', survey_level1: '满意', survey_level2: '态度热情', hold_count: 1 /* the consultation */, transfer_count: 1, direction: 'inbound' });
    const legs = (await db.query<{ kind: string; agent_id: string }>('SELECT kind, agent_id FROM call_legs WHERE call_id = $1 ORDER BY created_at', [s.callId])).rows;
    expect(legs.map((l) => [l.kind, l.agent_id])).toEqual([
      ['agent', agents[0]!.id],
      ['agent', agents[1]!.id],
      ['consult', agents[2]!.id],
    ]);
    const rec = await waitFor(async () => (await db.query<{ status: string; raw_path: string }>('SELECT status, raw_path FROM recordings WHERE call_id = $1', [s.callId])).rows[0], 'the recording is registered', 30_000);
    if (fs.existsSync(rec.raw_path)) {
      const done = await waitFor(async () => (await db.query<{ status: string }>("SELECT status FROM recordings WHERE call_id = $1 AND status IN ('ready', 'failed')", [s.callId])).rows[0], 'the recording is transcoded', 60_000);
      expect(done.status).toBe('ready');
    }
    await waitFor(async () => (await db.query('SELECT 1 FROM calls WHERE id = $1 AND wrap_up_ms IS NOT NULL', [s.callId])).rows[0], 'alice wrap-up recorded', 30_000);
    await notReady(agents[0]!.id);
    await calls.idle();
  }, 180_000);

  test('abandon while queued and while ringing; ring timeout to the next agent', async () => {
    const c1 = await placeCall('13800000002');
    const s1 = await sessionFrom('13800000002');
    await c1.hangup();
    expect(await ended(s1.callId)).toMatchObject({ disposition: 'abandoned_queue' });

    await db.query("UPDATE agent_endpoints SET external_number = $2 WHERE user_id = $1", [agents[0]!.id, RING]);
    await acd.syncAgent(agents[0]!.id);
    await acd.setPresence(agents[0]!.id, { state: 'ready' });
    await placeCall('13800000003');
    const s2 = await sessionFrom('13800000003');
    await inState(s2, CallState.Ringing);
    await acd.setPresence(agents[1]!.id, { state: 'ready' });
    await waitFor(() => (s2.state === CallState.Talking && s2.currentAgentId === agents[1]!.id ? true : undefined), 'the next agent answers', 60_000);
    await s2.hangup(agents[1]!.id);
    expect(await ended(s2.callId)).toMatchObject({ disposition: 'answered', agent_id: agents[1]!.id });
    expect((await db.query('SELECT agent_id, outcome FROM call_legs WHERE call_id = $1 ORDER BY created_at', [s2.callId])).rows[0]).toEqual({ agent_id: agents[0]!.id, outcome: 'ring_timeout' });

    await notReady(agents[1]!.id);
    const c3 = await placeCall('13800000004');
    const s3 = await sessionFrom('13800000004');
    await inState(s3, CallState.Ringing);
    await c3.hangup();
    expect(await ended(s3.callId)).toMatchObject({ disposition: 'abandoned_ringing' });
    await notReady(agents[0]!.id);
    await db.query("UPDATE agent_endpoints SET external_number = $2 WHERE user_id = $1", [agents[0]!.id, ANSWER]);
    await acd.syncAgent(agents[0]!.id);
    await calls.idle();
  }, 180_000);

  test('blind transfer to an IVR node', async () => {
    await acd.setPresence(agents[2]!.id, { state: 'ready' });
    await placeCall('13800000005');
    const s = await sessionFrom('13800000005');
    await inState(s, CallState.Talking);
    await calls.control.control(s.callId, { action: 'transfer', target: { kind: 'ivr', node: 'bye' } }, { userId: agents[2]!.id, mayMonitor: false });
    expect(await ended(s.callId)).toMatchObject({ disposition: 'answered', transfer_count: 1, survey_level1: null });
    await notReady(agents[2]!.id);
    await calls.idle();
  }, 120_000);

  test('blacklist in and out; click-to-call', async () => {
    await db.query("INSERT INTO blacklist_entries (channel, value, reason) VALUES ('voice', '13900000009', 'test')");
    await placeCall('13900000009');
    const row = await waitFor(async () => (await db.query("SELECT disposition FROM calls WHERE caller_number = '13900000009' AND ended_at IS NOT NULL")).rows[0], 'blacklisted call record', 30_000);
    expect(row).toEqual({ disposition: 'blacklisted' });
    await expect(calls.clickToCall.start({ agentId: agents[0]!.id, number: '13900000009', serviceNumber: number })).rejects.toMatchObject({ code: 'validation_failed' });

    const { callId } = await calls.clickToCall.start({ agentId: agents[2]!.id, number: ANSWER, serviceNumber: number });
    const customerLeg = await waitFor(async () => (await db.query<{ uuid: string }>("SELECT uuid FROM call_legs WHERE call_id = $1 AND kind = 'customer' AND answered_at IS NOT NULL", [callId])).rows[0]?.uuid, 'the customer answered', 30_000);
    await commands.uuidKill(fsw, customerLeg);
    expect(await ended(callId)).toMatchObject({ direction: 'outbound', disposition: 'outbound_answered', caller_number: number, agent_id: agents[2]!.id });
    await calls.idle();
  }, 120_000);
});
