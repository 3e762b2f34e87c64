import { audited } from '../audit/audited';
import type { Db } from '../db/pool';
import { idParams, route, type Route } from '../http/route';
import { actorOf } from '../http/actor';
import { createOrgUnit, createOrgUnitBody, deleteOrgUnit, getOrgUnit, orgTree, updateOrgUnit, updateOrgUnitBody } from './org-units';

export function orgUnitRoutes({ db }: { db: Db }): Route[] {
  const entity = 'org_unit';
  return [
    route({ method: 'get', path: '/api/org-units', tag: 'org', summary: 'The organisation tree', access: 'authenticated', handler: () => orgTree(db) }),
    route({
      method: 'post',
      path: '/api/org-units',
      tag: 'org',
      summary: 'Add a root or child unit (sibling names unique)',
      access: { permission: 'org.manage' },
      body: createOrgUnitBody,
      status: 201,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'org_unit.create', entityType: entity }, async (tx) => {
          const unit = await createOrgUnit(tx, ctx.body);
          return { result: unit, entityId: unit.id };
        }),
    }),
    route({
      method: 'patch',
      path: '/api/org-units/:id',
      tag: 'org',
      summary: 'Rename or describe a unit',
      access: { permission: 'org.manage' },
      params: idParams,
      body: updateOrgUnitBody,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'org_unit.update', entityType: entity }, async (tx) => {
          const before = await getOrgUnit(tx, ctx.params.id);
          const unit = await updateOrgUnit(tx, ctx.params.id, ctx.body);
          return { result: unit, entityId: unit.id, before };
        }),
    }),
    route({
      method: 'delete',
      path: '/api/org-units/:id',
      tag: 'org',
      summary: 'Delete a unit; refused (409) while it has agents or child units',
      access: { permission: 'org.manage' },
      params: idParams,
      status: 204,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'org_unit.delete', entityType: entity }, async (tx) => {
          const before = await deleteOrgUnit(tx, ctx.params.id);
          return { result: undefined, entityId: before.id, before, after: null };
        }),
    }),
  ];
}
