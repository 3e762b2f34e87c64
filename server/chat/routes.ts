import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request } from 'express';
import { z } from 'zod';
import type { BlacklistService } from '../blacklist/module';
import { can, type Principal } from '../auth/principal';
import { audited } from '../audit/audited';
import { actorOf as auditActor } from '../http/actor';
import { normalizeOrigin } from '../http/origin';
import { idParams, route, type Route } from '../http/route';
import type { ModuleContext } from '../module';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../platform/errors';
import type { ChatActions } from './actions';
import { checkUpload, verifyIdentity } from './domain/rules';
import { chatSettingsSchema, pick, ratingOptions, type Lang } from './domain/settings';
import { parseCookies } from '../http/cookies';
import { withUpload } from '../http/upload';
import { text } from '../platform/text';
import { hashToken, SOCKET_PATH, VISITOR_COOKIE } from './gateway';
import { libraryRoutes } from './library-routes';
import * as s from './schemas';
import type { Actor, ChatService } from './service';
import * as store from './store';

const tag = 'chat';
/** An origin a customer's page is served from, as browsers send it (scheme://host[:port]); stored normalised. */
const siteOrigin = z
  .string()
  .max(200)
  .refine((o) => normalizeOrigin(o) === o.replace(/\/$/, '').toLowerCase(), 'an origin: scheme://host[:port], no path')
  .transform((o) => normalizeOrigin(o)!);
// From server/chat in the source tree, or dist/server/chat in a build.
const WIDGET_DIR = ['../../web-widget', '../../../web-widget'].map((p) => path.resolve(__dirname, p)).find((p) => fs.existsSync(p)) ?? path.resolve(__dirname, '../../web-widget');

const sessionBody = z.object({
  site: z.string().min(3).max(64),
  token: z.string().max(128).optional(),
  language: z.enum(['zh', 'en']).default('zh'),
  page: z.object({ url: text().max(2000), title: text().max(500).optional(), referrer: text().max(2000).optional() }).optional(),
  identity: z.object({ customerId: text().max(128).optional(), name: text().max(100).optional(), ts: z.number().optional(), sig: z.string().max(128).optional() }).optional(),
});

/** The widget's public face of a site: no secret, no group. */
function publicSite(site: store.Site, chat: ChatService, lang: Lang) {
  const m = chat.settings.messages;
  return {
    key: site.key,
    name: site.name,
    widget: site.widget,
    navigation: site.navigation.enabled ? { prompt: site.navigation.prompt, options: site.navigation.options.filter((o) => o.enabled !== false) } : null,
    texts: { inputHintChat: pick(m.inputHintChat, lang), inputHintQueue: pick(m.inputHintQueue, lang), ratingInvite: pick(m.ratingInvite, lang) },
    rating: { options: ratingOptions(chat.settings), comment: chat.settings.rating.comment },
    leaveMessage: chat.settings.leaveMessage,
    limits: chat.settings.limits,
    socketPath: SOCKET_PATH,
  };
}

export function chatRoutes(deps: { ctx: ModuleContext; chat: () => ChatService; actions: () => ChatActions; blacklist: () => BlacklistService }): Route[] {
  const { ctx } = deps;
  const db = ctx.db;

  async function visitorOf(req: Request): Promise<store.VisitorRow> {
    const token = req.get('x-visitor-token') ?? parseCookies(req.headers.cookie)[VISITOR_COOKIE];
    const v = token ? await store.visitorByToken(db, hashToken(token)) : undefined;
    if (!v) throw new UnauthorizedError('Visitor token required');
    return v;
  }
  /** Visitor token or a staff session: who is asking about a conversation. */
  async function actorOf(req: Request): Promise<Actor> {
    if (req.get('x-visitor-token') || parseCookies(req.headers.cookie)[VISITOR_COOKIE]) {
      const v = await visitorOf(req).catch(() => undefined);
      if (v) return { kind: 'visitor', visitorId: v.id };
    }
    const p = await ctx.auth.authenticate(req);
    if (!p) throw new UnauthorizedError();
    if (!can(p, 'chat.handle') && !can(p, 'supervisor.monitor') && !can(p, 'qa.score')) throw new ForbiddenError('This needs the permission chat.handle');
    return staff(p);
  }
  const staff = (p: Principal): Extract<Actor, { kind: 'agent' }> => ({ kind: 'agent', agentId: p.userId, canViewAll: can(p, 'supervisor.monitor') || can(p, 'qa.score') });
  const agent = (p: Principal | undefined) => p!.userId;
  const handle = { permission: 'chat.handle' as const };
  const manage = { permission: 'settings.manage' as const };
  const convParams = z.object({ id: z.uuid() });

  return [
    // ── widget files ──
    route({
      method: 'get',
      path: '/chat/widget.js',
      tag,
      summary: 'The embeddable widget script (one <script> tag per site)',
      access: 'public',
      handler: ({ res }) => {
        res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
        res.setHeader('Cache-Control', 'public, max-age=300');
        // Customers' pages load it with <script>: a no-cors fetch that CORP same-origin would block.
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        res.send(fs.readFileSync(path.join(WIDGET_DIR, 'widget.js')));
        return Promise.resolve();
      },
    }),
    route({
      method: 'get',
      path: '/chat/page',
      tag,
      summary: 'Standalone chat page for a site (?site=KEY, optional signed identity: customerId, name, ts, sig = hex HMAC-SHA256 of JSON [customerId, name, ts])',
      access: 'public',
      query: z.object({ site: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/), lang: z.enum(['zh', 'en']).optional() }).loose(),
      handler: async ({ res, query }) => {
        const site = await store.siteByKey(db, query.site);
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        // Who may frame the page is the site's list; CSP frame-ancestors says it, so helmet's X-Frame-Options (SAMEORIGIN only) goes.
        res.removeHeader('X-Frame-Options');
        res.setHeader('Content-Security-Policy', `default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors ${["'self'", ...(site?.allowedOrigins ?? [])].join(' ')}`);
        const lang = query.lang === 'en' ? 'en' : 'zh';
        res.send(
          `<!doctype html><html lang="${lang === 'en' ? 'en' : 'zh-CN'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Chat</title></head>` +
            `<body style="margin:0"><script src="/chat/widget.js" data-site="${query.site}" data-mode="page" data-lang="${lang}"></script></body></html>`,
        );
      },
    }),
    // ── visitors ──
    route({
      method: 'get',
      path: '/api/chat/sites/:key/public',
      tag,
      summary: 'Widget settings of a site',
      access: 'public',
      params: z.object({ key: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/) }),
      query: z.object({ lang: z.enum(['zh', 'en']).default('zh') }),
      handler: async ({ params, query }) => {
        const site = await store.siteByKey(db, params.key);
        if (!site?.enabled) throw new NotFoundError('Chat site');
        return publicSite(site, deps.chat(), query.lang);
      },
    }),
    route({
      method: 'post',
      path: '/api/chat/visitor/session',
      tag,
      summary: 'Starts or resumes a visitor: returns the visitor token (also set as a cookie) and the site settings',
      access: 'public',
      body: sessionBody,
      handler: async ({ body, req, res }) => {
        const site = await store.siteByKey(db, body.site);
        if (!site?.enabled) throw new NotFoundError('Chat site');
        const chat = deps.chat();
        // A bad or stale signature is ignored: the visitor is simply anonymous.
        const identity = body.identity ? verifyIdentity(site.secret, body.identity, chat.now()) : undefined;
        const ip = req.ip ?? null;
        const ua = req.get('user-agent') ?? null;
        let token = body.token;
        let visitor = token ? await store.visitorByToken(db, hashToken(token)) : undefined;
        if (visitor && visitor.siteId !== site.id) visitor = undefined;
        if (visitor) await store.updateVisitorIdentity(db, visitor.id, { customerId: identity?.customerId ?? null, name: identity?.name || null, language: body.language, ip, userAgent: ua });
        else {
          token = crypto.randomBytes(24).toString('base64url');
          visitor = await store.createVisitor(db, {
            siteId: site.id,
            tokenHash: hashToken(token),
            customerId: identity?.customerId ?? null,
            name: identity?.name || null,
            ip,
            userAgent: ua,
            referrer: body.page?.referrer || null,
            landingPage: body.page?.url ?? null,
            language: body.language,
          });
        }
        if (body.page?.url) await store.addPageView(db, visitor.id, body.page.url, body.page.title ?? null);
        res.cookie(VISITOR_COOKIE, token, { httpOnly: true, sameSite: ctx.config.cookieSecure ? 'none' : 'lax', secure: ctx.config.cookieSecure, maxAge: 365 * 86400_000, path: '/' });
        return { visitorId: visitor.id, token, identified: Boolean(identity), site: publicSite(site, chat, body.language) };
      },
    }),
    route({
      method: 'post',
      path: '/api/chat/visitor/pageview',
      tag,
      summary: 'Records a page the visitor opened (visitor token)',
      access: 'public',
      body: z.object({ url: text().max(2000), title: text().max(500).optional() }),
      handler: async ({ body, req }) => {
        const v = await visitorOf(req);
        await store.addPageView(db, v.id, body.url, body.title ?? null);
      },
    }),
    route({
      method: 'post',
      path: '/api/chat/visitor/leave-message',
      tag,
      summary: 'Leaves a message when nobody can chat (admin-defined fields)',
      access: 'public',
      status: 201,
      body: s.leaveMessageBody.extend({ reason: text().max(40).default('no_agent') }),
      handler: async ({ body, req }) => {
        const v = await visitorOf(req);
        const lm = deps.chat().settings.leaveMessage;
        if (!lm.enabled) throw new ForbiddenError('Leaving a message is turned off');
        const fields: Record<string, string> = {};
        const errors = [];
        for (const f of lm.fields) {
          const value = (body.fields[f.key] ?? '').trim();
          if (f.required && !value) errors.push({ path: `fields.${f.key}`, message: 'required' });
          else if (value && f.type === 'email' && !/^[^@\s]+@[^@\s]+$/.test(value)) errors.push({ path: `fields.${f.key}`, message: 'not an email address' });
          else if (value) fields[f.key] = value;
        }
        if (errors.length) throw new ValidationError('Some fields are missing or invalid', errors);
        const { rows } = await db.query<Record<string, unknown>>('INSERT INTO chat_leave_messages (site_id, visitor_id, fields, reason) VALUES ($1,$2,$3,$4) RETURNING id, created_at AS "createdAt"', [v.siteId, v.id, JSON.stringify(fields), body.reason]);
        return rows[0];
      },
    }),
    // ── files ──
    route({
      method: 'post',
      path: '/api/chat/conversations/:id/files',
      tag,
      summary: 'Uploads an image or file to a conversation (multipart field "file"); send it with a message of kind image/file',
      access: 'public',
      bodyType: 'multipart',
      params: convParams,
      status: 201,
      handler: async ({ params, req, res }) => {
        const actor = await actorOf(req);
        const chat = deps.chat();
        const conv = await chat.authorize(actor, params.id, { write: true });
        const { imageMaxBytes, fileMaxBytes } = chat.settings.limits;
        // The kind is known only from the bytes, so reading stops at the larger limit; checkUpload applies the image one.
        return withUpload(req, res, { field: 'file', maxBytes: Math.max(imageMaxBytes, fileMaxBytes) }, async (f) => {
          if (!f) throw new ValidationError('A file is required', [{ path: 'file', message: 'required' }]);
          const ok = checkUpload({ mime: f.mime, size: f.size, head: f.head }, chat.settings);
          const id = crypto.randomUUID();
          const rel = path.join('chat', conv.id, `${id}.${ok.ext}`);
          const abs = path.join(ctx.config.mediaDir, rel);
          fs.mkdirSync(path.dirname(abs), { recursive: true });
          fs.copyFileSync(f.path, abs);
          // Path separators and control characters never reach the stored name.
          const name = [...f.originalName].map((ch) => (ch === '/' || ch === '\\' || ch.charCodeAt(0) < 32 ? '_' : ch)).join('').slice(0, 200) || `file.${ok.ext}`;
          await store.insertFile(db, { id, conversationId: conv.id, kind: ok.kind, name, mime: ok.mime, size: f.size, path: rel });
          return { id, kind: ok.kind, name, mime: ok.mime, size: f.size };
        });
      },
    }),
    route({
      method: 'get',
      path: '/api/chat/files/:id',
      tag,
      summary: "A conversation's file: only for its visitor, its agents, and staff who may see all chats",
      access: 'public',
      params: idParams,
      handler: async ({ params, req, res }) => {
        const f = await store.getFile(db, params.id);
        if (!f) throw new NotFoundError('File');
        await deps.chat().authorize(await actorOf(req), f.conversationId);
        const abs = path.join(ctx.config.mediaDir, f.path);
        if (!fs.existsSync(abs)) throw new NotFoundError('File');
        res.setHeader('Content-Type', f.mime);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
        res.setHeader('Content-Disposition', `${f.kind === 'image' ? 'inline' : 'attachment'}; filename="${f.name.replace(/[^A-Za-z0-9_.-]/g, '_')}"`);
        res.send(fs.readFileSync(abs));
      },
    }),
    // ── agents ──
    route({ method: 'get', path: '/api/chat/conversations/mine', tag, summary: 'My active conversations', access: handle, handler: ({ principal }) => store.activeConversationsOf(db, agent(principal)) }),
    route({ method: 'get', path: '/api/chat/queue', tag, summary: 'Waiting conversations, longest wait first (to claim)', access: handle, handler: () => store.queuedConversations(db) }),
    route({
      method: 'get',
      path: '/api/chat/conversations/:id',
      tag,
      summary: 'A conversation and its messages (as sent; render as text)',
      access: 'public',
      params: convParams,
      handler: async ({ params, req, res }) => {
        const chat = deps.chat();
        const conv = await chat.authorize(await actorOf(req), params.id);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        const messages = (await store.conversationMessages(db, conv.id)).map((m) => (m.recalledAt === null ? m : { ...m, body: '', fileId: null }));
        return { conversation: await chat.snapshot(conv.id), messages };
      },
    }),
    route({
      method: 'get',
      path: '/api/chat/visitors/:id',
      tag,
      summary: 'Visitor info: IP, user agent, referrer, landing page, pages visited (agents who served the visitor, or staff who may see all chats)',
      access: handle,
      params: idParams,
      handler: async ({ params, principal }) => {
        await deps.chat().authorizeVisitor(staff(principal!), params.id);
        return (await store.visitorInfo(db, params.id)) ?? Promise.reject(new NotFoundError('Visitor'));
      },
    }),
    route({
      method: 'get',
      path: '/api/chat/visitors/:id/messages',
      tag,
      summary: "History paging across a visitor's conversations (newest first; ?before=<message id>); scoped like the visitor info",
      access: handle,
      params: idParams,
      query: z.object({ before: z.string().regex(/^\d{1,18}$/).optional(), limit: z.coerce.number().int().min(1).max(100).default(30) }),
      handler: async ({ params, query, principal }) => {
        await deps.chat().authorizeVisitor(staff(principal!), params.id);
        return deps.chat().history(params.id, query.before ?? null, query.limit);
      },
    }),
    route({ method: 'post', path: '/api/chat/conversations/:id/messages', tag, summary: 'Sends a message', access: handle, params: convParams, body: s.sendBody, status: 201, handler: ({ params, body, principal }) => deps.chat().send(staff(principal!), params.id, body) }),
    route({ method: 'post', path: '/api/chat/conversations/:id/read', tag, summary: 'Marks the visitor messages up to a message id as read (receipts to the visitor)', access: handle, params: convParams, body: s.readBody, handler: async ({ params, body, principal }) => ({ ids: await deps.chat().read(staff(principal!), params.id, body.upTo) }) }),
    route({ method: 'post', path: '/api/chat/conversations/:id/typing', tag, summary: 'Tells the visitor the agent is (or stopped) typing', access: handle, params: convParams, body: s.typingBody, status: 204, handler: async ({ params, body, principal }) => { await deps.chat().typing(staff(principal!), params.id, body.typing); } }),
    route({ method: 'post', path: '/api/chat/messages/:messageId/recall', tag, summary: 'Recalls my message (within 2 minutes)', access: handle, params: z.object({ messageId: z.string().regex(/^\d{1,18}$/) }), handler: ({ params, principal }) => deps.chat().recall(agent(principal), params.messageId) }),
    route({ method: 'post', path: '/api/chat/conversations/:id/claim', tag, summary: 'Claims a waiting conversation', access: handle, params: convParams, handler: ({ params, principal }) => deps.actions().claim(agent(principal), params.id) }),
    route({ method: 'post', path: '/api/chat/conversations/:id/end', tag, summary: 'Ends a conversation', access: handle, params: convParams, handler: async ({ params, principal }) => deps.chat().snapshot((await deps.chat().end(staff(principal!), params.id)).id) }),
    route({ method: 'post', path: '/api/chat/conversations/:id/transfer', tag, summary: 'Transfers to an agent (who must accept in time) or to a skill group', access: handle, params: convParams, body: s.transferBody, handler: ({ params, body, principal }) => deps.actions().transfer(agent(principal), params.id, body) }),
    route({ method: 'post', path: '/api/chat/transfers/:id/answer', tag, summary: 'Accepts or declines a transfer offered to me', access: handle, params: idParams, body: z.object({ accept: z.boolean() }), handler: ({ params, body, principal }) => deps.actions().answerTransfer(agent(principal), params.id, body.accept) }),
    route({ method: 'post', path: '/api/chat/conversations/:id/invite', tag, summary: 'Invites a colleague into the conversation', access: handle, params: convParams, body: z.object({ agentId: z.uuid() }), handler: ({ params, body, principal }) => deps.actions().invite(agent(principal), params.id, body.agentId) }),
    route({ method: 'post', path: '/api/chat/conversations/:id/rating-invite', tag, summary: 'Asks the visitor for a rating (once)', access: handle, params: convParams, handler: ({ params, principal }) => deps.actions().inviteRating(agent(principal), params.id) }),
    route({ method: 'put', path: '/api/chat/conversations/:id/wrapup', tag, summary: 'Saves (draft) or submits the wrap-up; submitted is final', access: handle, params: convParams, body: s.wrapUpBody, handler: ({ params, body, principal }) => deps.actions().wrapUp(agent(principal), params.id, body) }),
    route({ method: 'post', path: '/api/chat/conversations/:id/blacklist', tag, summary: 'Blacklists the visitor (optional expiry) and ends the conversation', access: handle, params: convParams, body: s.blacklistBody, handler: ({ params, body, principal }) => deps.actions().blacklist(agent(principal), params.id, body) }),
    // ── leave-message inbox ──
    route({
      method: 'get',
      path: '/api/chat/leave-messages',
      tag,
      summary: 'Leave-message inbox',
      access: handle,
      query: z.object({ status: z.enum(['new', 'done']).default('new') }),
      handler: async ({ query }) => (await db.query<Record<string, unknown>>(`SELECT id, site_id AS "siteId", visitor_id AS "visitorId", fields, reason, status, handled_by AS "handledBy", created_at AS "createdAt", handled_at AS "handledAt" FROM chat_leave_messages WHERE status = $1 ORDER BY created_at`, [query.status])).rows,
    }),
    route({
      method: 'post',
      path: '/api/chat/leave-messages/:id/done',
      tag,
      summary: 'Marks a left message as processed',
      access: handle,
      params: idParams,
      handler: async ({ params, principal }) => {
        const r = await db.query<Record<string, unknown>>("UPDATE chat_leave_messages SET status = 'done', handled_by = $2, handled_at = now() WHERE id = $1 RETURNING id, status", [params.id, agent(principal)]);
        if (!r.rowCount) throw new NotFoundError('Left message');
        return r.rows[0];
      },
    }),
    // ── admin ──
    route({ method: 'get', path: '/api/chat/settings', tag, summary: 'Dialog settings: system messages, timers, rating, limits, leave-message fields', access: manage, handler: () => Promise.resolve(deps.chat().settings) }),
    route({
      method: 'put',
      path: '/api/chat/settings',
      tag,
      summary: 'Replaces the dialog settings (omitted parts take their defaults)',
      access: manage,
      body: chatSettingsSchema,
      handler: async ({ body }) => {
        await store.saveSettings(db, body);
        await deps.chat().settingsSaved();
        return deps.chat().settings;
      },
    }),
    route({ method: 'get', path: '/api/chat/sites', tag, summary: 'Chat sites', access: manage, handler: () => store.listSites(db) }),
    route({
      method: 'post',
      path: '/api/chat/sites',
      tag,
      summary: 'Creates or updates a chat site (widget settings, navigation menu, work hours, default group)',
      access: manage,
      status: 201,
      body: z.object({
        id: z.uuid().optional(),
        key: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/),
        name: z.string().min(1).max(100),
        secret: z.string().min(16).max(200).optional().describe('HMAC secret for signed customer identity; generated when omitted'),
        groupId: z.uuid().nullable().default(null),
        widget: z
          .object({
            buttonText: z.object({ zh: z.string().max(40), en: z.string().max(40) }).default({ zh: '在线咨询', en: 'Chat with us' }),
            position: z.enum(['bottom-right', 'bottom-left']).default('bottom-right'),
            color: z.string().regex(/^#[0-9a-fA-F]{6}$/).default('#1677ff'),
            delaySeconds: z.number().min(0).max(600).default(0),
            welcome: z.object({ zh: z.string().max(500), en: z.string().max(500) }).default({ zh: '欢迎您来咨询', en: 'Welcome! How can we help?' }),
            invitation: z.object({ enabled: z.boolean(), afterSeconds: z.number().min(0).max(3600), zh: z.string().max(200), en: z.string().max(200) }).default({ enabled: false, afterSeconds: 20, zh: '有什么可以帮您？', en: 'Can we help you?' }),
          })
          .prefault({}),
        navigation: z.object({ enabled: z.boolean(), prompt: z.string().max(200), options: z.array(z.object({ id: z.string().min(1).max(100), title: z.string().min(1).max(100), description: z.string().max(300).optional(), enabled: z.boolean().default(true) })).max(20) }).default({ enabled: false, prompt: '', options: [] }),
        schedule: z.object({ timezone: z.string().min(1), windows: z.array(z.object({ days: z.array(z.number().int().min(0).max(6)), from: z.string().regex(/^\d\d:\d\d$/), to: z.string().regex(/^\d\d:\d\d$/) })), holidays: z.array(z.string()).optional() }).nullable().default(null),
        enabled: z.boolean().default(true),
        allowedOrigins: z.array(siteOrigin).max(50).default([]).describe('origins (https://shop.example) allowed to frame /chat/page'),
      }),
      handler: async (ctx) => {
        const { body } = ctx;
        return audited(db, auditActor(ctx), { action: 'chat_site.save', entityType: 'chat_site' }, async (tx) => {
          const existing = body.id ? await store.siteById(tx, body.id) : undefined;
          const site = await store.upsertSite(tx, { ...body, secret: body.secret ?? existing?.secret ?? crypto.randomBytes(24).toString('hex') });
          return { result: site, entityId: site.id, before: existing ?? null, after: site };
        });
      },
    }),
    ...libraryRoutes({ db }),
  ];
}
