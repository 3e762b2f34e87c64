import { randomBytes } from 'node:crypto';

/**
 * The SDP offer FreeSWITCH sends a WebRTC client (mod_sofia with media on the
 * switch): one audio m-line, UDP/TLS/RTP/SAVPF, opus first then PCMU (the vanilla
 * codec prefs, G722/PCMA left out), telephone-event, rtcp-mux, full ICE with
 * end-of-candidates (no trickle), DTLS actpass, an ssrc with cname/msid/mslabel/label.
 * The ICE credentials, fingerprint and candidates are those of the werift peer that
 * really carries the media (media/peer.ts).
 */
export interface TransportParams {
  ufrag: string;
  pwd: string;
  fingerprint: string;
  candidates: string[];
  port: number;
  ssrc: number;
}

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export const PT = { opus: 111, pcmu: 0, dtmf: 101 } as const;

export interface OfferShape {
  sessionId: number;
  version: number;
  direction: Direction;
  /** one label for the stream, kept across re-INVITEs */
  streamLabel: string;
  cname: string;
}

export function newOfferShape(): OfferShape {
  const sessionId = Math.floor(Date.now() / 1000);
  return { sessionId, version: sessionId + 1, direction: 'sendrecv', streamLabel: randomBytes(16).toString('base64').replace(/[^a-zA-Z0-9]/g, '').slice(0, 32), cname: randomBytes(12).toString('base64').replace(/[^a-zA-Z0-9]/g, '') };
}

export function freeswitchOffer(t: TransportParams, shape: OfferShape, ip = '127.0.0.1'): string {
  const l = shape.streamLabel;
  return [
    'v=0',
    `o=FreeSWITCH ${shape.sessionId} ${shape.version} IN IP4 ${ip}`,
    's=FreeSWITCH',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `a=msid-semantic: WMS ${l}`,
    `m=audio ${t.port} UDP/TLS/RTP/SAVPF ${PT.opus} ${PT.pcmu} ${PT.dtmf}`,
    `a=rtpmap:${PT.opus} opus/48000/2`,
    `a=fmtp:${PT.opus} useinbandfec=1; minptime=10; maxptime=40`,
    `a=rtpmap:${PT.pcmu} PCMU/8000`,
    `a=rtpmap:${PT.dtmf} telephone-event/8000`,
    `a=fmtp:${PT.dtmf} 0-16`,
    'a=ptime:20',
    `a=${shape.direction}`,
    // werift pairs the answer's m-line to its transceiver by mid
    'a=mid:0',
    `a=fingerprint:sha-256 ${t.fingerprint}`,
    'a=setup:actpass',
    'a=rtcp-mux',
    `a=rtcp:${t.port} IN IP4 ${ip}`,
    `a=ice-ufrag:${t.ufrag}`,
    `a=ice-pwd:${t.pwd}`,
    ...t.candidates.map((c) => `a=${c}`),
    'a=end-of-candidates',
    `a=ssrc:${t.ssrc} cname:${shape.cname}`,
    `a=ssrc:${t.ssrc} msid:${l} a0`,
    `a=ssrc:${t.ssrc} mslabel:${l}`,
    `a=ssrc:${t.ssrc} label:${l}a0`,
    '',
  ].join('\r\n');
}

/** What FreeSWITCH takes from werift's own offer: ICE, DTLS, candidates (IPv4, loopback first), port, ssrc. */
export function transportOf(sdp: string): TransportParams {
  const line = (re: RegExp): string => re.exec(sdp)?.[1] ?? '';
  const candidates = [...sdp.matchAll(/^a=(candidate:.+)$/gm)].map((m) => m[1]!.trim()).filter((c) => !/ [0-9a-f]*:[0-9a-f:]+ \d+ typ /i.test(c));
  candidates.sort((a, b) => Number(b.includes(' 127.0.0.1 ')) - Number(a.includes(' 127.0.0.1 ')));
  const first = candidates[0] ? /\s(\d+)\s+typ\s/.exec(candidates[0])?.[1] : undefined;
  return {
    ufrag: line(/^a=ice-ufrag:(\S+)/m),
    pwd: line(/^a=ice-pwd:(\S+)/m),
    fingerprint: line(/^a=fingerprint:sha-256 (\S+)/m),
    candidates,
    port: Number(first ?? line(/^m=audio (\d+)/m)) || 9,
    ssrc: Number(line(/^a=ssrc:(\d+)/m)) || 1,
  };
}

/** The payload type the answer chose: the first of its m=audio formats that we offered. */
export function chosenPayloadType(answer: string): number | undefined {
  const m = /^m=audio \d+ \S+ ([\d ]+)/m.exec(answer);
  const pts = (m?.[1] ?? '').trim().split(/\s+/).map(Number);
  return pts.find((p) => p === PT.opus || p === PT.pcmu);
}

export function directionOf(sdp: string): Direction {
  return (/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(sdp)?.[1] as Direction | undefined) ?? 'sendrecv';
}

/** The direction our answer takes to an offer in `offered` direction (RFC 3264 §6.1). */
export function answerDirection(offered: Direction): Direction {
  return offered === 'sendonly' ? 'recvonly' : offered === 'recvonly' ? 'sendonly' : offered;
}
