/**
 * The ESL client against a real FreeSWITCH named by FREESWITCH_ESL (host:port:password).
 * Run: FREESWITCH_ESL=127.0.0.1:8021:ClueCon npx jest --runInBand -c jest.freeswitch.config.js
 * Only read-only or self-cleaning commands are used; nothing depends on a particular dialplan.
 */
import { silentLogger } from '../../server/logging/logger';
import { CallRegistry, commands, EslCommandError, EslConnectionError, normalizeEvent, parseFreeswitchEsl, TelephonyNodes, type TelephonyEvent } from '../../server/telephony';
import { EslInboundConnection } from '../../server/telephony/inbound-connection';

const spec = process.env.FREESWITCH_ESL;
if (!spec) console.log('SKIP real-FreeSWITCH suite: set FREESWITCH_ESL=host:port:password to run it');
const suite = spec ? describe : describe.skip;

suite('ESL client against a real FreeSWITCH', () => {
  const nodes = spec ? parseFreeswitchEsl(spec) : [];
  let conn: EslInboundConnection;

  beforeAll(async () => {
    conn = new EslInboundConnection({ node: nodes[0]!, logger: silentLogger, commandTimeoutMs: 10_000 });
    conn.start();
    await conn.waitReady(10_000);
  });

  afterAll(async () => {
    await conn?.close();
  });

  it('is connected and healthy', () => {
    expect(conn.health()).toMatchObject({ connected: true, reconnects: 0 });
  });

  it('api status / version', async () => {
    const status = await conn.api('status');
    expect(status.body).toMatch(/is ready/);
    expect((await conn.api('version')).body).toMatch(/FreeSWITCH Version/);
  });

  it('api errors keep the raw reply', async () => {
    await expect(conn.api('uuid_kill 00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ reply: '-ERR No such channel!\n' });
    await expect(conn.api('uuid_kill')).rejects.toBeInstanceOf(EslCommandError);
    await expect(conn.api('no_such_command_hotline')).rejects.toMatchObject({ reply: '-ERR no_such_command_hotline Command not found!\n' });
  });

  it('bgapi: resolves on our own BACKGROUND_JOB; -ERR bodies reject', async () => {
    const seen: TelephonyEvent[] = [];
    conn.on('event', (e) => {
      const t = normalizeEvent(e, conn.name);
      if (t) seen.push(t);
    });
    const ok = await conn.bgapi('status');
    expect(ok.body).toMatch(/is ready/);
    await expect(conn.bgapi('uuid_kill 00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ reply: '-ERR No such channel!\n' });
    expect(seen.filter((e) => e.type === 'background_job').length).toBeGreaterThanOrEqual(2);
  });

  it('pipelined commands get their own replies', async () => {
    const results = await Promise.allSettled([conn.api('status'), conn.api('uuid_kill'), conn.api('version'), conn.api('uuid_kill 00000000-0000-0000-0000-000000000000')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
  });

  it('typed commands: show channels, sofia status, uuid_hold quirk, unrouted originate', async () => {
    expect(Array.isArray(await commands.showChannels(conn))).toBe(true);
    const sofia = await commands.sofiaStatus(conn).catch((e: unknown) => e);
    if (!(sofia instanceof EslCommandError)) expect(Array.isArray(sofia)).toBe(true); // mod_sofia may not be loaded
    await expect(commands.uuidHold(conn, '00000000-0000-0000-0000-000000000000')).resolves.toBeUndefined();
    const err = await commands.originate(conn, { endpoint: 'loopback/9999/hotline_nonexistent_context', destination: { app: 'park' }, timeoutSec: 5, callId: 'real-suite' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EslCommandError);
  });

  it('the node manager reports health and closes cleanly', async () => {
    const manager = new TelephonyNodes({ nodes, logger: silentLogger });
    const registry = new CallRegistry({ logger: silentLogger });
    manager.on('event', (e) => registry.handle(e));
    manager.start();
    await manager.waitAnyReady(10_000);
    expect(manager.health().some((h) => h.connected)).toBe(true);
    await expect(manager.api('status')).resolves.toMatchObject({ ok: true });
    await manager.close();
    expect(() => manager.pick()).toThrow(EslConnectionError);
  });

  it('a wrong password is refused and reported, not thrown', async () => {
    const bad = new EslInboundConnection({ node: { ...nodes[0]!, password: `${nodes[0]!.password}-wrong` }, logger: silentLogger, backoff: { initialMs: 1_000, maxMs: 1_000, factor: 1, jitter: 0 } });
    bad.start();
    await expect(bad.waitReady(1_500)).rejects.toBeInstanceOf(EslConnectionError);
    expect(bad.health().lastError).toMatch(/authentication refused/);
    await bad.close();
  });
});
