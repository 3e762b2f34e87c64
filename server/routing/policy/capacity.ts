import { ValidationError } from '../../platform/errors';

/**
 * Per-channel capacity. An agent holds at most one call; chats up to a number the
 * admin sets (users.chat_capacity) and the agent may lower (never raise above it).
 * Voice counts only with a reachable phone: a registered softphone or a configured
 * external number, so nobody is offered a call they cannot ring for.
 */
export interface AgentRoutingSettings {
  /** The admin's limit for simultaneous chats. */
  chatCapacityLimit: number;
  /** The agent's own choice, at most the limit; null = the limit. */
  chatCapacitySelf: number | null;
  /** Whether an active or ringing call stops new chats arriving. */
  callBlocksChat: boolean;
  /** The external number that takes calls instead of the softphone: the agent endpoint's, when its mode is external. */
  externalPhone: string | null;
}

export interface VoiceEndpoint {
  registered: boolean;
}

export interface Capacity {
  voice: number;
  chat: number;
  callBlocksChat: boolean;
}

export const DEFAULT_AGENT_SETTINGS: AgentRoutingSettings = { chatCapacityLimit: 5, chatCapacitySelf: null, callBlocksChat: true, externalPhone: null };

export function effectiveCapacity(s: AgentRoutingSettings, endpoint: VoiceEndpoint): Capacity {
  const chat = Math.max(0, Math.min(s.chatCapacitySelf ?? s.chatCapacityLimit, s.chatCapacityLimit));
  return { voice: endpoint.registered || s.externalPhone ? 1 : 0, chat, callBlocksChat: s.callBlocksChat };
}

/** An agent's own chat capacity must stay within the admin's limit. */
export function checkSelfChatCapacity(requested: number, limit: number): number {
  if (!Number.isInteger(requested) || requested < 0 || requested > limit) {
    throw new ValidationError(`chat capacity must be between 0 and ${limit} (the limit your admin set)`, [{ path: 'chat', message: `must be 0..${limit}` }]);
  }
  return requested;
}

/** What occupies an agent now, per channel (held + reserved). */
export interface Load {
  voice: number;
  chat: number;
  /** Offers made but not yet accepted. */
  pendingOffers: number;
}

/**
 * Can this agent take one more contact on this channel? `burstCap` bounds offers
 * outstanding at once, so an agent who turns ready with a long queue waiting is
 * not handed ten chats in one instant (seed 002 "坐席就绪时分配最大访客数量").
 * The Redis claim script applies the same rule atomically; this is its specification.
 */
export function canTake(channel: 'voice' | 'chat', ready: boolean, cap: Capacity, load: Load, burstCap: number): boolean {
  if (!ready || load.pendingOffers >= burstCap) return false;
  if (channel === 'voice') return load.voice < cap.voice;
  return load.chat < cap.chat && !(cap.callBlocksChat && load.voice > 0);
}
