import { z } from 'zod';
import { can } from '../auth/principal';
import type { Db } from '../db/pool';
import { idParams, route, type Route } from '../http/route';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors';
import { MAX_CATEGORY_DEPTH } from './domain/rules';

const tag = 'chat';

/**
 * Admin-defined libraries agents use while chatting: the wrap-up category tree
 * (up to four levels, seed 000 §4.1.5) and quick replies (public library managed
 * by admins, personal libraries by each agent; folders, search, keyword
 * suggestions as the agent types; seed 000 §4.1.7, §5.4.2).
 */
export function libraryRoutes(deps: { db: Db }): Route[] {
  const { db } = deps;
  const handle = { permission: 'chat.handle' as const };
  const manage = { permission: 'settings.manage' as const };
  const REPLY = `r.id, r.folder_id AS "folderId", r.owner_id AS "ownerId", r.title, r.content, r.keywords, r.sort`;
  /** Public folders need settings.manage; personal folders belong to their owner. */
  const folderAccess = async (folderId: string, p: { userId: string; isSuperadmin: boolean; permissions: ReadonlySet<string> }) => {
    const f = (await db.query<{ ownerId: string | null }>('SELECT owner_id AS "ownerId" FROM chat_quick_reply_folders WHERE id = $1', [folderId])).rows[0];
    if (!f) throw new NotFoundError('Folder');
    if (f.ownerId ? f.ownerId !== p.userId : !can(p as never, 'settings.manage')) throw new ForbiddenError('You cannot change this library');
    return f;
  };
  return [
    route({ method: 'get', path: '/api/chat/wrapup-categories', tag, summary: 'Wrap-up category tree (flat, with parentId and depth)', access: handle, handler: async () => (await db.query<Record<string, unknown>>('SELECT id, parent_id AS "parentId", name, depth, sort FROM chat_wrapup_categories ORDER BY depth, sort, name')).rows }),
    route({
      method: 'post',
      path: '/api/chat/wrapup-categories',
      tag,
      summary: 'Adds a category (up to four levels)',
      access: manage,
      status: 201,
      body: z.object({ name: z.string().min(1).max(100), parentId: z.uuid().nullable().default(null), sort: z.number().int().default(0) }),
      handler: async ({ body }) => {
        let depth = 1;
        if (body.parentId) {
          const parent = (await db.query<{ depth: number }>('SELECT depth FROM chat_wrapup_categories WHERE id = $1', [body.parentId])).rows[0];
          if (!parent) throw new NotFoundError('Parent category');
          depth = parent.depth + 1;
        }
        if (depth > MAX_CATEGORY_DEPTH) throw new ValidationError(`Categories go at most ${MAX_CATEGORY_DEPTH} levels deep`, [{ path: 'parentId', message: 'too deep' }]);
        return (await db.query<Record<string, unknown>>('INSERT INTO chat_wrapup_categories (parent_id, name, depth, sort) VALUES ($1,$2,$3,$4) RETURNING id, parent_id AS "parentId", name, depth, sort', [body.parentId, body.name, depth, body.sort])).rows[0];
      },
    }),
    route({
      method: 'delete',
      path: '/api/chat/wrapup-categories/:id',
      tag,
      summary: 'Deletes a category and its children',
      access: manage,
      params: idParams,
      handler: async ({ params }) => {
        if (!(await db.query<Record<string, unknown>>('DELETE FROM chat_wrapup_categories WHERE id = $1', [params.id])).rowCount) throw new NotFoundError('Category');
      },
    }),
    route({
      method: 'get',
      path: '/api/chat/quick-replies',
      tag,
      summary: 'Quick replies: public and my personal library, with folders; ?q= searches, ?prefix= suggests by keyword',
      access: handle,
      query: z.object({ q: z.string().max(100).optional(), prefix: z.string().max(100).optional(), folderId: z.uuid().optional() }),
      handler: async ({ query, principal }) => {
        const folders = (await db.query<Record<string, unknown>>('SELECT id, owner_id AS "ownerId", name, sort FROM chat_quick_reply_folders WHERE owner_id IS NULL OR owner_id = $1 ORDER BY owner_id NULLS FIRST, sort, name', [principal!.userId])).rows;
        const like = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
        const replies = (
          await db.query(
            `SELECT ${REPLY} FROM chat_quick_replies r WHERE (r.owner_id IS NULL OR r.owner_id = $1)
               AND ($2::uuid IS NULL OR r.folder_id = $2)
               AND ($3::text IS NULL OR r.title ILIKE '%' || $3 || '%' OR r.content ILIKE '%' || $3 || '%' OR EXISTS (SELECT 1 FROM unnest(r.keywords) k WHERE k ILIKE '%' || $3 || '%'))
               AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM unnest(r.keywords) k WHERE k ILIKE $4 || '%') OR r.title ILIKE $4 || '%')
             ORDER BY r.owner_id NULLS FIRST, r.sort, r.title LIMIT 200`,
            [principal!.userId, query.folderId ?? null, query.q ? like(query.q) : null, query.prefix ? like(query.prefix) : null],
          )
        ).rows;
        return { folders, replies };
      },
    }),
    route({
      method: 'post',
      path: '/api/chat/quick-reply-folders',
      tag,
      summary: 'Adds a folder to the public library (settings.manage) or my personal one',
      access: handle,
      status: 201,
      body: z.object({ name: z.string().min(1).max(100), library: z.enum(['public', 'personal']), sort: z.number().int().default(0) }),
      handler: async ({ body, principal }) => {
        if (body.library === 'public' && !can(principal!, 'settings.manage')) throw new ForbiddenError('The public library needs settings.manage');
        return (await db.query<Record<string, unknown>>('INSERT INTO chat_quick_reply_folders (owner_id, name, sort) VALUES ($1,$2,$3) RETURNING id, owner_id AS "ownerId", name, sort', [body.library === 'public' ? null : principal!.userId, body.name, body.sort])).rows[0];
      },
    }),
    route({
      method: 'post',
      path: '/api/chat/quick-replies',
      tag,
      summary: 'Adds a quick reply to a folder',
      access: handle,
      status: 201,
      body: z.object({ folderId: z.uuid(), title: z.string().min(1).max(100), content: z.string().min(1).max(5000), keywords: z.array(z.string().min(1).max(40)).max(20).default([]), sort: z.number().int().default(0) }),
      handler: async ({ body, principal }) => {
        const f = await folderAccess(body.folderId, principal!);
        return (await db.query<Record<string, unknown>>(`INSERT INTO chat_quick_replies AS r (folder_id, owner_id, title, content, keywords, sort) VALUES ($1,$2,$3,$4,$5,$6) RETURNING ${REPLY}`, [body.folderId, f.ownerId, body.title, body.content, body.keywords, body.sort])).rows[0];
      },
    }),
    route({
      method: 'delete',
      path: '/api/chat/quick-replies/:id',
      tag,
      summary: 'Deletes a quick reply',
      access: handle,
      params: idParams,
      handler: async ({ params, principal }) => {
        const r = (await db.query<{ folderId: string }>('SELECT folder_id AS "folderId" FROM chat_quick_replies WHERE id = $1', [params.id])).rows[0];
        if (!r) throw new NotFoundError('Quick reply');
        await folderAccess(r.folderId, principal!);
        await db.query('DELETE FROM chat_quick_replies WHERE id = $1', [params.id]);
      },
    }),
  ];
}
