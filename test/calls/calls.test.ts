/**
 * Calls end to end on the FreeSWITCH simulator (real ESL over TCP), real Postgres, Redis,
 * BullMQ and ffmpeg: a caller dials a service number whose flow queues them; the ACD
 * offers registered agent endpoints; the call is recorded, held, transferred, consulted,
 * merged into a three-way call and sent to the survey. Steps wait on observable state
 * (session state, rows), never on wall time.
 */
process.env.SIM_SPEED = '20';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { blacklistModule } from '../../server/blacklist/module';
import { CALLS_SERVICE, callsModule, type CallsService } from '../../server/calls/module';
import { CallState, type CallSession } from '../../server/calls/session';
import type { Db } from '../../server/db/pool';
import { ensureEndpoint } from '../../server/endpoints/store';
import { endpointsModule } from '../../server/endpoints/module';
import { ivrModule } from '../../server/ivr/module';
import { realtimeModule } from '../../server/realtime/module';
import { recordingsModule } from '../../server/recordings/module';
import type { RoutingEngine } from '../../server/routing/engine';
import { routingModule, ROUTING_SERVICE } from '../../server/routing/module';
import { telephonyModule, TELEPHONY_SIMULATOR } from '../../server/telephony/module';
import { header } from '../../server/telephony/wire';
import type { FreeswitchSim, SimCall } from '../../tools/freeswitch-sim';
import { createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { waitFor } from '../ivr/helpers/wait';
import { bindQueueSurveyFlow } from './helpers/queue-flow';


describe('calls end to end on the simulator', () => {
  let world: TestWorld;
  let db: Db;
  let sim: FreeswitchSim;
  let calls: CallsService;
  let acd: RoutingEngine;
  let groupId: string;
  const number = `4${crypto.randomInt(100000, 999999)}`;
  const agents: { id: string; sip: string }[] = [];

  async function agent(name: string, behaviour: Parameters<FreeswitchSim['registerEndpoint']>[1]): Promise<{ id: string; sip: string }> {
    const username = `${name}${crypto.randomBytes(3).toString('hex')}`;
    const { rows } = await db.query<{ id: string }>("INSERT INTO users (username, password_hash, display_name, employee_no) VALUES ($1, 'x', $1, $1) RETURNING id", [username]);
    const id = rows[0]!.id;
    const ep = await ensureEndpoint(db, { id, username });
    await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, id]);
    await acd.syncAgent(id);
    sim.registerEndpoint(ep.sipUsername, behaviour);
    await waitFor(async () => ((await acd.agents()).find((a) => a.agentId === id)?.voiceRegistered ? true : undefined), 'registration reaches the ACD');
    return { id, sip: ep.sipUsername };
  }

  beforeAll(async () => {
    world = await createTestWorld({
      modules: [telephonyModule(), realtimeModule(), routingModule({ sweepIntervalMs: 100 }), recordingsModule(), endpointsModule(), blacklistModule(), callsModule(), ivrModule({ seedSample: false })],
    });
    db = world.hotline.db;
    sim = world.hotline.services.get(TELEPHONY_SIMULATOR) as FreeswitchSim;
    calls = world.hotline.services.get(CALLS_SERVICE) as CallsService;
    acd = world.hotline.services.get(ROUTING_SERVICE) as RoutingEngine;
    ({ groupId } = await bindQueueSurveyFlow(db, { number, namePrefix: 'calls', description: 'calls test', surveyTimeoutMs: 3000 , mediaDir: world.config.mediaDir }));
    await db.query('UPDATE routing_settings SET offer_timeout_voice_seconds = 20, wrap_up_seconds = 0.1, missed_offers_before_not_ready = 0');
    await acd.reloadConfig();
    for (const [i, name] of ['alice', 'bob', 'carol'].entries()) {
      agents.push(await agent(name, { mode: 'answer', afterMs: 200 + i }));
      await acd.setPresence(agents[i]!.id, { state: i === 0 ? 'ready' : 'not_ready', reason: 'busy' } as never);
    }
  }, 60_000);

  afterAll(async () => {
    await world?.cleanup();
  });

  async function sessionOf(call: SimCall): Promise<CallSession> {
    return waitFor(() => calls.sessions.byCallerUuid(call.uuid), 'the call reaches the queue');
  }
  const inState = (s: CallSession, state: CallState) => waitFor(() => (s.state === state ? true : undefined), `call state ${state}`, 15_000);
  const ended = (callId: string) =>
    waitFor(async () => (await db.query('SELECT * FROM calls WHERE id = $1 AND ended_at IS NOT NULL', [callId])).rows[0] as Record<string, unknown> | undefined, 'the call record is final', 15_000);

  test('queue → agent → recorded → hold → blind transfer → consult → three-way → survey', async () => {
    const caller = await sim.placeCall({ from: '13800000001', to: number });
    const s = await sessionOf(caller);
    const callId = s.callId;
    // The caller answers the survey when its prompts start: 1 (满意), then 2 (态度热情).
    let asked = 0;
    s.caller.on('event', (ev) => {
      if (ev.name === 'CHANNEL_EXECUTE' && header(ev, 'Application') === 'play_and_get_digits') void caller.pressDtmf(++asked === 1 ? '1' : '2');
    });
    await inState(s, CallState.Talking);
    expect(s.currentAgentId).toBe(agents[0]!.id);
    await waitFor(() => (s.recordingState === 'recording' ? true : undefined), 'recording started');

    await s.hold(agents[0]!.id);
    expect(s.state).toBe(CallState.Held);
    await s.resume(agents[0]!.id);
    expect(s.state).toBe(CallState.Talking);

    await s.transfer({ kind: 'agent', agentId: agents[1]!.id }, agents[0]!.id);
    await waitFor(() => (s.state === CallState.Talking && s.currentAgentId === agents[1]!.id ? true : undefined), 'bob took the transfer', 15_000);

    const { legUuid } = await s.consult({ kind: 'agent', agentId: agents[2]!.id }, agents[1]!.id);
    await waitFor(async () => (await db.query('SELECT 1 FROM call_legs WHERE uuid = $1 AND answered_at IS NOT NULL', [legUuid])).rows[0], 'carol answered the consult', 15_000);
    await s.merge(agents[1]!.id);
    expect(s.state).toBe(CallState.Conference);
    await waitFor(() => (s.agentIds.length === 3 ? true : undefined), 'three parties');

    await s.sendToSurvey(agents[1]!.id);
    const row = await ended(callId);
    expect(row).toMatchObject({ disposition: 'answered', survey_level1: '满意', survey_level2: '态度热情', hold_count: 2 /* hold + the consultation */, transfer_count: 1, direction: 'inbound' });
    expect(row.agent_ids).toEqual(expect.arrayContaining(agents.map((a) => a.id)));
    expect(row.queue_wait_ms).toEqual(expect.any(Number));
    expect(row.talk_ms).toEqual(expect.any(Number));

    const legs = (await db.query<{ kind: string; agent_id: string; outcome: string; answered_at: Date | null }>('SELECT kind, agent_id, outcome, answered_at FROM call_legs WHERE call_id = $1 ORDER BY created_at', [callId])).rows;
    expect(legs.map((l) => [l.kind, l.agent_id, l.outcome])).toEqual([
      ['agent', agents[0]!.id, 'transferred'],
      ['agent', agents[1]!.id, expect.any(String)],
      ['consult', agents[2]!.id, expect.any(String)],
    ]);
    expect(legs.every((l) => l.answered_at)).toBe(true);
    // Agents are dialled in Hotline's SIP domain, not FreeSWITCH's default one.
    const dials = (await db.query<{ dial: string }>("SELECT dial FROM call_legs WHERE call_id = $1 AND kind = 'agent'", [callId])).rows;
    expect(dials.map((d) => d.dial)).toEqual([`user/${agents[0]!.sip}@${world.config.sip.domain}`, `user/${agents[1]!.sip}@${world.config.sip.domain}`]);
    const survey = (await db.query('SELECT level1_label, agent_id FROM survey_results WHERE call_id = $1', [callId])).rows[0];
    expect(survey).toEqual({ level1_label: '满意', agent_id: expect.any(String) });

    const rec = await waitFor(
      async () => (await db.query<{ status: string; mime_type: string; file_path: string; channels: number }>("SELECT status, mime_type, file_path, channels FROM recordings WHERE call_id = $1 AND status IN ('ready', 'failed')", [callId])).rows[0],
      'the recording is transcoded',
      30_000,
    );
    expect(rec).toMatchObject({ status: 'ready', mime_type: 'audio/mpeg', channels: 2 });
    expect(fs.existsSync(rec.file_path)).toBe(true);
    expect(row.recording_id).toEqual(expect.any(String));
    // One recording per call: the agent leaving and the session closing both finish it, once.
    await s.finished;
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM recordings WHERE call_id = $1', [callId])).rows[0]!.n).toBe(1);
    const events = (await db.query<{ type: string }>('SELECT type FROM call_events WHERE call_id = $1 ORDER BY id', [callId])).rows.map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['queued', 'offered', 'answered', 'held', 'resumed', 'transferred', 'consult', 'conference', 'survey_sent', 'ended', 'contact_completed']));
    // Alice took the ACD offer; her contact completed with the transfer and she wrapped up (0.1 s, ended by the sweeper).
    const wrap = await waitFor(async () => (await db.query<{ leg: number | null; call: number | null }>("SELECT l.wrap_up_ms AS leg, c.wrap_up_ms AS call FROM call_legs l JOIN calls c ON c.id = l.call_id WHERE l.call_id = $1 AND l.agent_id = $2 AND l.wrap_up_ms IS NOT NULL", [callId, agents[0]!.id])).rows[0], 'alice wrap-up recorded', 15_000);
    expect(wrap.leg).toBeGreaterThanOrEqual(0);
    expect(wrap.call).toBe(wrap.leg);
    await calls.idle();
  }, 90_000);

  test('a caller who hangs up while queued is abandoned and lands on the callback list', async () => {
    await acd.setPresence(agents[0]!.id, { state: 'not_ready', reason: 'busy' } as never);
    await acd.setPresence(agents[1]!.id, { state: 'not_ready', reason: 'busy' } as never);
    await acd.setPresence(agents[2]!.id, { state: 'not_ready', reason: 'busy' } as never);
    const caller = await sim.placeCall({ from: '13800000002', to: number });
    const s = await sessionOf(caller);
    await caller.hangup();
    const row = await ended(s.callId);
    expect(row).toMatchObject({ disposition: 'abandoned_queue', answered_at: null });
    const cb = (await db.query('SELECT number, reason, status FROM call_callbacks WHERE call_id = $1', [s.callId])).rows[0];
    expect(cb).toEqual({ number: '13800000002', reason: 'abandoned_queue', status: 'open' });
    await calls.idle();
  }, 60_000);

  test('ring timeout goes to the next agent; hanging up while ringing is abandoned_ringing', async () => {
    sim.setEndpointBehaviour(agents[0]!.sip, { mode: 'no_answer' });
    await acd.setPresence(agents[0]!.id, { state: 'ready' });
    const caller = await sim.placeCall({ from: '13800000003', to: number });
    const s = await sessionOf(caller);
    await inState(s, CallState.Ringing);
    await acd.setPresence(agents[1]!.id, { state: 'ready' });
    await waitFor(() => (s.state === CallState.Talking && s.currentAgentId === agents[1]!.id ? true : undefined), 'the next agent answers', 30_000);
    await s.hangup(agents[1]!.id);
    const row = await ended(s.callId);
    expect(row).toMatchObject({ disposition: 'answered', agent_id: agents[1]!.id });
    const legs = (await db.query('SELECT agent_id, outcome FROM call_legs WHERE call_id = $1 ORDER BY created_at', [s.callId])).rows;
    expect(legs[0]).toEqual({ agent_id: agents[0]!.id, outcome: 'ring_timeout' });
    // Bob took the offer, hung up, wrapped up: the record's wrap-up is his.
    const wrapped = await waitFor(async () => (await db.query<{ wrap_up_ms: number | null }>('SELECT wrap_up_ms FROM calls WHERE id = $1 AND wrap_up_ms IS NOT NULL', [s.callId])).rows[0], 'bob wrap-up recorded', 15_000);
    expect(wrapped.wrap_up_ms).toBeGreaterThanOrEqual(0);

    await acd.setPresence(agents[1]!.id, { state: 'not_ready', reason: 'busy' } as never);
    const caller2 = await sim.placeCall({ from: '13800000004', to: number });
    const s2 = await sessionOf(caller2);
    await inState(s2, CallState.Ringing);
    await caller2.hangup();
    expect(await ended(s2.callId)).toMatchObject({ disposition: 'abandoned_ringing' });
    await acd.setPresence(agents[0]!.id, { state: 'not_ready', reason: 'busy' } as never);
    sim.setEndpointBehaviour(agents[0]!.sip, { mode: 'answer', afterMs: 200 });
    await calls.idle();
  }, 90_000);

  test.each([
    ['fails (503)', { mode: 'reject', cause: 'NORMAL_TEMPORARY_FAILURE' }, 'failed'],
    ['rejects (603)', { mode: 'reject', cause: 'CALL_REJECTED' }, 'rejected'],
    ['is busy (486)', { mode: 'busy' }, 'rejected'],
  ] as const)('an agent phone that %s never drops the caller: the next agent rings', async (_what, behaviour, outcome) => {
    sim.setEndpointBehaviour(agents[0]!.sip, behaviour);
    await acd.setPresence(agents[0]!.id, { state: 'ready' });
    const caller = await sim.placeCall({ from: '13800000013', to: number });
    const s = await sessionOf(caller);
    await waitFor(async () => (await db.query("SELECT 1 FROM call_legs WHERE call_id = $1 AND outcome IS NOT NULL", [s.callId])).rows[0], 'the first agent leg failed', 15_000);
    expect(caller.ended).toBe(false);
    await acd.setPresence(agents[1]!.id, { state: 'ready' });
    await waitFor(() => (s.state === CallState.Talking && s.currentAgentId === agents[1]!.id ? true : undefined), 'the next agent answers', 30_000);
    expect(caller.ended).toBe(false);
    await s.hangup(agents[1]!.id);
    expect(await ended(s.callId)).toMatchObject({ disposition: 'answered', agent_id: agents[1]!.id });
    const legs = (await db.query('SELECT agent_id, outcome FROM call_legs WHERE call_id = $1 ORDER BY created_at', [s.callId])).rows;
    expect(legs[0]).toEqual({ agent_id: agents[0]!.id, outcome });
    await acd.setPresence(agents[0]!.id, { state: 'not_ready', reason: 'busy' } as never);
    await acd.setPresence(agents[1]!.id, { state: 'not_ready', reason: 'busy' } as never);
    sim.setEndpointBehaviour(agents[0]!.sip, { mode: 'answer', afterMs: 200 });
    await calls.idle();
  }, 60_000);

  test('Postgres failing mid-call: the agent is freed at once and the record catches up, in order, with the real times', async () => {
    await acd.setPresence(agents[2]!.id, { state: 'ready' });
    const caller = await sim.placeCall({ from: '13800000021', to: number });
    const s = await sessionOf(caller);
    await inState(s, CallState.Talking);
    const agentId = s.currentAgentId!;
    await db.query('ALTER TABLE call_events RENAME TO call_events_away');
    let renamedBack = false;
    try {
      await s.hold(agentId);
      await s.resume(agentId);
      const hungUpAt = Date.now();
      await caller.hangup();
      // The ACD does not wait for the record: the agent is free (wrap-up 0.1 s) while every timeline write fails.
      await waitFor(async () => ((await acd.agents()).find((a) => a.agentId === agentId)?.load.voice === 0 ? true : undefined), 'the agent is free', 5_000);
      await new Promise((r) => setTimeout(r, 300));
      await db.query('ALTER TABLE call_events_away RENAME TO call_events');
      renamedBack = true;
      const row = await ended(s.callId);
      expect(row).toMatchObject({ disposition: 'answered', agent_id: agentId, hold_count: 1 });
      const events = (await db.query<{ type: string; at: Date }>('SELECT type, at FROM call_events WHERE call_id = $1 ORDER BY id', [s.callId])).rows;
      const types = events.map((e) => e.type);
      expect(types.indexOf('held')).toBeLessThan(types.indexOf('resumed'));
      expect(types.indexOf('resumed')).toBeLessThan(types.indexOf('contact_completed'));
      // The rows carry when it happened, not when the write finally got through.
      expect(events.find((e) => e.type === 'contact_completed')!.at.getTime()).toBeLessThan(hungUpAt + 250);
    } finally {
      if (!renamedBack) await db.query('ALTER TABLE call_events_away RENAME TO call_events');
      for (const a of agents) await acd.setPresence(a.id, { state: 'not_ready', reason: 'busy' } as never);
    }
    await calls.idle();
  }, 60_000);

  test('a contact whose call is gone is abandoned, not offered in a loop; the agent stays free', async () => {
    const ghost = crypto.randomUUID();
    const offers: string[] = [];
    const onOffer = (e: { contactId: string }) => e.contactId === ghost && offers.push(e.contactId);
    acd.events.on('contact.offered', onOffer);
    try {
      // This process owns it (as if it had held the call's socket) but has no call for it.
      await acd.enqueue({ id: ghost, channel: 'voice', priority: 0, target: { kind: 'group', id: groupId }, entry: { serviceNumber: number }, attributes: {}, owner: acd.instanceId });
      await acd.setPresence(agents[2]!.id, { state: 'ready' });
      await waitFor(async () => ((await db.query("SELECT 1 FROM routing_contacts WHERE id = $1 AND status = 'abandoned'", [ghost])).rows[0] ? true : undefined), 'the ghost contact is abandoned', 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(offers.length).toBe(1);
      const me = (await acd.agents()).find((a) => a.agentId === agents[2]!.id)!;
      expect(me.load.voice).toBe(0);
    } finally {
      acd.events.off('contact.offered', onOffer);
      await acd.setPresence(agents[2]!.id, { state: 'not_ready', reason: 'busy' } as never);
    }
  });

  test('blind transfer to an IVR node: the agent leaves and the flow continues at that node', async () => {
    await acd.setPresence(agents[2]!.id, { state: 'ready' });
    const caller = await sim.placeCall({ from: '13800000005', to: number });
    const s = await sessionOf(caller);
    await inState(s, CallState.Talking);
    expect(s.currentAgentId).toBe(agents[2]!.id);
    await expect(s.transfer({ kind: 'ivr', node: 'no_such_node' }, agents[2]!.id)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(s.state).toBe(CallState.Talking);
    // Through CallControl, as the HTTP API does (this process holds the call, so no Redis round trip).
    await expect(calls.control.control(s.callId, { action: 'hold' }, { userId: agents[0]!.id, mayMonitor: false })).rejects.toMatchObject({ code: 'forbidden' });
    await calls.control.control(s.callId, { action: 'transfer', target: { kind: 'ivr', node: 'bye' } }, { userId: agents[2]!.id, mayMonitor: false });
    const row = await ended(s.callId);
    expect(row).toMatchObject({ disposition: 'answered', transfer_count: 1, survey_level1: null, agent_id: agents[2]!.id });
    const trail = (await db.query<{ node_id: string; kind: string; exit: string | null }>('SELECT node_id, kind, exit FROM ivr_trail WHERE call_id = $1 ORDER BY seq', [s.callId])).rows;
    expect(trail.filter((t) => t.node_id === 'queue' && t.kind === 'outcome').map((t) => t.exit)).toEqual(['goto']);
    expect(trail.some((t) => t.node_id === 'bye' && t.kind === 'start')).toBe(true);
    expect(trail.some((t) => t.node_id === 'survey')).toBe(false);
    const legs = (await db.query('SELECT agent_id, outcome FROM call_legs WHERE call_id = $1', [s.callId])).rows;
    expect(legs).toEqual([{ agent_id: agents[2]!.id, outcome: 'agent_left' }]);
    await acd.setPresence(agents[2]!.id, { state: 'not_ready', reason: 'busy' } as never);
    await calls.idle();
  }, 60_000);

  test('blacklist: a blocked caller is released with a message; click-to-call to a blocked number is refused', async () => {
    await db.query("INSERT INTO blacklist_entries (channel, value, reason) VALUES ('voice', '13900000009', 'test')");
    const caller = await sim.placeCall({ from: '13900000009', to: number });
    await caller.waitForEnd(20_000);
    const row = await waitFor(async () => (await db.query("SELECT disposition FROM calls WHERE caller_number = '13900000009' AND ended_at IS NOT NULL")).rows[0], 'blacklisted call record', 15_000);
    expect(row).toEqual({ disposition: 'blacklisted' });
    await expect(calls.clickToCall.start({ agentId: agents[0]!.id, number: '13900000009', serviceNumber: number })).rejects.toMatchObject({ code: 'validation_failed' });
  }, 60_000);

  test('click-to-call: the agent first, then the customer with the service number as caller id', async () => {
    const { callId } = await calls.clickToCall.start({ agentId: agents[2]!.id, number: '13700000001', serviceNumber: number });
    const customerLeg = await waitFor(async () => (await db.query<{ uuid: string }>("SELECT uuid FROM call_legs WHERE call_id = $1 AND kind = 'customer' AND answered_at IS NOT NULL", [callId])).rows[0]?.uuid, 'the customer answered', 20_000);
    expect(sim.call(customerLeg)?.variable('origination_caller_id_number')).toBe(number);
    await sim.call(customerLeg)!.hangup();
    const row = await ended(callId);
    expect(row).toMatchObject({ direction: 'outbound', disposition: 'outbound_answered', destination_number: '13700000001', caller_number: number, agent_id: agents[2]!.id });
    await calls.idle();
  }, 60_000);
});
