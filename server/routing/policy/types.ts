/**
 * The vocabulary of the ACD, shared by policy, engine and adapters. Pure types:
 * nothing here does I/O.
 */

/** A contact arrives on one channel; the same engine serves both. */
export type Channel = 'voice' | 'chat';
export const CHANNELS: readonly Channel[] = ['voice', 'chat'];

/** Where a contact waits: a skill group's queue or one named agent's personal queue. */
export type Target = { kind: 'group'; id: string } | { kind: 'agent'; id: string };

/** A compact, stable key for a target (used in Redis keys and maps). */
export function targetKey(t: Target): string {
  return `${t.kind === 'group' ? 'g' : 'a'}:${t.id}`;
}

export function parseTargetKey(key: string): Target {
  const [kind, id] = [key.slice(0, 1), key.slice(2)];
  if ((kind !== 'g' && kind !== 'a') || key[1] !== ':' || !id) throw new Error(`bad target key ${key}`);
  return kind === 'g' ? { kind: 'group', id } : { kind: 'agent', id };
}

/** Attribute values a rule can test (VIP, region, language, …). */
export type AttributeValue = string | number | boolean;

/** What is known about a contact when it asks for an agent; rules match on these facts. */
export interface ContactFacts {
  channel: Channel;
  /** Service number dialled (voice) or chat site/widget id (chat). */
  entry?: { serviceNumber?: string; site?: string };
  /** The navigation (IVR / chat menu) choice that led here. */
  navigation?: string;
  customerId?: string;
  attributes?: Record<string, AttributeValue>;
}

export type Clock = () => number;
