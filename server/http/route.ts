import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Permission } from '../auth/permissions';
import type { Principal } from '../auth/principal';
import type { Logger } from '../logging/logger';
import type { BodyType } from './body';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call a route: anyone, any logged-in user, or holders of one permission. */
export type Access = 'public' | 'authenticated' | { permission: Permission };

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Set for every access level but 'public'. */
  principal: Principal | undefined;
  log: Logger;
  req: Request;
  res: Response;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One HTTP route: the schemas that validate its input are also what
 * /api/openapi.json publishes, so the documentation cannot drift from the checks.
 */
export interface Route<B extends Schema | undefined = Schema | undefined, Q extends Schema | undefined = Schema | undefined, P extends Schema | undefined = Schema | undefined> {
  method: HttpMethod;
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: B;
  /** How the body arrives; default 'json'. Any other content type is refused with 415. */
  bodyType?: BodyType;
  query?: Q;
  params?: P;
  /** Success status; 204 sends no body. */
  status?: number;
  handler(ctx: RouteContext<Out<B>, Out<Q>, Out<P>>): Promise<unknown>;
}

/** Identity helper that lets TypeScript infer the handler's input types from the schemas. */
export function route<B extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, P extends Schema | undefined = undefined>(r: Route<B, Q, P>): Route {
  return r;
}

export const idParams = z.object({ id: z.uuid({ message: 'must be a UUID' }) });
