import { randomUUID } from 'node:crypto';
import type { SipAgent } from '../core/endpoints';
import { ALLOW_EVENTS, commonHeaders, newBranch, newTag } from './constants';
import { NonceStore, parseAuthorization, digestResponse, sameDigest } from './digest';
import type { DirectoryUser } from './directory';
import { header, parseNameAddr, responseTo, type SipRequest } from './message';
import { OutboundCall } from './call';
import { SIP_ORIGIN } from './origins';
import type { SipServer } from './server';
import type { SipConnection } from './transport';

/**
 * The internal profile's registrar (sofia_reg_handle_register) for WS clients:
 *  - no Authorization (or a nonce we do not know / that went stale) → 401 with
 *    `Digest realm="<To host>", nonce=<uuid>, algorithm=MD5, qop="auth"` (stale=true when stale);
 *  - the directory (mod_xml_curl) does not know user@domain, or the digest is wrong → 403;
 *  - Expires from the Expires header, else the Contact's expires param, else 3600;
 *    0 (or `Contact: *`) unregisters → sofia::unregister; a registration that is not
 *    refreshed in time, or whose WebSocket closes, goes with sofia::expire;
 *  - one registration per user (vanilla profile: no multiple-registrations), a new one
 *    replaces the old;
 *  - after 200 OK the MWI NOTIFY (message-summary) mod_voicemail's answer to
 *    MESSAGE_QUERY makes sofia send.
 */
export interface Registration {
  user: string;
  domain: string;
  conn: SipConnection;
  /** The Contact URI the UA registered (RFC 7118: `sip:x@y.invalid;transport=ws`); INVITEs go to it. */
  contactUri: string;
  /** The contact as sofia stores it and puts in its events. */
  contactStr: string;
  callId: string;
  expires: number;
  userAgent: string;
  directory: DirectoryUser;
  agent: SipAgent;
  timer?: NodeJS.Timeout;
}

export class Registrar {
  private readonly regs = new Map<string, Registration>();
  private readonly nonces: NonceStore;

  constructor(private readonly server: SipServer) {
    this.nonces = new NonceStore((server.opts.nonceTtlSec ?? 60) * 1000);
  }

  get(user: string): Registration | undefined {
    return this.regs.get(user.toLowerCase());
  }

  list(): Registration[] {
    return [...this.regs.values()];
  }

  async handle(conn: SipConnection, req: SipRequest): Promise<void> {
    const to = parseNameAddr(header(req, 'To') ?? '');
    const from = parseNameAddr(header(req, 'From') ?? '');
    const contactRaw = header(req, 'Contact');
    const user = to.user;
    const domain = to.host?.replace(/:\d+$/, '');
    if (!user || !domain) {
      conn.send(responseTo(req, 401, 'Unauthorized', { toTag: newTag() }));
      return;
    }
    const star = contactRaw?.trim() === '*';
    const contact = contactRaw && !star ? parseNameAddr(contactRaw) : undefined;
    const expiresHeader = header(req, 'Expires');
    const exptime = expiresHeader !== undefined && /^\d+$/.test(expiresHeader) ? Number(expiresHeader) : contact?.params.has('expires') ? Number(contact.params.get('expires')) || 0 : star ? 0 : 3600;

    const auth = parseAuthorization(header(req, 'Authorization'));
    const nonceState = auth ? this.nonces.check(auth.nonce) : 'unknown';
    if (!auth || nonceState !== 'ok') {
      conn.send(responseTo(req, 401, 'Unauthorized', { toTag: newTag(), headers: [['WWW-Authenticate', this.nonces.challenge(domain, nonceState === 'stale')], ...commonHeaders()] }));
      return;
    }
    const dirUser = await this.server.opts.directory
      .lookup({ user: auth.username, domain: auth.realm || domain, ip: conn.remoteIp, userAgent: header(req, 'User-Agent'), authRealm: auth.realm, authUsername: auth.username, nonce: auth.nonce })
      .catch((err: unknown) => {
        this.server.log.warn({ err: (err as Error).message }, 'sip: directory lookup failed');
        return undefined;
      });
    const ok = dirUser !== undefined && auth.username.toLowerCase() === user.toLowerCase()
      && sameDigest(digestResponse({ ha1: dirUser.a1Hash, method: 'REGISTER', uri: auth.uri, nonce: auth.nonce, qop: auth.qop, nc: auth.nc, cnonce: auth.cnonce }), auth.response);
    if (!ok) {
      this.server.log.info({ user, domain }, 'sip: REGISTER forbidden');
      conn.send(responseTo(req, 403, 'Forbidden', { toTag: newTag(), headers: commonHeaders() }));
      return;
    }

    const key = user.toLowerCase();
    const callId = header(req, 'Call-ID') ?? '';
    if (exptime === 0 || !contact) {
      const old = this.regs.get(key);
      if (old) this.drop(old, 'sofia::unregister');
      conn.send(responseTo(req, 200, 'OK', { toTag: newTag(), headers: [['Date', new Date().toUTCString()], ...commonHeaders()] }));
      return;
    }

    const display = contact.display ?? to.display ?? from.display ?? user;
    const hostPort = `${conn.remoteIp}:${conn.remotePort}`;
    const path = encodeURIComponent(`<sip:${contact.user ?? user}@${hostPort};transport=ws>`);
    const reg: Registration = {
      user,
      domain,
      conn,
      contactUri: contact.uri,
      contactStr: `"${display}" <sip:${contact.user ?? user}@${hostPort};transport=ws;fs_nat=yes;fs_path=${path}>`,
      callId,
      expires: exptime,
      userAgent: header(req, 'User-Agent') ?? 'unknown',
      directory: dirUser,
      agent: { invite: (leg, ctl) => new OutboundCall(this.server, reg, leg, ctl).start() },
    };
    const old = this.regs.get(key);
    if (old && old.conn !== conn) this.drop(old, 'sofia::unregister');
    else if (old?.timer) clearTimeout(old.timer);
    if (old && old.conn === conn) reg.agent = old.agent; // a refresh keeps the endpoint's identity
    this.regs.set(key, reg);
    reg.timer = setTimeout(() => this.drop(reg, 'sofia::expire'), (exptime + (this.server.opts.expireMarginSec ?? 60)) * 1000);
    reg.timer.unref();
    this.server.engine.endpoints.attachAgent(user, reg.agent, conn.remotePort, callId);

    conn.send(responseTo(req, 200, 'OK', {
      toTag: newTag(),
      headers: [['Contact', `<${contact.uri}>;expires=${exptime}`], ['Date', new Date().toUTCString()], ...commonHeaders()],
    }));
    this.fire('sofia::register', reg);
    this.sendMwi(reg);
  }

  /** mod_voicemail answers MESSAGE_QUERY with an empty box; sofia sends it unsolicited. */
  private sendMwi(reg: Registration): void {
    const account = `sip:${reg.user}@${reg.domain}`;
    const body = `Messages-Waiting: no\r\nMessage-Account: ${account}\r\nVoice-Message: 0/0 (0/0)\r\n`;
    this.server.send(reg.conn, {
      kind: 'request',
      method: 'NOTIFY',
      uri: reg.contactUri,
      headers: [
        ['Via', this.server.via(newBranch())], ['Max-Forwards', '70'], ['From', `<${account}>;tag=${newTag()}`], ['To', `<${account}>`],
        ['Call-ID', randomUUID()], ['CSeq', `${this.server.nextCseq()} NOTIFY`], ['Contact', this.server.contact()],
        ...commonHeaders(), ['Event', 'message-summary'], ['Allow-Events', ALLOW_EVENTS], ['Subscription-State', 'terminated;reason=noresource'],
        ['Content-Type', 'application/simple-message-summary'],
      ],
      body,
    });
  }

  private fire(subclass: 'sofia::register' | 'sofia::unregister' | 'sofia::expire', reg: Registration): void {
    const ip = reg.conn.remoteIp;
    const port = String(reg.conn.remotePort);
    const headers: Array<[string, string]> =
      subclass === 'sofia::register'
        ? [
            ['profile-name', 'internal'], ['from-user', reg.user], ['from-host', reg.domain], ['presence-hosts', reg.domain],
            ['contact', reg.contactStr], ['call-id', reg.callId], ['rpid', 'unknown'], ['status', 'Registered(WS-NAT)'],
            ['expires', String(reg.expires)], ['to-user', reg.user], ['to-host', reg.domain], ['network-ip', ip], ['network-port', port],
            ['username', reg.user], ['realm', reg.domain], ['user-agent', reg.userAgent],
          ]
        : subclass === 'sofia::unregister'
          ? [
              ['profile-name', 'internal'], ['username', reg.user], ['from-user', reg.user], ['from-host', reg.domain],
              ['contact', reg.contactStr], ['call-id', reg.callId], ['rpid', 'unknown'], ['realm', reg.domain], ['expires', '0'],
              ['user-agent', reg.userAgent], ['network-ip', ip], ['network-port', port],
            ]
          : [
              ['profile-name', 'internal'], ['call-id', reg.callId], ['user', reg.user], ['host', reg.domain],
              ['contact', reg.contactStr], ['expires', String(reg.expires)], ['user-agent', reg.userAgent],
            ];
    const origin = subclass === 'sofia::register' ? SIP_ORIGIN.register : subclass === 'sofia::unregister' ? SIP_ORIGIN.unregister : SIP_ORIGIN.expire;
    this.server.engine.bus.fire('CUSTOM', origin, { subclass, headers });
  }

  private drop(reg: Registration, why: 'sofia::unregister' | 'sofia::expire'): void {
    const key = reg.user.toLowerCase();
    if (this.regs.get(key) !== reg) return;
    if (reg.timer) clearTimeout(reg.timer);
    this.regs.delete(key);
    this.server.engine.endpoints.detachAgent(reg.user, reg.agent);
    this.fire(why, reg);
  }

  /** The browser went away: its registration expires at once (a live call stays up, as on FreeSWITCH). */
  connectionClosed(conn: SipConnection): void {
    for (const reg of this.list()) if (reg.conn === conn) this.drop(reg, 'sofia::expire');
  }

  close(): void {
    for (const reg of this.regs.values()) if (reg.timer) clearTimeout(reg.timer);
    this.regs.clear();
  }
}
