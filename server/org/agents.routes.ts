import { audited } from '../audit/audited';
import { revokeAllApiTokens } from '../auth/api-tokens';
import { hashPassword } from '../auth/passwords';
import { can } from '../auth/principal';
import type { SessionStore } from '../auth/sessions';
import type { Db } from '../db/pool';
import { actorOf } from '../http/actor';
import { idParams, route, type Route } from '../http/route';
import type { Logger } from '../logging/logger';
import { ConflictError, ForbiddenError } from '../platform/errors';
import { createAgent, createAgentBody, getAgent, listAgents, listAgentsQuery, updateAgent, updateAgentBody } from './agents';

export function agentRoutes({ db, sessions, log }: { db: Db; sessions: SessionStore; log: Logger }): Route[] {
  const manage = { permission: 'agent.manage' } as const;
  const entity = 'agent';
  return [
    route({ method: 'get', path: '/api/agents', tag: 'agents', summary: 'List and search agents', access: { permission: 'agent.view' }, query: listAgentsQuery, handler: ({ query }) => listAgents(db, query) }),
    route({
      method: 'get',
      path: '/api/agents/:id',
      tag: 'agents',
      summary: 'One agent (anyone may read their own record)',
      access: 'authenticated',
      params: idParams,
      handler: async ({ params, principal }) => {
        if (principal!.userId !== params.id && !can(principal!, 'agent.view')) throw new ForbiddenError();
        return getAgent(db, params.id);
      },
    }),
    route({
      method: 'post',
      path: '/api/agents',
      tag: 'agents',
      summary: 'Create an agent account (login name, phone and employee number unique)',
      access: manage,
      body: createAgentBody,
      status: 201,
      handler: async (ctx) => {
        const passwordHash = await hashPassword(ctx.body.password);
        return audited(db, actorOf(ctx), { action: 'agent.create', entityType: entity }, async (tx) => {
          const agent = await createAgent(tx, { ...ctx.body, passwordHash });
          return { result: agent, entityId: agent.id };
        });
      },
    }),
    route({
      method: 'patch',
      path: '/api/agents/:id',
      tag: 'agents',
      summary: 'Edit an agent; disabling or resetting the password ends their live sessions at once (a reset also revokes their API tokens)',
      access: manage,
      params: idParams,
      body: updateAgentBody,
      handler: async (ctx) => {
        const { params, body, principal } = ctx;
        const { password, ...changes } = body;
        const passwordHash = password ? await hashPassword(password) : undefined;
        const agent = await audited(db, actorOf(ctx), { action: 'agent.update', entityType: entity }, async (tx) => {
          await tx.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [params.id]);
          const before = await getAgent(tx, params.id);
          if (before.isSuperadmin && !principal!.isSuperadmin) throw new ForbiddenError('Only the first admin may change the first admin');
          if (params.id === principal!.userId && body.enabled === false) throw new ConflictError('You cannot disable your own account', 'cannot_disable_self');
          const after = await updateAgent(tx, params.id, { ...changes, passwordHash });
          const revokedTokens = passwordHash ? await revokeAllApiTokens(tx, params.id) : 0;
          return { result: after, entityId: after.id, before, after: { ...after, passwordReset: Boolean(password), revokedTokens } };
        });
        if (body.enabled === false || passwordHash) {
          const ended = await sessions.destroyAllForUser(agent.id);
          log.info({ agentId: agent.id, ended }, 'agent sessions ended');
        }
        return agent;
      },
    }),
  ];
}
