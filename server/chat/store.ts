import type { Queryable } from '../db/pool';
import type { ConversationState, EndReason } from './domain/conversation';
import type { Lang } from './domain/settings';
import type { TimerKind } from './timers';

/** Postgres access for chat: plain functions over a Queryable, one per question the service asks. */

export interface Site {
  id: string;
  key: string;
  name: string;
  secret: string;
  groupId: string | null;
  widget: Record<string, unknown>;
  navigation: { enabled: boolean; prompt: string; options: { id: string; title: string; description?: string; enabled?: boolean }[] };
  schedule: { timezone: string; windows: { days: number[]; from: string; to: string }[]; holidays?: string[] } | null;
  enabled: boolean;
  /** Origins allowed to frame /chat/page (normalised scheme://host[:port]). */
  allowedOrigins: string[];
}

export interface Conversation {
  id: string;
  siteId: string;
  visitorId: string;
  state: ConversationState;
  navigation: string | null;
  agentId: string | null;
  contactId: string | null;
  leg: number;
  language: Lang;
  endReason: EndReason | null;
  ratingInvitedAt: string | null;
  createdAt: string;
  endedAt: string | null;
}

export interface Message {
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

const SITE = `id, key, name, secret, group_id AS "groupId", widget, navigation, schedule, enabled, allowed_origins AS "allowedOrigins"`;
const CONV = `id, site_id AS "siteId", visitor_id AS "visitorId", state, navigation, agent_id AS "agentId", contact_id AS "contactId", leg, language, end_reason AS "endReason", rating_invited_at AS "ratingInvitedAt", created_at AS "createdAt", ended_at AS "endedAt"`;
const MSG = `id::text, conversation_id AS "conversationId", sender_kind AS "senderKind", sender_id AS "senderId", kind, body, file_id AS "fileId", client_id AS "clientId",
  (extract(epoch from created_at) * 1000)::float8 AS "createdAt", (extract(epoch from read_at) * 1000)::float8 AS "readAt", (extract(epoch from recalled_at) * 1000)::float8 AS "recalledAt"`;

export async function siteByKey(q: Queryable, key: string): Promise<Site | undefined> {
  return (await q.query<Site>(`SELECT ${SITE} FROM chat_sites WHERE key = $1`, [key])).rows[0];
}
export async function siteById(q: Queryable, id: string): Promise<Site | undefined> {
  return (await q.query<Site>(`SELECT ${SITE} FROM chat_sites WHERE id = $1`, [id])).rows[0];
}
export async function listSites(q: Queryable): Promise<Site[]> {
  return (await q.query<Site>(`SELECT ${SITE} FROM chat_sites ORDER BY name`)).rows;
}
export async function upsertSite(q: Queryable, s: Omit<Site, 'id'> & { id?: string }): Promise<Site> {
  const { rows } = await q.query<Site>(
    `INSERT INTO chat_sites (id, key, name, secret, group_id, widget, navigation, schedule, enabled, allowed_origins) VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET key = $2, name = $3, secret = $4, group_id = $5, widget = $6, navigation = $7, schedule = $8, enabled = $9, allowed_origins = $10 RETURNING ${SITE}`,
    [s.id ?? null, s.key, s.name, s.secret, s.groupId, JSON.stringify(s.widget), JSON.stringify(s.navigation), s.schedule ? JSON.stringify(s.schedule) : null, s.enabled, s.allowedOrigins],
  );
  return rows[0]!;
}

export async function loadSettings(q: Queryable): Promise<unknown> {
  return (await q.query<{ settings: unknown }>('SELECT settings FROM chat_settings')).rows[0]?.settings ?? {};
}
export async function saveSettings(q: Queryable, settings: unknown): Promise<void> {
  await q.query('UPDATE chat_settings SET settings = $1, updated_at = now()', [JSON.stringify(settings)]);
}

export interface VisitorRow {
  id: string;
  siteId: string;
  customerId: string | null;
  name: string | null;
  language: Lang;
}
export async function visitorByToken(q: Queryable, tokenHash: string): Promise<VisitorRow | undefined> {
  return (await q.query<VisitorRow>(`UPDATE chat_visitors SET last_seen_at = now() WHERE token_hash = $1 RETURNING id, site_id AS "siteId", customer_id AS "customerId", name, language`, [tokenHash])).rows[0];
}
export async function createVisitor(q: Queryable, v: { siteId: string; tokenHash: string; customerId: string | null; name: string | null; ip: string | null; userAgent: string | null; referrer: string | null; landingPage: string | null; language: Lang }): Promise<VisitorRow> {
  const { rows } = await q.query<VisitorRow>(
    `INSERT INTO chat_visitors (site_id, token_hash, customer_id, name, ip, user_agent, referrer, landing_page, language) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
     RETURNING id, site_id AS "siteId", customer_id AS "customerId", name, language`,
    [v.siteId, v.tokenHash, v.customerId, v.name, v.ip, v.userAgent, v.referrer, v.landingPage, v.language],
  );
  return rows[0]!;
}
export async function updateVisitorIdentity(q: Queryable, id: string, v: { customerId: string | null; name: string | null; language: Lang; ip: string | null; userAgent: string | null }): Promise<void> {
  await q.query('UPDATE chat_visitors SET customer_id = COALESCE($2, customer_id), name = COALESCE($3, name), language = $4, ip = COALESCE($5, ip), user_agent = COALESCE($6, user_agent) WHERE id = $1', [id, v.customerId, v.name, v.language, v.ip, v.userAgent]);
}
export async function addPageView(q: Queryable, visitorId: string, url: string, title: string | null): Promise<void> {
  await q.query('INSERT INTO chat_visitor_pages (visitor_id, url, title) VALUES ($1, $2, $3)', [visitorId, url, title]);
}
export async function visitorInfo(q: Queryable, visitorId: string): Promise<Record<string, unknown> | undefined> {
  const v = (await q.query(`SELECT id, site_id AS "siteId", customer_id AS "customerId", name, ip, user_agent AS "userAgent", referrer, landing_page AS "landingPage", language, created_at AS "createdAt", last_seen_at AS "lastSeenAt" FROM chat_visitors WHERE id = $1`, [visitorId])).rows[0] as Record<string, unknown> | undefined;
  if (!v) return undefined;
  v.pages = (await q.query('SELECT url, title, at FROM chat_visitor_pages WHERE visitor_id = $1 ORDER BY at DESC LIMIT 50', [visitorId])).rows;
  return v;
}

/** Whether the visitor exists, and whether `agentId` ever took part in one of their conversations (one round trip). */
export async function visitorAccess(q: Queryable, visitorId: string, agentId: string): Promise<{ everServed: boolean } | undefined> {
  const { rows } = await q.query<{ everServed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM chat_conversations c JOIN chat_participants p ON p.conversation_id = c.id WHERE c.visitor_id = v.id AND p.agent_id = $2::uuid) AS "everServed"
       FROM chat_visitors v WHERE v.id = $1`,
    [visitorId, agentId],
  );
  return rows[0];
}

export async function getConversation(q: Queryable, id: string): Promise<Conversation | undefined> {
  return (await q.query<Conversation>(`SELECT ${CONV} FROM chat_conversations WHERE id = $1`, [id])).rows[0];
}
export async function openConversationOf(q: Queryable, visitorId: string): Promise<Conversation | undefined> {
  return (await q.query<Conversation>(`SELECT ${CONV} FROM chat_conversations WHERE visitor_id = $1 AND state <> 'ended' ORDER BY created_at DESC LIMIT 1`, [visitorId])).rows[0];
}
export async function createConversation(q: Queryable, c: { siteId: string; visitorId: string; state: ConversationState; navigation: string | null; language: Lang; now: number }): Promise<Conversation> {
  const { rows } = await q.query<Conversation>(`INSERT INTO chat_conversations (site_id, visitor_id, state, navigation, language, created_at) VALUES ($1,$2,$3,$4,$5,to_timestamp($6/1000.0)) RETURNING ${CONV}`, [c.siteId, c.visitorId, c.state, c.navigation, c.language, c.now]);
  return rows[0]!;
}

/** The guard of every state change: the row moves only from one of the allowed states (and the expected routing leg). */
export async function moveConversation(
  q: Queryable,
  id: string,
  from: readonly ConversationState[],
  set: { state: ConversationState; agentId?: string | null; contactId?: string | null; leg?: number; navigation?: string | null; endReason?: EndReason; now: number },
  expectContactId?: string,
): Promise<Conversation | undefined> {
  const { rows } = await q.query<Conversation>(
    `UPDATE chat_conversations SET state = $3,
       agent_id = CASE WHEN $4::boolean THEN $5::uuid ELSE agent_id END,
       contact_id = CASE WHEN $6::boolean THEN $7 ELSE contact_id END,
       leg = COALESCE($8, leg), navigation = COALESCE($9, navigation), end_reason = COALESCE($10, end_reason),
       assigned_at = CASE WHEN $3 = 'active' THEN to_timestamp($11/1000.0) ELSE assigned_at END,
       ended_at = CASE WHEN $3 = 'ended' THEN to_timestamp($11/1000.0) ELSE ended_at END
     WHERE id = $1 AND state = ANY($2) AND ($12::text IS NULL OR contact_id = $12) RETURNING ${CONV}`,
    [id, from, set.state, set.agentId !== undefined, set.agentId ?? null, set.contactId !== undefined, set.contactId ?? null, set.leg ?? null, set.navigation ?? null, set.endReason ?? null, set.now, expectContactId ?? null],
  );
  return rows[0];
}

export async function activeConversationsOf(q: Queryable, agentId: string): Promise<Conversation[]> {
  return (await q.query<Conversation>(`SELECT ${CONV} FROM chat_conversations WHERE agent_id = $1 AND state = 'active'`, [agentId])).rows;
}
export async function queuedConversations(q: Queryable, limit = 200): Promise<Conversation[]> {
  return (await q.query<Conversation>(`SELECT ${CONV} FROM chat_conversations WHERE state = 'queued' ORDER BY created_at LIMIT $1`, [limit])).rows;
}

export async function addParticipant(q: Queryable, conversationId: string, agentId: string, role: 'owner' | 'invited', now: number): Promise<void> {
  await q.query(
    `INSERT INTO chat_participants (conversation_id, agent_id, role, joined_at) VALUES ($1,$2,$3,to_timestamp($4/1000.0))
     ON CONFLICT (conversation_id, agent_id) DO UPDATE SET role = CASE WHEN $3 = 'owner' THEN 'owner' ELSE chat_participants.role END, left_at = NULL`,
    [conversationId, agentId, role, now],
  );
}
export async function leaveParticipant(q: Queryable, conversationId: string, agentId: string, now: number): Promise<void> {
  await q.query('UPDATE chat_participants SET left_at = to_timestamp($3/1000.0) WHERE conversation_id = $1 AND agent_id = $2', [conversationId, agentId, now]);
}
/** Agents currently in the conversation (owner and invited colleagues). */
export async function participants(q: Queryable, conversationId: string): Promise<string[]> {
  return (await q.query<{ agentId: string }>('SELECT agent_id AS "agentId" FROM chat_participants WHERE conversation_id = $1 AND left_at IS NULL', [conversationId])).rows.map((r) => r.agentId);
}
/** What access checks need, in one round trip: the conversation, its current agents, and whether `agentId` ever took part. */
export interface Access {
  conv: Conversation;
  agents: string[];
  everIn: boolean;
}
export async function access(q: Queryable, conversationId: string, agentId: string | null): Promise<Access | undefined> {
  const { rows } = await q.query<Conversation & { agents: string[]; everIn: boolean }>({
    name: 'chat_access',
    text: `SELECT ${CONV},
       ARRAY(SELECT p.agent_id::text FROM chat_participants p WHERE p.conversation_id = c.id AND p.left_at IS NULL ORDER BY p.joined_at) AS agents,
       ($2::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM chat_participants p WHERE p.conversation_id = c.id AND p.agent_id = $2::uuid)) AS "everIn"
     FROM chat_conversations c WHERE c.id = $1`,
    values: [conversationId, agentId],
  });
  const r = rows[0];
  if (!r) return undefined;
  const { agents, everIn, ...conv } = r;
  return { conv, agents, everIn };
}

/** A timer armed by the message that is sent; `replace` false keeps a pending one as it is (the agent-reply timer runs from the first unanswered message). */
export interface ArmTimer {
  key: string;
  kind: TimerKind;
  dueAt: number;
  replace: boolean;
}

export type SendOutcome =
  | { status: 'not_found' | 'forbidden' | 'ended' | 'not_served' }
  | { status: 'sent'; message: Message; visitorId: string; state: ConversationState; agents: string[] };

/**
 * The whole message path in ONE statement (one round trip, one snapshot): the
 * access check (visitor owns it / agent is a current participant, conversation
 * not ended, an agent writes only to an active one), the INSERT, and, when the
 * conversation is active, the timer changes the message implies (cancel one key,
 * arm another) in chat_timers, so they survive a restart exactly as before. The
 * agents to deliver to come from the same snapshot as the check.
 */
export async function sendMessage(
  q: Queryable,
  m: { conversationId: string; sender: { kind: 'visitor'; visitorId: string } | { kind: 'agent'; agentId: string }; kind: Message['kind']; body: string; fileId: string | null; clientId: string | null; now: number; cancelTimer: string; armTimer: ArmTimer | null },
): Promise<SendOutcome> {
  const agentId = m.sender.kind === 'agent' ? m.sender.agentId : null;
  const visitorId = m.sender.kind === 'visitor' ? m.sender.visitorId : null;
  const arm = m.armTimer;
  // A named statement: each pooled connection parses and plans it once.
  const { rows } = await q.query<Partial<Message> & { convState: ConversationState; convVisitorId: string; convAgents: string[]; allowed: boolean }>({
    name: 'chat_send_message',
    text: `WITH conv AS (
       SELECT c.id, c.visitor_id, c.state,
         ARRAY(SELECT p.agent_id::text FROM chat_participants p WHERE p.conversation_id = c.id AND p.left_at IS NULL ORDER BY p.joined_at) AS agents
       FROM chat_conversations c WHERE c.id = $1
     ), chk AS (
       SELECT conv.*, (CASE WHEN $2::uuid IS NOT NULL THEN conv.visitor_id = $2::uuid ELSE ($3::uuid)::text = ANY(conv.agents) END) AS allowed FROM conv
     ), ok AS (
       SELECT chk.* FROM chk WHERE chk.allowed AND chk.state <> 'ended' AND ($2::uuid IS NOT NULL OR chk.state = 'active')
     ), ins AS (
       INSERT INTO chat_messages (conversation_id, visitor_id, sender_kind, sender_id, kind, body, file_id, client_id, created_at)
       SELECT ok.id, ok.visitor_id, $4::text, COALESCE($3::uuid, ok.visitor_id), $5::text, $6::text, $7::uuid, $8::text, to_timestamp($9::float8 / 1000.0) FROM ok
       RETURNING ${MSG}
     ), cancelled AS (
       DELETE FROM chat_timers WHERE key = $10::text AND EXISTS (SELECT 1 FROM ok WHERE ok.state = 'active')
     ), armed AS (
       INSERT INTO chat_timers (key, kind, subject, due_at)
       SELECT $11::text, $12::text, ok.id::text, $13::bigint FROM ok WHERE ok.state = 'active' AND $11::text IS NOT NULL
       ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, subject = EXCLUDED.subject, due_at = EXCLUDED.due_at, payload = '{}' WHERE $14::boolean
     )
     SELECT chk.state AS "convState", chk.visitor_id AS "convVisitorId", chk.agents AS "convAgents", chk.allowed, ins.* FROM chk LEFT JOIN ins ON true`,
    values: [m.conversationId, visitorId, agentId, m.sender.kind, m.kind, m.body, m.fileId, m.clientId, m.now, m.cancelTimer, arm?.key ?? null, arm?.kind ?? null, arm ? Math.round(arm.dueAt) : null, arm?.replace ?? false],
  });
  const r = rows[0];
  if (!r) return { status: 'not_found' };
  if (!r.allowed) return { status: visitorId ? 'not_found' : 'forbidden' };
  if (!r.id) return { status: r.convState === 'ended' ? 'ended' : 'not_served' };
  const { convState, convVisitorId, convAgents, allowed: _allowed, ...message } = r;
  return { status: 'sent', message: message as Message, visitorId: convVisitorId, state: convState, agents: convAgents };
}

/** Everyone who ever took part: they may read the history and files afterwards. */
export async function everParticipated(q: Queryable, conversationId: string, agentId: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM chat_participants WHERE conversation_id = $1 AND agent_id = $2', [conversationId, agentId])).rowCount! > 0;
}

export async function insertMessage(q: Queryable, m: { conversationId: string; visitorId: string; senderKind: Message['senderKind']; senderId: string | null; kind: Message['kind']; body: string; fileId?: string | null; clientId?: string | null; now: number }): Promise<Message> {
  const { rows } = await q.query<Message>(
    `INSERT INTO chat_messages (conversation_id, visitor_id, sender_kind, sender_id, kind, body, file_id, client_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,to_timestamp($9/1000.0)) RETURNING ${MSG}`,
    [m.conversationId, m.visitorId, m.senderKind, m.senderId, m.kind, m.body, m.fileId ?? null, m.clientId ?? null, m.now],
  );
  return rows[0]!;
}
export async function getMessage(q: Queryable, id: string): Promise<Message | undefined> {
  return (await q.query<Message>(`SELECT ${MSG} FROM chat_messages WHERE id = $1`, [id])).rows[0];
}
/** Marks the message recalled; the row as it is now, or undefined when it was recalled already. */
export async function recallMessage(q: Queryable, id: string, now: number): Promise<Message | undefined> {
  return (await q.query<Message>(`UPDATE chat_messages SET recalled_at = to_timestamp($2/1000.0) WHERE id = $1 AND recalled_at IS NULL RETURNING ${MSG}`, [id, now])).rows[0];
}
/** Marks what the other side sent as read, up to a message id; returns the ids marked. */
export async function markRead(q: Queryable, conversationId: string, reader: 'visitor' | 'agent', upTo: string, now: number): Promise<string[]> {
  const senders = reader === 'visitor' ? ['agent', 'system'] : ['visitor'];
  const { rows } = await q.query<{ id: string }>(
    `UPDATE chat_messages SET read_at = to_timestamp($4/1000.0) WHERE conversation_id = $1 AND id <= $3 AND sender_kind = ANY($2) AND read_at IS NULL RETURNING id::text`,
    [conversationId, senders, upTo, now],
  );
  return rows.map((r) => r.id);
}
/** A visitor's messages across all their conversations, newest first, before a cursor. */
export async function visitorHistory(q: Queryable, visitorId: string, before: string | null, limit: number): Promise<Message[]> {
  return (await q.query<Message>(`SELECT ${MSG} FROM chat_messages WHERE visitor_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`, [visitorId, before, limit])).rows;
}
export async function conversationMessages(q: Queryable, conversationId: string): Promise<Message[]> {
  return (await q.query<Message>(`SELECT ${MSG} FROM chat_messages WHERE conversation_id = $1 ORDER BY id`, [conversationId])).rows;
}

export async function agentName(q: Queryable, agentId: string): Promise<string> {
  return (await q.query<{ n: string }>('SELECT display_name AS n FROM users WHERE id = $1', [agentId])).rows[0]?.n ?? '';
}

export async function insertFile(q: Queryable, f: { id: string; conversationId: string; kind: 'image' | 'file'; name: string; mime: string; size: number; path: string }): Promise<void> {
  await q.query('INSERT INTO chat_files (id, conversation_id, kind, name, mime, size, path) VALUES ($1,$2,$3,$4,$5,$6,$7)', [f.id, f.conversationId, f.kind, f.name, f.mime, f.size, f.path]);
}
export async function getFile(q: Queryable, id: string): Promise<{ id: string; conversationId: string; kind: 'image' | 'file'; name: string; mime: string; size: number; path: string } | undefined> {
  return (await q.query(`SELECT id, conversation_id AS "conversationId", kind, name, mime, size, path FROM chat_files WHERE id = $1`, [id])).rows[0] as never;
}
