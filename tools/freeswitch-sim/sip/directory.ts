import { z } from 'zod';
import { md5 } from './digest';

/**
 * Where the registrar finds a user's credentials: what mod_xml_curl does for
 * FreeSWITCH. The Hotline directory endpoint answers a document with an `a1-hash`
 * param (or, in other directories, a clear `password`); "not found" means 403.
 */
export interface DirectoryUser {
  /** MD5(user:domain:password). */
  a1Hash: string;
  /** `<variable>`s of the user (user_context, hotline_agent_id, effective_caller_id_*...). */
  variables: Record<string, string>;
}

export interface Directory {
  lookup(req: { user: string; domain: string; ip: string; userAgent?: string; authRealm?: string; authUsername?: string; nonce?: string }): Promise<DirectoryUser | undefined>;
}

/** Users known up front (standalone simulator, tests): name → password. */
export function staticDirectory(domain: string, users: Record<string, string>): Directory {
  return {
    lookup: ({ user, domain: d }) => {
      const pw = users[user];
      return Promise.resolve(pw !== undefined && d === domain ? { a1Hash: md5(`${user}:${domain}:${pw}`), variables: {} } : undefined);
    },
  };
}

export interface XmlCurlOptions {
  /** e.g. http://127.0.0.1:8080/api/freeswitch/directory; a function when the port is known only later. */
  url: string | (() => string);
  user: string;
  password: string;
  timeoutMs?: number;
}

const paramRe = /<param\s+name="([^"]+)"\s+value="([^"]*)"\s*\/>/g;
const varRe = /<variable\s+name="([^"]+)"\s+value="([^"]*)"\s*\/>/g;
const unescape = (s: string): string => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const hex32 = z.string().regex(/^[0-9a-f]{32}$/i);

/**
 * POSTs the form fields mod_xml_curl sends for a sip_auth lookup (a useful subset of
 * them) with HTTP basic auth, and reads the `<user id=...>` of the answer.
 */
export function xmlCurlDirectory(opts: XmlCurlOptions): Directory {
  return {
    async lookup(req) {
      const form = new URLSearchParams({
        hostname: 'freeswitch-sim', section: 'directory', tag_name: 'domain', key_name: 'name', key_value: req.domain,
        'Event-Name': 'REQUEST_PARAMS', 'Core-UUID': '', action: 'sip_auth', sip_profile: 'internal',
        sip_user_agent: req.userAgent ?? '', sip_auth_username: req.authUsername ?? req.user, sip_auth_realm: req.authRealm ?? req.domain,
        sip_auth_nonce: req.nonce ?? '', sip_auth_method: 'REGISTER', key: 'id', user: req.user, domain: req.domain, ip: req.ip,
      });
      const res = await fetch(typeof opts.url === 'function' ? opts.url() : opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}` },
        body: form.toString(),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
      const xml = await res.text();
      if (!res.ok) return undefined;
      return parseDirectoryXml(xml, req.user, req.domain);
    },
  };
}

/** The user's a1-hash (or password → hash) and variables from a directory document; undefined for "not found". */
export function parseDirectoryXml(xml: string, user: string, domain: string): DirectoryUser | undefined {
  if (!/<section\s+name="directory"/.test(xml)) return undefined;
  const userStart = xml.search(new RegExp(`<user\\s+id="${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`, 'i'));
  if (userStart < 0) return undefined;
  const userEnd = xml.indexOf('</user>', userStart);
  const block = xml.slice(userStart, userEnd < 0 ? undefined : userEnd);
  const params = new Map<string, string>();
  for (const m of block.matchAll(paramRe)) params.set(m[1]!, unescape(m[2]!));
  const variables: Record<string, string> = {};
  for (const m of block.matchAll(varRe)) variables[m[1]!] = unescape(m[2]!);
  const a1 = params.get('a1-hash');
  if (a1 !== undefined) return hex32.safeParse(a1).success ? { a1Hash: a1.toLowerCase(), variables } : undefined;
  const pw = params.get('password');
  return pw !== undefined ? { a1Hash: md5(`${user}:${domain}:${pw}`), variables } : undefined;
}
