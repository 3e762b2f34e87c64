/**
 * Behaviour of the simulator beyond the transcripts: endpoints, IVR digit collection,
 * bridging an agent, conferences, recordings, the project's own dialplan, and
 * robustness (stall, malformed input, restart on the same port).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readWavInfo, writeToneWav } from '../media/wav';
import { startFreeswitchSim, type FreeswitchSim } from '../index';
import { isEventFrame, sleep, toEvent, type SimpleEvent } from './fidelity-helpers';
import { RawClient, type Frame } from './raw-client';

const SPEED = 50;
let sim: FreeswitchSim | undefined;
let tmp: string;
const servers: net.Server[] = [];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-sim-behaviour-'));
  fs.mkdirSync(path.join(tmp, 'sounds'));
  writeToneWav(path.join(tmp, 'sounds', 'prompt.wav'), 2000);
});

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  for (const s of servers.splice(0)) s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function start(globals: Record<string, string> = {}, port = 0): Promise<FreeswitchSim> {
  sim = await startFreeswitchSim({ eslPort: port, speed: SPEED, soundsDir: path.join(tmp, 'sounds'), recordingsDir: path.join(tmp, 'rec'), globals, heartbeatMs: 0 });
  return sim;
}

async function client(s: FreeswitchSim, events = 'ALL'): Promise<RawClient> {
  const c = await RawClient.connect(s.eslPort);
  await c.next();
  c.cmd('auth ClueCon');
  await c.reply();
  c.cmd(`event json ${events}`);
  await c.reply();
  return c;
}

async function api(c: RawClient, cmd: string): Promise<string> {
  c.cmd(`api ${cmd}`);
  return (await c.reply()).body;
}

function events(c: RawClient): SimpleEvent[] {
  return c.frames.filter(isEventFrame).map(toEvent);
}

function hv(e: SimpleEvent, k: string): string | undefined {
  const v = e.headers.find(([n]) => n === k)?.[1];
  return Array.isArray(v) ? v[0] : v;
}

async function until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** A stand-in for the Hotline server's outbound ESL listener. */
async function outboundServer(): Promise<{ port: number; next: () => Promise<RawClient> }> {
  const server = net.createServer();
  servers.push(server);
  const queue: RawClient[] = [];
  const waiters: Array<(c: RawClient) => void> = [];
  server.on('connection', (s) => {
    const c = RawClient.wrap(s);
    const w = waiters.shift();
    if (w) w(c);
    else queue.push(c);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    next: () => new Promise((r) => {
      const c = queue.shift();
      if (c) r(c);
      else waiters.push(r);
    }),
  };
}

async function execute(o: RawClient, app: string, arg = '', id = `${app}-${Math.random()}`): Promise<SimpleEvent> {
  o.cmd(`sendmsg\ncall-command: execute\nexecute-app-name: ${app}\n${arg ? `execute-app-arg: ${arg}\n` : ''}Event-UUID: ${id}`);
  await o.reply();
  let done: SimpleEvent | undefined;
  await until(() => {
    done = events(o).find((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && hv(e, 'Application-UUID') === id);
    return done !== undefined;
  });
  return done as SimpleEvent;
}

describe('endpoints and originate', () => {
  it('answer, reject, busy, no_answer and unregistered users give FreeSWITCH causes', async () => {
    const s = await start();
    const c = await client(s, 'CUSTOM sofia::register sofia::unregister');
    s.registerEndpoint('1001', { mode: 'answer', afterMs: 500 });
    s.registerEndpoint('1002', { mode: 'reject' });
    s.registerEndpoint('1003', { mode: 'busy' });
    s.registerEndpoint('1004', { mode: 'no_answer' });
    s.registerEndpoint('1005', { mode: 'reject', cause: 'CALL_REJECTED' });
    expect(await api(c, 'originate {origination_caller_id_number=100}user/1001 &park()')).toMatch(/^\+OK [0-9a-f-]{36}\n$/);
    expect(await api(c, 'originate user/1002 &park()')).toBe('-ERR CALL_REJECTED\n');
    expect(await api(c, 'originate user/1003 &park()')).toBe('-ERR USER_BUSY\n');
    expect(await api(c, 'originate {originate_timeout=5}user/1004 &park()')).toBe('-ERR NO_ANSWER\n');
    expect(await api(c, 'originate user/nobody &park()')).toBe('-ERR SUBSCRIBER_ABSENT\n');
    s.unregisterEndpoint('1005');
    expect(await api(c, 'originate user/1005 &park()')).toBe('-ERR USER_NOT_REGISTERED\n');
    const reg = events(c).filter((e) => e.name === 'CUSTOM:sofia::register');
    expect(reg).toHaveLength(5);
    expect(hv(reg[0] as SimpleEvent, 'from-user')).toBe('1001');
    for (const k of ['profile-name', 'from-user', 'from-host', 'contact', 'call-id', 'expires', 'network-ip', 'network-port', 'username', 'realm']) {
      expect(reg[0]?.headers.map(([n]) => n)).toContain(k);
    }
    expect(events(c).filter((e) => e.name === 'CUSTOM:sofia::unregister')).toHaveLength(1);
    expect(s.channelUuids()).toHaveLength(1);
  });

  it('bgapi originate reports through BACKGROUND_JOB; uuid_kill with a cause', async () => {
    const s = await start();
    const c = await client(s);
    s.registerEndpoint('agent1', { mode: 'answer', afterMs: 200 });
    c.cmd('bgapi originate {origination_uuid=11111111-2222-3333-4444-555555555555}user/agent1 &park()\nJob-UUID: my-job');
    const r = await c.reply();
    expect(r.headers.get('Reply-Text')).toBe('+OK Job-UUID: my-job');
    await until(() => events(c).some((e) => e.name === 'BACKGROUND_JOB'));
    const job = events(c).find((e) => e.name === 'BACKGROUND_JOB') as SimpleEvent;
    expect(hv(job, 'Job-UUID')).toBe('my-job');
    expect(job.body).toBe('+OK 11111111-2222-3333-4444-555555555555\n');
    expect(await api(c, 'uuid_kill 11111111-2222-3333-4444-555555555555 USER_BUSY')).toBe('+OK\n');
    await until(() => events(c).some((e) => e.name === 'CHANNEL_HANGUP_COMPLETE'));
    expect(hv(events(c).find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE') as SimpleEvent, 'Hangup-Cause')).toBe('USER_BUSY');
  });
});

describe('a call through the project dialplan and an outbound socket', () => {
  it('routes a service number to the socket with hotline_call_id, collects digits, bridges an agent, records', async () => {
    const ob = await outboundServer();
    const s = await start({ hotline_socket: `127.0.0.1:${ob.port}` });
    const c = await client(s);
    s.registerEndpoint('agent7', { mode: 'answer', afterMs: 300 });
    const call = await s.placeCall({ from: '+4930123456', to: '4900', callerName: 'Alice' });
    const o = await ob.next();
    o.cmd('connect');
    const connect = await o.reply();
    expect(connect.raw).toMatch(/variable_hotline_call_id: [0-9a-f-]{36}\n/);
    expect(connect.raw).toContain('Caller-Destination-Number: 4900\n');
    o.cmd('myevents');
    await o.reply();
    o.cmd('linger 5');
    expect((await o.reply()).headers.get('Reply-Text')).toBe('+OK will linger 5 seconds');
    await execute(o, 'answer');
    expect(call.answered).toBe(true);

    // two tries: the first gets a non-matching entry, the invalid prompt plays, the second succeeds
    const pagd = execute(o, 'play_and_get_digits', '2 4 2 3000 # prompt.wav silence_stream://100 choice ^1\\d+$ 1000', 'pagd');
    await until(() => events(o).some((e) => e.name === 'CHANNEL_EXECUTE' && hv(e, 'Application') === 'play_and_get_digits'));
    await call.pressDtmf('99#', 50);
    await until(() => events(c).filter((e) => e.name === 'PLAYBACK_START').length >= 3);
    await call.pressDtmf('123#', 50);
    const done = await pagd;
    expect(hv(done, 'variable_choice')).toBe('123');
    expect(hv(done, 'variable_choice_invalid')).toBe('99');
    expect(events(c).filter((e) => e.name === 'DTMF').map((e) => hv(e, 'DTMF-Digit')).join('')).toBe('99#123#');
    expect(events(c).find((e) => e.name === 'DTMF')?.headers).toEqual(expect.arrayContaining([['DTMF-Duration', '1600'], ['DTMF-Source', 'RTP']]));

    const rec = path.join(tmp, 'rec', 'call.wav');
    o.cmd(`api uuid_setvar ${call.uuid} RECORD_STEREO true`);
    await o.reply();
    o.cmd(`api uuid_record ${call.uuid} start ${rec}`);
    expect((await o.reply()).body).toBe('+OK Success\n');

    const bridged = execute(o, 'bridge', 'user/agent7', 'bridge');
    await until(() => events(c).some((e) => e.name === 'CHANNEL_BRIDGE'));
    const agentUuid = hv(events(c).find((e) => e.name === 'CHANNEL_BRIDGE') as SimpleEvent, 'Bridge-B-Unique-ID') as string;
    expect(hv(events(c).find((e) => e.name === 'CHANNEL_BRIDGE') as SimpleEvent, 'Bridge-A-Unique-ID')).toBe(call.uuid);
    expect(await api(c, `uuid_hold ${agentUuid}`)).toBe('+OK Success\n');
    await until(() => events(c).some((e) => e.name === 'PLAYBACK_START' && hv(e, 'Unique-ID') === call.uuid && hv(e, 'Playback-File-Path') === 'local_stream://moh'));
    expect(await api(c, `uuid_hold off ${agentUuid}`)).toBe('+OK Success\n');
    await until(() => events(c).some((e) => e.name === 'CHANNEL_UNHOLD'));
    // the agent hangs up: the caller's bridge app completes and the socket carries on
    await s.call(agentUuid)?.hangup();
    await bridged;
    expect(events(c).some((e) => e.name === 'CHANNEL_UNBRIDGE' && hv(e, 'Unique-ID') === call.uuid)).toBe(true);
    o.cmd(`api uuid_record ${call.uuid} stop ${rec}`);
    expect((await o.reply()).body).toBe('+OK Success\n');
    const info = readWavInfo(rec);
    expect(info?.channels).toBe(2);
    expect(info?.sampleRate).toBe(8000);
    expect(info?.bitsPerSample).toBe(16);
    expect(info?.durationMs).toBeGreaterThan(0);
    await until(() => events(c).some((e) => e.name === 'MEDIA_BUG_STOP'));
    expect(events(c).map((e) => e.name)).toEqual(expect.arrayContaining(['RECORD_START', 'MEDIA_BUG_START', 'RECORD_STOP', 'MEDIA_BUG_STOP']));

    o.cmd('sendmsg\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING');
    await o.reply();
    expect(await call.waitForEnd()).toBe('NORMAL_CLEARING');
    // linger 5: the notice, then FreeSWITCH closes by itself with the goodbye
    await o.waitClosed();
    const notices = o.frames.filter((f: Frame) => f.headers.get('Content-Type') === 'text/disconnect-notice');
    expect(notices.map((f) => f.headers.get('Content-Disposition'))).toEqual(['linger', 'disconnect']);
    expect(notices[0]?.headers.get('Linger-Time')).toBe('5');
  });

  it('a failed bridge: continue_on_fail counts only on the caller, {} gives it to the far leg (audio_bridge_function)', async () => {
    const ob = await outboundServer();
    const s = await start({ hotline_socket: `127.0.0.1:${ob.port}` });
    s.registerEndpoint('busy1', { mode: 'reject', cause: 'NORMAL_TEMPORARY_FAILURE' });
    s.registerEndpoint('quiet1', { mode: 'no_answer' });
    const connected = async () => {
      const call = await s.placeCall({ from: '100', to: '4900' });
      const o = await ob.next();
      o.cmd('connect');
      await o.reply();
      o.cmd('myevents');
      await o.reply();
      await execute(o, 'answer');
      return { call, o };
    };
    // 1. {continue_on_fail=true} in the dial string is the B-leg's: the 503 hangs the caller up
    const one = await connected();
    const failed = await execute(one.o, 'bridge', '{continue_on_fail=true}user/busy1');
    expect(hv(failed, 'variable_originate_disposition')).toBe('NORMAL_TEMPORARY_FAILURE');
    expect(await one.call.waitForEnd()).toBe('NORMAL_TEMPORARY_FAILURE');
    // 2. set on the caller, the caller survives and the socket goes on
    const two = await connected();
    two.o.cmd(`api uuid_setvar_multi ${two.call.uuid} continue_on_fail=true;hangup_after_bridge=false`);
    await two.o.reply();
    await execute(two.o, 'bridge', 'user/busy1');
    expect(two.call.ended).toBe(false);
    // 3. without any variable, NO_ANSWER is always a reason to continue
    const three = await connected();
    await execute(three.o, 'bridge', '{originate_timeout=1}user/quiet1');
    expect(three.call.ended).toBe(false);
    // 4. a list: only the causes it names continue
    three.o.cmd(`api uuid_setvar ${three.call.uuid} continue_on_fail USER_BUSY,NO_ANSWER`);
    await three.o.reply();
    await execute(three.o, 'bridge', 'user/busy1');
    expect(await three.call.waitForEnd()).toBe('NORMAL_TEMPORARY_FAILURE');
    await two.call.hangup();
  });

  it('a refused outbound socket: the socket app fails and the call is hung up', async () => {
    const s = await start({ hotline_socket: '127.0.0.1:1' });
    const call = await s.placeCall({ from: '100', to: '4900' });
    expect(await call.waitForEnd()).toBe('NORMAL_CLEARING');
    expect(call.answered).toBe(false);
  });

  it('a server that accepts but never sends connect: closed after 25 s (simulated), the caller waits until hanging up', async () => {
    const ob = await outboundServer();
    const s = await start({ hotline_socket: `127.0.0.1:${ob.port}` });
    const call = await s.placeCall({ from: '100', to: '4900' });
    const o = await ob.next();
    await o.waitClosed();
    expect(o.frames.map((f) => f.headers.get('Content-Type'))).toEqual(['text/disconnect-notice']);
    expect(call.ended).toBe(false);
    expect(call.answered).toBe(false);
    await call.hangup();
    expect(await call.waitForEnd()).toBe('NORMAL_CLEARING');
  });

  it('a number outside the dialplan is NO_ROUTE_DESTINATION', async () => {
    const s = await start();
    const call = await s.placeCall({ from: '100', to: '12' });
    expect(await call.waitForEnd()).toBe('NO_ROUTE_DESTINATION');
  });
});

describe('conference', () => {
  it('members join and leave with maintenance events; kick, mute and list', async () => {
    const ob = await outboundServer();
    const s = await start({ hotline_socket: `127.0.0.1:${ob.port}` });
    const c = await client(s, 'CUSTOM conference::maintenance');
    const calls = [];
    for (const from of ['201', '202']) {
      const call = await s.placeCall({ from, to: '4900' });
      const o = await ob.next();
      o.cmd('connect');
      await o.reply();
      o.cmd('sendmsg\ncall-command: execute\nexecute-app-name: conference\nexecute-app-arg: room1@default');
      calls.push(call);
    }
    await until(() => events(c).filter((e) => hv(e, 'Action') === 'add-member').length === 2);
    const ids = events(c).filter((e) => hv(e, 'Action') === 'add-member').map((e) => hv(e, 'Member-ID'));
    expect(events(c)[0] && hv(events(c)[0] as SimpleEvent, 'Action')).toBe('conference-create');
    expect(await api(c, 'conference room1 list count')).toBe('2');
    expect(await api(c, `conference room1 mute ${ids[0] ?? ''}`)).toBe(`+OK mute ${ids[0] ?? ''}\n`);
    expect(await api(c, 'conference room1 mute 999')).toBe('-ERR Non-Existant ID 999\n');
    expect((await api(c, 'conference room1 list')).split('\n').filter(Boolean)).toHaveLength(2);
    expect(await api(c, `conference room1 kick ${ids[1] ?? ''}`)).toBe(`+OK kicked ${ids[1] ?? ''}\n`);
    await calls[0]?.hangup();
    await until(() => events(c).some((e) => hv(e, 'Action') === 'conference-destroy'));
    expect(events(c).map((e) => hv(e, 'Action'))).toEqual(expect.arrayContaining(['mute-member', 'kick-member', 'del-member', 'floor-change']));
    expect(await api(c, 'conference room1 list')).toBe('-ERR Conference room1 not found\n');
  });
});

describe('robustness', () => {
  it('stall: accepted commands get no reply until unstalled', async () => {
    const s = await start();
    const c = await client(s);
    s.stall(true);
    c.cmd('api status');
    await expect(c.reply(300)).rejects.toThrow('timeout');
    s.stall(false);
    c.cmd('api version');
    expect((await c.reply()).body).toBe('FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n');
  });

  it('malformed frames and a client vanishing mid-command do not hurt the simulator', async () => {
    const s = await start();
    const bad = await RawClient.connect(s.eslPort);
    bad.send('\r\n\r\n\u0000\u0001garbage without end');
    bad.send('\n\nnot-a-command: x\nContent-Length: 5\n\nab');
    bad.close();
    const half = await RawClient.connect(s.eslPort);
    half.send('auth ClueCon\n\napi originate {originate_timeout=1}user/x &park()\n\n');
    half.close();
    const c = await client(s);
    c.send('\n\r\nauth  wrong\n\n');
    expect((await c.reply()).headers.get('Reply-Text')).toBe('-ERR command not found');
    expect(await api(c, 'uuid_exists 00000000-0000-0000-0000-000000000000')).toBe('false');
  });

  it('restart on the same port right after stop', async () => {
    const first = await start();
    const port = first.eslPort;
    const c = await client(first);
    await first.stop();
    await c.waitClosed();
    sim = undefined;
    const second = await start({}, port);
    expect(second.eslPort).toBe(port);
    const c2 = await client(second);
    expect(await api(c2, 'version')).toContain('FreeSWITCH Version');
  });
});
