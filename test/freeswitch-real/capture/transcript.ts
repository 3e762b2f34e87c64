import fs from 'node:fs';
import net from 'node:net';
import { FrameReader, RawClient, type Frame } from '../../../tools/freeswitch-sim/test/raw-client';

/**
 * Writes ESL transcripts in the framing of shared/fixtures/freeswitch-esl (see its README):
 * a `# ...` title line, then records `----- <DIR> +<s>s bytes=<N> -----\n<N bytes>\n`.
 * `<<` is a frame as FreeSWITCH sent it, `>>` what we sent, `##` our annotations.
 */
export class Transcript {
  readonly #t0 = process.hrtime.bigint();
  readonly #records: string[] = [];

  constructor(readonly title: string) {}

  #add(dir: '<<' | '>>' | '##', data: string): void {
    const s = Number(process.hrtime.bigint() - this.#t0) / 1e9;
    this.#records.push(`----- ${dir} +${s.toFixed(3)}s bytes=${Buffer.byteLength(data, 'utf8')} -----\n${data}\n`);
  }

  received(f: Frame): void {
    this.#add('<<', f.raw);
  }

  sent(text: string): void {
    this.#add('>>', text);
  }

  note(text: string): void {
    this.#add('##', text);
  }

  write(file: string): void {
    fs.writeFileSync(file, `# ${this.title}\n${this.#records.join('')}`);
  }
}

/** A RawClient whose every frame in and command out is logged to `t`. */
export function recorded(socket: net.Socket, t: Transcript): RawClient {
  const reader = new FrameReader();
  // A second reader on the same bytes: the client keeps its own frames for the scenario to wait on.
  socket.on('data', (d: Buffer) => {
    for (const f of reader.push(d)) t.received(f);
  });
  const c = RawClient.wrap(socket);
  const send = c.send.bind(c);
  c.send = (text: string): void => {
    t.sent(text);
    send(text);
  };
  c.cmd = (line: string): void => c.send(line.endsWith('\n\n') ? line : `${line}\n\n`);
  return c;
}

export async function connectRecorded(host: string, port: number, t: Transcript): Promise<RawClient> {
  const socket = net.connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return recorded(socket, t);
}
