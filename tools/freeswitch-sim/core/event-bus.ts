import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { EslEvent, type Header } from '../wire/event';

/** Anything that receives fired events (an ESL connection, a test probe). */
export interface EventSink {
  deliver(ev: EslEvent): void;
}

/** Where FreeSWITCH would have fired the event from; it shows up in Event-Calling-* headers. */
export interface Origin {
  file: string;
  func: string;
  line: number;
}

export interface FireOptions {
  subclass?: string;
  headers?: Header[];
  body?: string;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/**
 * The core's event dispatcher: stamps the common headers in FreeSWITCH's order
 * (Event-Name, Core-UUID, FreeSWITCH-Hostname, ... Event-Sequence; CUSTOM events put
 * Event-Subclass first) and hands a copy of each event to every sink.
 */
export class EventBus {
  readonly coreUuid = randomUUID();
  readonly hostname = os.hostname();
  readonly ipv4 = '127.0.0.1';
  readonly ipv6 = '::1';
  private seq = 0;
  private lastMicros = 0;
  private readonly sinks = new Set<EventSink>();

  add(sink: EventSink): void {
    this.sinks.add(sink);
  }

  remove(sink: EventSink): void {
    this.sinks.delete(sink);
  }

  /** Microsecond timestamps, strictly increasing so events never share one. */
  nowMicros(): number {
    const now = Date.now() * 1000;
    this.lastMicros = now > this.lastMicros ? now : this.lastMicros + 1;
    return this.lastMicros;
  }

  create(name: string, origin: Origin, opts: FireOptions = {}): EslEvent {
    const micros = this.nowMicros();
    const d = new Date(Math.floor(micros / 1000));
    const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    const headers: Header[] = [];
    if (opts.subclass) headers.push(['Event-Subclass', opts.subclass]);
    headers.push(
      ['Event-Name', name],
      ['Core-UUID', this.coreUuid],
      ['FreeSWITCH-Hostname', this.hostname],
      ['FreeSWITCH-Switchname', this.hostname],
      ['FreeSWITCH-IPv4', this.ipv4],
      ['FreeSWITCH-IPv6', this.ipv6],
      ['Event-Date-Local', local],
      ['Event-Date-GMT', d.toUTCString()],
      ['Event-Date-Timestamp', String(micros)],
      ['Event-Calling-File', origin.file],
      ['Event-Calling-Function', origin.func],
      ['Event-Calling-Line-Number', String(origin.line)],
      ['Event-Sequence', String(++this.seq)],
    );
    if (opts.headers) headers.push(...opts.headers);
    return new EslEvent(headers, opts.body);
  }

  fire(name: string, origin: Origin, opts: FireOptions = {}): EslEvent {
    const ev = this.create(name, origin, opts);
    this.dispatch(ev);
    return ev;
  }

  dispatch(ev: EslEvent): void {
    for (const sink of [...this.sinks]) {
      try {
        sink.deliver(ev);
      } catch {
        // one broken sink must not stop delivery to the others (it removes itself on error)
      }
    }
  }
}
