import type { Request } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** `scheme://host[:port]`, lower case, default port dropped: the form browsers send in Origin. */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Why a cookie-authenticated state change must be refused as cross-site, or undefined
 * when it may go on. SameSite=Lax lets a same-SITE page (another port, a sibling
 * subdomain) ride the session cookie; the browser's Origin / Sec-Fetch-Site headers
 * say where the request really came from. A request carrying neither did not come from
 * a browser page (curl, an integration), which cannot hold a victim's cookie. Pure.
 */
export function crossSiteReason(headers: { origin?: string; secFetchSite?: string }, allowed: readonly string[]): string | undefined {
  if (headers.origin !== undefined) {
    const origin = normalizeOrigin(headers.origin);
    if (origin && allowed.includes(origin)) return undefined;
    return `Origin ${headers.origin} is not one of this server's public origins (PUBLIC_ORIGINS)`;
  }
  if (headers.secFetchSite !== undefined && headers.secFetchSite !== 'same-origin' && headers.secFetchSite !== 'none') {
    return `a ${headers.secFetchSite} request may not use the session cookie to change anything`;
  }
  return undefined;
}

export function requestOriginHeaders(req: Request): { origin?: string; secFetchSite?: string } {
  return { origin: req.get('origin'), secFetchSite: req.get('sec-fetch-site')?.toLowerCase() };
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '127.0.0.1', 'localhost', '::1']);

/**
 * PUBLIC_ORIGINS when unset: the addresses a browser on this machine uses
 * (http://127.0.0.1:PORT, http://localhost:PORT) and HOST itself when it names one host.
 */
export function defaultPublicOrigins(host: string, port: number): string[] {
  const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  if (!WILDCARD_HOSTS.has(host)) origins.push(`http://${host.includes(':') ? `[${host}]` : host}:${port}`.toLowerCase());
  return origins;
}
