/**
 * The calls HTTP API: the softphone bar's call control (the server acts through ESL),
 * click-to-call, call records (search with paging, detail, notes, tags), tag
 * definitions, the missed-call callback list. Thin: validation here, work in the domain.
 */
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import { can } from '../auth/principal';
import { audited } from '../audit/audited';
import type { Db } from '../db/pool';
import { actorOf } from '../http/actor';
import { idParams, route, type Route } from '../http/route';
import { NotFoundError } from '../platform/errors';
import { queryOffset } from '../platform/numbers';
import type { ClickToCall } from './click-to-call';
import type { CallExports } from './exports';
import { assignCallbacks, callDetail, createTagDef, finishCallback, listCallbacks, listTagDefs, searchCalls, searchQuery, setNotes, tagCall, untagCall } from './store';
import type { CallControl, ControlCommand } from './control';
import { callDirectory } from './directory';
import type { RoutingEngine } from '../routing/engine';

const phone = z.string().trim().regex(/^\+?[0-9]{3,20}$/, 'a phone number: digits, optional leading +');
const transferTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('agent'), agentId: z.uuid() }),
  z.object({ kind: z.literal('group'), groupId: z.uuid() }),
  z.object({ kind: z.literal('external'), number: phone }),
  z.object({ kind: z.literal('ivr'), node: z.string().trim().min(1).max(100).describe("a node id of the call's flow") }),
]);
const consultTarget = z.discriminatedUnion('kind', [z.object({ kind: z.literal('agent'), agentId: z.uuid() }), z.object({ kind: z.literal('external'), number: phone })]);

export interface CallRoutesDeps {
  db: Db;
  control: CallControl;
  clickToCall: ClickToCall;
  callExports: CallExports;
  defaultServiceNumber: string | undefined;
  acd: RoutingEngine;
}

export function callRoutes({ db, control, clickToCall, callExports, defaultServiceNumber, acd }: CallRoutesDeps): Route[] {
  const handle = { permission: 'calls.handle' } as const;
  /** Runs a command on the live call wherever it lives; the owning process checks that the principal is one of its agents (or supervises). */
  const run = (id: string, p: Principal | undefined, command: ControlCommand) => control.control(id, command, { userId: p!.userId, mayMonitor: can(p!, 'supervisor.monitor') });
  const action = (path: string, summary: string, command: ControlCommand): Route =>
    route({
      method: 'post',
      path: `/api/calls/:id/${path}`,
      tag: 'calls',
      summary,
      access: handle,
      params: idParams,
      status: 202,
      handler: (ctx) => run(ctx.params.id, ctx.principal, command),
    });
  return [
    action('hangup', 'Hang up the call', { action: 'hangup' }),
    action('hold', 'Hold: the caller hears music', { action: 'hold' }),
    action('resume', 'Resume a held call', { action: 'resume' }),
    action('survey', 'Send the caller to the satisfaction survey (the agent leaves)', { action: 'survey' }),
    action('consult/complete', 'Consultation: transfer the caller to the consulted party', { action: 'consult_complete' }),
    action('consult/cancel', 'Consultation: drop the consulted party, back to the caller', { action: 'consult_cancel' }),
    action('consult/merge', 'Consultation: three-way conference', { action: 'merge' }),
    action('recording/pause', 'Pause (mask) the recording, e.g. for card numbers', { action: 'recording_pause' }),
    action('recording/resume', 'Resume the recording', { action: 'recording_resume' }),
    route({
      method: 'post',
      path: '/api/calls/:id/transfer',
      tag: 'calls',
      summary: 'Blind transfer to an agent, a skill group (re-queued with priority), an external number or an IVR node of the call\'s flow',
      access: handle,
      params: idParams,
      body: z.object({ target: transferTarget }),
      status: 202,
      handler: (ctx) => run(ctx.params.id, ctx.principal, { action: 'transfer', target: ctx.body.target }),
    }),
    route({
      method: 'post',
      path: '/api/calls/:id/consult',
      tag: 'calls',
      summary: 'Consult an agent or an external number while the caller holds',
      access: handle,
      params: idParams,
      body: z.object({ target: consultTarget }),
      status: 202,
      handler: (ctx) => run(ctx.params.id, ctx.principal, { action: 'consult', target: ctx.body.target }),
    }),
    route({
      method: 'post',
      path: '/api/calls/:id/dtmf',
      tag: 'calls',
      summary: 'Send DTMF digits',
      access: handle,
      params: idParams,
      body: z.object({ digits: z.string().regex(/^[0-9*#A-D]{1,32}$/) }),
      status: 202,
      handler: (ctx) => run(ctx.params.id, ctx.principal, { action: 'dtmf', digits: ctx.body.digits }),
    }),
    route({
      method: 'get',
      path: '/api/calls/directory',
      tag: 'calls',
      summary: "The softphone bar's pickers: colleagues and skill groups with live availability, service numbers",
      access: handle,
      handler: (ctx) => callDirectory(db, acd, ctx.principal!.userId),
    }),
    route({
      method: 'post',
      path: '/api/calls/click-to-call',
      tag: 'calls',
      summary: 'Call a customer: the agent phone rings first, then the customer sees the service number',
      access: handle,
      body: z.object({ number: phone, serviceNumber: z.string().regex(/^\+?[0-9]{2,20}$/).optional() }),
      status: 202,
      handler: async (ctx) => {
        const serviceNumber = ctx.body.serviceNumber ?? defaultServiceNumber ?? (await firstServiceNumber(db));
        if (!serviceNumber) throw new NotFoundError('Service number');
        return clickToCall.start({ agentId: ctx.principal!.userId, number: ctx.body.number, serviceNumber });
      },
    }),
    route({
      method: 'post',
      path: '/api/calls/exports',
      tag: 'calls',
      summary: 'Export call records matching the filters to xlsx (a background job; own calls unless calls.view_all)',
      access: 'authenticated',
      body: z.object({ filters: searchQuery.omit({ limit: true, offset: true }).default({}) }),
      status: 202,
      handler: (ctx) => callExports.request(ctx.body.filters, ctx.principal!),
    }),
    route({
      method: 'get',
      path: '/api/calls/exports/:id',
      tag: 'calls',
      summary: 'An export: status and progress (0-100); the requester or calls.view_all',
      access: 'authenticated',
      params: idParams,
      handler: (ctx) => callExports.info(ctx.params.id, ctx.principal!),
    }),
    route({
      method: 'get',
      path: '/api/calls/exports/:id/file',
      tag: 'calls',
      summary: 'Download a finished export (xlsx); the requester or calls.view_all',
      access: 'authenticated',
      params: idParams,
      handler: async ({ params, principal, res }) => {
        const f = await callExports.file(params.id, principal!);
        await new Promise<void>((resolve, reject) => {
          res.download(f.path, f.name, { headers: { 'Cache-Control': 'private, no-store' } }, (err) => (err && !res.headersSent ? reject(err) : resolve()));
        });
      },
    }),
    route({
      method: 'get',
      path: '/api/calls',
      tag: 'calls',
      summary: 'Search call records (own calls unless calls.view_all), newest first, paged',
      access: 'authenticated',
      query: searchQuery,
      handler: (ctx) => searchCalls(db, ctx.query, can(ctx.principal!, 'calls.view_all') ? undefined : ctx.principal!.userId),
    }),
    route({
      method: 'get',
      path: '/api/calls/:id',
      tag: 'calls',
      summary: 'One call record with its legs, timeline, tags and IVR trail',
      access: 'authenticated',
      params: idParams,
      handler: (ctx) => callDetail(db, ctx.params.id, can(ctx.principal!, 'calls.view_all') ? undefined : ctx.principal!.userId),
    }),
    route({
      method: 'patch',
      path: '/api/calls/:id',
      tag: 'calls',
      summary: 'Set the call notes',
      access: handle,
      params: idParams,
      body: z.object({ notes: z.string().max(4000) }),
      handler: (ctx) => setNotes(db, ctx.params.id, ctx.body.notes, can(ctx.principal!, 'calls.view_all') ? undefined : ctx.principal!.userId),
    }),
    route({
      method: 'post',
      path: '/api/calls/:id/tags',
      tag: 'calls',
      summary: 'Tag a call (call or quality tag)',
      access: 'authenticated',
      params: idParams,
      body: z.object({ tagId: z.uuid() }),
      status: 204,
      handler: (ctx) => tagCall(db, ctx.params.id, ctx.body.tagId, ctx.principal!, can(ctx.principal!, 'calls.view_all') || can(ctx.principal!, 'qa.score')),
    }),
    route({
      method: 'delete',
      path: '/api/calls/:id/tags/:tagId',
      tag: 'calls',
      summary: 'Remove a tag from a call',
      access: 'authenticated',
      params: z.object({ id: z.uuid(), tagId: z.uuid() }),
      status: 204,
      handler: (ctx) => untagCall(db, ctx.params.id, ctx.params.tagId, ctx.principal!, can(ctx.principal!, 'calls.view_all') || can(ctx.principal!, 'qa.score')),
    }),
    route({ method: 'get', path: '/api/call-tags', tag: 'calls', summary: 'Call and quality tag definitions (a tree)', access: 'authenticated', handler: () => listTagDefs(db) }),
    route({
      method: 'post',
      path: '/api/call-tags',
      tag: 'calls',
      summary: 'Define a call tag or quality tag (under a parent for multi-level tags)',
      access: { permission: 'settings.manage' },
      body: z.object({ kind: z.enum(['call', 'quality']), name: z.string().trim().min(1).max(64), parentId: z.uuid().optional() }),
      status: 201,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'call_tag.create', entityType: 'call_tag' }, async (tx) => {
          const def = (await createTagDef(tx, ctx.body)) as { id: string };
          return { result: def, entityId: def.id };
        }),
    }),
    route({
      method: 'get',
      path: '/api/callbacks',
      tag: 'calls',
      summary: 'Missed calls to call back (supervisors: all; agents: assigned to them)',
      access: 'authenticated',
      query: z.object({ status: z.enum(['open', 'assigned', 'done']).optional(), limit: z.coerce.number().int().min(1).max(500).default(50), offset: queryOffset().default(0) }),
      handler: (ctx) => listCallbacks(db, ctx.query, can(ctx.principal!, 'supervisor.monitor') ? undefined : ctx.principal!.userId),
    }),
    route({
      method: 'post',
      path: '/api/callbacks/assign',
      tag: 'calls',
      summary: 'Assign missed calls to an agent',
      access: { permission: 'supervisor.monitor' },
      body: z.object({ ids: z.array(z.uuid()).min(1).max(1000), agentId: z.uuid() }),
      handler: (ctx) => assignCallbacks(db, ctx.body.ids, ctx.body.agentId, ctx.principal!.userId),
    }),
    route({
      method: 'post',
      path: '/api/callbacks/:id/done',
      tag: 'calls',
      summary: 'Mark a callback done (optionally with the call that did it)',
      access: 'authenticated',
      params: idParams,
      body: z.object({ note: z.string().max(2000).default(''), callId: z.uuid().optional() }),
      handler: (ctx) => finishCallback(db, ctx.params.id, ctx.body, ctx.principal!.userId, can(ctx.principal!, 'supervisor.monitor')),
    }),
  ];
}

async function firstServiceNumber(db: Db): Promise<string | undefined> {
  const { rows } = await db.query<{ number: string }>('SELECT number FROM ivr_service_numbers ORDER BY created_at LIMIT 1');
  return rows[0]?.number;
}
