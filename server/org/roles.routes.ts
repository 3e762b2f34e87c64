import { audited } from '../audit/audited';
import type { Db } from '../db/pool';
import { actorOf } from '../http/actor';
import { idParams, route, type Route } from '../http/route';
import { createRole, createRoleBody, deleteRole, getRole, listRoles, updateRole, updateRoleBody } from './roles';

export function roleRoutes({ db }: { db: Db }): Route[] {
  const access = { permission: 'role.manage' } as const;
  const entity = 'role';
  return [
    route({ method: 'get', path: '/api/roles', tag: 'roles', summary: 'List roles with their permissions', access: { permission: 'agent.view' }, handler: () => listRoles(db) }),
    route({ method: 'get', path: '/api/roles/:id', tag: 'roles', summary: 'One role', access: { permission: 'agent.view' }, params: idParams, handler: ({ params }) => getRole(db, params.id) }),
    route({
      method: 'post',
      path: '/api/roles',
      tag: 'roles',
      summary: 'Create a role (code and name unique)',
      access,
      body: createRoleBody,
      status: 201,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'role.create', entityType: entity }, async (tx) => {
          const role = await createRole(tx, ctx.body);
          return { result: role, entityId: role.id };
        }),
    }),
    route({
      method: 'patch',
      path: '/api/roles/:id',
      tag: 'roles',
      summary: 'Rename, describe, enable/disable a role or set its permissions',
      access,
      params: idParams,
      body: updateRoleBody,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'role.update', entityType: entity }, async (tx) => {
          const before = await getRole(tx, ctx.params.id);
          const role = await updateRole(tx, ctx.params.id, ctx.body);
          return { result: role, entityId: role.id, before };
        }),
    }),
    route({
      method: 'delete',
      path: '/api/roles/:id',
      tag: 'roles',
      summary: 'Delete a role; refused for built-in roles and roles held by users',
      access,
      params: idParams,
      status: 204,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'role.delete', entityType: entity }, async (tx) => {
          const before = await deleteRole(tx, ctx.params.id);
          return { result: undefined, entityId: before.id, before, after: null };
        }),
    }),
  ];
}
