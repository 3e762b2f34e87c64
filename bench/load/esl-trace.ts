/**
 * Optional (--esl-trace=on): the switch's own timestamps for the bench's channels, so a
 * slow path can be split into switch time and controller time. Writes one JSON object per
 * event (channels on the bench's profile only) to esl-events.jsonl in the step folder:
 * CHANNEL_CREATE / ANSWER / EXECUTE / EXECUTE_COMPLETE / HANGUP with Event-Date-Timestamp.
 * breakdown.ts reads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { header, type RawEslEvent } from '../../server/telephony/wire';
import { Switch } from './switch';

export const TRACED_EVENTS = ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP'] as const;

export interface TracedEvent {
  /** Event-Date-Timestamp, epoch ms (µs precision). */
  t: number;
  name: string;
  uuid: string;
  channel: string;
  cid?: string;
  dest?: string;
  app?: string;
  appData?: string;
  direction?: string;
}

export class EslTrace {
  private constructor(
    private readonly sw: Switch,
    private readonly out: fs.WriteStream,
  ) {}

  static async start(esl: string, profile: string, dir: string): Promise<EslTrace> {
    const sw = await Switch.connect(esl, TRACED_EVENTS);
    const out = fs.createWriteStream(path.join(dir, 'esl-events.jsonl'));
    const prefix = `sofia/${profile}/`;
    sw.connection.on('event', (ev: RawEslEvent) => {
      const channel = header(ev, 'Channel-Name') ?? '';
      if (!channel.startsWith(prefix)) return;
      const e: TracedEvent = {
        t: Number(header(ev, 'Event-Date-Timestamp') ?? 0) / 1000,
        name: ev.name,
        uuid: header(ev, 'Unique-ID') ?? '',
        channel,
        cid: header(ev, 'Caller-Caller-ID-Number'),
        dest: header(ev, 'Caller-Destination-Number'),
        app: header(ev, 'Application'),
        appData: header(ev, 'Application-Data'),
        direction: header(ev, 'Call-Direction'),
      };
      out.write(JSON.stringify(e) + '\n');
    });
    return new EslTrace(sw, out);
  }

  async stop(): Promise<void> {
    await this.sw.close();
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
  }
}
