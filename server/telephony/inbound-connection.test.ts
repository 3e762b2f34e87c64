import { silentLogger } from '../logging/logger';
import { EslCommandError, EslConnectionError, EslTimeoutError } from './errors';
import { ConnectionState, EslInboundConnection, SUBSCRIBED_EVENTS } from './inbound-connection';
import { readFixture } from './testing/fixtures';
import { frames, jsonOf, ScriptedInboundServer, until, type CommandHandler, type ScriptedPeer } from './testing/scripted-freeswitch';
import type { RawEslEvent } from './wire';

const FAST = { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 };

/** FreeSWITCH's behaviour for the handshake and exit, as in the fixtures; `rest` handles the others. */
function freeswitch(rest: CommandHandler = () => undefined, password = 'ClueCon'): CommandHandler {
  return (cmd, peer) => {
    if (cmd.line.startsWith('auth ')) {
      if (cmd.line === `auth ${password}`) peer.send(frames.commandReply('+OK accepted'));
      else {
        peer.send(frames.commandReply('-ERR invalid'));
        peer.send(frames.disconnectNotice());
        peer.end();
      }
    } else if (cmd.line.startsWith('event json ')) peer.send(frames.commandReply('+OK event listener enabled json'));
    else if (cmd.line === 'exit') {
      peer.send(frames.commandReply('+OK bye'));
      peer.send(frames.disconnectNotice());
      peer.end();
    } else rest(cmd, peer);
  };
}

/** The BACKGROUND_JOB frames of fixture e2, verbatim: two `status` and two `bogus_command_xyz` jobs of another client. */
const e2 = readFixture('e2_conference_foreign_bgapi_jobs.txt').filter((r) => r.dir === '<<' && r.text.includes('"Event-Name":"BACKGROUND_JOB"'));
const foreignJobs = e2.map((r) => r.text).filter((t) => !t.includes('"Job-Command":"originate"'));

function jobFrame(template: string, jobUuid: string): string {
  return frames.jsonEvent({ ...jsonOf(template), 'Job-UUID': jobUuid });
}

describe('EslInboundConnection over TCP (scripted FreeSWITCH replaying fixture frames)', () => {
  let fs: ScriptedInboundServer;
  let conn: EslInboundConnection;

  afterEach(async () => {
    await conn?.close();
    await fs?.close();
  });

  async function connected(handler: CommandHandler, opts: Partial<ConstructorParameters<typeof EslInboundConnection>[0]> = {}): Promise<void> {
    fs = await ScriptedInboundServer.start(freeswitch(handler));
    conn = new EslInboundConnection({ node: { host: '127.0.0.1', port: fs.port, password: 'ClueCon' }, logger: silentLogger, backoff: FAST, ...opts });
    conn.start();
    await conn.waitReady(2_000);
  }

  it('authenticates and subscribes to exactly the call-model events (json)', async () => {
    await connected(() => undefined);
    const lines = fs.peers[0]!.commands.map((c) => c.line);
    expect(lines).toEqual(['auth ClueCon', `event json ${SUBSCRIBED_EVENTS.join(' ')}`]);
    expect(lines[1]).toContain('CUSTOM conference::maintenance sofia::register sofia::unregister sofia::expire');
    expect(conn.health()).toMatchObject({ node: `127.0.0.1:${fs.port}`, connected: true, state: ConnectionState.Ready, reconnects: 0 });
    expect(conn.health().lastError).toBeUndefined();
  });

  it('api: body on success, EslCommandError with the raw reply on -ERR / -USAGE', async () => {
    await connected((cmd, peer) => {
      if (cmd.line === 'api uuid_getvar u1 outbound_digits') peer.send(frames.apiResponse('42'));
      else if (cmd.line === 'api uuid_kill') peer.send(frames.apiResponse('-USAGE: <uuid> [cause]\n'));
      else peer.send(frames.apiResponse('-ERR No such channel!\n'));
    });
    await expect(conn.api('uuid_getvar u1 outbound_digits')).resolves.toEqual({ ok: true, body: '42' });
    const err = await conn.api('uuid_kill 00000000-0000-0000-0000-000000000000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EslCommandError);
    expect((err as EslCommandError).reply).toBe('-ERR No such channel!\n');
    await expect(conn.api('uuid_kill')).rejects.toMatchObject({ reply: '-USAGE: <uuid> [cause]\n' });
  });

  it('bgapi: matched strictly by our Job-UUID; foreign BACKGROUND_JOBs (fixture e2) do not settle it', async () => {
    const seen: RawEslEvent[] = [];
    await connected((cmd, peer) => {
      const ours = cmd.headers['Job-UUID']!;
      peer.send(frames.commandReply(`+OK Job-UUID: ${ours}`, { 'Job-UUID': ours }));
      // Another client's jobs arrive first, success and failure alike.
      for (const f of foreignJobs) peer.send(f);
      const template = foreignJobs.find((t) => t.includes(cmd.line.includes('bogus') ? 'bogus_command_xyz' : '"Job-Command":"status"'))!;
      peer.send(jobFrame(template, ours));
    });
    conn.on('event', (e) => seen.push(e));
    const err = await conn.bgapi('bogus_command_xyz').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EslCommandError);
    expect((err as EslCommandError).reply).toBe('-ERR bogus_command_xyz Command not found!\n');
    const ok = await conn.bgapi('status');
    expect(ok.ok).toBe(true);
    expect(ok.body).toMatch(/^UP 0 years/);
    // Every BACKGROUND_JOB still reaches subscribers (the typed stream reports them).
    expect(seen.filter((e) => e.name === 'BACKGROUND_JOB')).toHaveLength(2 * (foreignJobs.length + 1));
    expect(fs.peers[0]!.commands.filter((c) => c.line.startsWith('bgapi')).every((c) => /^[0-9a-f-]{36}$/.test(c.headers['Job-UUID'] ?? ''))).toBe(true);
  });

  it('bgapi whose command is refused outright rejects without waiting for a job', async () => {
    await connected((_cmd, peer) => peer.send(frames.commandReply('-ERR command not found')));
    await expect(conn.bgapi('status')).rejects.toBeInstanceOf(EslCommandError);
    expect(conn.pending).toBe(0);
  });

  it('a command that gets no reply times out; a late reply is consumed by its own slot', async () => {
    // Like FreeSWITCH, the peer answers strictly in order: while `slow` is outstanding, later replies wait.
    let holding = false;
    const queued: string[] = [];
    let peerRef: ScriptedPeer | undefined;
    await connected((cmd, peer) => {
      peerRef = peer;
      if (cmd.line === 'api slow') holding = true;
      else if (holding) queued.push(frames.apiResponse(`+OK ${cmd.line}\n`));
      else peer.send(frames.apiResponse(`+OK ${cmd.line}\n`));
    });
    const slow = conn.api('slow', { timeoutMs: 50 });
    const next = conn.api('next', { timeoutMs: 2_000 });
    await expect(slow).rejects.toBeInstanceOf(EslTimeoutError);
    await until(() => queued.length === 1, 'next queued');
    peerRef!.send(frames.apiResponse('+OK slow (late)\n'));
    for (const f of queued) peerRef!.send(f);
    await expect(next).resolves.toMatchObject({ body: '+OK api next\n' });
    expect(conn.pending).toBe(0);
  });

  it('bgapi times out when the job never finishes, and rejects with EslTimeoutError', async () => {
    await connected((cmd, peer) => peer.send(frames.commandReply(`+OK Job-UUID: ${cmd.headers['Job-UUID']}`, { 'Job-UUID': cmd.headers['Job-UUID']! })));
    await expect(conn.bgapi('originate user/1001 &park()', { timeoutMs: 50 })).rejects.toBeInstanceOf(EslTimeoutError);
    expect(conn.pending).toBe(0);
  });

  it('drop: pending api and bgapi reject with EslConnectionError; reconnects on the same port', async () => {
    await connected(() => undefined); // never answers
    const port = fs.port;
    const api = conn.api('status', { timeoutMs: 5_000 });
    const job = conn.bgapi('status', { timeoutMs: 5_000 });
    await until(() => fs.peers[0]!.commands.length >= 4, 'commands sent');
    const disconnected = jest.fn();
    conn.on('disconnected', disconnected);
    await fs.close();
    await expect(api).rejects.toBeInstanceOf(EslConnectionError);
    await expect(job).rejects.toBeInstanceOf(EslConnectionError);
    expect(disconnected).toHaveBeenCalledTimes(1);
    expect(conn.health().connected).toBe(false);
    await expect(conn.api('status')).rejects.toBeInstanceOf(EslConnectionError);

    fs = await ScriptedInboundServer.start(freeswitch((_c, peer) => peer.send(frames.apiResponse('+OK back\n'))), port);
    await conn.waitReady(3_000);
    await expect(conn.api('status')).resolves.toMatchObject({ body: '+OK back\n' });
    expect(conn.health().reconnects).toBeGreaterThanOrEqual(1);
    expect(conn.health().lastError).toBeUndefined();
  });

  it('a wrong password (fixture i) leaves it disconnected with a clear lastError, retrying', async () => {
    fs = await ScriptedInboundServer.start(freeswitch(() => undefined, 'right'));
    conn = new EslInboundConnection({ node: { host: '127.0.0.1', port: fs.port, password: 'wrong' }, logger: silentLogger, backoff: FAST });
    conn.start();
    await until(() => fs.peers.length >= 2, 'a retry');
    const health = conn.health();
    expect(health.connected).toBe(false);
    expect(health.lastError).toMatch(/authentication refused \(-ERR invalid\)/);
    expect(JSON.stringify(health)).not.toContain('wrong');
  });

  it('close(): idempotent, says exit, rejects what is pending, refuses new commands', async () => {
    await connected(() => undefined);
    const pending = conn.api('status', { timeoutMs: 5_000 }).catch((e: unknown) => e);
    await until(() => fs.peers[0]!.commands.length >= 3, 'api sent');
    const first = conn.close();
    const second = conn.close();
    expect(second).toBe(first);
    await first;
    expect(await pending).toBeInstanceOf(EslConnectionError);
    expect(conn.state).toBe(ConnectionState.Closed);
    expect(fs.peers[0]!.commands.map((c) => c.line)).toContain('exit');
    await expect(conn.api('status')).rejects.toBeInstanceOf(EslConnectionError);
    await expect(conn.waitReady(10)).rejects.toBeInstanceOf(EslConnectionError);
  });

  it('keeps retrying while nothing listens, and connects once something does', async () => {
    fs = await ScriptedInboundServer.start(freeswitch());
    const port = fs.port;
    await fs.close();
    conn = new EslInboundConnection({ node: { host: '127.0.0.1', port, password: 'ClueCon' }, logger: silentLogger, backoff: FAST });
    conn.start();
    await until(() => conn.health().reconnects >= 2, 'retries');
    expect(conn.health().lastError).toMatch(/ECONNREFUSED/);
    fs = await ScriptedInboundServer.start(freeswitch(), port);
    await conn.waitReady(3_000);
    expect(conn.connected).toBe(true);
  });
});
