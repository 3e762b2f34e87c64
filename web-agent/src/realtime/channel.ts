/**
 * The one realtime channel of a staff browser: socket.io on the agent namespace, typed
 * by the shared contract. Events only flow to the browser; commands are HTTP routes.
 * socket.io reconnects by itself (the server keeps the agent's presence through a
 * grace period, so a blip or refresh costs nothing).
 */
import { io, type Socket } from 'socket.io-client';
import { AGENT_NAMESPACE, AGENT_SOCKET_PATH, type AgentClientToServer, type AgentEventName, type AgentEvents, type AgentServerToClient } from '@contract';

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;
export type ChannelState = 'connecting' | 'connected' | 'lost';
type Handler<N extends AgentEventName> = (payload: AgentEvents[N]) => void;

export class AgentChannel {
  readonly socket: AgentSocket;
  #state: ChannelState = 'connecting';
  readonly #stateListeners = new Set<(s: ChannelState) => void>();

  constructor() {
    // Same origin: the session cookie authenticates the handshake. WebSocket first; polling only as a fallback.
    this.socket = io(AGENT_NAMESPACE, { path: AGENT_SOCKET_PATH, transports: ['websocket', 'polling'], withCredentials: true });
    this.socket.on('connect', () => this.#set('connected'));
    this.socket.on('disconnect', () => this.#set('lost'));
    this.socket.on('connect_error', () => this.#set('lost'));
  }

  get state(): ChannelState {
    return this.#state;
  }

  onState(fn: (s: ChannelState) => void): () => void {
    this.#stateListeners.add(fn);
    return () => this.#stateListeners.delete(fn);
  }

  on<N extends AgentEventName>(name: N, fn: Handler<N>): () => void {
    // socket.io's typed `on` cannot narrow a generic event name; the contract map is the same one it uses.
    const s = this.socket as unknown as { on(n: string, f: (p: unknown) => void): void; off(n: string, f: (p: unknown) => void): void };
    const wrapped = (p: unknown) => fn(p as AgentEvents[N]);
    s.on(name, wrapped);
    return () => s.off(name, wrapped);
  }

  close(): void {
    this.socket.close();
  }

  #set(s: ChannelState) {
    this.#state = s;
    for (const fn of this.#stateListeners) fn(s);
  }
}
