import { randomUUID } from 'node:crypto';
import type { Session } from '../core/session';
import type { EslEvent } from '../wire/event';
import { ALLOW_EVENTS, causeOfStatus, commonHeaders, newBranch, newTag } from './constants';
import { header, parseNameAddr, responseTo, type Header, type SipRequest, type SipResponse } from './message';
import { createMediaPeer, type MediaPeer } from './media/peer';
import type { Registration } from './registrar';
import { answerDirection, directionOf, freeswitchOffer, newOfferShape, type Direction } from './sdp';
import type { DialogHandler, SipServer } from './server';
import type { SipConnection } from './transport';

type State = 'calling' | 'early' | 'confirmed' | 'ended';

/**
 * One originated leg to a browser (sofia's outbound INVITE): WebRTC offer, 180/183 →
 * CHANNEL_PROGRESS, 200 → ACK + answer, failure status → hangup cause; the leg ending
 * first → CANCEL (before 200) or BYE (after); the browser's BYE → NORMAL_CLEARING;
 * uuid_hold on the leg → re-INVITE a=sendonly, unhold → a=sendrecv.
 */
export class OutboundCall implements DialogHandler {
  private state: State = 'calling';
  private readonly callId = randomUUID();
  private readonly localTag = newTag();
  private remoteTag = '';
  private remoteTarget: string;
  private cseq: number;
  private inviteBranch = newBranch();
  private inviteReq: SipRequest | undefined;
  private media: MediaPeer | undefined;
  private readonly shape = newOfferShape();
  private byeFromRemote = false;
  private readonly holdSink = { deliver: (ev: EslEvent): void => this.onEvent(ev) };

  constructor(
    private readonly server: SipServer,
    private readonly reg: Registration,
    private readonly leg: Session,
    private readonly ctl: { ringing(): void; answered(): void; failed(cause: string): void },
  ) {
    this.remoteTarget = reg.contactUri;
    this.cseq = server.nextCseq();
  }

  private get conn(): SipConnection {
    return this.reg.conn;
  }

  start(): void {
    this.server.dialogs.set(this.callId, this);
    this.server.engine.bus.add(this.holdSink);
    void this.leg.ended.then((cause) => this.legEnded(cause));
    void this.sendInvite().catch((err: unknown) => {
      this.server.log.warn({ err: (err as Error).message, uuid: this.leg.uuid }, 'sip: INVITE failed');
      if (this.state === 'calling' || this.state === 'early') this.fail('NORMAL_TEMPORARY_FAILURE');
    });
  }

  private from(): string {
    const p = this.leg.channel.profile;
    return `"${p.callerIdName.replace(/"/g, '')}" <sip:${p.callerIdNumber}@${this.reg.domain}>;tag=${this.localTag}`;
  }

  private to(): string {
    return `<sip:${this.reg.user}@${this.reg.domain}>${this.remoteTag ? `;tag=${this.remoteTag}` : ''}`;
  }

  /** The channel's sip_h_* variables become headers, as sofia does (X-Hotline-Call-Id among them). */
  private customHeaders(): Header[] {
    const out: Header[] = [];
    for (const [k, v] of this.leg.channel.vars) if (k.startsWith('sip_h_') && typeof v === 'string') out.push([k.slice(6), v]);
    return out;
  }

  private build(method: string, opts: { body?: string; branch?: string; cseq?: number; extra?: Header[] } = {}): SipRequest {
    const hs: Header[] = [
      ['Via', this.server.via(opts.branch ?? newBranch())], ['Max-Forwards', '70'], ['From', this.from()], ['To', this.to()],
      ['Call-ID', this.callId], ['CSeq', `${opts.cseq ?? this.cseq} ${method}`],
    ];
    if (method === 'INVITE') {
      hs.push(['Contact', this.server.contact()], ...commonHeaders(), ['Allow-Events', ALLOW_EVENTS], ['Content-Type', 'application/sdp'], ['Content-Disposition', 'session']);
    } else hs.push(['User-Agent', commonHeaders()[0]![1]]);
    hs.push(...(opts.extra ?? []));
    return { kind: 'request', method, uri: this.remoteTarget, headers: hs, body: opts.body ?? '' };
  }

  private async sendInvite(): Promise<void> {
    this.media = await createMediaPeer({ log: this.server.log, audioFile: this.server.opts.audioFile });
    if (!this.leg.up || this.state === 'ended') {
      this.media.close();
      return;
    }
    const p = this.leg.channel.profile;
    const extra: Header[] = [
      ['X-FS-Support', 'update_display,send_info'],
      ['Remote-Party-ID', `"${p.callerIdName.replace(/"/g, '')}" <sip:${p.callerIdNumber}@${this.reg.domain}>;party=calling;screen=yes;privacy=off`],
      ...this.customHeaders(),
    ];
    const req = this.build('INVITE', { body: freeswitchOffer(this.media.transport, this.shape), branch: this.inviteBranch, extra });
    this.inviteReq = req;
    this.leg.channel.setVar('sip_call_id', this.callId);
    this.leg.channel.setVar('sip_local_sdp_str', req.body);
    const tx = this.server.send(this.conn, req, (r) => this.provisional(r));
    const res = await tx.final;
    await this.final(res);
  }

  private provisional(res: SipResponse): void {
    if (this.state !== 'calling' && this.state !== 'early') return;
    if (res.status === 180 || res.status === 183) {
      this.state = 'early';
      this.ctl.ringing();
    }
  }

  private async final(res: SipResponse): Promise<void> {
    if (res.status >= 300) {
      // the INVITE server transaction of the UA wants its non-2xx ACKed (same branch)
      this.conn.send(this.nonSuccessAck(res, this.inviteBranch));
      if (this.state !== 'ended') this.fail(causeOfStatus(res.status));
      else this.cleanup();
      return;
    }
    this.remoteTag = parseNameAddr(header(res, 'To') ?? '').params.get('tag') ?? '';
    const contact = header(res, 'Contact');
    if (contact) this.remoteTarget = parseNameAddr(contact).uri;
    this.conn.send(this.build('ACK', { cseq: this.cseq }));
    if (this.state === 'ended') {
      // the leg went while the 200 was on its way: ACK, then BYE
      this.sendBye();
      return;
    }
    this.state = 'confirmed';
    this.leg.channel.setVar('sip_remote_sdp_str', res.body);
    try {
      await this.media?.accept(res.body);
    } catch (err) {
      this.server.log.warn({ err: (err as Error).message }, 'sip media: could not take the answer');
    }
    this.ctl.answered();
  }

  /** The ACK of a non-2xx final response belongs to the INVITE transaction: same branch, the response's To tag. */
  private nonSuccessAck(res: SipResponse, branch: string): SipRequest {
    const ack = this.build('ACK', { branch });
    return { ...ack, headers: ack.headers.map(([k, v]): Header => (k === 'To' ? [k, header(res, 'To') ?? v] : [k, v])) };
  }

  private fail(cause: string): void {
    this.state = 'ended';
    this.cleanup();
    this.ctl.failed(cause);
  }

  /** The channel hung up (originate timeout or abort, uuid_kill, the other side's hangup...). */
  private legEnded(_cause: string): void {
    const was = this.state;
    this.state = 'ended';
    if (was === 'calling' || was === 'early') {
      if (this.inviteReq) {
        // CANCEL copies the INVITE's Request-URI, Via branch, Call-ID, From, To and CSeq number
        const cancel: SipRequest = {
          kind: 'request', method: 'CANCEL', uri: this.inviteReq.uri,
          headers: this.inviteReq.headers.filter(([k]) => ['via', 'max-forwards', 'from', 'to', 'call-id'].includes(k.toLowerCase())).concat([['CSeq', `${this.cseq} CANCEL`], ['Reason', 'SIP;cause=487;text="ORIGINATOR_CANCEL"']]),
          body: '',
        };
        this.server.send(this.conn, cancel);
      }
      // the 487 that follows is ACKed by final()
      setTimeout(() => this.cleanup(), 5000).unref();
      return;
    }
    if (was === 'confirmed' && !this.byeFromRemote) this.sendBye();
    this.cleanup();
  }

  private sendBye(): void {
    this.cseq = this.server.nextCseq();
    const cause = this.leg.channel.hangupCause ?? 'NORMAL_CLEARING';
    this.server.send(this.conn, this.build('BYE', { extra: [['Reason', `Q.850;cause=16;text="${cause}"`]] }));
  }

  private cleanup(): void {
    this.media?.close();
    this.server.engine.bus.remove(this.holdSink);
    this.server.dialogs.delete(this.callId);
  }

  /** In-dialog requests from the browser. */
  request(conn: SipConnection, req: SipRequest): void {
    switch (req.method) {
      case 'BYE':
        conn.send(responseTo(req, 200, 'OK', { headers: commonHeaders() }));
        if (this.state === 'confirmed') {
          this.byeFromRemote = true;
          this.state = 'ended';
          this.cleanup();
          this.leg.hangup('NORMAL_CLEARING');
        }
        return;
      case 'ACK':
        return;
      case 'INVITE': {
        // a re-INVITE from the browser (its own hold/unhold): answer with our SDP in the mirrored direction
        const dir = answerDirection(directionOf(req.body));
        conn.send(responseTo(req, 200, 'OK', { headers: [['Contact', this.server.contact()], ...commonHeaders(), ['Content-Type', 'application/sdp']], body: this.offerSdp(dir) }));
        return;
      }
      case 'INFO':
      case 'UPDATE':
      case 'NOTIFY':
        conn.send(responseTo(req, 200, 'OK'));
        return;
      default:
        conn.send(responseTo(req, 405, 'Method Not Allowed'));
    }
  }

  private offerSdp(direction: Direction): string {
    this.shape.version++;
    this.shape.direction = direction;
    return this.media ? freeswitchOffer(this.media.transport, this.shape) : '';
  }

  /** uuid_hold acting on this leg fires CHANNEL_HOLD / CHANNEL_UNHOLD for it: sofia re-INVITEs the phone. */
  private onEvent(ev: EslEvent): void {
    if (this.state !== 'confirmed' || ev.get('Unique-ID') !== this.leg.uuid) return;
    const name = ev.name;
    if (name !== 'CHANNEL_HOLD' && name !== 'CHANNEL_UNHOLD') return;
    // the re-INVITE goes out after the event, as sofia sends it from the session thread
    setImmediate(() => this.reinvite(name === 'CHANNEL_HOLD' ? 'sendonly' : 'sendrecv'));
  }

  private reinvite(direction: Direction): void {
    if (this.state !== 'confirmed') return;
    this.cseq = this.server.nextCseq();
    const branch = newBranch();
    const cseq = this.cseq;
    const tx = this.server.send(this.conn, this.build('INVITE', { body: this.offerSdp(direction), branch }));
    void tx.final.then((res) => this.conn.send(res.status < 300 ? this.build('ACK', { cseq }) : this.nonSuccessAck(res, branch)), () => undefined);
  }
}
