import { z } from 'zod';
import { audited } from '../audit/audited';
import type { Db, DbClient } from '../db/pool';
import { actorOf } from '../http/actor';
import { idParams, route, type Route } from '../http/route';
import {
  createSkillGroup,
  createSkillGroupBody,
  deleteSkillGroup,
  getSkillGroup,
  listSkillGroups,
  removeMember,
  setMembers,
  setMembersBody,
  updateMemberBody,
  updateSkillGroup,
  updateSkillGroupBody,
  upsertMember,
} from './skill-groups';

const memberParams = z.object({ id: z.uuid(), agentId: z.uuid() });

export function skillGroupRoutes({ db }: { db: Db }): Route[] {
  const manage = { permission: 'skillgroup.manage' } as const;
  const view = { permission: 'skillgroup.view' } as const;
  const entity = 'skill_group';
  /** Every membership change is audited as the group's before/after. */
  const changeMembers = (ctx: Parameters<typeof actorOf>[0], id: string, action: string, change: (tx: DbClient) => Promise<void>) =>
    audited(db, actorOf(ctx), { action, entityType: entity }, async (tx) => {
      const before = await getSkillGroup(tx, id);
      await change(tx);
      const group = await getSkillGroup(tx, id);
      return { result: group, entityId: id, before };
    });
  return [
    route({ method: 'get', path: '/api/skill-groups', tag: 'skill-groups', summary: 'List skill groups with members', access: view, handler: () => listSkillGroups(db) }),
    route({ method: 'get', path: '/api/skill-groups/:id', tag: 'skill-groups', summary: 'One skill group', access: view, params: idParams, handler: ({ params }) => getSkillGroup(db, params.id) }),
    route({
      method: 'post',
      path: '/api/skill-groups',
      tag: 'skill-groups',
      summary: 'Create a skill group (name unique), optionally with members',
      access: manage,
      body: createSkillGroupBody,
      status: 201,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'skill_group.create', entityType: entity }, async (tx) => {
          const group = await createSkillGroup(tx, ctx.body);
          return { result: group, entityId: group.id };
        }),
    }),
    route({
      method: 'patch',
      path: '/api/skill-groups/:id',
      tag: 'skill-groups',
      summary: 'Rename, describe, enable or disable a skill group',
      access: manage,
      params: idParams,
      body: updateSkillGroupBody,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'skill_group.update', entityType: entity }, async (tx) => {
          const before = await getSkillGroup(tx, ctx.params.id);
          const group = await updateSkillGroup(tx, ctx.params.id, ctx.body);
          return { result: group, entityId: group.id, before };
        }),
    }),
    route({
      method: 'delete',
      path: '/api/skill-groups/:id',
      tag: 'skill-groups',
      summary: 'Delete a skill group',
      access: manage,
      params: idParams,
      status: 204,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'skill_group.delete', entityType: entity }, async (tx) => {
          const before = await deleteSkillGroup(tx, ctx.params.id);
          return { result: undefined, entityId: before.id, before, after: null };
        }),
    }),
    route({
      method: 'put',
      path: '/api/skill-groups/:id/members',
      tag: 'skill-groups',
      summary: 'Replace the member list (agent + skill level)',
      access: manage,
      params: idParams,
      body: setMembersBody,
      handler: (ctx) => changeMembers(ctx, ctx.params.id, 'skill_group.members_set', async (tx) => {
        await getSkillGroup(tx, ctx.params.id);
        await setMembers(tx, ctx.params.id, ctx.body.members);
      }),
    }),
    route({
      method: 'put',
      path: '/api/skill-groups/:id/members/:agentId',
      tag: 'skill-groups',
      summary: 'Add an agent to the group or change their skill level',
      access: manage,
      params: memberParams,
      body: updateMemberBody,
      handler: (ctx) => changeMembers(ctx, ctx.params.id, 'skill_group.member_set', (tx) => upsertMember(tx, ctx.params.id, ctx.params.agentId, ctx.body.level)),
    }),
    route({
      method: 'delete',
      path: '/api/skill-groups/:id/members/:agentId',
      tag: 'skill-groups',
      summary: 'Remove an agent from the group',
      access: manage,
      params: memberParams,
      handler: (ctx) => changeMembers(ctx, ctx.params.id, 'skill_group.member_remove', (tx) => removeMember(tx, ctx.params.id, ctx.params.agentId)),
    }),
  ];
}
