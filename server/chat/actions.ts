import { addEntry, addEntryBody } from '../blacklist/store';
import { ConflictError, ForbiddenError, InvalidStateError, NotFoundError, ValidationError } from '../platform/errors';
import type { ChatConversation } from '../realtime/contract';
import type { OfferEvent } from '../routing/events';
import { contactIdOf } from './domain/conversation';
import { checkRating, checkWrapUp } from './domain/rules';
import { pick, ratingOptions, render } from './domain/settings';
import { CLAIM_PRIORITY, REQUEUE_PRIORITY, type ChatService } from './service';
import * as store from './store';
import type { Conversation } from './store';

interface TransferRow {
  id: string;
  conversationId: string;
  fromAgent: string;
  toAgent: string | null;
  status: string;
  deadline: string | null;
  newContactId: string | null;
}

const TRANSFER = `id, conversation_id AS "conversationId", from_agent AS "fromAgent", to_agent AS "toAgent", status, deadline, new_contact_id AS "newContactId"`;

/**
 * What an agent does to a conversation beyond messaging (seed 000 §5.4–5.5):
 * claim, transfer (to an agent who must accept in time, or to a group), invite a
 * colleague, ask for a rating, wrap up, blacklist; and the visitor's rating.
 */
export class ChatActions {
  constructor(private readonly chat: ChatService) {
    chat.onTransferLeg = (conv, o) => this.#transferLegOffered(conv, o);
    chat.extraTimers.set('transfer_timeout', (t) => this.#transferTimedOut(t.subject));
  }

  async #owned(agentId: string, conversationId: string): Promise<Conversation> {
    const conv = await this.chat.authorize({ kind: 'agent', agentId }, conversationId, { write: true });
    if (conv.state !== 'active' || conv.agentId !== agentId) throw new InvalidStateError('Only the agent serving an active conversation can do this');
    return conv;
  }

  /** Seed 000 §5.1.1: an agent picks a waiting visitor from the queue list. Capacity still applies: it goes through the ACD at top priority to the agent's own queue. */
  async claim(agentId: string, conversationId: string): Promise<ChatConversation> {
    const conv = await store.getConversation(this.chat.db, conversationId);
    if (!conv) throw new NotFoundError('Conversation');
    if (conv.state !== 'queued' || !conv.contactId) throw new InvalidStateError('Only a waiting conversation can be claimed');
    await this.chat.engine.abandon(conv.contactId).catch((err: unknown) => {
      throw err instanceof NotFoundError ? new ConflictError('Someone else took the conversation', 'taken') : err;
    });
    await this.chat.requeueTo(conv, { kind: 'agent', id: agentId }, CLAIM_PRIORITY);
    return this.chat.snapshot(conv.id);
  }

  /** To a group: the conversation as it is now. To an agent: the pending transfer they must accept. */
  async transfer(agentId: string, conversationId: string, to: { agentId?: string; groupId?: string; note?: string }): Promise<ChatConversation | { transferId: string; status: 'pending'; deadline: number }> {
    const conv = await this.#owned(agentId, conversationId);
    if (Boolean(to.agentId) === Boolean(to.groupId)) throw new ValidationError('Give either agentId or groupId', [{ path: 'agentId', message: 'one of agentId, groupId' }]);
    if (to.agentId === agentId) throw new ValidationError('You cannot transfer to yourself', [{ path: 'agentId', message: 'is you' }]);
    const pending = await this.chat.db.query("SELECT 1 FROM chat_transfers WHERE conversation_id = $1 AND status IN ('pending', 'accepted')", [conv.id]);
    if (pending.rowCount) throw new ConflictError('A transfer of this conversation is already under way', 'transfer_pending');
    if (to.groupId) {
      // To a skill group: the conversation goes back to that group's queue, ahead of new arrivals.
      await this.chat.db.query("INSERT INTO chat_transfers (conversation_id, from_agent, to_group, note, status) VALUES ($1,$2,$3,$4,'done')", [conv.id, agentId, to.groupId, to.note ?? '']);
      await this.chat.engine.complete(conv.contactId!);
      await store.leaveParticipant(this.chat.db, conv.id, agentId, this.chat.now());
      this.chat.notifier.toAgents([agentId], 'conversation.transferred', { conversationId: conv.id, to: { groupId: to.groupId } });
      await this.chat.requeueTo(conv, { kind: 'group', id: to.groupId }, REQUEUE_PRIORITY);
      return this.chat.snapshot(conv.id);
    }
    const seconds = this.chat.settings.timers.transferAcceptSeconds;
    const deadline = Math.round(this.chat.now() + seconds * 1000);
    const { rows } = await this.chat.db.query<TransferRow>(`INSERT INTO chat_transfers (conversation_id, from_agent, to_agent, note, status, deadline) VALUES ($1,$2,$3,$4,'pending',$5) RETURNING ${TRANSFER}`, [conv.id, agentId, to.agentId, to.note ?? '', deadline]);
    const t = rows[0]!;
    await this.chat.timers.set(`c:${conv.id}:transfer`, 'transfer_timeout', t.id, seconds * 1000);
    const fromName = await store.agentName(this.chat.db, agentId);
    const visitor = await this.chat.db.query<{ name: string | null }>('SELECT name FROM chat_visitors WHERE id = $1', [conv.visitorId]);
    const title = render(pick(this.chat.settings.messages.transferRequest, 'zh'), { agent: fromName, user: visitor.rows[0]?.name ?? conv.visitorId.slice(0, 8) });
    const titleEn = render(pick(this.chat.settings.messages.transferRequest, 'en'), { agent: fromName, user: visitor.rows[0]?.name ?? conv.visitorId.slice(0, 8) });
    this.chat.notifier.toAgents([to.agentId!], 'transfer.request', { transferId: t.id, conversationId: conv.id, from: agentId, title: { zh: title, en: titleEn }, note: to.note ?? '', deadline });
    return { transferId: t.id, status: 'pending', deadline };
  }

  /** The target agent answers in time: decline tells the sender; accept routes a new leg to them at top priority (their capacity applies). */
  async answerTransfer(agentId: string, transferId: string, accept: boolean): Promise<{ status: string }> {
    const { rows } = await this.chat.db.query<TransferRow>(`SELECT ${TRANSFER} FROM chat_transfers WHERE id = $1`, [transferId]);
    const t = rows[0];
    if (!t || t.toAgent !== agentId) throw new NotFoundError('Transfer');
    if (t.status !== 'pending') throw new InvalidStateError(`The transfer is ${t.status}`);
    if (Number(t.deadline) < this.chat.now()) throw new InvalidStateError('The transfer request has expired');
    await this.chat.timers.cancel(`c:${t.conversationId}:transfer`);
    if (!accept) {
      await this.chat.db.query("UPDATE chat_transfers SET status = 'declined' WHERE id = $1 AND status = 'pending'", [t.id]);
      this.chat.notifier.toAgents([t.fromAgent], 'transfer.declined', { transferId: t.id, conversationId: t.conversationId, by: agentId });
      return { status: 'declined' };
    }
    const leg = await this.chat.db.query<{ leg: number }>("UPDATE chat_conversations SET leg = leg + 1 WHERE id = $1 AND state = 'active' RETURNING leg", [t.conversationId]);
    if (!leg.rowCount) throw new InvalidStateError('The conversation is no longer active');
    const contactId = contactIdOf(t.conversationId, leg.rows[0]!.leg);
    await this.chat.db.query("UPDATE chat_transfers SET status = 'accepted', new_contact_id = $2 WHERE id = $1", [t.id, contactId]);
    await this.chat.engine.enqueue({ id: contactId, channel: 'chat', priority: CLAIM_PRIORITY, target: { kind: 'agent', id: agentId } });
    return { status: 'accepted' };
  }

  async #transferLegOffered(conv: Conversation, o: OfferEvent): Promise<boolean> {
    const { rows } = await this.chat.db.query<TransferRow>(`SELECT ${TRANSFER} FROM chat_transfers WHERE new_contact_id = $1 AND status = 'accepted'`, [o.contactId]);
    const t = rows[0];
    if (!t) return false;
    await this.chat.engine.accept(o.offerId);
    const old = conv.contactId;
    const now = this.chat.now();
    const moved = await store.moveConversation(this.chat.db, conv.id, ['active'], { state: 'active', agentId: o.agentId, contactId: o.contactId, now });
    await this.chat.db.query("UPDATE chat_transfers SET status = 'done' WHERE id = $1", [t.id]);
    if (!moved) {
      await this.chat.engine.complete(o.contactId).catch(() => undefined);
      return true;
    }
    if (old) await this.chat.engine.complete(old).catch(() => undefined);
    await store.leaveParticipant(this.chat.db, conv.id, t.fromAgent, now);
    await store.addParticipant(this.chat.db, conv.id, o.agentId, 'owner', now);
    const m = this.chat.settings.messages.transferred;
    if (m.enabled) await this.chat.systemMessage(moved, render(pick(m, moved.language), { agent: await store.agentName(this.chat.db, o.agentId) }));
    this.chat.notifier.toAgents([t.fromAgent], 'conversation.transferred', { conversationId: conv.id, to: { agentId: o.agentId } });
    this.chat.notifier.toAgents([o.agentId], 'conversation.assigned', await this.chat.snapshot(conv.id));
    this.chat.notifier.toVisitor(conv.visitorId, 'state', await this.chat.snapshot(conv.id));
    return true;
  }

  async #transferTimedOut(transferId: string): Promise<void> {
    const { rows } = await this.chat.db.query<TransferRow>(`UPDATE chat_transfers SET status = 'timed_out' WHERE id = $1 AND status = 'pending' RETURNING ${TRANSFER}`, [transferId]);
    const t = rows[0];
    if (!t) return;
    this.chat.notifier.toAgents([t.fromAgent], 'transfer.timed_out', { transferId, conversationId: t.conversationId });
    if (t.toAgent) this.chat.notifier.toAgents([t.toAgent], 'transfer.cancelled', { transferId, conversationId: t.conversationId });
  }

  /** Brings a colleague into the conversation (no capacity cost: they help, the owner still serves). */
  async invite(agentId: string, conversationId: string, colleagueId: string): Promise<ChatConversation> {
    const conv = await this.#owned(agentId, conversationId);
    const exists = await this.chat.db.query('SELECT 1 FROM users WHERE id = $1', [colleagueId]);
    if (!exists.rowCount) throw new NotFoundError('Agent');
    await store.addParticipant(this.chat.db, conv.id, colleagueId, 'invited', this.chat.now());
    const snap = await this.chat.snapshot(conv.id);
    this.chat.notifier.toAgents([colleagueId], 'conversation.invited', { ...snap, by: agentId });
    return snap;
  }

  async inviteRating(agentId: string, conversationId: string): Promise<void> {
    const conv = await this.chat.authorize({ kind: 'agent', agentId }, conversationId, { write: true });
    await this.chat.inviteRating(conv);
  }

  async rate(visitorId: string, conversationId: string, r: { level: number; tags: string[]; comment?: string | null }): Promise<void> {
    const conv = await this.chat.authorize({ kind: 'visitor', visitorId }, conversationId);
    if (!conv.ratingInvitedAt && conv.state !== 'ended') throw new InvalidStateError('Rating opens when the agent asks or the conversation ends');
    checkRating(r, ratingOptions(this.chat.settings), this.chat.settings);
    const res = await this.chat.db.query('INSERT INTO chat_ratings (conversation_id, levels, level, tags, comment) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING', [conv.id, this.chat.settings.rating.levels, r.level, r.tags, r.comment ?? null]);
    if (res.rowCount !== 1) throw new ConflictError('This conversation was already rated', 'already_rated');
    this.chat.notifier.toAgents(await store.participants(this.chat.db, conv.id), 'rating', { conversationId: conv.id, level: r.level, tags: r.tags });
  }

  async wrapUp(agentId: string, conversationId: string, w: { categoryId: string | null; resolved: boolean | null; note: string; submit: boolean }): Promise<unknown> {
    const conv = await this.chat.authorize({ kind: 'agent', agentId }, conversationId);
    if (!(await store.everParticipated(this.chat.db, conv.id, agentId))) throw new ForbiddenError('Only an agent of the conversation wraps it up');
    const cur = await this.chat.db.query<{ status: 'draft' | 'submitted' }>('SELECT status FROM chat_wrapups WHERE conversation_id = $1', [conv.id]);
    checkWrapUp(cur.rows[0], w);
    if (w.categoryId) {
      const c = await this.chat.db.query('SELECT 1 FROM chat_wrapup_categories WHERE id = $1', [w.categoryId]);
      if (!c.rowCount) throw new ValidationError('Unknown category', [{ path: 'categoryId', message: 'not found' }]);
    }
    const { rows } = await this.chat.db.query(
      `INSERT INTO chat_wrapups (conversation_id, agent_id, category_id, resolved, note, status, submitted_at) VALUES ($1,$2,$3,$4,$5,$6, CASE WHEN $6 = 'submitted' THEN now() END)
       ON CONFLICT (conversation_id) DO UPDATE SET agent_id = $2, category_id = $3, resolved = $4, note = $5, status = $6, updated_at = now(), submitted_at = CASE WHEN $6 = 'submitted' THEN now() END
       WHERE chat_wrapups.status = 'draft'
       RETURNING conversation_id AS "conversationId", category_id AS "categoryId", resolved, note, status, submitted_at AS "submittedAt"`,
      [conv.id, agentId, w.categoryId, w.resolved, w.note, w.submit ? 'submitted' : 'draft'],
    );
    if (!rows[0]) throw new InvalidStateError('A submitted wrap-up cannot be changed');
    return rows[0];
  }

  /** Blocks the visitor (with an expiry) and ends the conversation; they see the admin's message. */
  async blacklist(agentId: string, conversationId: string, b: { reason: string; expiresAt?: string }): Promise<void> {
    const conv = await this.chat.authorize({ kind: 'agent', agentId }, conversationId, { write: true });
    const entry = addEntryBody.parse({ channel: 'chat', value: conv.visitorId, reason: b.reason, expiresAt: b.expiresAt });
    await addEntry(this.chat.db, entry, agentId);
    await this.chat.endBy(conv.id, 'blacklisted', pick(this.chat.settings.messages.blacklisted, conv.language));
  }
}
