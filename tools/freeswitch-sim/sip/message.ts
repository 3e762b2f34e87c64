import { z } from 'zod';

/**
 * SIP messages as text (RFC 3261 §7): one message per WebSocket frame (RFC 7118 §5),
 * so there is no stream framing to do. Headers keep their order and repeats; compact
 * forms are expanded on read so the rest of the code sees one name per header.
 */
export type Header = [string, string];

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: Header[];
  body: string;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: Header[];
  body: string;
}

export type SipMessage = SipRequest | SipResponse;

const COMPACT: Record<string, string> = {
  v: 'Via', f: 'From', t: 'To', i: 'Call-ID', m: 'Contact', l: 'Content-Length', c: 'Content-Type',
  k: 'Supported', e: 'Content-Encoding', s: 'Subject', o: 'Event', u: 'Allow-Events',
};

export class SipParseError extends Error {}

/** What every request must carry before the simulator acts on it (RFC 3261 §8.1.1); the rest is optional. */
const requiredHeaders = z.object({
  via: z.string().min(1),
  from: z.string().min(1),
  to: z.string().min(1),
  callId: z.string().min(1).max(256),
  cseq: z.string().regex(/^\d{1,10}\s+[A-Za-z]+$/),
});

export function parseSip(text: string): SipMessage {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const rawBody = split < 0 ? '' : text.slice(split + 4);
  const lines = head.split('\r\n');
  const start = lines.shift() ?? '';
  const headers: Header[] = [];
  for (const line of lines) {
    // header folding (a line starting with white space continues the previous header)
    if (/^[ \t]/.test(line) && headers.length) {
      headers[headers.length - 1]![1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`bad header line: ${line.slice(0, 80)}`);
    const rawName = line.slice(0, colon).trim();
    headers.push([COMPACT[rawName.toLowerCase()] ?? rawName, line.slice(colon + 1).trim()]);
  }
  const len = headerOf(headers, 'Content-Length');
  const body = len !== undefined && /^\d+$/.test(len) ? Buffer.from(rawBody).subarray(0, Number(len)).toString() : rawBody;
  const res = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(start);
  if (res) return { kind: 'response', status: Number(res[1]), reason: res[2] ?? '', headers, body };
  const req = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(start);
  if (!req) throw new SipParseError(`bad start line: ${start.slice(0, 80)}`);
  const msg: SipRequest = { kind: 'request', method: req[1]!, uri: req[2]!, headers, body };
  const check = requiredHeaders.safeParse({ via: header(msg, 'Via'), from: header(msg, 'From'), to: header(msg, 'To'), callId: header(msg, 'Call-ID'), cseq: header(msg, 'CSeq') });
  if (!check.success) throw new SipParseError(`missing or bad ${check.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return msg;
}

function headerOf(headers: Header[], name: string): string | undefined {
  const n = name.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === n)?.[1];
}

export function header(msg: { headers: Header[] }, name: string): string | undefined {
  return headerOf(msg.headers, name);
}

export function headers(msg: { headers: Header[] }, name: string): string[] {
  const n = name.toLowerCase();
  return msg.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
}

export function serialize(msg: SipMessage): string {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const hs = msg.headers.filter(([k]) => k.toLowerCase() !== 'content-length');
  hs.push(['Content-Length', String(Buffer.byteLength(msg.body))]);
  return `${start}\r\n${hs.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${msg.body}`;
}

/** `"Name" <sip:user@host;p>;tag=x` → its parts. */
export interface NameAddr {
  display?: string;
  uri: string;
  user?: string;
  host?: string;
  params: Map<string, string>;
}

export function parseNameAddr(value: string): NameAddr {
  let display: string | undefined;
  let uri: string;
  let rest: string;
  const lt = value.indexOf('<');
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    display = value.slice(0, lt).trim().replace(/^"(.*)"$/, '$1') || undefined;
    uri = value.slice(lt + 1, gt < 0 ? undefined : gt);
    rest = gt < 0 ? '' : value.slice(gt + 1);
  } else {
    const semi = value.indexOf(';');
    uri = semi < 0 ? value.trim() : value.slice(0, semi).trim();
    rest = semi < 0 ? '' : value.slice(semi);
  }
  const params = new Map<string, string>();
  for (const p of rest.split(';').map((s) => s.trim()).filter(Boolean)) {
    const eq = p.indexOf('=');
    params.set((eq < 0 ? p : p.slice(0, eq)).toLowerCase(), eq < 0 ? '' : p.slice(eq + 1).replace(/^"(.*)"$/, '$1'));
  }
  const m = /^sips?:(?:([^@;>]+)@)?([^;>?]+)/i.exec(uri);
  return { display, uri, user: m?.[1] ? decodeURIComponent(m[1]) : undefined, host: m?.[2], params };
}

/** A response to a request (RFC 3261 §8.2.6): Via, From, To, Call-ID and CSeq copied; a To tag when given. */
export function responseTo(req: SipRequest, status: number, reason: string, opts: { toTag?: string; headers?: Header[]; body?: string } = {}): SipResponse {
  const hs: Header[] = [];
  for (const [k, v] of req.headers) {
    const n = k.toLowerCase();
    if (n === 'via' || n === 'from' || n === 'call-id' || n === 'cseq') hs.push([k, v]);
    else if (n === 'to') hs.push([k, opts.toTag && !/;\s*tag=/i.test(v) ? `${v};tag=${opts.toTag}` : v]);
  }
  return { kind: 'response', status, reason, headers: [...hs, ...(opts.headers ?? [])], body: opts.body ?? '' };
}

export function cseqOf(msg: { headers: Header[] }): { seq: number; method: string } {
  const [seq, method] = (header(msg, 'CSeq') ?? '0 X').split(/\s+/);
  return { seq: Number(seq), method: (method ?? '').toUpperCase() };
}

/** The branch parameter of the top Via: with the CSeq method it names the transaction. */
export function topBranch(msg: { headers: Header[] }): string {
  return /;\s*branch=([^;,\s]+)/i.exec(header(msg, 'Via') ?? '')?.[1] ?? '';
}
