import type { Permission } from './permissions';

/** The authenticated caller of a request. */
export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  isSuperadmin: boolean;
  permissions: ReadonlySet<Permission>;
  /** How they authenticated: a browser session (cookie) or an integration API token. */
  via: 'session' | 'token';
  /** The session id (hash) for 'session', the token id for 'token'. */
  credentialId: string;
}

export function can(principal: Principal, permission: Permission): boolean {
  return principal.isSuperadmin || principal.permissions.has(permission);
}
