import crypto from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { audited } from '../audit/audited';
import { can, type Principal } from '../auth/principal';
import type { Config } from '../config/config';
import type { Db } from '../db/pool';
import { actorOf } from '../http/actor';
import { idParams, route, type Route } from '../http/route';
import type { Logger } from '../logging/logger';
import { ForbiddenError } from '../platform/errors';
import { getAgent } from '../org/agents';
import { directoryUserXml, NOT_FOUND_XML } from './directory-xml';
import { directoryEntry, ensureEndpoint, rotateSipPassword, updateEndpoint, updateEndpointBody, type AgentEndpointSecret } from './store';

/** mod_xml_curl posts these form fields; anything else is ignored. */
const directoryRequest = z.object({
  section: z.string().optional(),
  user: z.string().max(128).optional(),
  domain: z.string().max(255).optional(),
  action: z.string().max(64).optional(),
});

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Only FreeSWITCH, holding the configured basic-auth pair, may read agent credentials. */
function isFreeswitch(req: Request, xmlCurl: Config['sip']['xmlCurl']): boolean {
  if (!xmlCurl.password) return false;
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const [user, ...rest] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
  return safeEqual(user ?? '', xmlCurl.user) && safeEqual(rest.join(':'), xmlCurl.password);
}

function assertSelfOrManager(p: Principal, agentId: string): void {
  if (p.userId !== agentId && !can(p, 'agent.manage')) throw new ForbiddenError('Only the agent or an agent manager may do this');
}

function forSoftphone(e: AgentEndpointSecret, sip: Config['sip']) {
  return { sipUsername: e.sipUsername, sipPassword: e.sipPassword, domain: sip.domain, wssUrl: sip.wssUrl, mode: e.mode, externalNumber: e.externalNumber };
}

function withoutSecret({ sipPassword: _secret, ...e }: AgentEndpointSecret) {
  return e;
}

export function endpointRoutes({ db, config, log, onEndpointChanged }: { db: Db; config: Config; log: Logger; onEndpointChanged: (agentId: string) => Promise<unknown> }): Route[] {
  const sip = config.sip;
  if (!sip.xmlCurl.password) log.warn('XML_CURL_PASSWORD not set: the FreeSWITCH directory endpoint answers "not found" to everyone');
  const endpointOf = async (agentId: string) => ensureEndpoint(db, await getAgent(db, agentId));
  return [
    route({
      method: 'get',
      path: '/api/me/sip',
      tag: 'endpoints',
      summary: 'The logged-in agent\'s SIP credentials for the browser softphone (created on first use)',
      access: { permission: 'calls.handle' },
      handler: async ({ principal }) => forSoftphone(await endpointOf(principal!.userId), sip),
    }),
    route({
      method: 'get',
      path: '/api/agents/:id/endpoint',
      tag: 'endpoints',
      summary: 'How an agent takes calls (softphone or external number); no secret',
      access: 'authenticated',
      params: idParams,
      handler: async ({ params, principal }) => {
        assertSelfOrManager(principal!, params.id);
        return withoutSecret(await endpointOf(params.id));
      },
    }),
    route({
      method: 'patch',
      path: '/api/agents/:id/endpoint',
      tag: 'endpoints',
      summary: 'Switch between the softphone and an external phone number',
      access: 'authenticated',
      params: idParams,
      body: updateEndpointBody,
      handler: async (ctx) => {
        assertSelfOrManager(ctx.principal!, ctx.params.id);
        const before = withoutSecret(await endpointOf(ctx.params.id));
        const after = await audited(db, actorOf(ctx), { action: 'agent_endpoint.update', entityType: 'agent' }, async (tx) => {
          const updated = await updateEndpoint(tx, ctx.params.id, ctx.body);
          return { result: updated, entityId: ctx.params.id, before };
        });
        await onEndpointChanged(ctx.params.id);
        return after;
      },
    }),
    route({
      method: 'post',
      path: '/api/agents/:id/endpoint/rotate',
      tag: 'endpoints',
      summary: 'Issue a new SIP password (the old one stops working)',
      access: 'authenticated',
      params: idParams,
      handler: async (ctx) => {
        assertSelfOrManager(ctx.principal!, ctx.params.id);
        await endpointOf(ctx.params.id);
        const rotated = await audited(db, actorOf(ctx), { action: 'agent_endpoint.rotate_password', entityType: 'agent' }, async (tx) => {
          const e = await rotateSipPassword(tx, ctx.params.id);
          return { result: e, entityId: ctx.params.id, after: { rotatedAt: e.rotatedAt } };
        });
        return ctx.principal!.userId === ctx.params.id ? forSoftphone(rotated, sip) : withoutSecret(rotated);
      },
    }),
    route({
      method: 'post',
      path: '/api/freeswitch/directory',
      tag: 'freeswitch',
      summary: 'mod_xml_curl directory lookups (HTTP basic auth with XML_CURL_USER/XML_CURL_PASSWORD)',
      access: 'public',
      bodyType: 'form',
      body: directoryRequest,
      handler: async ({ body, req, res, log: reqLog }) => {
        res.type('application/xml');
        if (!isFreeswitch(req, sip.xmlCurl)) {
          reqLog.warn({ ip: req.ip }, 'directory lookup refused: bad or missing credentials');
          res.status(401).setHeader('WWW-Authenticate', 'Basic realm="hotline-directory"');
          res.send(NOT_FOUND_XML);
          return;
        }
        const entry = body.section === 'directory' && body.user && body.domain === sip.domain ? await directoryEntry(db, body.user) : undefined;
        res.send(entry ? directoryUserXml({ domain: sip.domain, ...entry }) : NOT_FOUND_XML);
      },
    }),
  ];
}
