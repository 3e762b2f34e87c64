import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AuthService } from '../auth/auth-service';
import { can, type Principal } from '../auth/principal';
import type { Logger } from '../logging/logger';
import { ForbiddenError, UnauthorizedError } from '../platform/errors';
import { bodyParser } from './body';
import { zodToValidationError } from './errors';
import { crossSiteReason, isUnsafeMethod, requestOriginHeaders } from './origin';
import type { Route } from './route';

export interface MountDeps {
  auth: AuthService;
  log: Logger;
  /** The origins staff pages are served from (PUBLIC_ORIGINS); read per request, as the port is known only once listening. */
  publicOrigins: () => readonly string[];
}

/**
 * Mounts routes on a router: authenticate and authorise (before reading any body, so a
 * stranger learns nothing and costs no parsing), parse the body, validate
 * params/query/body, run, reply.
 */
export function mountRoutes(routes: Route[], deps: MountDeps): Router {
  const router = express.Router();
  for (const r of routes) {
    const authorise = async (req: Request, res: Response, next: NextFunction) => {
      res.locals.principal = await principalFor(r, req, deps);
      next();
    };
    router[r.method](r.path, authorise, ...bodyParser(r.bodyType ?? 'json'), async (req: Request, res: Response) => {
      const principal = res.locals.principal as Principal | undefined;
      const params = parse(r, 'params', req.params);
      const query = parse(r, 'query', req.query);
      const body = parse(r, 'body', req.body ?? {});
      const log = deps.log.child({ reqId: req.get('x-request-id') ?? undefined, userId: principal?.userId, route: `${r.method.toUpperCase()} ${r.path}` });
      const result = await r.handler({ params, query, body, principal, log, req, res });
      if (res.headersSent) return;
      const status = r.status ?? 200;
      if (status === 204 || result === undefined) res.status(status === 200 ? 204 : status).end();
      else res.status(status).json(result);
    });
  }
  return router;
}

async function principalFor(r: Route, req: Request, deps: MountDeps): Promise<Principal | undefined> {
  if (r.access === 'public') return undefined;
  const principal = await deps.auth.authenticate(req);
  if (!principal) throw new UnauthorizedError();
  refuseCrossSite(req, principal, deps.publicOrigins());
  if (r.access !== 'authenticated' && !can(principal, r.access.permission)) {
    throw new ForbiddenError(`This needs the permission ${r.access.permission}`);
  }
  return principal;
}

/** CSRF: a change made with the session cookie must come from one of our own pages. API tokens are not ambient, so they are exempt. */
function refuseCrossSite(req: Request, principal: Principal, allowed: readonly string[]): void {
  if (principal.via !== 'session' || !isUnsafeMethod(req.method)) return;
  const reason = crossSiteReason(requestOriginHeaders(req), allowed);
  if (reason) throw new ForbiddenError(`Cross-site request refused: ${reason}`);
}

function parse(r: Route, where: 'body' | 'query' | 'params', value: unknown): never {
  const schema = r[where];
  if (!schema) return value as never;
  const result = schema.safeParse(value);
  if (!result.success) throw zodToValidationError(where, result.error);
  return result.data as never;
}
