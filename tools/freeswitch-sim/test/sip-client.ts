import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { digestResponse, md5 } from '../sip/digest';
import { header, parseNameAddr, parseSip, responseTo, serialize, type Header, type SipMessage, type SipRequest, type SipResponse } from '../sip/message';

/**
 * A minimal SIP-over-WebSocket user agent for tests, written the way sip.js behaves
 * (random contact user at `<x>.invalid;transport=ws`), so the simulator is judged
 * from the wire, not through its own code paths.
 */
export class SipTestClient {
  readonly received: SipMessage[] = [];
  private waiters: Array<() => void> = [];
  readonly contactUser = randomBytes(4).toString('hex');
  readonly contactUri = `sip:${this.contactUser}@${randomBytes(4).toString('hex')}.invalid;transport=ws`;
  private readonly regCallId = randomUUID();
  private regCseq = 1;
  closed = false;

  private constructor(private readonly ws: WebSocket, readonly user: string, readonly domain: string) {
    ws.on('message', (d) => {
      this.received.push(parseSip(Buffer.isBuffer(d) ? d.toString() : Buffer.from(d as ArrayBuffer).toString()));
      this.notify();
    });
    ws.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static connect(port: number, user: string, domain: string, protocol = 'sip'): Promise<SipTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, protocol);
      ws.once('open', () => resolve(new SipTestClient(ws, user, domain)));
      ws.once('error', reject);
    });
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(msg: SipMessage): void {
    this.ws.send(serialize(msg));
  }

  /** Waits for (and removes) the first message matching `pred`. */
  async next(pred: (m: SipMessage) => boolean, timeoutMs = 20_000): Promise<SipMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex(pred);
      if (i >= 0) return this.received.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) throw new Error(`no matching SIP message (have: ${this.received.map((m) => (m.kind === 'request' ? m.method : m.status)).join(',')})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  nextRequest(method: string, timeoutMs?: number): Promise<SipRequest> {
    return this.next((m) => m.kind === 'request' && m.method === method, timeoutMs) as Promise<SipRequest>;
  }

  registerRequest(expires: number, authorization?: string): SipRequest {
    const aor = `sip:${this.user}@${this.domain}`;
    const hs: Header[] = [
      ['Via', `SIP/2.0/WSS ${randomBytes(4).toString('hex')}.invalid;branch=z9hG4bK${randomBytes(6).toString('hex')}`],
      ['Max-Forwards', '70'], ['To', `<${aor}>`], ['From', `"${this.user}" <${aor}>;tag=${randomBytes(5).toString('hex')}`],
      ['Call-ID', this.regCallId], ['CSeq', `${this.regCseq++} REGISTER`],
      ['Contact', `<${this.contactUri}>;expires=${expires}`], ['Expires', String(expires)],
      ['Allow', 'ACK,CANCEL,INVITE,MESSAGE,BYE,OPTIONS,INFO,NOTIFY,REFER'], ['Supported', 'outbound, path, gruu'], ['User-Agent', 'sip-test-client'],
    ];
    if (authorization) hs.push(['Authorization', authorization]);
    return { kind: 'request', method: 'REGISTER', uri: `sip:${this.domain}`, headers: hs, body: '' };
  }

  async request(req: SipRequest): Promise<SipResponse> {
    const cseq = header(req, 'CSeq');
    this.send(req);
    return (await this.next((m) => m.kind === 'response' && header(m, 'CSeq') === cseq && m.status >= 200)) as SipResponse;
  }

  /** REGISTER, answering the 401 challenge with `password`; returns the final response. */
  async register(password: string, expires = 600): Promise<SipResponse> {
    const first = await this.request(this.registerRequest(expires));
    if (first.status !== 401) return first;
    const ch = header(first, 'WWW-Authenticate') ?? '';
    const realm = /realm="([^"]+)"/.exec(ch)?.[1] ?? '';
    const nonce = /nonce="([^"]+)"/.exec(ch)?.[1] ?? '';
    const uri = `sip:${this.domain}`;
    const cnonce = randomBytes(6).toString('hex');
    const ha1 = md5(`${this.user}:${realm}:${password}`);
    const response = digestResponse({ ha1, method: 'REGISTER', uri, nonce, qop: 'auth', nc: '00000001', cnonce });
    const auth = `Digest algorithm=MD5, username="${this.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", qop=auth, cnonce="${cnonce}", nc=00000001`;
    return this.request(this.registerRequest(expires, auth));
  }

  reply(req: SipRequest, status: number, reason: string, opts: { toTag?: string; body?: string; headers?: Header[] } = {}): void {
    this.send(responseTo(req, status, reason, { toTag: opts.toTag, body: opts.body, headers: [...(opts.headers ?? []), ...(opts.body ? [['Content-Type', 'application/sdp'] as Header] : [])] }));
  }

  /** An in-dialog request back to the simulator in the dialog an INVITE we accepted with `toTag` created. */
  inDialog(invite: SipRequest, method: string, toTag: string, cseq: number): SipRequest {
    const from = header(invite, 'From')!;
    const to = header(invite, 'To')!;
    const contact = parseNameAddr(header(invite, 'Contact') ?? '').uri;
    return {
      kind: 'request', method, uri: contact,
      headers: [
        ['Via', `SIP/2.0/WSS x.invalid;branch=z9hG4bK${randomBytes(6).toString('hex')}`], ['Max-Forwards', '70'],
        ['To', from], ['From', `${to};tag=${toTag}`], ['Call-ID', header(invite, 'Call-ID')!], ['CSeq', `${cseq} ${method}`],
      ],
      body: '',
    };
  }

  close(): void {
    this.ws.close();
  }
}

/** A made-up WebRTC answer (nobody will connect to it): enough for the signalling tests. */
export const FAKE_ANSWER = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111 101', 'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0', 'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  'a=setup:active', 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:101 telephone-event/8000', '',
].join('\r\n');
