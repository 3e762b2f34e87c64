import express, { type Request, type Response, type Router } from 'express';
import type { AuthService } from '../auth/auth-service';
import { can } from '../auth/principal';
import type { Logger } from '../logging/logger';
import { ForbiddenError, UnauthorizedError } from '../platform/errors';
import { zodToValidationError } from './errors';
import type { Route } from './route';

/** Mounts routes on a router: authenticate, authorise, validate params/query/body, run, reply. */
export function mountRoutes(routes: Route[], deps: { auth: AuthService; log: Logger }): Router {
  const router = express.Router();
  for (const r of routes) {
    router[r.method](r.path, async (req: Request, res: Response) => {
      const principal = r.access === 'public' ? undefined : await deps.auth.authenticate(req);
      if (r.access !== 'public') {
        if (!principal) throw new UnauthorizedError();
        if (r.access !== 'authenticated' && !can(principal, r.access.permission)) {
          throw new ForbiddenError(`This needs the permission ${r.access.permission}`);
        }
      }
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

function parse(r: Route, where: 'body' | 'query' | 'params', value: unknown): never {
  const schema = r[where];
  if (!schema) return value as never;
  const result = schema.safeParse(value);
  if (!result.success) throw zodToValidationError(where, result.error);
  return result.data as never;
}
