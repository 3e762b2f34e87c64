/**
 * SIPp -trace_msg logs → Timeline entries. A log is a sequence of blocks:
 *   ----------------------------------------------- 2026-12-04T19:00:55.444874Z
 *   UDP message sent [481] bytes:
 *   <blank>
 *   INVITE sip:7901@192.0.2.2:5090 SIP/2.0
 *   ...headers, body
 * Only the first line and a few headers matter. Retransmissions repeat a message: the
 * first copy's time is kept.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { AgentCall, CallerCall } from './timeline';

export interface SipMessage {
  at: number;
  dir: 'sent' | 'received';
  /** Request method, or undefined for a response. */
  method?: string;
  status?: number;
  /** Request-URI user of a request. */
  ruriUser?: string;
  callId: string;
  fromUser?: string;
  cseqMethod?: string;
}

const SEPARATOR = /^-{20,} (\S+)$/;
const DIRECTION = /message (sent|received)/;

const user = (uriish: string | undefined): string | undefined => /sips?:([^@;>]+)@/.exec(uriish ?? '')?.[1];

/** Streams a message log; calls onMessage for every SIP message in order. */
export async function readSippLog(file: string, onMessage: (m: SipMessage) => void): Promise<void> {
  if (!fs.existsSync(file)) return;
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let at = NaN;
  let dir: SipMessage['dir'] | undefined;
  let lines: string[] = [];
  const flush = (): void => {
    if (dir && lines.length > 0) {
      const m = parseMessage(at, dir, lines);
      if (m) onMessage(m);
    }
    lines = [];
    dir = undefined;
  };
  for await (const line of rl) {
    const sep = SEPARATOR.exec(line);
    if (sep) {
      flush();
      at = Date.parse(sep[1]!);
      continue;
    }
    if (!dir) {
      const d = DIRECTION.exec(line);
      if (d) dir = d[1] as SipMessage['dir'];
      continue;
    }
    if (lines.length === 0 && line.trim() === '') continue;
    lines.push(line);
  }
  flush();
}

export function parseMessage(at: number, dir: SipMessage['dir'], lines: string[]): SipMessage | undefined {
  const first = lines[0]?.trim() ?? '';
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    if (l.trim() === '') break;
    const i = l.indexOf(':');
    if (i > 0) {
      const name = l.slice(0, i).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, l.slice(i + 1).trim());
    }
  }
  const callId = headers.get('call-id') ?? headers.get('i');
  if (!callId) return undefined;
  const cseq = headers.get('cseq')?.split(/\s+/)[1];
  const from = headers.get('from') ?? headers.get('f');
  const status = /^SIP\/2\.0 (\d{3})/.exec(first);
  if (status) return { at, dir, status: Number(status[1]), callId, fromUser: user(from), cseqMethod: cseq };
  const req = /^([A-Z]+) (\S+) SIP\/2\.0/.exec(first);
  if (!req) return undefined;
  return { at, dir, method: req[1], ruriUser: user(req[2]), callId, fromUser: user(from), cseqMethod: cseq };
}

/** The callers' side (our UAC): one CallerCall per Call-ID that sent an INVITE. */
export async function callersFromLog(file: string): Promise<CallerCall[]> {
  const calls = new Map<string, CallerCall>();
  await readSippLog(file, (m) => {
    let c = calls.get(m.callId);
    if (!c) {
      if (m.method !== 'INVITE' || m.dir !== 'sent' || !m.fromUser) return;
      c = { number: m.fromUser, invite: m.at };
      calls.set(m.callId, c);
      return;
    }
    if (m.status !== undefined && m.dir === 'received' && m.cseqMethod === 'INVITE') {
      if (m.status === 200) c.answered ??= m.at;
      else if (m.status >= 300 && c.answered === undefined && c.refused === undefined) {
        c.refused = m.status;
        // A 487 answers our own CANCEL: the caller gave up unanswered, that is not a refusal.
        if (m.status === 487 && c.ended !== undefined) c.refused = undefined;
        else c.ended ??= m.at;
      }
    } else if ((m.method === 'BYE' || m.method === 'CANCEL') && c.ended === undefined) {
      c.ended = m.at;
      c.endedBy = m.dir === 'sent' ? 'caller' : 'far';
    }
  });
  return [...calls.values()];
}

/** The agents' side (our UAS): one AgentCall per Call-ID that received an INVITE. */
export async function agentCallsFromLog(file: string): Promise<AgentCall[]> {
  const calls = new Map<string, AgentCall>();
  await readSippLog(file, (m) => {
    let a = calls.get(m.callId);
    if (!a) {
      if (m.method !== 'INVITE' || m.dir !== 'received' || !m.ruriUser) return;
      a = { agent: m.ruriUser, caller: m.fromUser, invite: m.at };
      calls.set(m.callId, a);
      return;
    }
    if (m.dir === 'sent' && m.status === 200 && m.cseqMethod === 'INVITE') a.answered ??= m.at;
    else if (m.method === 'CANCEL' && m.dir === 'received' && a.answered === undefined) {
      a.cancelled = true;
      a.ended ??= m.at;
    } else if (m.method === 'BYE') a.ended ??= m.at;
  });
  return [...calls.values()];
}
