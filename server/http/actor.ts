import type { Actor } from '../audit/audit';
import type { Principal } from '../auth/principal';
import { UnauthorizedError } from '../platform/errors';

/** The audit identity of a request handled by an authenticated route. */
export function actorOf(ctx: { principal: Principal | undefined; req: { ip?: string } }): { actor: Actor; ip?: string } {
  if (!ctx.principal) throw new UnauthorizedError();
  return { actor: ctx.principal, ip: ctx.req.ip };
}
