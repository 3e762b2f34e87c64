import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a staff socket's handshake may proceed, by where the page that opened it
 * came from (cross-site WebSocket hijacking: a browser sends the session cookie with
 * a WebSocket opened by any site, so the cookie alone proves nothing).
 *
 * - An `Origin` header must be one of the public origins exactly; `null` (sandboxed
 *   frames, file: pages) never is.
 * - No `Origin`: a browser omits it only on same-origin GETs (socket.io's first
 *   polling request), and then says so in `Sec-Fetch-Site`; a client that sends
 *   neither header is not a browser (an integration with a token), so there is no
 *   ambient cookie to abuse.
 */
export function staffOriginAllowed(headers: IncomingHttpHeaders, publicOrigins: readonly string[]): boolean {
  const origin = headers.origin;
  if (origin !== undefined) return publicOrigins.includes(normalizeOrigin(origin));
  const site = headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** `HTTP://Host:80/` and `http://host` name the same origin; anything unparsable stays as given (and matches nothing). */
export function normalizeOrigin(origin: string): string {
  try {
    const u = new URL(origin);
    return u.origin === 'null' ? origin : u.origin;
  } catch {
    return origin;
  }
}
