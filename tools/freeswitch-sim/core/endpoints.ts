import { randomUUID } from 'node:crypto';
import type { EventBus } from './event-bus';
import { ORIGIN } from './origins';
import type { Session } from './session';

/** How a simulated phone reacts when the simulator calls it. */
export type EndpointBehaviour =
  | { mode: 'answer'; afterMs?: number }
  | { mode: 'reject'; cause?: string }
  | { mode: 'no_answer' }
  | { mode: 'busy' };

export interface Endpoint {
  name: string;
  behaviour: EndpointBehaviour;
  registered: boolean;
  /** Known to the directory (registered at least once); an unknown user is SUBSCRIBER_ABSENT. */
  known: boolean;
  contactPort: number;
  callId: string;
  /** sip/ hook: a real SIP user agent registered over WebSocket; it, not `behaviour`, answers calls. */
  agent?: SipAgent;
}

/** sip/ hook: how a dialled leg reaches a SIP user agent registered over WebSocket (sip/call.ts). */
export interface SipAgent {
  /** Sends the INVITE for `leg`; reports 180/200/failure through `ctl`. The agent watches `leg.ended` to CANCEL or BYE. */
  invite(leg: Session, ctl: { ringing(): void; answered(): void; failed(cause: string): void }): void;
}

export const DEFAULT_BEHAVIOUR: EndpointBehaviour = { mode: 'answer', afterMs: 1000 };

/**
 * SIP registrations on the `internal` profile (agents' browsers and phones). Register
 * and unregister fire mod_sofia's CUSTOM sofia::register / sofia::unregister events
 * with the headers sofia_reg.c sets.
 */
export class EndpointRegistry {
  private readonly endpoints = new Map<string, Endpoint>();
  private nextPort = 5062;

  constructor(private readonly bus: EventBus, private readonly domain = '127.0.0.1') {}

  get(name: string): Endpoint | undefined {
    return this.endpoints.get(name);
  }

  list(): Endpoint[] {
    return [...this.endpoints.values()];
  }

  contact(ep: Endpoint): string {
    return `sip:${ep.name}@127.0.0.1:${ep.contactPort}`;
  }

  register(name: string, behaviour: EndpointBehaviour = DEFAULT_BEHAVIOUR): Endpoint {
    const existing = this.endpoints.get(name);
    const ep: Endpoint = existing ?? { name, behaviour, registered: false, known: true, contactPort: this.nextPort++, callId: randomUUID() };
    ep.behaviour = behaviour;
    ep.registered = true;
    ep.known = true;
    this.endpoints.set(name, ep);
    const contact = `"${name}" <${this.contact(ep)};transport=udp>`;
    this.bus.fire('CUSTOM', ORIGIN.register, {
      subclass: 'sofia::register',
      headers: [
        ['profile-name', 'internal'], ['from-user', name], ['from-host', this.domain], ['presence-hosts', this.domain],
        ['contact', contact], ['call-id', ep.callId], ['rpid', 'unknown'], ['status', 'Registered(UDP)'], ['expires', '3600'],
        ['to-user', name], ['to-host', this.domain], ['network-ip', '127.0.0.1'], ['network-port', String(ep.contactPort)],
        ['username', name], ['realm', this.domain], ['user-agent', 'Hotline FreeSWITCH simulator endpoint'],
      ],
    });
    return ep;
  }

  /** Sets how a user (or an external number reached through a gateway) answers, without registering it. */
  setBehaviour(name: string, behaviour: EndpointBehaviour): void {
    const ep = this.endpoints.get(name);
    if (ep) ep.behaviour = behaviour;
    else this.endpoints.set(name, { name, behaviour, registered: false, known: false, contactPort: this.nextPort++, callId: randomUUID() });
  }

  // ---- sip/ hook: registrations made over SIP (sip/registrar.ts fires the sofia:: events itself) ----

  attachAgent(name: string, agent: SipAgent, contactPort: number, callId: string): void {
    const ep = this.endpoints.get(name) ?? { name, behaviour: DEFAULT_BEHAVIOUR, registered: false, known: true, contactPort, callId };
    Object.assign(ep, { agent, registered: true, known: true, contactPort, callId });
    this.endpoints.set(name, ep);
  }

  /** Only the agent that registered last is taken away (a stale one must not unregister its successor). */
  detachAgent(name: string, agent: SipAgent): void {
    const ep = this.endpoints.get(name);
    if (!ep || ep.agent !== agent) return;
    ep.agent = undefined;
    ep.registered = false;
  }

  unregister(name: string): void {
    const ep = this.endpoints.get(name);
    if (!ep?.registered) return;
    ep.registered = false;
    this.bus.fire('CUSTOM', ORIGIN.unregister, {
      subclass: 'sofia::unregister',
      headers: [
        ['profile-name', 'internal'], ['username', name], ['from-user', name], ['from-host', this.domain],
        ['contact', `"${name}" <${this.contact(ep)};transport=udp>`], ['call-id', ep.callId], ['rpid', 'unknown'],
        ['realm', this.domain], ['expires', '0'],
      ],
    });
  }
}
