/**
 * Calls left in FreeSWITCH's `socket` application with nobody serving them (the outbound
 * socket broke before setup finished) are hung up: against the simulator, which keeps
 * such a caller parked and unanswered for ever, as socket_function does.
 */
import net from 'node:net';
import { startFreeswitchSim, type FreeswitchSim } from '../../tools/freeswitch-sim';
import { silentLogger } from '../logging/logger';
import type { ChannelRow } from './commands';
import { EslInboundConnection } from './inbound-connection';
import { orphanedSocketCalls, OrphanSweeper, UNSERVED_CAUSE } from './orphan-sweeper';

const row = (over: Partial<ChannelRow>): ChannelRow =>
  ({ uuid: 'u1', application: 'socket', applicationData: '127.0.0.1:8084 async full', createdEpoch: 1000, raw: {}, ...over }) as ChannelRow;

describe('orphanedSocketCalls', () => {
  const base = { outboundPort: 8084, served: new Set<string>(), nowMs: 1_000_000 + 61_000, graceMs: 60_000 };
  it('picks socket calls to this port that nobody serves, after the grace', () => {
    expect(orphanedSocketCalls([row({})], { ...base, nowMs: 1000 * 1000 + 61_000 }).map((r) => r.uuid)).toEqual(['u1']);
    expect(orphanedSocketCalls([row({})], { ...base, nowMs: 1000 * 1000 + 30_000 })).toEqual([]);
    expect(orphanedSocketCalls([row({})], { ...base, served: new Set(['u1']) })).toEqual([]);
    expect(orphanedSocketCalls([row({ applicationData: '10.0.0.9:9000 async full' })], base)).toEqual([]);
    expect(orphanedSocketCalls([row({ application: 'park' })], base)).toEqual([]);
  });
});

describe('OrphanSweeper against the simulator', () => {
  let sim: FreeswitchSim | undefined;
  let conn: EslInboundConnection | undefined;
  let deaf: net.Server | undefined;

  afterEach(async () => {
    await conn?.close();
    await sim?.stop();
    deaf?.close();
  });

  it('hangs up a caller parked in socket whose server never took the call', async () => {
    // A listener that accepts and never says `connect`: the caller waits in `socket` unanswered.
    deaf = net.createServer(() => undefined);
    await new Promise<void>((r) => deaf!.listen(0, '127.0.0.1', r));
    const port = (deaf.address() as net.AddressInfo).port;
    sim = await startFreeswitchSim({ eslPort: 0, globals: { hotline_socket: `127.0.0.1:${port}` }, speed: 20, logger: silentLogger, heartbeatMs: 0 });
    conn = new EslInboundConnection({ node: { host: '127.0.0.1', port: sim.eslPort, password: 'ClueCon' }, logger: silentLogger, commandTimeoutMs: 5_000 });
    conn.start();
    await conn.waitReady(5_000);
    const call = await sim.placeCall({ from: '100', to: '4900' });
    await new Promise((r) => setTimeout(r, 300));
    expect(call.ended).toBe(false);

    const sweeper = new OrphanSweeper({ connections: () => [conn!], served: () => new Set([call.uuid]), outboundPort: port, graceMs: 0, log: silentLogger });
    await sweeper.sweep();
    expect(call.ended).toBe(false); // served by someone: left alone

    const reaper = new OrphanSweeper({ connections: () => [conn!], served: () => new Set(), outboundPort: port, graceMs: 0, log: silentLogger });
    await reaper.sweep();
    expect(await call.waitForEnd()).toBe(UNSERVED_CAUSE);
  });
});
