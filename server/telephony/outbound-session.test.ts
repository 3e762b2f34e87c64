import { silentLogger } from '../logging/logger';
import { ChannelHangupError, EslConnectionError, EslTimeoutError } from './errors';
import { EslOutboundServer } from './outbound-server';
import { SessionState, type DtmfInfo, type OutboundSession } from './outbound-session';
import { outboundSteps, replayHandler, type ReplayStep } from './testing/outbound-replay';
import { dialOutbound, until, type ReceivedCommand, type ScriptedPeer } from './testing/scripted-freeswitch';
import { header } from './wire';

const WELCOME = '/srv/freeswitch/share/freeswitch/sounds/custom/welcome.wav';
const GOODBYE = '/srv/freeswitch/share/freeswitch/sounds/custom/goodbye.wav';
const PAGD = '1 4 1 7000 # /srv/freeswitch/share/freeswitch/sounds/custom/enter.wav silence_stream://250 outbound_digits \\d+ 2000';

describe('outbound ESL session (FreeSWITCH side replayed from outbound_socket_4001.txt)', () => {
  let server: EslOutboundServer;
  let port: number;
  let sessions: OutboundSession[];

  async function start(opts: ConstructorParameters<typeof EslOutboundServer>[0]['session'] = {}): Promise<void> {
    server = new EslOutboundServer({ port: 0, logger: silentLogger, session: opts });
    sessions = [];
    server.on('session', (s) => sessions.push(s));
    port = await server.listen();
  }

  async function call(steps: ReplayStep[], onStep?: Parameters<typeof replayHandler>[1]): Promise<{ peer: ScriptedPeer; session: OutboundSession }> {
    const before = sessions.length;
    const peer = await dialOutbound(port, replayHandler(steps, onStep));
    await until(() => sessions.length > before, 'session ready');
    return { peer, session: sessions[before]! };
  }

  afterEach(async () => {
    await server?.close();
  });

  it('connect → answer → playback → play_and_get_digits (DTMF 42#) → uuid_getvar → playback → hangup → exit', async () => {
    await start();
    const steps = outboundSteps(1);
    const { peer, session } = await call(steps);
    expect(session.state).toBe(SessionState.Ready);
    expect(session.channel).toMatchObject({ uuid: 'adf6baac-c8d1-4063-a174-97e1c4e7e788', destinationNumber: '4001', callerIdNumber: '15551230000' });

    const dtmf: DtmfInfo[] = [];
    session.on('dtmf', (d) => dtmf.push(d));
    const hangupCauses: string[] = [];
    session.on('hangup', (c) => hangupCauses.push(c));
    const completes: string[] = [];
    session.on('hangupComplete', (e) => completes.push(header(e, 'Hangup-Cause') ?? ''));

    await expect(session.execute('answer')).resolves.toMatchObject({ application: 'answer', response: '_none_' });
    await expect(session.execute('playback', WELCOME)).resolves.toMatchObject({ response: 'FILE PLAYED' });
    const pagd = await session.execute('play_and_get_digits', PAGD);
    expect(header(pagd.event, 'variable_outbound_digits')).toBe('42');
    expect(header(pagd.event, 'variable_read_result')).toBe('success');
    expect(dtmf.map((d) => d.digit).join('')).toBe('42#');
    expect(dtmf[0]).toMatchObject({ durationMs: 200, source: 'RTP' });
    await expect(session.api(`uuid_getvar ${session.uuid} outbound_digits`)).resolves.toEqual({ ok: true, body: '42' });
    await session.execute('playback', GOODBYE);
    await session.hangup('NORMAL_CLEARING');
    await session.closed; // linger forever: the session sends exit itself after the linger notice

    expect(hangupCauses).toEqual(['NORMAL_CLEARING']);
    expect(completes).toEqual(['NORMAL_CLEARING']);
    expect(session.state).toBe(SessionState.Closed);
    // What we sent is what the real client sent, apart from our own Event-UUIDs.
    const normalise = (text: string): string => text.replace(/Event-UUID: .*/, 'Event-UUID: *').trim();
    expect(peer.commands.map((c) => normalise([c.line, ...Object.entries(c.headers).map(([k, v]) => `${k}: ${v}`)].join('\n')))).toEqual(steps.map((s) => normalise(s.sent)));
    await expect(session.execute('playback', WELCOME)).rejects.toBeInstanceOf(EslConnectionError);
  });

  it('the caller hanging up rejects the pending execute with ChannelHangupError', async () => {
    await start();
    const steps = outboundSteps(1);
    const hangupFrame = steps.find((s) => s.key === 'sendmsg hangup')!.received.find((f) => f.includes('Event-Name: CHANNEL_HANGUP\n'))!;
    const { peer, session } = await call(steps, (step, _cmd, p) => {
      if (step.key !== 'sendmsg execute play_and_get_digits') return false;
      p.send(step.received[0]!); // +OK
      p.send(step.received[1]!); // CHANNEL_EXECUTE
      p.send(hangupFrame); // ... and the caller is gone
      return true;
    });
    await session.execute('answer');
    const pending = session.execute('play_and_get_digits', PAGD);
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelHangupError);
    expect(err).toMatchObject({ uuid: session.uuid, hangupCause: 'NORMAL_CLEARING' });
    expect(session.state).toBe(SessionState.HungUp);
    await expect(session.execute('playback', WELCOME)).rejects.toBeInstanceOf(ChannelHangupError);
    peer.destroy();
    await session.closed;
  });

  it('the socket closing first rejects the pending execute with EslConnectionError', async () => {
    await start();
    const { peer, session } = await call(outboundSteps(1), (step, _cmd, p) => {
      if (step.key !== 'sendmsg execute playback') return false;
      p.send(step.received[0]!); // +OK, never completes
      return true;
    });
    const pending = session.execute('playback', WELCOME).catch((e: unknown) => e);
    await until(() => peer.commands.length >= 4, 'sendmsg sent');
    peer.destroy();
    expect(await pending).toBeInstanceOf(EslConnectionError);
    await session.closed;
    expect(server.sessionCount).toBe(0);
  });

  it('an execute that never completes times out', async () => {
    await start();
    const { session, peer } = await call(outboundSteps(1), (step, _cmd, p) => {
      if (step.key !== 'sendmsg execute answer') return false;
      p.send(step.received[0]!);
      return true;
    });
    await expect(session.execute('answer', undefined, { timeoutMs: 30 })).rejects.toBeInstanceOf(EslTimeoutError);
    peer.destroy();
  });

  it('linger 2 (connection #2): FreeSWITCH closes the socket itself; no exit is sent', async () => {
    await start({ linger: 2 });
    const steps = outboundSteps(2);
    const { peer, session } = await call(steps);
    await session.execute('answer');
    await session.execute('playback', WELCOME);
    const pagd = await session.execute('play_and_get_digits', PAGD);
    expect(header(pagd.event, 'variable_outbound_digits')).toBe('7');
    await session.execute('playback', GOODBYE);
    await session.hangup();
    await session.closed;
    expect(peer.commands.map((c) => c.line)).not.toContain('exit');
    expect(peer.commands[2]!.line).toBe('linger 2');
  });

  it('server.close() exits open sessions; close is idempotent', async () => {
    await start();
    const steps = outboundSteps(1);
    const { peer, session } = await call(steps);
    const exits: ReceivedCommand[] = [];
    peer.setHandler((cmd, p) => {
      if (cmd.line === 'exit') {
        exits.push(cmd);
        replayHandler(steps.filter((s) => s.key === 'exit'))(cmd, p);
      }
    });
    const a = server.close();
    expect(server.close()).toBe(a);
    await a;
    await session.closed;
    expect(exits).toHaveLength(1);
    expect(session.close()).toBe(session.close());
  });

  it('a connect refused with -ERR never becomes a session', async () => {
    await start();
    const peer = await dialOutbound(port, (cmd, p) => {
      if (cmd.line === 'connect') p.send('Content-Type: command/reply\nReply-Text: -ERR invalid\n\n');
    });
    await new Promise<void>((resolve) => peer.socket.once('close', () => resolve()));
    expect(sessions).toHaveLength(0);
    expect(server.sessionCount).toBe(0);
  });

  it('rejects bad application names and line breaks before sending anything', async () => {
    await start();
    const { session, peer } = await call(outboundSteps(1));
    const sent = peer.commands.length;
    await expect(session.execute('play back')).rejects.toThrow(/invalid application/);
    await expect(session.execute('playback', 'a\nexecute-app-name: hangup')).rejects.toThrow(/line breaks/);
    expect(peer.commands.length).toBe(sent);
    peer.destroy();
  });
});
