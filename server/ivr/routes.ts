/** HTTP API of the IVR: flows (drafts, validation, versions, rollback), service numbers, prompts, calls' trails. */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { z } from 'zod';
import { audited } from '../audit/audited';
import type { Db } from '../db/pool';
import { actorOf } from '../http/actor';
import { idParams, route, type Route } from '../http/route';
import { withUpload } from '../http/upload';
import { NotFoundError, ValidationError } from '../platform/errors';
import { getCall, listCalls, listSurveyResults, listVoicemails, readTrail } from './adapters/pg';
import { flowJsonSchema } from './engine/json-schema';
import { PromptLibrary, ttsPromptBody, uploadFields } from './prompts/library';
import {
  bindBody,
  bindNumber,
  createFlow,
  createFlowBody,
  deleteFlow,
  draftBody,
  getFlow,
  getVersion,
  listFlows,
  listNumbers,
  listVersions,
  numberParams,
  publishBody,
  publishDraft,
  rollback,
  rollbackBody,
  saveDraft,
  unbindNumber,
  updateFlow,
  updateFlowBody,
  validateDefinition,
  validateDraft,
  versionParams,
} from './store/flows';

const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

async function sendWav(res: Response, file: string, name: string): Promise<void> {
  if (!fs.existsSync(file)) throw new NotFoundError('Audio file');
  res.status(200);
  res.setHeader('Content-Type', 'audio/wav');
  res.setHeader('Content-Length', String(fs.statSync(file).size));
  res.setHeader('Content-Disposition', `inline; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.wav"`);
  await pipeline(fs.createReadStream(file), res);
}

export function ivrRoutes({ db, prompts, mediaDir }: { db: Db; prompts: PromptLibrary; mediaDir: string }): Route[] {
  const manage = { permission: 'ivr.manage' } as const;
  const tag = 'ivr';
  const flowEntity = 'ivr_flow';
  const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
  const promptId = z.object({ id: z.uuid() });

  return [
    route({ method: 'get', path: '/api/ivr/flow-schema', tag, summary: 'The JSON Schema of the flow format', access: 'authenticated', handler: () => Promise.resolve(flowJsonSchema()) }),
    route({ method: 'get', path: '/api/ivr/flows', tag, summary: 'List flows with their active version and numbers', access: manage, handler: () => listFlows(db) }),
    route({
      method: 'post',
      path: '/api/ivr/flows',
      tag,
      summary: 'Create a flow (its draft may be given)',
      access: manage,
      body: createFlowBody,
      status: 201,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'ivr_flow.create', entityType: flowEntity }, async (tx) => {
          const flow = await createFlow(tx, ctx.body);
          return { result: flow, entityId: flow.id };
        }),
    }),
    route({ method: 'get', path: '/api/ivr/flows/:id', tag, summary: 'One flow with its draft', access: manage, params: idParams, handler: ({ params }) => getFlow(db, params.id) }),
    route({
      method: 'patch',
      path: '/api/ivr/flows/:id',
      tag,
      summary: "Edit a flow's description",
      access: manage,
      params: idParams,
      body: updateFlowBody,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'ivr_flow.update', entityType: flowEntity }, async (tx) => {
          const before = await getFlow(tx, ctx.params.id);
          return { result: await updateFlow(tx, ctx.params.id, ctx.body), entityId: ctx.params.id, before };
        }),
    }),
    route({
      method: 'delete',
      path: '/api/ivr/flows/:id',
      tag,
      summary: 'Delete a flow (refused while numbers or other flows use it)',
      access: manage,
      params: idParams,
      status: 204,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'ivr_flow.delete', entityType: flowEntity }, async (tx) => {
          const before = await deleteFlow(tx, ctx.params.id);
          return { result: undefined, entityId: before.id, before, after: null };
        }),
    }),
    route({
      method: 'put',
      path: '/api/ivr/flows/:id/draft',
      tag,
      summary: 'Save the draft (saved even when invalid; validate or publish to check it)',
      access: manage,
      params: idParams,
      body: draftBody,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'ivr_flow.save_draft', entityType: flowEntity }, async (tx) => {
          const flow = await saveDraft(tx, ctx.params.id, ctx.body);
          return { result: flow, entityId: flow.id, after: { draftUpdatedAt: flow.draftUpdatedAt } };
        }),
    }),
    route({ method: 'post', path: '/api/ivr/flows/:id/validate', tag, summary: 'Validate the draft: problems name the node and field', access: manage, params: idParams, handler: ({ params }) => validateDraft(db, params.id, prompts.media) }),
    route({
      method: 'post',
      path: '/api/ivr/validate',
      tag,
      summary: 'Validate a flow document without storing it',
      access: manage,
      body: draftBody,
      handler: ({ body }) => validateDefinition(db, body, typeof body.name === 'string' ? body.name : '', prompts.media),
    }),
    route({
      method: 'post',
      path: '/api/ivr/flows/:id/publish',
      tag,
      summary: 'Publish the draft as the next immutable version and make it active (400 when invalid)',
      access: manage,
      params: idParams,
      body: publishBody,
      status: 201,
      handler: async (ctx) => {
        const version = await audited(db, actorOf(ctx), { action: 'ivr_flow.publish', entityType: flowEntity }, async (tx) => {
          const v = await publishDraft(tx, ctx.params.id, ctx.principal?.userId ?? null, ctx.body.note, prompts.media);
          return { result: v, entityId: ctx.params.id, after: { version: v.version, note: v.note } };
        });
        // Warm the speech cache so the first caller does not wait for espeak-ng (best effort:
        // a missing synthesiser is logged, calls then fall back per node).
        await warmPrompts(prompts, version.definition).catch((err: unknown) => ctx.log.warn({ err }, 'pre-rendering text prompts failed'));
        return version;
      },
    }),
    route({ method: 'get', path: '/api/ivr/flows/:id/versions', tag, summary: 'Published versions, newest first', access: manage, params: idParams, handler: ({ params }) => listVersions(db, params.id) }),
    route({ method: 'get', path: '/api/ivr/flows/:id/versions/:version', tag, summary: 'One published version', access: manage, params: versionParams, handler: ({ params }) => getVersion(db, params.id, params.version) }),
    route({
      method: 'post',
      path: '/api/ivr/flows/:id/rollback',
      tag,
      summary: 'Make an earlier version active again (calls in progress keep theirs)',
      access: manage,
      params: idParams,
      body: rollbackBody,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'ivr_flow.rollback', entityType: flowEntity }, async (tx) => {
          const before = await getFlow(tx, ctx.params.id);
          const flow = await rollback(tx, ctx.params.id, ctx.body.version, prompts.media);
          return { result: flow, entityId: flow.id, before: { activeVersion: before.activeVersion }, after: { activeVersion: flow.activeVersion } };
        }),
    }),

    route({ method: 'get', path: '/api/ivr/numbers', tag, summary: 'Service numbers and their flows', access: manage, handler: () => listNumbers(db) }),
    route({
      method: 'put',
      path: '/api/ivr/numbers/:number',
      tag,
      summary: 'Bind a service number to a published flow',
      access: manage,
      params: numberParams,
      body: bindBody,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'ivr_number.bind', entityType: 'ivr_service_number' }, async (tx) => {
          const before = (await listNumbers(tx)).find((n) => n.number === ctx.params.number);
          return { result: await bindNumber(tx, ctx.params.number, ctx.body), entityId: ctx.params.number, before };
        }),
    }),
    route({
      method: 'delete',
      path: '/api/ivr/numbers/:number',
      tag,
      summary: 'Unbind a service number',
      access: manage,
      params: numberParams,
      status: 204,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'ivr_number.unbind', entityType: 'ivr_service_number' }, async (tx) => {
          const before = await unbindNumber(tx, ctx.params.number);
          return { result: undefined, entityId: ctx.params.number, before, after: null };
        }),
    }),

    route({ method: 'get', path: '/api/ivr/prompts', tag, summary: 'Prompts, with the published flows using each', access: manage, handler: () => prompts.list() }),
    route({
      method: 'post',
      path: '/api/ivr/prompts',
      tag,
      summary: 'Upload a prompt: multipart form with `name` and `file` (wav, mp3 or ogg; converted to 8 kHz mono WAV)',
      access: manage,
      bodyType: 'multipart',
      status: 201,
      handler: (ctx) =>
        withUpload(ctx.req, ctx.res, { field: 'file', maxBytes: MAX_UPLOAD_BYTES }, async (file, body) => {
          const fields = uploadFields.safeParse(body);
          if (!fields.success) throw new ValidationError('name: lowercase letters, digits, _ and -', [{ path: 'name', message: fields.error.issues[0]?.message ?? 'invalid' }]);
          if (!file) throw new ValidationError('Attach the audio as the `file` field', [{ path: 'file', message: 'required' }]);
          return audited(db, actorOf(ctx), { action: 'ivr_prompt.upload', entityType: 'ivr_prompt' }, async (tx) => {
            const p = await prompts.addAudio(tx, { name: fields.data.name, originalName: file.originalName, file: file.path, head: file.head, by: ctx.principal?.userId ?? null });
            return { result: p, entityId: p.id };
          });
        }),
    }),
    route({
      method: 'post',
      path: '/api/ivr/prompts/tts',
      tag,
      summary: 'Create a prompt from text (espeak-ng, en or zh)',
      access: manage,
      body: ttsPromptBody,
      status: 201,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'ivr_prompt.tts', entityType: 'ivr_prompt' }, async (tx) => {
          const p = await prompts.addSpeech(tx, { ...ctx.body, by: ctx.principal?.userId ?? null });
          return { result: p, entityId: p.id };
        }),
    }),
    route({
      method: 'get',
      path: '/api/ivr/prompts/:id/audio',
      tag,
      summary: 'Play a prompt (audio/wav)',
      access: manage,
      params: promptId,
      handler: async ({ params, res }) => {
        const p = await prompts.get(db, params.id);
        await sendWav(res, prompts.absolute(p), p.name);
      },
    }),
    route({
      method: 'delete',
      path: '/api/ivr/prompts/:id',
      tag,
      summary: 'Delete a prompt (409 while a published flow uses it)',
      access: manage,
      params: promptId,
      status: 204,
      handler: (ctx) =>
        audited(db, actorOf(ctx), { action: 'ivr_prompt.delete', entityType: 'ivr_prompt' }, async (tx) => {
          const before = await prompts.delete(tx, ctx.params.id);
          return { result: undefined, entityId: before.id, before, after: null };
        }),
    }),

    route({
      method: 'get',
      path: '/api/ivr/calls',
      tag,
      summary: 'Recent calls that entered the IVR',
      access: { permission: 'calls.view_all' },
      query: listQuery.extend({ destination: z.string().max(20).optional() }),
      handler: ({ query }) => listCalls(db, query),
    }),
    route({
      method: 'get',
      path: '/api/ivr/calls/:id',
      tag,
      summary: "A call's IVR summary and trail (every node's start, input and outcome)",
      access: { permission: 'calls.view_all' },
      params: idParams,
      handler: async ({ params }) => {
        const call = await getCall(db, params.id);
        if (!call) throw new NotFoundError('Call');
        return { ...call, trail: await readTrail(db, params.id) };
      },
    }),
    route({
      method: 'get',
      path: '/api/ivr/voicemails',
      tag,
      summary: 'Voicemail messages',
      access: { permission: 'recordings.listen_all' },
      query: listQuery.extend({ mailbox: z.string().max(64).optional(), callId: z.uuid().optional() }),
      handler: ({ query }) => listVoicemails(db, query),
    }),
    route({
      method: 'get',
      path: '/api/ivr/voicemails/:id/audio',
      tag,
      summary: 'Play a voicemail message (audio/wav)',
      access: { permission: 'recordings.listen_all' },
      params: idParams,
      handler: async ({ params, res }) => {
        const { rows } = await db.query<{ file: string }>('SELECT file FROM voicemails WHERE id = $1', [params.id]);
        if (!rows[0]) throw new NotFoundError('Voicemail');
        const file = path.resolve(mediaDir, rows[0].file);
        if (!file.startsWith(path.resolve(mediaDir) + path.sep)) throw new NotFoundError('Voicemail');
        await sendWav(res, file, `voicemail-${params.id}`);
      },
    }),
    route({
      method: 'get',
      path: '/api/ivr/survey-results',
      tag,
      summary: 'Satisfaction survey results',
      access: { permission: 'reports.view' },
      query: listQuery.extend({ callId: z.uuid().optional(), survey: z.string().max(64).optional() }),
      handler: ({ query }) => listSurveyResults(db, query),
    }),
  ];
}

/** Renders the text prompts of a definition that have no ${variables} (those render per call). */
export async function warmPrompts(prompts: PromptLibrary, definition: unknown): Promise<void> {
  const doc = definition as { language?: 'en' | 'zh' };
  const texts: { text: string; lang: 'en' | 'zh' }[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string' && Object.keys(o).every((k) => k === 'text' || k === 'lang') && !o.text.includes('${')) texts.push({ text: o.text, lang: o.lang === 'en' ? 'en' : o.lang === 'zh' ? 'zh' : (doc.language ?? 'zh') });
      else Object.values(o).forEach(visit);
    }
  };
  visit((definition as { nodes?: unknown }).nodes);
  for (const t of texts) await prompts.render(t.text, t.lang);
}
