import { z } from 'zod';
import { audited } from '../audit/audited';
import type { Db } from '../db/pool';
import { actorOf } from '../http/actor';
import { idParams, route, type Route } from '../http/route';
import { addEntry, addEntryBody, findBlocking, listEntries, listQuery, removeEntry } from './store';

export function blacklistRoutes({ db }: { db: Db }): Route[] {
  const manage = { permission: 'blacklist.manage' } as const;
  return [
    route({ method: 'get', path: '/api/blacklist', tag: 'blacklist', summary: 'Blacklisted numbers and visitors (live entries; expired on request)', access: manage, query: listQuery, handler: ({ query }) => listEntries(db, query) }),
    route({
      method: 'get',
      path: '/api/blacklist/check',
      tag: 'blacklist',
      summary: 'Is this number or visitor blocked right now?',
      access: 'authenticated',
      query: z.object({ channel: z.enum(['voice', 'chat']), value: z.string().trim().min(1).max(128) }),
      handler: async ({ query }) => ({ blocked: Boolean(await findBlocking(db, query.channel, query.value)) }),
    }),
    route({
      method: 'post',
      path: '/api/blacklist',
      tag: 'blacklist',
      summary: 'Block a number (inbound released with a message, outbound refused) or a chat visitor, with a reason and optional expiry',
      access: manage,
      body: addEntryBody,
      status: 201,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'blacklist.add', entityType: 'blacklist' }, async (tx) => {
          const e = await addEntry(tx, ctx.body, ctx.principal!.userId);
          return { result: e, entityId: e.id };
        }),
    }),
    route({
      method: 'delete',
      path: '/api/blacklist/:id',
      tag: 'blacklist',
      summary: 'Unblock (the entry is kept as history)',
      access: manage,
      params: idParams,
      status: 204,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'blacklist.remove', entityType: 'blacklist' }, async (tx) => {
          const e = await removeEntry(tx, ctx.params.id, ctx.principal!.userId);
          return { result: undefined, entityId: e.id, before: e, after: null };
        }),
    }),
  ];
}
