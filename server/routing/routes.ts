import { z } from 'zod';
import { recordAudit } from '../audit/audit';
import { audited } from '../audit/audited';
import { can, type Principal } from '../auth/principal';
import type { Db } from '../db/pool';
import { actorOf } from '../http/actor';
import { idParams, route, type Route, type RouteContext } from '../http/route';
import { ForbiddenError, UnauthorizedError } from '../platform/errors';
import * as admin from './adapters/pg-admin';
import type { RoutingEngine } from './engine';
import type { LiveAgent } from './ports';
import { parseTargetKey } from './policy/types';

const offerParams = z.object({ offerId: z.uuid({ message: 'must be a UUID' }) });
const contactParams = z.object({ contactId: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'not a contact id') });
const codeParams = z.object({ code: z.string().min(1).max(32) });
const groupParams = z.object({ groupId: z.uuid({ message: 'must be a UUID' }) });
const presenceBody = z.discriminatedUnion('state', [
  z.object({ state: z.literal('ready') }),
  z.object({ state: z.literal('offline') }),
  z.object({ state: z.literal('not_ready'), reason: z.string().min(1).max(32).describe('a not-ready reason code') }),
]);
const capacityBody = z.object({ chat: z.number().int().min(0).max(100).describe('simultaneous chats, at most the limit the admin set') });
const agentSettingsBody = z
  .object({
    callBlocksChat: z.boolean().optional(),
    // One setting for how an agent takes calls: the endpoint's mode and number.
    externalPhone: z.never({ error: 'an external phone is set on the agent endpoint: PATCH /api/agents/{id}/endpoint {"mode":"external","externalNumber":"..."}' }).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

/** The JSON shape of a live agent. */
export function agentView(a: LiveAgent, names?: Map<string, string>) {
  return {
    agentId: a.agentId,
    displayName: names?.get(a.agentId) ?? null,
    state: a.presence.state,
    reason: a.presence.reason,
    since: new Date(a.presence.since).toISOString(),
    wrapUntil: a.presence.wrapUntil === null ? null : new Date(a.presence.wrapUntil).toISOString(),
    load: a.load,
    capacity: a.capacity,
    voiceRegistered: a.voiceRegistered,
    queues: [...a.targets].map(([t, level]) => ({ ...parseTargetKey(t), level })),
  };
}

/** Agent endpoints need the right to handle calls or chats. */
function agentOf(ctx: { principal: Principal | undefined }): string {
  const p = ctx.principal;
  if (!p) throw new UnauthorizedError();
  if (!can(p, 'calls.handle') && !can(p, 'chat.handle')) throw new ForbiddenError('Only agents (calls.handle or chat.handle) take contacts');
  return p.userId;
}

export function routingRoutes({ db, engine }: { db: Db; engine: RoutingEngine }): Route[] {
  const tag = 'routing';
  const manage = { permission: 'routing.manage' } as const;
  const monitor = { permission: 'supervisor.monitor' } as const;
  const names = async () => new Map((await db.query<{ id: string; name: string }>('SELECT id, display_name AS name FROM users')).rows.map((r) => [r.id, r.name]));
  /** An audited admin change, then every process reloads the routing config (after the commit). */
  const change = async <T>(ctx: RouteContext<unknown, unknown, unknown>, action: string, entityType: string, fn: Parameters<typeof audited<T>>[3]): Promise<T> => {
    const result = await audited(db, actorOf(ctx), { action, entityType }, fn);
    await engine.configChanged();
    return result;
  };
  const me = async (agentId: string) => {
    const a = (await engine.syncAgent(agentId))!;
    return agentView(a);
  };

  return [
    // ── agent ──
    route({ method: 'get', path: '/api/routing/me', tag, summary: 'My ACD state: presence, load, capacity, queues', access: 'authenticated', handler: (ctx) => me(agentOf(ctx)) }),
    route({
      method: 'put',
      path: '/api/routing/me/presence',
      tag,
      summary: 'Set my state: ready, not_ready (with a reason) or offline',
      access: 'authenticated',
      body: presenceBody,
      handler: async (ctx) => {
        const agentId = agentOf(ctx);
        await engine.setPresence(agentId, ctx.body);
        return me(agentId);
      },
    }),
    route({
      method: 'put',
      path: '/api/routing/me/capacity',
      tag,
      summary: 'Set how many chats I take at once (up to my limit)',
      access: 'authenticated',
      body: capacityBody,
      handler: async (ctx) => {
        const agentId = agentOf(ctx);
        await engine.setChatCapacity(agentId, ctx.body.chat);
        return me(agentId);
      },
    }),
    route({ method: 'post', path: '/api/routing/offers/:offerId/accept', tag, summary: 'Accept an offer made to me', access: 'authenticated', params: offerParams, handler: (ctx) => engine.accept(ctx.params.offerId, { agentId: agentOf(ctx) }) }),
    route({
      method: 'post',
      path: '/api/routing/offers/:offerId/reject',
      tag,
      summary: 'Decline an offer made to me; the contact goes to the next agent',
      access: 'authenticated',
      params: offerParams,
      status: 204,
      handler: (ctx) => engine.reject(ctx.params.offerId, { agentId: agentOf(ctx) }),
    }),
    route({
      method: 'post',
      path: '/api/routing/contacts/:contactId/complete',
      tag,
      summary: 'End a contact I am handling (frees the slot; calls start wrap-up)',
      access: 'authenticated',
      params: contactParams,
      status: 204,
      handler: (ctx) => engine.complete(ctx.params.contactId, { agentId: agentOf(ctx) }),
    }),
    route({ method: 'get', path: '/api/routing/not-ready-reasons', tag, summary: 'Not-ready reasons an agent can pick', access: 'authenticated', handler: () => admin.listReasons(db) }),

    // ── supervisor ──
    route({ method: 'get', path: '/api/routing/queues', tag, summary: 'Queues: waiting and longest wait per channel, agents by state', access: monitor, handler: () => engine.queues() }),
    route({
      method: 'get',
      path: '/api/routing/agents',
      tag,
      summary: 'Agents in the ACD: state, since, load and capacity',
      access: monitor,
      handler: async () => {
        const [agents, n] = await Promise.all([engine.agents(), names()]);
        return agents.map((a) => agentView(a, n)).sort((a, b) => (a.displayName ?? '').localeCompare(b.displayName ?? ''));
      },
    }),
    route({ method: 'get', path: '/api/routing/contacts/:contactId/position', tag, summary: 'Queue position and estimated wait of a contact', access: monitor, params: contactParams, handler: (ctx) => engine.position(ctx.params.contactId) }),
    route({
      method: 'put',
      path: '/api/routing/agents/:id/presence',
      tag,
      summary: "Set an agent's state (supervisor)",
      access: monitor,
      params: idParams,
      body: presenceBody,
      handler: async (ctx) => {
        const who = actorOf(ctx);
        const before = (await engine.agents()).find((a) => a.agentId === ctx.params.id)?.presence;
        const presence = await engine.setPresence(ctx.params.id, ctx.body, `supervisor:${ctx.principal!.userId}`);
        // Live state is in Redis, not Postgres: the audit row follows the change rather than sharing a transaction with it.
        // An agent not yet in the ACD's live state is offline.
        await recordAudit(db, { ...who, action: 'agent_presence.set_by_supervisor', entityType: 'agent', entityId: ctx.params.id, before: before ? { state: before.state, reason: before.reason ?? null } : { state: 'offline', reason: null }, after: { state: presence.state, reason: presence.reason ?? null } });
        return { agentId: ctx.params.id, state: presence.state, reason: presence.reason };
      },
    }),

    // ── admin ──
    route({ method: 'get', path: '/api/routing/settings', tag, summary: 'Global ACD settings', access: manage, handler: () => admin.getSettings(db) }),
    route({
      method: 'patch',
      path: '/api/routing/settings',
      tag,
      summary: 'Change global ACD settings (offer timeouts, wrap-up, burst cap, missed-offer pause)',
      access: manage,
      body: admin.settingsBody,
      handler: (ctx) =>
        change(ctx, 'routing.settings_update', 'routing_settings', async (tx) => {
          const before = await admin.getSettings(tx);
          return { result: await admin.putSettings(tx, ctx.body), entityId: 'global', before };
        }),
    }),
    route({
      method: 'put',
      path: '/api/routing/agents/:id/settings',
      tag,
      summary: "An agent's routing settings: whether a call blocks chats (an external phone is the agent's endpoint)",
      access: manage,
      params: idParams,
      body: agentSettingsBody,
      status: 204,
      handler: async (ctx) => {
        await engine.setAgentSettings(ctx.params.id, ctx.body);
      },
    }),
    route({ method: 'get', path: '/api/routing/rules', tag, summary: 'Routing rules in priority order', access: manage, handler: () => admin.listRules(db) }),
    route({ method: 'get', path: '/api/routing/rules/:id', tag, summary: 'One routing rule', access: manage, params: idParams, handler: (ctx) => admin.getRule(db, ctx.params.id) }),
    route({
      method: 'post',
      path: '/api/routing/rules',
      tag,
      summary: 'Create a routing rule (conditions, target, overflow)',
      access: manage,
      body: admin.createRuleBody,
      status: 201,
      handler: (ctx) =>
        change(ctx, 'routing.rule_create', 'routing_rule', async (tx) => {
          const rule = await admin.createRule(tx, ctx.body);
          return { result: rule, entityId: rule.id };
        }),
    }),
    route({
      method: 'patch',
      path: '/api/routing/rules/:id',
      tag,
      summary: 'Change a routing rule (including its priority, enable/disable)',
      access: manage,
      params: idParams,
      body: admin.updateRuleBody,
      handler: (ctx) =>
        change(ctx, 'routing.rule_update', 'routing_rule', async (tx) => {
          const before = await admin.getRule(tx, ctx.params.id);
          return { result: await admin.updateRule(tx, ctx.params.id, ctx.body), entityId: ctx.params.id, before };
        }),
    }),
    route({
      method: 'delete',
      path: '/api/routing/rules/:id',
      tag,
      summary: 'Delete a routing rule',
      access: manage,
      params: idParams,
      status: 204,
      handler: (ctx) =>
        change(ctx, 'routing.rule_delete', 'routing_rule', async (tx) => {
          const before = await admin.deleteRule(tx, ctx.params.id);
          return { result: undefined, entityId: before.id, before, after: null };
        }),
    }),
    route({ method: 'get', path: '/api/routing/strategies', tag, summary: 'Assignment strategy of every skill group', access: manage, handler: () => admin.listStrategies(db) }),
    route({ method: 'get', path: '/api/routing/strategies/:groupId', tag, summary: "A skill group's assignment strategy", access: manage, params: groupParams, handler: (ctx) => admin.getStrategy(db, ctx.params.groupId) }),
    route({
      method: 'put',
      path: '/api/routing/strategies/:groupId',
      tag,
      summary: "Set a skill group's strategy (longest_idle, least_busy, round_robin, skill_level, random) and returning-customer-first",
      access: manage,
      params: groupParams,
      body: admin.strategyBody,
      handler: (ctx) =>
        change(ctx, 'routing.strategy_set', 'skill_group', async (tx) => {
          const before = await admin.getStrategy(tx, ctx.params.groupId);
          return { result: await admin.putStrategy(tx, ctx.params.groupId, ctx.body), entityId: ctx.params.groupId, before };
        }),
    }),
    route({
      method: 'post',
      path: '/api/routing/not-ready-reasons',
      tag,
      summary: 'Add a not-ready reason',
      access: manage,
      body: admin.createReasonBody,
      status: 201,
      handler: (ctx) =>
        change(ctx, 'routing.reason_create', 'not_ready_reason', async (tx) => {
          const reason = await admin.createReason(tx, ctx.body);
          return { result: reason, entityId: reason.code };
        }),
    }),
    route({
      method: 'patch',
      path: '/api/routing/not-ready-reasons/:code',
      tag,
      summary: 'Rename, enable or disable a not-ready reason',
      access: manage,
      params: codeParams,
      body: admin.updateReasonBody,
      handler: (ctx) =>
        change(ctx, 'routing.reason_update', 'not_ready_reason', async (tx) => {
          const before = await admin.getReason(tx, ctx.params.code);
          return { result: await admin.updateReason(tx, ctx.params.code, ctx.body), entityId: ctx.params.code, before };
        }),
    }),
    route({
      method: 'delete',
      path: '/api/routing/not-ready-reasons/:code',
      tag,
      summary: 'Delete a not-ready reason (built-in ones can only be disabled)',
      access: manage,
      params: codeParams,
      status: 204,
      handler: (ctx) =>
        change(ctx, 'routing.reason_delete', 'not_ready_reason', async (tx) => {
          const before = await admin.deleteReason(tx, ctx.params.code);
          return { result: undefined, entityId: before.code, before, after: null };
        }),
    }),
  ];
}
