/**
 * Calls to agents on real SIP phones: SIPp processes (test/freeswitch-real/sipp) that REGISTER to
 * FreeSWITCH's internal profile with the credentials Hotline issued, fetched by FreeSWITCH from this
 * process's /api/freeswitch/directory through mod_xml_curl.
 *
 * Run (FreeSWITCH set up as dialplan/README.md says, plus test/freeswitch-real/dialplan/hotline-test.xml):
 *   FREESWITCH_ESL=127.0.0.1:8021:ClueCon npx jest --runInBand -c jest.freeswitch.config.js test/freeswitch-real/sip-phones.test.ts
 * Env (defaults): HOTLINE_FS_HTTP_PORT (8080: where xml_curl's gateway-url points), HOTLINE_FS_XML_CURL_PASSWORD
 * (hotline-directory-test: its gateway-credentials password, user `freeswitch`), HOTLINE_FS_SIP_DOMAIN (hotline.local:
 * FreeSWITCH's `domain`), HOTLINE_FS_SIP (192.0.2.2:5060: the internal profile), HOTLINE_FS_SIPP (sipp).
 * SIPp phones use ports 5210-5299 (5300-5399 belong to the load benchmark).
 *
 * Callers are loopback channels into Hotline's `default` context (their socket half is the caller Hotline
 * sees); every case checks that the caller stays up until it is served.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
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
import { header, type RawEslEvent } from '../../server/telephony/wire';
import { createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { waitFor } from '../ivr/helpers/wait';
import { bindQueueSurveyFlow } from '../calls/helpers/queue-flow';
import { startPhone, waitRegistration, type Phone, type PhoneBehaviour } from './sipp/phones';

const esl = process.env.FREESWITCH_ESL;
const describeReal = esl ? describe : describe.skip;
const DOMAIN = process.env.HOTLINE_FS_SIP_DOMAIN ?? 'hotline.local';
const CONTEXT = process.env.HOTLINE_FS_CONTEXT ?? 'default';
const PHONES = process.env.HOTLINE_FS_PHONES ?? 'hotline-test';
const EXTERNAL = process.env.HOTLINE_FS_ANSWER ?? '9196';
let nextPort = 5210;

interface Agent {
  id: string;
  sip: string;
  password: string;
  phone?: Phone;
}

describeReal('agents on registered SIP phones, on a real FreeSWITCH', () => {
  let world: TestWorld;
  let db: Db;
  let fsw: TelephonyNodes;
  let calls: CallsService;
  let acd: RoutingEngine;
  let groupId: string;
  const number = `5${crypto.randomInt(100000, 999999)}`;
  const all: Agent[] = [];
  const callers: string[] = [];

  const api = async (cmd: string): Promise<string> => (await fsw.api(cmd)).body;

  async function agent(name: string): Promise<Agent> {
    const username = `${name}${crypto.randomBytes(3).toString('hex')}`;
    const { rows } = await db.query<{ id: string }>("INSERT INTO users (username, password_hash, display_name, employee_no) VALUES ($1, 'x', $1, $1) RETURNING id", [username]);
    const id = rows[0]!.id;
    const e = await ensureEndpoint(db, { id, username });
    await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, id]);
    await acd.syncAgent(id);
    await acd.setPresence(id, { state: 'not_ready', reason: 'busy' });
    const a: Agent = { id, sip: e.sipUsername, password: e.sipPassword };
    all.push(a);
    return a;
  }

  /** Registers a phone for `a` that behaves as told; resolves once FreeSWITCH has its contact. */
  async function phone(a: Agent, behaviour: PhoneBehaviour, stayMs?: number): Promise<Phone> {
    await a.phone?.stop();
    a.phone = startPhone({ user: a.sip, password: a.password, domain: DOMAIN, port: nextPort++, behaviour, stayMs });
    await waitRegistration(api, a.sip, DOMAIN);
    return a.phone;
  }

  async function placeCall(from: string): Promise<{ uuid: string; hangup(): Promise<void>; up(): Promise<boolean>; press(d: string): Promise<void> }> {
    const uuid = crypto.randomUUID();
    callers.push(uuid);
    await commands.originate(fsw, { endpoint: `loopback/${number}/${CONTEXT}`, uuid, callId: `sip-${from}`, timeoutSec: 30, callerIdNumber: from, destination: { app: 'park' } });
    return {
      uuid,
      hangup: () => commands.uuidKill(fsw, uuid).catch(() => undefined),
      up: async () => (await api(`uuid_exists ${uuid}`)).trim() === 'true',
      press: async (d) => void (await api(`uuid_send_dtmf ${uuid} ${d}`)),
    };
  }

  const sessionFrom = (from: string) => waitFor(() => calls.sessions.list().find((s) => s.caller.channel.callerIdNumber === from), 'the call reaches the queue', 20_000);
  const talkingWith = (s: CallSession, a: Agent, ms = 30_000) =>
    waitFor(() => (s.state === CallState.Talking && s.currentAgentId === a.id ? true : undefined), `talking with ${a.sip}`, ms);
  const ended = (callId: string) =>
    waitFor(async () => (await db.query('SELECT * FROM calls WHERE id = $1 AND ended_at IS NOT NULL', [callId])).rows[0] as Record<string, unknown> | undefined, 'the call record is final', 30_000);
  const legs = async (callId: string) => (await db.query<{ kind: string; agent_id: string | null; outcome: string | null; uuid: string }>('SELECT kind, agent_id, outcome, uuid FROM call_legs WHERE call_id = $1 ORDER BY created_at', [callId])).rows;
  const agentLeg = async (callId: string, a: Agent) =>
    waitFor(async () => (await db.query<{ uuid: string }>('SELECT uuid FROM call_legs WHERE call_id = $1 AND agent_id = $2 AND answered_at IS NOT NULL ORDER BY created_at DESC', [callId, a.id])).rows[0]?.uuid, `${a.sip}'s answered leg`);
  const ready = (a: Agent) => acd.setPresence(a.id, { state: 'ready' });
  const away = async (...as: Agent[]) => {
    for (const a of as) await acd.setPresence(a.id, { state: 'not_ready', reason: 'busy' });
  };
  /** Events FreeSWITCH sent about the caller (its socket half), from now on. */
  function callerEvents(s: CallSession): { list: RawEslEvent[]; stop(): void } {
    const list: RawEslEvent[] = [];
    const on = (ev: RawEslEvent) => void list.push(ev);
    s.caller.on('event', on);
    return { list, stop: () => s.caller.off('event', on) };
  }
  const surveyKeys = (s: CallSession, caller: { press(d: string): Promise<void> }, keys: string[]) => {
    let asked = 0;
    s.caller.on('event', (ev) => {
      if (ev.name === 'CHANNEL_EXECUTE' && header(ev, 'Application') === 'play_and_get_digits' && asked < keys.length) void caller.press(keys[asked++]!);
    });
  };

  beforeAll(async () => {
    world = await createTestWorld({
      modules: [telephonyModule(), realtimeModule(), routingModule({ sweepIntervalMs: 100 }), recordingsModule(), endpointsModule(), blacklistModule(), callsModule(), ivrModule({ seedSample: false })],
      env: {
        FREESWITCH_ESL: esl!,
        PORT: process.env.HOTLINE_FS_HTTP_PORT ?? '8080',
        SIP_DOMAIN: DOMAIN,
        XML_CURL_USER: 'freeswitch',
        XML_CURL_PASSWORD: process.env.HOTLINE_FS_XML_CURL_PASSWORD ?? 'hotline-directory-test',
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
    ({ groupId } = await bindQueueSurveyFlow(db, { number, namePrefix: 'sip-real', description: 'SIP phones on a real FreeSWITCH', surveyTimeoutMs: 5000, mediaDir: world.config.mediaDir }));
    await db.query('UPDATE routing_settings SET offer_timeout_voice_seconds = 8, wrap_up_seconds = 0.5, missed_offers_before_not_ready = 0');
    await acd.reloadConfig();
  }, 60_000);

  afterAll(async () => {
    for (const a of all) {
      await a.phone?.stop();
      await fsw?.api(`sofia profile internal flush_inbound_reg ${a.sip}@${DOMAIN}`).catch(() => undefined);
    }
    await world?.cleanup();
  });

  // a failed case must not leave its caller queued for the next one
  afterEach(async () => {
    await away(...all);
    for (const uuid of callers.splice(0)) await commands.uuidKill(fsw, uuid).catch(() => undefined);
    await waitFor(() => (calls.sessions.list().length === 0 ? true : undefined), 'no call left', 20_000).catch(() => undefined);
    await calls.idle();
  }, 40_000);

  test('a phone registers with the credentials Hotline issued (directory over mod_xml_curl)', async () => {
    const a = await agent('reg');
    await phone(a, { mode: 'answer' });
    expect(await api(`sofia_contact ${a.sip}@${DOMAIN}`)).toMatch(new RegExp(`^sofia/internal/sip:${a.sip}@`));
    // FreeSWITCH sends MWI right after the REGISTER (test/fixtures/sip/mwi_notify_on_register.txt); the phone answers it
    expect(a.phone!.process.exitCode).toBeNull();
  }, 30_000);

  test.each([
    [486, 'rejected'],
    [603, 'rejected'],
    [503, 'failed'],
  ] as const)('a phone that answers %s never drops the caller: the caller stays queued and the next agent rings', async (code, outcome) => {
    const bad = await agent(`r${code}`);
    const good = await agent(`ok${code}`);
    await phone(bad, { mode: 'reject', code });
    await phone(good, { mode: 'answer' });
    await ready(bad);
    const from = `1380000${code}1`;
    const caller = await placeCall(from);
    const s = await sessionFrom(from);
    await waitFor(async () => (await legs(s.callId)).find((l) => l.outcome), 'the first agent leg failed', 20_000);
    expect(await caller.up()).toBe(true);
    // the ACD may offer the failing phone again meanwhile: queued or ringing, never dropped
    expect([CallState.Queued, CallState.Ringing]).toContain(s.state);
    await ready(good);
    await talkingWith(s, good);
    expect(await caller.up()).toBe(true);
    await s.hangup(good.id);
    expect(await ended(s.callId)).toMatchObject({ disposition: 'answered', agent_id: good.id });
    expect((await legs(s.callId))[0]).toMatchObject({ agent_id: bad.id, outcome });
  }, 90_000);

  test('a phone that rings and is never answered: ring timeout, the caller stays, the next agent rings', async () => {
    const deaf = await agent('deaf');
    const good = await agent('next');
    await phone(deaf, { mode: 'no_answer' });
    await phone(good, { mode: 'answer' });
    await ready(deaf);
    const caller = await placeCall('13800000201');
    const s = await sessionFrom('13800000201');
    await waitFor(() => (s.state === CallState.Ringing ? true : undefined), 'ringing');
    await ready(good);
    await talkingWith(s, good, 40_000);
    expect(await caller.up()).toBe(true);
    await s.hangup(good.id);
    expect((await legs(s.callId))[0]).toMatchObject({ agent_id: deaf.id, outcome: 'ring_timeout' });
  }, 90_000);

  test('a phone that unregisters while its agent is ready: the caller stays queued and the next agent rings', async () => {
    const gone = await agent('gone');
    const good = await agent('stay');
    await phone(gone, { mode: 'answer' }, 1500);
    await phone(good, { mode: 'answer' });
    await ready(gone);
    await waitRegistration(api, gone.sip, DOMAIN, { gone: true });
    const caller = await placeCall('13800000301');
    const s = await sessionFrom('13800000301');
    await new Promise((r) => setTimeout(r, 2000));
    expect(await caller.up()).toBe(true);
    expect(s.state).toBe(CallState.Queued);
    await ready(good);
    await talkingWith(s, good);
    await s.hangup(good.id);
    expect(await ended(s.callId)).toMatchObject({ disposition: 'answered', agent_id: good.id });
    // any leg to the unregistered phone failed without ringing it
    for (const l of (await legs(s.callId)).filter((x) => x.agent_id === gone.id)) expect(l.outcome).not.toBe('answered');
  }, 60_000);

  /**
   * Fails on FreeSWITCH 1.10.12 as Hotline bridges today: uuid_hold on the agent's SIP leg gives HELD and queues the
   * music broadcast on the caller, but the caller's `bridge` (run from the outbound socket) never parses it: the
   * playback runs only when the caller hangs up ("Channel is hungup and application playback does not have the
   * zombie_exec flag"). See the report of issue 15 for the evidence; resume itself works (+OK, UNHELD).
   */
  test('hold and resume on a SIP phone: the caller hears music while held, resume works', async () => {
    const a = await agent('hold');
    await phone(a, { mode: 'answer' });
    await ready(a);
    const caller = await placeCall('13800000401');
    const s = await sessionFrom('13800000401');
    await talkingWith(s, a);
    const seen = callerEvents(s);
    await s.hold(a.id);
    await waitFor(() => seen.list.find((e) => e.name === 'PLAYBACK_START' && (header(e, 'Playback-File-Path') ?? '').startsWith('local_stream://moh')), 'music on hold to the caller');
    await s.resume(a.id);
    await waitFor(() => seen.list.find((e) => e.name === 'PLAYBACK_STOP'), 'the music stops');
    expect(s.state).toBe(CallState.Talking);
    seen.stop();
    expect(await caller.up()).toBe(true);
    await s.hangup(a.id);
    expect(await ended(s.callId)).toMatchObject({ disposition: 'answered', hold_count: 1 });
  }, 60_000);

  test('blind transfer to an agent, a group, an external number and an IVR node', async () => {
    const [a, b, c] = [await agent('ta'), await agent('tb'), await agent('tc')];
    for (const x of [a, b, c]) await phone(x, { mode: 'answer' });
    await ready(a);
    const caller = await placeCall('13800000501');
    const s = await sessionFrom('13800000501');
    await talkingWith(s, a);
    await s.transfer({ kind: 'agent', agentId: b.id }, a.id);
    await talkingWith(s, b);
    await ready(c);
    await s.transfer({ kind: 'group', groupId }, b.id);
    await talkingWith(s, c);
    await s.transfer({ kind: 'external', number: EXTERNAL }, c.id);
    await waitFor(async () => (await legs(s.callId)).find((l) => l.kind !== 'agent' && l.agent_id === null), 'the external leg');
    expect(await caller.up()).toBe(true);
    await caller.hangup();
    expect(await ended(s.callId)).toMatchObject({ disposition: 'answered', transfer_count: 3 });

    await ready(a);
    await placeCall('13800000502');
    const s2 = await sessionFrom('13800000502');
    await talkingWith(s2, a);
    await s2.transfer({ kind: 'ivr', node: 'bye' }, a.id);
    expect(await ended(s2.callId)).toMatchObject({ disposition: 'answered', transfer_count: 1, survey_level1: null });
  }, 120_000);

  test('consult: cancel, complete, then three-way with an external party', async () => {
    const [a, b] = [await agent('ca'), await agent('cb')];
    for (const x of [a, b]) await phone(x, { mode: 'answer' });
    await ready(a);
    const caller = await placeCall('13800000601');
    const s = await sessionFrom('13800000601');
    surveyKeys(s, caller, ['1', '2']);
    await talkingWith(s, a);
    const first = await s.consult({ kind: 'agent', agentId: b.id }, a.id);
    await waitFor(async () => (await db.query('SELECT 1 FROM call_legs WHERE uuid = $1 AND answered_at IS NOT NULL', [first.legUuid])).rows[0], 'b answered the consult');
    await s.consultCancel(a.id);
    await talkingWith(s, a);
    const second = await s.consult({ kind: 'agent', agentId: b.id }, a.id);
    await waitFor(async () => (await db.query('SELECT 1 FROM call_legs WHERE uuid = $1 AND answered_at IS NOT NULL', [second.legUuid])).rows[0], 'b answered again');
    await s.consultComplete(a.id);
    await waitFor(() => (s.currentAgentId === b.id && [CallState.Talking, CallState.Conference].includes(s.state) ? true : undefined), 'b has the caller');
    const third = await s.consult({ kind: 'external', number: EXTERNAL }, b.id);
    await waitFor(async () => (await db.query('SELECT 1 FROM call_legs WHERE uuid = $1 AND answered_at IS NOT NULL', [third.legUuid])).rows[0], 'the external party answered');
    await s.merge(b.id);
    await waitFor(() => (s.state === CallState.Conference ? true : undefined), 'three-way');
    expect(await caller.up()).toBe(true);
    await s.sendToSurvey(b.id);
    expect(await ended(s.callId)).toMatchObject({ disposition: 'answered', survey_level1: '满意', survey_level2: '态度热情' });
  }, 150_000);

  test('the agent hangs up: the caller rates the call in the survey', async () => {
    const a = await agent('sv');
    await phone(a, { mode: 'answer' });
    await ready(a);
    const caller = await placeCall('13800000701');
    const s = await sessionFrom('13800000701');
    surveyKeys(s, caller, ['1', '2']);
    await talkingWith(s, a);
    // the phone side ends the call (FreeSWITCH's BYE to the phone; Hotline sees the agent leg hang up)
    await commands.uuidKill(fsw, await agentLeg(s.callId, a));
    expect(await ended(s.callId)).toMatchObject({ disposition: 'answered', survey_level1: '满意', survey_level2: '态度热情', agent_id: a.id });
  }, 60_000);

  test('the caller hangs up during the survey: the record ends with no rating', async () => {
    const a = await agent('sh');
    await phone(a, { mode: 'answer' });
    await ready(a);
    const caller = await placeCall('13800000801');
    const s = await sessionFrom('13800000801');
    s.caller.on('event', (ev) => {
      if (ev.name === 'CHANNEL_EXECUTE' && header(ev, 'Application') === 'play_and_get_digits') void caller.hangup();
    });
    await talkingWith(s, a);
    await commands.uuidKill(fsw, await agentLeg(s.callId, a));
    expect(await ended(s.callId)).toMatchObject({ disposition: 'answered', survey_level1: null, agent_id: a.id });
  }, 60_000);

  /**
   * Fails while Hotline pauses with `uuid_record mask` (server/calls/recorder.ts): masking writes silence, so the
   * file keeps its length; `uuid_record pause` leaves the paused time out (p_uuid_record_mask_pause.txt).
   */
  test('recording paused and resumed: the MP3 is shorter by the paused time', async () => {
    const a = await agent('rec');
    await phone(a, { mode: 'answer' });
    await ready(a);
    await placeCall('13800000901');
    const s = await sessionFrom('13800000901');
    await talkingWith(s, a);
    await waitFor(() => (s.recordingState === 'recording' ? true : undefined), 'recording');
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    await s.pauseRecording(a.id);
    await new Promise((r) => setTimeout(r, 5000));
    await s.resumeRecording(a.id);
    await new Promise((r) => setTimeout(r, 2000));
    await s.hangup(a.id);
    const recorded = Date.now() - t0;
    const rec = await waitFor(async () => (await db.query<{ status: string; duration_ms: number | null; raw_path: string }>("SELECT status, duration_ms, raw_path FROM recordings WHERE call_id = $1 AND status IN ('ready', 'failed')", [s.callId])).rows[0], 'the recording is transcoded', 60_000);
    expect(rec.status).toBe('ready');
    const raw = fs.existsSync(rec.raw_path) ? Number(execFileSync('soxi', ['-D', rec.raw_path]).toString()) * 1000 : undefined;
    // about 4 s of talk recorded out of ~9 s (5 s paused); generous for start/stop latency
    expect({ mp3Ms: rec.duration_ms, rawMs: raw, wallMs: recorded, shorterThan: recorded - 3500 }).toEqual(expect.objectContaining({ mp3Ms: expect.any(Number) }));
    expect(rec.duration_ms!).toBeLessThan(recorded - 3500);
  }, 90_000);
});
