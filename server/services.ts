/**
 * The services modules publish for each other, by name and type: a module that needs one
 * gets its type with it, and a name that is not here does not compile. Type-only imports:
 * this file links the domains' types, never their code.
 */
import type { BlacklistService } from './blacklist/module';
import type { CallsService } from './calls/module';
import type { ChatActions } from './chat/actions';
import type { ChatService } from './chat/service';
import type { FreeswitchNodeHealth } from './http/health';
import type { IvrCallHandler } from './ivr/call-handler';
import type { QueuePort } from './ivr/engine/ports';
import type { AgentChannel } from './realtime/agent-channel';
import type { RealtimeHub } from './realtime/hub';
import type { Liveness } from './realtime/liveness';
import type { RecordingService } from './recordings/module';
import type { RoutingEngine } from './routing/engine';
import type { CallRegistry } from './telephony/call-registry';
import type { TelephonyNodes } from './telephony/nodes';
import type { EslOutboundServer } from './telephony/outbound-server';
import type { FreeswitchSim } from '../tools/freeswitch-sim';

export interface Services {
  'telephony.nodes': TelephonyNodes;
  /** The outbound socket listener: one session per call (the IVR takes them). */
  'telephony.outbound': EslOutboundServer;
  'telephony.calls': CallRegistry;
  /** Only when no FREESWITCH_ESL is set (development and tests). */
  'telephony.simulator': FreeswitchSim;
  'freeswitch.health': () => FreeswitchNodeHealth[];
  realtime: RealtimeHub;
  'realtime.channel': AgentChannel;
  'realtime.liveness': Liveness;
  routing: RoutingEngine;
  recordings: RecordingService;
  blacklist: BlacklistService;
  calls: CallsService;
  /** The IVR queue node's way to the ACD (the calls module's CallSessions). */
  'ivr.queue': QueuePort;
  'ivr.calls': IvrCallHandler;
  chat: { chat: ChatService; actions: ChatActions };
}

export type ServiceName = keyof Services;

/** What modules published in start(), by name. */
export class ServiceRegistry {
  readonly #services = new Map<ServiceName, unknown>();

  set<K extends ServiceName>(name: K, service: Services[K]): void {
    this.#services.set(name, service);
  }

  get<K extends ServiceName>(name: K): Services[K] | undefined {
    return this.#services.get(name) as Services[K] | undefined;
  }

  has(name: ServiceName): boolean {
    return this.#services.has(name);
  }
}
