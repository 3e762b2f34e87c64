import type { Db } from '../db/pool';
import { route, type Route } from '../http/route';
import { auditQuery, listAudit } from './audit';

export function auditRoutes({ db }: { db: Db }): Route[] {
  return [
    route({
      method: 'get',
      path: '/api/audit',
      tag: 'audit',
      summary: 'The audit log of admin changes (who, what, when, before/after), newest first',
      access: { permission: 'audit.view' },
      query: auditQuery,
      handler: ({ query }) => listAudit(db, query),
    }),
  ];
}
