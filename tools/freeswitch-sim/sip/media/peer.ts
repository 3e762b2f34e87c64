import type { Logger } from 'pino';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import { chosenPayloadType, PT, transportOf, type TransportParams } from '../sdp';
import { toneSource, ulawEncode, wavSource, type AudioSource } from './audio';

/**
 * The switch's media side of one WebRTC leg, in pure TypeScript (werift): ICE
 * (host candidates incl. 127.0.0.1, the simulator is the controlling offerer), DTLS-SRTP,
 * and an RTP sender that plays the audio source every 20 ms in the codec the browser
 * chose (opus via opusscript, or PCMU). Incoming RTP is counted and dropped.
 */
export interface MediaPeer {
  readonly transport: TransportParams;
  /** The browser's SDP answer: starts ICE/DTLS; audio flows once connected. */
  accept(answerSdp: string): Promise<void>;
  readonly state: string;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  close(): void;
}

export interface MediaPeerOptions {
  /** A 16-bit PCM WAV to loop instead of the tone. */
  audioFile?: string;
  log: Logger;
}

interface OpusEncoderLike {
  encode(buffer: Buffer, frameSize: number): Buffer;
  delete(): void;
}

async function opusEncoder(): Promise<OpusEncoderLike> {
  const { default: OpusScript } = await import('opusscript');
  const enc = new OpusScript(48000, 1, OpusScript.Application.AUDIO);
  enc.setBitrate(32000);
  return enc;
}

export async function createMediaPeer(opts: MediaPeerOptions): Promise<MediaPeer> {
  const pc = new RTCPeerConnection({
    codecs: {
      audio: [
        new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: PT.opus }),
        new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: PT.pcmu }),
        new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: PT.dtmf }),
      ],
    },
    // loopback is not gathered by default; browsers on the same machine reach us there
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
  });
  const track = new MediaStreamTrack({ kind: 'audio' });
  pc.addTransceiver(track, { direction: 'sendrecv' });
  let received = 0;
  pc.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => void received++));
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      pc.iceGatheringStateChange.subscribe((s) => {
        if (s === 'complete') {
          clearTimeout(t);
          resolve();
        }
      });
    });
  }
  const transport = transportOf(pc.localDescription?.sdp ?? '');
  const source: AudioSource = (opts.audioFile && wavSource(opts.audioFile)) || toneSource();
  let pump: NodeJS.Timeout | undefined;
  let sent = 0;
  let closed = false;
  let encoder: OpusEncoderLike | undefined;

  const startPump = async (pt: number): Promise<void> => {
    if (pump || closed) return;
    if (pt === PT.opus) encoder = await opusEncoder();
    let seq = Math.floor(Math.random() * 0xffff);
    let ts = Math.floor(Math.random() * 0xfffffff);
    const rate = pt === PT.opus ? 48000 : 8000;
    const samples = rate / 50;
    let marker = true;
    pump = setInterval(() => {
      if (closed) return;
      const pcm = source.next(rate, samples);
      const payload = encoder ? encoder.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), samples) : ulawEncode(pcm);
      track.writeRtp(new RtpPacket(new RtpHeader({ payloadType: pt, sequenceNumber: seq, timestamp: ts, marker }), Buffer.from(payload)));
      marker = false;
      seq = (seq + 1) & 0xffff;
      ts = (ts + samples) >>> 0;
      sent++;
    }, 20);
  };

  return {
    transport,
    get state() {
      return pc.connectionState;
    },
    get packetsSent() {
      return sent;
    },
    get packetsReceived() {
      return received;
    },
    async accept(answerSdp) {
      const pt = chosenPayloadType(answerSdp) ?? PT.pcmu;
      pc.connectionStateChange.subscribe((s) => {
        opts.log.debug({ state: s }, 'sip media: peer connection state');
        if (s === 'connected') void startPump(pt).catch((err: unknown) => opts.log.warn({ err: (err as Error).message }, 'sip media: audio pump failed'));
      });
      await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
    },
    close() {
      if (closed) return;
      closed = true;
      if (pump) clearInterval(pump);
      encoder?.delete();
      void pc.close().catch(() => undefined);
    },
  };
}
