/**
 * The agent realtime contract, shared by the server and browser code (web-agent/).
 * This file imports nothing: a Vite app can import it as it is. The server's domain
 * types are checked against these wire types at compile time (see the
 * `...FitsContract` assertions in server/routing/events.ts and server/calls/events.ts),
 * so a change on either side that breaks the browser fails `npm run typecheck`.
 *
 * Transport: socket.io at AGENT_SOCKET_PATH, namespace AGENT_NAMESPACE. Events flow
 * server → browser only, apart from the channel's own subscribe/unsubscribe; every
 * command (presence, accept, send, claim, …) is an HTTP route.
 */

export const AGENT_SOCKET_PATH = '/api/realtime/socket.io';
export const AGENT_NAMESPACE = '/agent';

/** Rooms of the agent namespace. Every socket joins its own agent room on connect. */
export const ROOMS = {
  /** Everything about one agent: their offers, contacts, calls, chats, presence. */
  agent: (agentId: string): AgentRoom => `agent:${agentId}`,
  /** Every routing and call event of the center (needs supervisor.monitor). */
  supervisor: 'supervisor' as const,
};
export type AgentRoom = `agent:${string}`;
export type Room = AgentRoom | typeof ROOMS.supervisor;

export function isRoom(topic: string): topic is Room {
  return topic === ROOMS.supervisor || (topic.startsWith('agent:') && topic.length > 6);
}

// ── routing (ACD) ─────────────────────────────────────────────────────────

export type Channel = 'voice' | 'chat';
export type Target = { kind: 'group'; id: string } | { kind: 'agent'; id: string };
export type OverflowDestination = Target | { kind: 'voicemail' } | { kind: 'flow_node'; flowId: string; nodeId: string };
export type PresenceState = 'offline' | 'ready' | 'not_ready' | 'wrap_up';
export interface Presence {
  state: PresenceState;
  /** The not-ready reason code; null otherwise. */
  reason: string | null;
  /** ms since the epoch */
  since: number;
  /** When wrap-up ends on its own (ms); null unless wrap_up. */
  wrapUntil: number | null;
}

interface OfferOutcome {
  offerId: string;
  contactId: string;
  agentId: string;
  channel: Channel;
  seq: number;
  at: number;
}

/** Routing events; `seq` orders them across server processes, `at` is ms since the epoch. */
export interface RoutingEvents {
  'contact.queued': { type: 'contact.queued'; contactId: string; channel: Channel; target: Target; priority: number; position: number; at: number };
  'contact.offered': {
    type: 'contact.offered';
    offerId: string;
    contactId: string;
    agentId: string;
    channel: Channel;
    target: Target;
    customerId: string | null;
    /** Ring / accept deadline, ms since the epoch. */
    deadline: number;
    enqueuedAt: number;
    seq: number;
    at: number;
  };
  'offer.accepted': { type: 'offer.accepted'; waitMs: number } & OfferOutcome;
  'offer.rejected': { type: 'offer.rejected' } & OfferOutcome;
  'offer.timed_out': { type: 'offer.timed_out' } & OfferOutcome;
  /** The contact left while this offer was ringing. */
  'offer.cancelled': { type: 'offer.cancelled' } & OfferOutcome;
  'contact.completed': { type: 'contact.completed'; contactId: string; agentId: string; channel: Channel; handleMs: number; seq: number; at: number };
  'contact.abandoned': { type: 'contact.abandoned'; contactId: string; channel: Channel; target: Target; waitMs: number; while: 'queued' | 'offered'; seq: number; at: number };
  'contact.overflowed': { type: 'contact.overflowed'; contactId: string; channel: Channel; from: Target; to: OverflowDestination; reason: string; at: number };
  /** cause: `agent`, `supervisor`, `connection_lost` (every realtime connection gone for the grace period), … */
  'agent.presence': { type: 'agent.presence'; agentId: string; presence: Presence; cause: string; at: number };
  'agent.updated': { type: 'agent.updated'; agentId: string; capacity: { voice: number; chat: number; callBlocksChat: boolean }; voiceRegistered: boolean; at: number };
}

// ── calls ─────────────────────────────────────────────────────────────────

export type CallEventType =
  | 'call.queued'
  | 'call.ringing'
  | 'call.answered'
  | 'call.held'
  | 'call.resumed'
  | 'call.transferred'
  | 'call.consult'
  | 'call.conference'
  | 'call.agent_left'
  | 'call.wrap_up'
  | 'call.ended'
  | 'call.survey_answered'
  | 'call.recording_ready';

export interface CallEvent<T extends CallEventType = CallEventType> {
  type: T;
  callId: string;
  /** ms since the epoch */
  at: number;
  /** The agents this event concerns (their agent rooms receive it). */
  agentIds: string[];
  data: Record<string, unknown>;
}

export type CallEvents = { [T in CallEventType]: CallEvent<T> };

// ── chat ──────────────────────────────────────────────────────────────────

export interface ChatMessage {
  id: string;
  conversationId: string;
  senderKind: 'visitor' | 'agent' | 'system';
  senderId: string | null;
  kind: 'text' | 'emoji' | 'image' | 'file' | 'system';
  body: string;
  fileId: string | null;
  clientId: string | null;
  createdAt: number;
  readAt: number | null;
  recalledAt: number | null;
}

export interface ChatConversation {
  id: string;
  siteId: string;
  visitorId: string;
  state: 'navigating' | 'queued' | 'active' | 'ended';
  navigation: string | null;
  agentId: string | null;
  contactId: string | null;
  leg: number;
  language: 'zh' | 'en';
  endReason: string | null;
  ratingInvitedAt: string | null;
  createdAt: string;
  endedAt: string | null;
  agentName: string | null;
  /** Agents currently in the conversation. */
  participants: string[];
  /** Queue position while queued. */
  position: number | null;
  inputHint: string;
}

export interface ChatEvents {
  message: ChatMessage;
  'message.recalled': { conversationId: string; messageId: string; text: string };
  'message.read': { conversationId: string; by: 'visitor' | 'agent'; ids: string[] };
  typing: { conversationId: string; by: 'visitor' | 'agent'; typing: boolean };
  'conversation.assigned': ChatConversation;
  'conversation.ended': ChatConversation;
  'conversation.invited': ChatConversation & { by: string };
  'conversation.transferred': { conversationId: string; to: { groupId: string } | { agentId: string } };
  'transfer.request': { transferId: string; conversationId: string; from: string; title: { zh: string; en: string }; note: string; deadline: number };
  'transfer.declined': { transferId: string; conversationId: string; by: string };
  'transfer.timed_out': { transferId: string; conversationId: string };
  'transfer.cancelled': { transferId: string; conversationId: string };
  rating: { conversationId: string; level: number; tags: string[] };
}

// ── the map ───────────────────────────────────────────────────────────────

/** Every event of the agent namespace: name → payload. */
export type AgentEvents = RoutingEvents & CallEvents & ChatEvents;
export type AgentEventName = keyof AgentEvents;

/** socket.io's typing of the namespace, server → browser. */
export type AgentServerToClient = { [N in AgentEventName]: (payload: AgentEvents[N]) => void };

export interface SubscribeReply {
  /** Rooms the socket is in now, of those asked. */
  topics: string[];
  /** Rooms refused (no permission, unknown, too many). */
  denied: string[];
}

/** Browser → server: only the channel's own room management (commands are HTTP). */
export interface AgentClientToServer {
  subscribe(topics: string[], ack: (r: SubscribeReply) => void): void;
  unsubscribe(topics: string[], ack: (r: { topics: string[] }) => void): void;
}

/** Why a connection was refused (socket.io connect_error's message). */
export type AgentConnectRefusal = 'forbidden origin' | 'unauthorized' | 'unavailable';
