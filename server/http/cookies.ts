/**
 * Cookies of a request that did not pass through cookie-parser: WebSocket upgrades and
 * socket.io handshakes. Same rules as the `cookie` package (first `=` splits, values
 * URI-decoded when they decode); hand-written because that package ships no types here.
 */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    const value = part.slice(i + 1).trim();
    if (name in out) continue;
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}
