/**
 * The ESL layer against the FreeSWITCH simulator over real TCP (tools/freeswitch-sim).
 * The simulator speaks the wire protocol of the fixtures; production code cannot tell.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFreeswitchSim, type FreeswitchSim } from '../../tools/freeswitch-sim';
import { silentLogger } from '../logging/logger';
import { ChannelCallState } from './call';
import { CallRegistry } from './call-registry';
import { originate, uuidGetvar, uuidKill, showChannels } from './commands';
import { ChannelHangupError, EslCommandError, EslConnectionError, EslTimeoutError } from './errors';
import type { TelephonyEvent } from './events';
import { EslInboundConnection } from './inbound-connection';
import { TelephonyNodes } from './nodes';
import { EslOutboundServer } from './outbound-server';
import type { OutboundSession } from './outbound-session';
import { until } from './testing/scripted-freeswitch';
import { header } from './wire';

const FAST = { initialMs: 20, maxMs: 200, factor: 2, jitter: 0.2 };

describe('ESL layer against the FreeSWITCH simulator', () => {
  let recordingsDir: string;
  let sim: FreeswitchSim | undefined;
  let outbound: EslOutboundServer | undefined;
  let nodes: TelephonyNodes | undefined;
  let conn: EslInboundConnection | undefined;

  beforeEach(() => {
    recordingsDir = mkdtempSync(path.join(tmpdir(), 'hotline-esl-'));
  });

  afterEach(async () => {
    await conn?.close();
    await nodes?.close();
    await outbound?.close();
    await sim?.stop();
    conn = nodes = outbound = sim = undefined;
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  async function startSim(eslPort = 0, hotlineSocketPort = 1): Promise<FreeswitchSim> {
    sim = await startFreeswitchSim({ eslPort, password: 'ClueCon', globals: { hotline_socket: `127.0.0.1:${hotlineSocketPort}` }, speed: 20, recordingsDir, logger: silentLogger });
    return sim;
  }

  async function connect(s: FreeswitchSim): Promise<EslInboundConnection> {
    conn = new EslInboundConnection({ node: { host: '127.0.0.1', port: s.eslPort, password: 'ClueCon' }, logger: silentLogger, backoff: FAST, commandTimeoutMs: 5_000 });
    conn.start();
    await conn.waitReady(5_000);
    return conn;
  }

  it('api and bgapi: results, -ERR as EslCommandError, own Job-UUID', async () => {
    const c = await connect(await startSim());
    await expect(c.api('status')).resolves.toMatchObject({ ok: true, body: expect.stringMatching(/is ready/) as unknown });
    await expect(c.api('uuid_kill 00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ reply: '-ERR No such channel!\n' });
    await expect(c.api('no_such_command')).rejects.toBeInstanceOf(EslCommandError);
    await expect(c.bgapi('status')).resolves.toMatchObject({ ok: true });
    await expect(c.bgapi('bogus_command_xyz')).rejects.toMatchObject({ reply: '-ERR bogus_command_xyz Command not found!\n' });
    await expect(showChannels(c)).resolves.toEqual([]);
  });

  it('originate to a registered endpoint: typed events map back to the call by hotline_call_id', async () => {
    const s = await startSim();
    s.registerEndpoint('1001', { mode: 'answer', afterMs: 20 });
    nodes = new TelephonyNodes({ nodes: [{ host: '127.0.0.1', port: s.eslPort, password: 'ClueCon' }], logger: silentLogger, connection: { backoff: FAST } });
    const registry = new CallRegistry({ logger: silentLogger });
    const events: TelephonyEvent[] = [];
    nodes.on('event', (e) => {
      events.push(e);
      registry.handle(e);
    });
    nodes.start();
    await nodes.waitAnyReady(5_000);
    const call = registry.create('call-sim-1');
    const states: ChannelCallState[] = [];
    call.on('state', (to) => states.push(to));
    const { uuid } = await originate(nodes, { endpoint: 'user/1001', callId: call.id, timeoutSec: 5, destination: { app: 'park' } });
    await until(() => call.state === ChannelCallState.Answered, 'answered');
    expect(call.legs.has(uuid)).toBe(true);
    await expect(uuidGetvar(nodes.pick(), uuid, 'hotline_call_id')).resolves.toBe(call.id);
    await uuidKill(nodes.pick(), uuid, 'NORMAL_CLEARING');
    await until(() => call.state === ChannelCallState.Ended, 'ended');
    expect(states).toEqual([ChannelCallState.Ringing, ChannelCallState.Answered, ChannelCallState.Ended]);
    expect(events.some((e) => e.type === 'background_job')).toBe(true);
    expect(events.filter((e) => 'callId' in e && e.callId === call.id).map((e) => e.type)).toEqual(expect.arrayContaining(['channel.create', 'channel.answer', 'channel.hangup_complete']));
  });

  it('registration events reach the typed stream', async () => {
    const s = await startSim();
    const c = await connect(s);
    const { normalizeEvent } = await import('./events');
    const regs: TelephonyEvent[] = [];
    c.on('event', (raw) => {
      const e = normalizeEvent(raw, c.name);
      if (e?.type.startsWith('registration.')) regs.push(e);
    });
    s.registerEndpoint('1003', { mode: 'answer' });
    s.unregisterEndpoint('1003');
    await until(() => regs.length === 2, 'register + unregister');
    expect(regs.map((r) => r.type)).toEqual(['registration.register', 'registration.unregister']);
    expect(regs[0]).toMatchObject({ user: '1003' });
  });

  it('originate to an endpoint that does not answer rejects with NO_ANSWER', async () => {
    const s = await startSim();
    s.registerEndpoint('1002', { mode: 'no_answer' });
    const c = await connect(s);
    const err = await originate(c, { endpoint: 'user/1002', timeoutSec: 1, destination: { app: 'park' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EslCommandError);
    expect((err as EslCommandError).reply).toMatch(/^-ERR NO_ANSWER/);
  });

  it('times out when the simulator stalls; a reply that never comes makes it reconnect', async () => {
    const s = await startSim();
    conn = new EslInboundConnection({ node: { host: '127.0.0.1', port: s.eslPort, password: 'ClueCon' }, logger: silentLogger, backoff: FAST, wedgeMs: 200 });
    conn.start();
    await conn.waitReady(5_000);
    const c = conn;
    s.stall(true);
    await expect(c.api('status', { timeoutMs: 100 })).rejects.toBeInstanceOf(EslTimeoutError);
    await expect(c.bgapi('status', { timeoutMs: 100 })).rejects.toBeInstanceOf(EslTimeoutError);
    s.stall(false);
    // The simulator swallowed those commands, so their replies never come: once the wedge
    // window passes the connection is replaced rather than trusting a misaligned reply queue.
    await until(() => c.health().reconnects >= 1 && c.connected, 'reconnected');
    await expect(c.api('status', { timeoutMs: 5_000 })).resolves.toMatchObject({ ok: true });
  });

  it('reconnects after the simulator stops and restarts on the same port; pending commands reject with EslConnectionError', async () => {
    const s = await startSim();
    const port = s.eslPort;
    const c = await connect(s);
    s.stall(true);
    const pending = c.api('status', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    const job = c.bgapi('status', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await s.stop();
    sim = undefined;
    expect(await pending).toBeInstanceOf(EslConnectionError);
    expect(await job).toBeInstanceOf(EslConnectionError);
    expect(c.health().connected).toBe(false);
    await startSim(port);
    await c.waitReady(5_000);
    await expect(c.api('status')).resolves.toMatchObject({ ok: true });
    expect(c.health()).toMatchObject({ connected: true });
    expect(c.health().reconnects).toBeGreaterThanOrEqual(1);
  });

  describe('outbound session', () => {
    async function withOutbound(): Promise<{ s: FreeswitchSim; sessions: OutboundSession[] }> {
      outbound = new EslOutboundServer({ port: 0, logger: silentLogger });
      const sessions: OutboundSession[] = [];
      outbound.on('session', (session) => sessions.push(session));
      const port = await outbound.listen();
      return { s: await startSim(0, port), sessions };
    }

    it('connect → answer → playback → play_and_get_digits with DTMF → hangup by FreeSWITCH', async () => {
      const { s, sessions } = await withOutbound();
      const caller = await s.placeCall({ from: '15551230000', to: '4001' });
      await until(() => sessions.length === 1, 'session');
      const session = sessions[0]!;
      expect(session.channel).toMatchObject({ uuid: caller.uuid, destinationNumber: '4001', callerIdNumber: '15551230000' });
      // dialplan/public.xml mints and exports hotline_call_id before the socket app runs.
      expect(session.channel.hotlineCallId).toMatch(/^[0-9a-f-]{36}$/);
      const digits: string[] = [];
      session.on('dtmf', (d) => digits.push(d.digit));
      await expect(session.execute('answer')).resolves.toMatchObject({ application: 'answer' });
      await session.execute('playback', 'silence_stream://200');
      const pagd = session.execute('play_and_get_digits', '1 4 1 3000 # silence_stream://250 silence_stream://250 hotline_digits \\d+ 2000');
      setTimeout(() => void caller.pressDtmf('42#'), 50);
      const result = await pagd;
      expect(header(result.event, 'variable_hotline_digits')).toBe('42');
      expect(digits.join('')).toBe('42#');
      await expect(session.api(`uuid_getvar ${session.uuid} hotline_digits`)).resolves.toMatchObject({ body: '42' });
      await session.hangup('NORMAL_CLEARING');
      await session.closed;
      await caller.waitForEnd();
    });

    it('the caller hanging up rejects the pending execute with ChannelHangupError', async () => {
      const { s, sessions } = await withOutbound();
      const caller = await s.placeCall({ from: '15551230001', to: '4001' });
      await until(() => sessions.length === 1, 'session');
      const session = sessions[0]!;
      await session.execute('answer');
      const pending = session.execute('play_and_get_digits', '1 4 1 30000 # silence_stream://250 silence_stream://250 x \\d+ 30000').catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 50));
      await caller.hangup('NORMAL_CLEARING');
      const err = await pending;
      expect(err).toBeInstanceOf(ChannelHangupError);
      await session.closed;
    });
  });
});
