import type { AddressInfo } from 'node:net';
import type { FreeswitchSim } from '../../tools/freeswitch-sim';
import type { HotlineModule, ModuleContext } from '../module';
import { provide } from '../module';
import { CallRegistry } from './call-registry';
import { parseFreeswitchEsl, type EslNodeConfig } from './config';
import { TelephonyNodes } from './nodes';
import { OrphanSweeper } from './orphan-sweeper';
import { EslOutboundServer } from './outbound-server';

/** Service names other modules use to reach telephony. */
export const TELEPHONY_NODES = 'telephony.nodes';
export const TELEPHONY_OUTBOUND = 'telephony.outbound';
export const TELEPHONY_CALLS = 'telephony.calls';
export const FREESWITCH_HEALTH = 'freeswitch.health';
/** The FreeSWITCH simulator when it runs (no FREESWITCH_ESL): tests place calls and register endpoints with it. */
export const TELEPHONY_SIMULATOR = 'telephony.simulator';

interface Simulated {
  stop(): Promise<void>;
}

/**
 * Telephony: the outbound socket listener (one connection per call, from the
 * dialplan's `socket` app), one inbound ESL connection per FreeSWITCH node, and
 * the call registry fed by their events. With no FREESWITCH_ESL (development
 * only; config refuses it in production) it starts the FreeSWITCH simulator and
 * says so loudly.
 */
export function telephonyModule(): HotlineModule {
  let nodes: TelephonyNodes | undefined;
  let outbound: EslOutboundServer | undefined;
  let simulator: Simulated | undefined;
  let sweeper: OrphanSweeper | undefined;
  // The simulator's SIP registrar asks our directory endpoint over HTTP; the port is known once the server listens (PORT=0).
  let httpAddress: AddressInfo | undefined;
  return {
    name: 'telephony',
    attach(server) {
      server.once('listening', () => (httpAddress = server.address() as AddressInfo));
    },
    async start(ctx: ModuleContext) {
      const log = ctx.log.child({ module: 'telephony' });
      outbound = new EslOutboundServer({ host: ctx.config.eslOutbound.host, port: ctx.config.eslOutbound.port, logger: log });
      const outboundPort = await outbound.listen();
      provide(ctx, TELEPHONY_OUTBOUND, outbound);

      let nodeConfigs: EslNodeConfig[];
      if (ctx.config.freeswitchEsl) {
        nodeConfigs = parseFreeswitchEsl(ctx.config.freeswitchEsl);
      } else {
        const started = await startSimulator(ctx, outboundPort, () => httpAddress);
        simulator = started;
        nodeConfigs = [started.node];
        provide(ctx, TELEPHONY_SIMULATOR, started.sim);
      }
      const calls = new CallRegistry({ logger: log });
      nodes = new TelephonyNodes({ nodes: nodeConfigs, logger: log });
      nodes.on('event', (e) => calls.handle(e));
      nodes.start();
      provide(ctx, TELEPHONY_NODES, nodes);
      provide(ctx, TELEPHONY_CALLS, calls);
      sweeper = new OrphanSweeper({ connections: () => nodes!.connections(), served: () => outbound!.servedUuids(), outboundPort, log });
      outbound.on('abandoned', (uuid) => {
        for (const conn of nodes!.connections()) void sweeper!.reap(conn, uuid, 'its outbound session broke during setup');
      });
      sweeper.start();
      const simulated = Boolean(simulator);
      provide(ctx, FREESWITCH_HEALTH, () => nodes!.health().map((h) => ({ ...h, simulated })));
      // Not fatal: the connection keeps retrying with backoff and /api/health shows how it goes.
      await nodes.waitAnyReady(5000).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'no FreeSWITCH node ready yet; retrying in the background'));
    },
    async stop() {
      sweeper?.stop();
      await outbound?.close();
      await nodes?.close();
      await simulator?.stop();
    },
  };
}

/** The development default: the simulator on a loopback port, its dialplan pointed at our outbound socket. */
async function startSimulator(ctx: ModuleContext, outboundPort: number, http: () => AddressInfo | undefined): Promise<Simulated & { sim: FreeswitchSim; node: EslNodeConfig }> {
  // Loaded only here so production code paths never import the dev tool.
  const { Simulator } = await import('../../tools/freeswitch-sim/sim');
  const { controlServer } = await import('../../tools/freeswitch-sim/control');
  const password = 'ClueCon';
  const sim = new Simulator({
    eslPort: Number(process.env.SIM_ESL_PORT ?? 0),
    speed: Number(process.env.SIM_SPEED ?? 1),
    password,
    globals: { hotline_socket: `${ctx.config.eslOutbound.host}:${outboundPort}` },
    soundsDir: ctx.config.mediaDir,
    recordingsDir: `${ctx.config.mediaDir}/recordings`,
    logger: ctx.log.child({ module: 'freeswitch-sim' }),
    sip: simulatorSip(ctx, http),
  });
  await sim.start();
  if (ctx.config.sip.simulator.wssUrlFollows && sim.sipPort) ctx.config.sip.wssUrl = `ws://127.0.0.1:${sim.sipPort}`;
  // People drive the embedded simulator (place calls, press keys, register agents) over its HTTP control API.
  const controlPort = ctx.config.env === 'test' ? undefined : Number(process.env.SIM_CONTROL_PORT ?? 8022);
  const control = controlPort === undefined ? undefined : controlServer(sim);
  const controlUp = control
    ? await new Promise<boolean>((resolve) => {
        control.once('error', (err) => {
          ctx.log.warn({ err: err.message, controlPort }, 'simulator control API not started (port busy?)');
          resolve(false);
        });
        control.listen(controlPort, '127.0.0.1', () => resolve(true));
      })
    : false;
  const stop = async () => {
    if (controlUp) await new Promise<void>((r) => control!.close(() => r()));
    await sim.stop();
  };
  const rule = '*'.repeat(70);
  const banner = [
    '',
    rule,
    '*  FREESWITCH_ESL is not set: running the FreeSWITCH SIMULATOR.',
    '*  SIMULATED TELEPHONY (softphones get a test tone). Set FREESWITCH_ESL for real calls.',
    `*  Simulator inbound ESL: 127.0.0.1:${sim.eslPort} (password ${password})`,
    ...(sim.sipPort ? [`*  Softphone SIP over WebSocket: ws://127.0.0.1:${sim.sipPort} (register as the agent's /api/me/sip credentials)`] : []),
    ...(controlUp ? [`*  Place calls by hand: http://127.0.0.1:${controlPort} (GET /channels, POST /calls, PUT /endpoints/NAME)`] : []),
    rule,
    '',
  ].join('\n');
  if (ctx.config.env !== 'test') process.stdout.write(banner + '\n');
  ctx.log.warn({ eslPort: sim.eslPort }, 'FreeSWITCH simulator running: simulated telephony, no audio');
  return { sim, stop, node: { host: '127.0.0.1', port: sim.eslPort, password } };
}

/**
 * The simulator's softphone peer (tools/freeswitch-sim/sip): a WS listener on loopback that
 * authenticates REGISTERs against our own /api/freeswitch/directory, as FreeSWITCH's
 * mod_xml_curl would. Ephemeral port under test so parallel worlds never collide.
 */
function simulatorSip(ctx: ModuleContext, http: () => AddressInfo | undefined) {
  const { xmlCurl, simulator } = ctx.config.sip;
  if (!xmlCurl.password) return undefined;
  const host = ctx.config.host === '0.0.0.0' || ctx.config.host === '::' ? '127.0.0.1' : ctx.config.host;
  return {
    port: ctx.config.env === 'test' ? 0 : simulator.port,
    // a 16-bit PCM WAV the softphone hears instead of the simulator's tone
    audioFile: process.env.SIM_SIP_AUDIO,
    xmlCurl: {
      url: () => `http://${host.includes(':') ? `[${host}]` : host}:${http()?.port ?? ctx.config.port}/api/freeswitch/directory`,
      user: xmlCurl.user,
      password: xmlCurl.password,
    },
  };
}
