/**
 * Shapes of the REST answers the workspace reads (the realtime payloads come from the
 * shared contract, @contract). Each mirrors one server handler, named beside it.
 */
import type { PresenceState } from '@contract';

/** GET /api/auth/me (server/auth/routes.ts `me`) */
export interface Me {
  id: string;
  username: string;
  displayName: string;
  isSuperadmin: boolean;
  permissions: string[];
}

/** GET /api/routing/me (server/routing/routes.ts `agentView`) */
export interface RoutingMe {
  agentId: string;
  state: PresenceState;
  reason: string | null;
  since: string;
  wrapUntil: string | null;
  load: { voice: number; chat: number; pendingOffers: number };
  capacity: { voice: number; chat: number; callBlocksChat: boolean };
  voiceRegistered: boolean;
  queues: { kind: string; id: string; level: number }[];
}

/** GET /api/routing/not-ready-reasons */
export interface NotReadyReason {
  code: string;
  name: string;
  builtin: boolean;
  enabled: boolean;
}

/** GET /api/me/sip (server/endpoints/routes.ts `forSoftphone`) */
export interface SipCredentials {
  sipUsername: string;
  sipPassword: string;
  domain: string;
  wssUrl: string;
  mode: 'softphone' | 'external';
  externalNumber: string | null;
}

/** GET /api/calls/directory (server/calls/directory.ts) */
export interface CallDirectory {
  agents: { id: string; displayName: string; state: PresenceState; available: boolean }[];
  groups: { id: string; name: string; available: number; members: number }[];
  serviceNumbers: { number: string; description: string }[];
}

/** One row of GET /api/calls (server/calls/store.ts CALL_COLUMNS) */
export interface CallRecord {
  id: string;
  direction: 'inbound' | 'outbound';
  callerNumber: string | null;
  destinationNumber: string | null;
  serviceNumber: string | null;
  skillGroupName: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  disposition: string | null;
  agentName: string | null;
}

/** GET /api/calls/:id: the record with its IVR trail and tags */
export interface CallDetail extends CallRecord {
  notes?: string | null;
  ivrTrail: { seq: number; nodeId: string; nodeType: string; kind: string; exit: string | null; data: Record<string, unknown> | null }[];
  tags: { id: string; kind: string; name: string }[];
}

/** GET /api/call-tags */
export interface TagDef {
  id: string;
  kind: 'call' | 'quality';
  parentId: string | null;
  name: string;
  enabled: boolean;
}

/** GET /api/calls: one page */
export interface Page<T> {
  total: number;
  items: T[];
}
