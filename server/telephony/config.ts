import { ValidationError } from '../platform/errors';

/** One FreeSWITCH node's inbound Event Socket. `password` is a secret: never log this object. */
export interface EslNodeConfig {
  host: string;
  port: number;
  password: string;
}

/** The name a node goes by in logs, health and events: `host:port` (never the password). */
export function nodeName(node: Pick<EslNodeConfig, 'host' | 'port'>): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}

/**
 * Parses `FREESWITCH_ESL`: comma-separated `host:port:password` entries, e.g.
 * `10.0.0.5:8021:ClueCon,10.0.0.6:8021:s3cret`. IPv6 hosts go in brackets (`[::1]:8021:pw`).
 * The password is everything after the second colon, so it may itself contain colons
 * (but not commas, the entry separator). Errors name the entry by position, never echo it
 * (it holds a password).
 */
export function parseFreeswitchEsl(value: string): EslNodeConfig[] {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) {
    throw invalid('FREESWITCH_ESL is empty: expected host:port:password[,host:port:password...]');
  }
  const nodes = entries.map((entry, i) => parseEntry(entry, i + 1));
  const seen = new Set<string>();
  for (const n of nodes) {
    const name = nodeName(n);
    if (seen.has(name)) throw invalid(`FREESWITCH_ESL lists ${name} twice`);
    seen.add(name);
  }
  return nodes;
}

function parseEntry(entry: string, position: number): EslNodeConfig {
  let host: string;
  let rest: string;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close < 0 || entry[close + 1] !== ':') throw invalid(`FREESWITCH_ESL entry ${position}: IPv6 host must look like [addr]:port:password`);
    host = entry.slice(1, close);
    rest = entry.slice(close + 2);
  } else {
    const colon = entry.indexOf(':');
    if (colon < 0) throw invalid(`FREESWITCH_ESL entry ${position}: expected host:port:password`);
    host = entry.slice(0, colon);
    rest = entry.slice(colon + 1);
  }
  const colon = rest.indexOf(':');
  const portText = colon < 0 ? rest : rest.slice(0, colon);
  const password = colon < 0 ? '' : rest.slice(colon + 1);
  if (host.length === 0) throw invalid(`FREESWITCH_ESL entry ${position}: host is empty`);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw invalid(`FREESWITCH_ESL entry ${position} (${host}): port must be 1-65535`);
  }
  if (password.length === 0) throw invalid(`FREESWITCH_ESL entry ${position} (${host}:${portText}): password is missing (host:port:password)`);
  if (/[\r\n]/.test(password)) throw invalid(`FREESWITCH_ESL entry ${position} (${host}:${portText}): password contains a line break`);
  return { host, port: Number(portText), password };
}

function invalid(message: string): ValidationError {
  return new ValidationError(message, [{ path: 'FREESWITCH_ESL', message }]);
}
