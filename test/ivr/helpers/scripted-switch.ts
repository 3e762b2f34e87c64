/**
 * A scripted FreeSWITCH for IVR tests over real ESL TCP while the simulator is not ready:
 * it dials the server's outbound ESL port like `socket HOST:PORT async full`, answers
 * connect/myevents/linger/sendmsg/exit with the frames of fixture outbound_socket_4001.txt
 * (plain events, URL-encoded values), and plays a caller who presses keys at each
 * play_and_get_digits. Only what the IVR uses is modelled: answer, playback, set,
 * play_and_get_digits, record, bridge (fails), hangup.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { dialOutbound, type ReceivedCommand, type ScriptedPeer } from '../../../server/telephony/testing/scripted-freeswitch';

/** At each digit prompt: the keys typed ('' = nothing, a timeout), or the caller hangs up. */
export type CallerAction = string | { hangup: true };

export interface ScriptedCallOptions {
  port: number;
  from: string;
  to: string;
  /** Answers to successive play_and_get_digits. When exhausted: timeouts. */
  keys: CallerAction[];
  /** The caller hangs up while the voicemail records (the usual way to finish a message). */
  hangupDuringRecord?: boolean;
}

export interface ExecutedApp {
  app: string;
  arg: string;
}

function plainEvent(headers: [string, string][]): string {
  const body = `${headers.map(([k, v]) => `${k}: ${encodeURIComponent(v)}`).join('\n')}\n\n`;
  return `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`;
}

function disconnectNotice(disposition: 'linger' | 'disconnect'): string {
  const body = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
  const extra = disposition === 'linger' ? 'Controlled-Session-UUID: x\nContent-Disposition: linger\nChannel-Name: sofia/internal/x\nLinger-Time: -1\n' : 'Content-Disposition: disconnect\n';
  return `Content-Type: text/disconnect-notice\n${extra}Content-Length: ${Buffer.byteLength(body)}\n\n${body}`;
}

/** A silent 8 kHz mono 16-bit WAV of `ms` milliseconds. */
export function silentWav(ms: number): Buffer {
  const data = Buffer.alloc(Math.round(ms * 16));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

export class ScriptedCall {
  readonly uuid = randomUUID();
  readonly executed: ExecutedApp[] = [];
  readonly ended: Promise<void>;
  #peer!: ScriptedPeer;
  #hungUp = false;
  #endResolve!: () => void;

  private constructor(private readonly o: ScriptedCallOptions) {
    this.ended = new Promise((resolve) => (this.#endResolve = resolve));
  }

  static async place(o: ScriptedCallOptions): Promise<ScriptedCall> {
    const call = new ScriptedCall(o);
    call.#peer = await dialOutbound(o.port, (cmd, peer) => call.#onCommand(cmd, peer));
    call.#peer.socket.on('close', () => call.#endResolve());
    return call;
  }

  get hungUp(): boolean {
    return this.#hungUp;
  }

  #base(name: string): [string, string][] {
    return [
      ['Event-Name', name],
      ['Unique-ID', this.uuid],
      ['Channel-Name', `sofia/internal/${this.o.from}@127.0.0.1`],
      ['Caller-Caller-ID-Number', this.o.from],
      ['Caller-Destination-Number', this.o.to],
    ];
  }

  #onCommand(cmd: ReceivedCommand, peer: ScriptedPeer): void {
    if (cmd.line === 'connect') {
      const headers: [string, string][] = [
        ...this.#base('CHANNEL_DATA'),
        ['Channel-State', 'CS_EXECUTE'],
        ['Call-Direction', 'inbound'],
        ['Caller-Caller-ID-Name', this.o.from],
        ['Caller-Context', 'public'],
        ['Answer-State', 'ringing'],
      ];
      peer.send(`${headers.map(([k, v]) => `${k}: ${encodeURIComponent(v)}`).join('\n')}\nContent-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n`);
    } else if (cmd.line === 'myevents') peer.send('Content-Type: command/reply\nReply-Text: +OK Events Enabled\n\n');
    else if (cmd.line.startsWith('linger')) peer.send('Content-Type: command/reply\nReply-Text: +OK will linger\n\n');
    else if (cmd.line === 'exit') {
      peer.send('Content-Type: command/reply\nReply-Text: +OK bye\n\n');
      peer.send(disconnectNotice('disconnect'));
      peer.end();
    } else if (cmd.line.startsWith('api ')) peer.send(`Content-Type: api/response\nContent-Length: 4\n\n+OK\n`);
    else if (cmd.line === 'sendmsg') {
      if (this.#hungUp) {
        peer.send('Content-Type: command/reply\nReply-Text: -ERR invalid session id [x]\n\n');
        return;
      }
      peer.send('Content-Type: command/reply\nReply-Text: +OK\n\n');
      if (cmd.headers['call-command'] === 'hangup') setImmediate(() => this.hangup(cmd.headers['hangup-cause'] ?? 'NORMAL_CLEARING'));
      else if (cmd.headers['call-command'] === 'execute') setImmediate(() => this.#execute(cmd.headers['execute-app-name'] ?? '', cmd.headers['execute-app-arg'] ?? '', cmd.headers['Event-UUID'] ?? ''));
    }
  }

  #complete(app: string, arg: string, appUuid: string, vars: [string, string][] = [], response = '_none_'): void {
    if (this.#hungUp) return;
    this.#peer.send(plainEvent([...this.#base('CHANNEL_EXECUTE_COMPLETE'), ...vars.map(([k, v]) => [`variable_${k}`, v] as [string, string]), ['Application', app], ['Application-Data', arg], ['Application-Response', response], ['Application-UUID', appUuid]]));
  }

  #execute(app: string, arg: string, appUuid: string): void {
    this.executed.push({ app, arg });
    if (app === 'play_and_get_digits') {
      const action = this.o.keys.shift() ?? '';
      if (typeof action !== 'string') {
        this.hangup('NORMAL_CLEARING');
        return;
      }
      const [, max, , , terminators, , , varName] = arg.split(' ');
      for (const d of action) this.#peer.send(plainEvent([...this.#base('DTMF'), ['DTMF-Digit', d], ['DTMF-Duration', '1600'], ['DTMF-Source', 'RTP']]));
      let digits = action;
      const vars: [string, string][] = [];
      if (terminators !== 'none' && digits.length > 0 && terminators?.includes(digits.slice(-1))) {
        vars.push(['read_terminator_used', digits.slice(-1)]);
        digits = digits.slice(0, -1);
      }
      digits = digits.slice(0, Number(max));
      vars.push(['read_result', digits ? 'success' : 'timeout'], [varName ?? 'digits', digits]);
      this.#complete(app, arg, appUuid, vars);
      return;
    }
    if (app === 'record') {
      const file = arg.split(' ')[0]!;
      fs.writeFileSync(file, silentWav(1500));
      if (this.o.hangupDuringRecord) {
        this.hangup('NORMAL_CLEARING');
        return;
      }
      this.#complete(app, arg, appUuid, [['record_ms', '1500']]);
      return;
    }
    if (app === 'bridge') {
      this.#complete(app, arg, appUuid, [['originate_disposition', 'USER_NOT_REGISTERED']]);
      return;
    }
    this.#complete(app, arg, appUuid, [], app === 'playback' ? 'FILE PLAYED' : '_none_');
  }

  /** The caller (or FreeSWITCH on the server's request) hangs up: CHANNEL_HANGUP, then the linger notice. */
  hangup(cause = 'NORMAL_CLEARING'): void {
    if (this.#hungUp) return;
    this.#hungUp = true;
    this.#peer.send(plainEvent([...this.#base('CHANNEL_HANGUP'), ['Hangup-Cause', cause]]));
    this.#peer.send(plainEvent([...this.#base('CHANNEL_HANGUP_COMPLETE'), ['Hangup-Cause', cause]]));
    this.#peer.send(disconnectNotice('linger'));
  }

  /** Apps run, as `app arg`, e.g. to see which prompts played. */
  apps(name?: string): ExecutedApp[] {
    return this.executed.filter((e) => name === undefined || e.app === name);
  }
}
