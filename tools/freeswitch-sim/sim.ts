import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../server/logging/logger';
import { createApiRunner } from './api';
import { VERSION } from './api/system';
import { registerApps } from './apps';
import { Engine } from './core/engine';
import { ORIGIN } from './core/origins';
import type { Session } from './core/session';
import { Dialplan } from './dialplan/dialplan';
import type { ConnectionContext } from './esl/connection';
import { InboundServer } from './esl/inbound-server';
import type { EndpointBehaviour, FreeswitchSim, FreeswitchSimOptions, SimCall } from './types';
import { createSipServer, type SipServer } from './sip';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The public face of the simulator: an ESL server plus the controls tests and people use. */
export class Simulator implements FreeswitchSim {
  readonly engine: Engine;
  private readonly server: InboundServer;
  private port = 0;
  private stalled = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private nextCallerPort = 5070;
  private readonly ctx: ConnectionContext;
  private readonly opts: Required<Pick<FreeswitchSimOptions, 'eslHost' | 'eslPort' | 'password' | 'heartbeatMs'>>;
  /** sip/ hook: the WS softphone peer, when options.sip is given. */
  readonly sip: SipServer | undefined;

  constructor(options: FreeswitchSimOptions = {}) {
    const log = options.logger ?? silentLogger;
    const dialplan = Dialplan.fromDir(options.dialplanDir ?? path.join(REPO_ROOT, 'dialplan'), options.globals ?? {});
    this.engine = new Engine({
      speed: options.speed && options.speed > 0 ? options.speed : 1,
      recordingsDir: options.recordingsDir ?? path.join(os.tmpdir(), 'freeswitch-sim', 'recordings'),
      soundsDir: options.soundsDir ?? path.join(REPO_ROOT, 'media', 'prompts'),
      log,
      dialplan,
    });
    this.opts = {
      eslHost: options.eslHost ?? '127.0.0.1',
      eslPort: options.eslPort ?? 8021,
      password: options.password ?? 'ClueCon',
      heartbeatMs: options.heartbeatMs ?? 20_000,
    };
    this.ctx = {
      engine: this.engine,
      runApi: createApiRunner(this.engine),
      password: this.opts.password,
      stalled: () => this.stalled,
      log,
      connections: new Set(),
    };
    registerApps(this.engine, () => this.ctx);
    this.server = new InboundServer(this.ctx);
    this.sip = options.sip ? createSipServer(this.engine, options.sip, log) : undefined;
  }

  get sipPort(): number {
    return this.sip?.port ?? 0;
  }

  get eslPort(): number {
    return this.port;
  }

  async start(): Promise<void> {
    this.port = await this.server.listen(this.opts.eslHost, this.opts.eslPort);
    // A busy SIP port (a real FreeSWITCH on :5066, say) must not take the ESL side down with it.
    await this.sip?.listen().catch((err: unknown) => this.engine.log.warn({ err: (err as Error).message }, 'simulator SIP-over-WebSocket listener not started (port busy?)'));
    if (this.opts.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.fireHeartbeat(), this.opts.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  private fireHeartbeat(): void {
    const e = this.engine;
    const upMs = Date.now() - e.startedAt;
    const live = [...e.sessions.values()].filter((s) => s.up).length;
    e.bus.fire('HEARTBEAT', ORIGIN.heartbeat, {
      headers: [
        ['Event-Info', 'System Ready'],
        ['Up-Time', `0 years, 0 days, ${Math.floor(upMs / 3600000)} hours, ${Math.floor(upMs / 60000) % 60} minutes, ${Math.floor(upMs / 1000) % 60} seconds, ${upMs % 1000} milliseconds, 0 microseconds`],
        ['FreeSWITCH-Version', VERSION.replace('FreeSWITCH Version ', '')],
        ['Uptime-msec', String(upMs)],
        ['Session-Count', String(live)],
        ['Max-Sessions', '1000'],
        ['Session-Per-Sec', '30'],
        ['Session-Per-Sec-Last', '0'],
        ['Session-Per-Sec-Max', '0'],
        ['Session-Per-Sec-FiveMin', '0'],
        ['Session-Since-Startup', String(e.sessionsSinceStartup)],
        ['Session-Peak-Max', String(e.peakSessions)],
        ['Session-Peak-FiveMin', String(e.peakSessions)],
        ['Idle-CPU', '99.000000'],
      ],
    });
  }

  placeCall(opts: { from: string; to: string; callerName?: string }): Promise<SimCall> {
    const from = opts.from;
    const port = this.nextCallerPort++;
    const name = `sofia/internal/${from}@127.0.0.1:${port}`;
    const stamp = String(this.engine.bus.nowMicros());
    const tag = `${Math.floor(Math.random() * 1e9)}SIMTag`;
    const s = this.engine.newSession({
      name,
      direction: 'inbound',
      callerIdName: opts.callerName ?? from,
      callerIdNumber: from,
      destination: opts.to,
      context: 'public',
      source: 'mod_sofia',
      username: from,
      presenceId: `${from}@127.0.0.1`,
      vars: [
        ['sip_from_user', from], ['sip_from_port', String(port)], ['sip_from_uri', `${from}@127.0.0.1:${port}`],
        ['sip_from_host', '127.0.0.1'], ['video_media_flow', 'disabled'], ['audio_media_flow', 'disabled'],
        ['text_media_flow', 'disabled'], ['sip_call_id', `${randomUUID()}@127.0.0.1`], ['sip_local_network_addr', '127.0.0.1'],
        ['sip_network_ip', '127.0.0.1'], ['sip_network_port', String(port)], ['sip_invite_stamp', stamp],
        ['sip_received_ip', '127.0.0.1'], ['sip_received_port', String(port)], ['sip_via_protocol', 'udp'],
        ['sip_from_user_stripped', from], ['sip_from_tag', tag], ['sofia_profile_name', 'internal'],
        ['sofia_profile_url', 'sip:mod_sofia@127.0.0.1:5060'], ['recovery_profile_name', 'internal'],
        ['sip_full_via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${tag}`], ['sip_from_display', opts.callerName ?? from],
        ['sip_full_from', `"${opts.callerName ?? from}" <sip:${from}@127.0.0.1:${port}>;tag=${tag}`],
        ['sip_full_to', `<sip:${opts.to}@127.0.0.1:5060>`], ['sip_req_user', opts.to], ['sip_req_port', '5060'],
        ['sip_req_uri', `${opts.to}@127.0.0.1:5060`], ['sip_req_host', '127.0.0.1'], ['sip_to_user', opts.to],
        ['sip_to_port', '5060'], ['sip_to_uri', `${opts.to}@127.0.0.1:5060`], ['sip_to_host', '127.0.0.1'],
        ['sip_contact_user', from], ['sip_contact_port', String(port)], ['sip_contact_uri', `${from}@127.0.0.1:${port}`],
        ['sip_contact_host', '127.0.0.1'], ['rtp_use_codec_string', 'OPUS,PCMU,PCMA'], ['sip_via_host', '127.0.0.1'],
        ['sip_via_port', String(port)], ['max_forwards', '70'],
        ['switch_r_sdp', `v=0\r\no=sim 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${16000 + port} RTP/AVP 8 96\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\na=ptime:20\r\n`],
        ['ep_codec_string', 'CORE_PCM_MODULE.PCMA@8000h@20i@64000b'], ['endpoint_disposition', 'DELAYED NEGOTIATION'],
      ],
    });
    this.engine.startInbound(s);
    return Promise.resolve(this.wrap(s));
  }

  private wrap(s: Session): SimCall {
    const engine = this.engine;
    let endedCause: string | undefined;
    void s.ended.then((c) => (endedCause = c));
    return {
      uuid: s.uuid,
      get answered() {
        return s.channel.answered;
      },
      get ended() {
        return endedCause !== undefined || !s.up;
      },
      async pressDtmf(digits: string, gapMs = 100): Promise<void> {
        for (const d of digits) {
          if (!s.up) return;
          s.receiveDtmf(d);
          await engine.clock.sleep(gapMs);
        }
      },
      async hangup(cause = 'NORMAL_CLEARING'): Promise<void> {
        s.hangup(cause);
        await Promise.race([s.ended, new Promise((r) => setTimeout(r, 1000).unref())]);
      },
      waitForEnd(timeoutMs = 30_000): Promise<string> {
        return new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`call ${s.uuid} did not end within ${timeoutMs} ms`)), timeoutMs);
          t.unref();
          void s.ended.then((c) => {
            clearTimeout(t);
            resolve(c);
          });
        });
      },
      variable(name: string): string | undefined {
        return engine.lookup(s, name);
      },
    };
  }

  call(uuid: string): SimCall | undefined {
    const s = this.engine.sessions.get(uuid);
    return s ? this.wrap(s) : undefined;
  }

  registerEndpoint(name: string, behaviour?: EndpointBehaviour): void {
    this.engine.endpoints.register(name, behaviour);
  }

  setEndpointBehaviour(name: string, behaviour: EndpointBehaviour): void {
    this.engine.endpoints.setBehaviour(name, behaviour);
  }

  unregisterEndpoint(name: string): void {
    this.engine.endpoints.unregister(name);
  }

  channelUuids(): string[] {
    return [...this.engine.sessions.values()].filter((s) => s.up).map((s) => s.uuid);
  }

  stall(on: boolean): void {
    this.stalled = on;
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.engine.stop();
    for (const c of [...this.ctx.connections]) c.destroy();
    await this.sip?.close();
    await this.server.close();
  }
}
