import { z } from 'zod';
import { recordAudit } from '../audit/audit';
import type { Db } from '../db/pool';
import { inTransaction } from '../db/pool';
import { route, type Route } from '../http/route';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../platform/errors';
import { createApiToken, createTokenBody, listApiTokens, revokeAllApiTokens, revokeApiToken } from './api-tokens';
import { SESSION_COOKIE, type AuthService } from './auth-service';
import { hashPassword, verifyPassword } from './passwords';
import { PERMISSIONS } from './permissions';
import type { Principal } from './principal';
import { loadUserAccess } from './user-access';

const loginBody = z.object({
  username: z.string().trim().min(1, 'is required').max(64).describe('login name or phone number'),
  password: z.string().min(1, 'is required').max(256),
});

export const passwordRule = z.string().min(8, 'must be at least 8 characters').max(256);

const changePasswordBody = z.object({ oldPassword: z.string().min(1, 'is required'), newPassword: passwordRule });

function me(p: Principal) {
  return { id: p.userId, username: p.username, displayName: p.displayName, isSuperadmin: p.isSuperadmin, permissions: [...p.permissions].sort(), via: p.via };
}

export function authRoutes(deps: { db: Db; auth: AuthService; cookie: { secure: boolean; maxAgeSeconds: number } }): Route[] {
  const { db, auth } = deps;
  const must = (p: Principal | undefined): Principal => {
    if (!p) throw new UnauthorizedError();
    return p;
  };
  return [
    route({
      method: 'post',
      path: '/api/auth/login',
      tag: 'auth',
      summary: 'Log in with username (or phone) and password; sets the httpOnly session cookie',
      access: 'public',
      body: loginBody,
      handler: async ({ body, req, res }) => {
        const { token, principal } = await auth.login(body.username, body.password, { ip: req.ip ?? 'unknown', userAgent: req.get('user-agent') });
        res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: deps.cookie.secure, path: '/', maxAge: deps.cookie.maxAgeSeconds * 1000 });
        return me(principal);
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      tag: 'auth',
      summary: 'End the current session',
      access: 'authenticated',
      status: 204,
      handler: async ({ principal, res }) => {
        const p = must(principal);
        if (p.via === 'session') await auth.sessions.destroy(p.credentialId, p.userId);
        res.clearCookie(SESSION_COOKIE, { path: '/' });
      },
    }),
    route({ method: 'get', path: '/api/auth/me', tag: 'auth', summary: 'The logged-in user and their permissions', access: 'authenticated', handler: ({ principal }) => Promise.resolve(me(must(principal))) }),
    route({
      method: 'post',
      path: '/api/auth/password',
      tag: 'auth',
      summary: 'Change one\'s own password (old password required); ends one\'s other sessions and revokes one\'s API tokens',
      access: 'authenticated',
      body: changePasswordBody,
      status: 204,
      handler: async ({ body, principal, req }) => {
        const p = must(principal);
        const user = await loadUserAccess(db, { id: p.userId });
        if (!user || !(await verifyPassword(user.passwordHash, body.oldPassword))) {
          throw new ValidationError('The old password is wrong', [{ path: 'oldPassword', message: 'is wrong' }]);
        }
        if (body.oldPassword === body.newPassword) throw new ValidationError('The new password must differ from the old one', [{ path: 'newPassword', message: 'must differ from the old password' }]);
        const hash = await hashPassword(body.newPassword);
        await inTransaction(db, async (tx) => {
          await tx.query('UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1', [p.userId, hash]);
          const revokedTokens = await revokeAllApiTokens(tx, p.userId);
          await recordAudit(tx, { actor: p, action: 'user.password_change', entityType: 'user', entityId: p.userId, after: { revokedTokens }, ip: req.ip });
        });
        await auth.sessions.destroyAllForUser(p.userId, p.via === 'session' ? p.credentialId : undefined);
      },
    }),
    route({ method: 'get', path: '/api/auth/tokens', tag: 'auth', summary: 'List one\'s API tokens', access: { permission: 'apitoken.manage' }, handler: async ({ principal }) => listApiTokens(db, must(principal).userId) }),
    route({
      method: 'post',
      path: '/api/auth/tokens',
      tag: 'auth',
      summary: 'Create an API token for integrations (acts as the creator; the token is shown once). Needs a session: a token cannot mint tokens',
      access: { permission: 'apitoken.manage' },
      body: createTokenBody,
      status: 201,
      handler: async ({ body, principal, req }) => {
        const p = must(principal);
        // A leaked token must not outlive its revocation by minting successors.
        if (p.via === 'token') throw new ForbiddenError('API tokens cannot create API tokens; log in to create one');
        return inTransaction(db, async (tx) => {
          const created = await createApiToken(tx, p.userId, body);
          await recordAudit(tx, { actor: p, action: 'apitoken.create', entityType: 'api_token', entityId: created.id, after: { name: created.name, expiresAt: created.expiresAt }, ip: req.ip });
          return created;
        });
      },
    }),
    route({
      method: 'delete',
      path: '/api/auth/tokens/:id',
      tag: 'auth',
      summary: 'Revoke one of one\'s API tokens',
      access: { permission: 'apitoken.manage' },
      params: z.object({ id: z.uuid() }),
      handler: async ({ params, principal, req }) => {
        const p = must(principal);
        return inTransaction(db, async (tx) => {
          const revoked = await revokeApiToken(tx, p.userId, params.id);
          await recordAudit(tx, { actor: p, action: 'apitoken.revoke', entityType: 'api_token', entityId: revoked.id, ip: req.ip });
          return revoked;
        });
      },
    }),
    route({ method: 'get', path: '/api/permissions', tag: 'roles', summary: 'The permission catalogue', access: 'authenticated', handler: () => Promise.resolve(PERMISSIONS) }),
  ];
}
