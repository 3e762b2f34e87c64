import { fsUrlEncode } from './url';

/** A header value; multi-valued channel variables (e.g. transfer_history) are arrays. */
export type HeaderValue = string | string[];
export type Header = [name: string, value: HeaderValue];

export type EventFormat = 'plain' | 'json' | 'xml';

/**
 * One FreeSWITCH event: an ordered header list plus an optional body. Order matters:
 * serialisers write headers exactly in this order, as FreeSWITCH does.
 */
export class EslEvent {
  readonly headers: Header[];
  body: string | undefined;

  constructor(headers: Header[] = [], body?: string) {
    this.headers = headers;
    this.body = body;
  }

  get name(): string {
    return this.get('Event-Name') ?? '';
  }

  get subclass(): string | undefined {
    return this.get('Event-Subclass');
  }

  /** Case-insensitive lookup like switch_event_get_header; arrays return their first value. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [k, v] of this.headers) {
      if (k.toLowerCase() === lower) return Array.isArray(v) ? v[0] : v;
    }
    return undefined;
  }

  add(name: string, value: HeaderValue | undefined): this {
    if (value !== undefined) this.headers.push([name, value]);
    return this;
  }
}

function flatValue(v: HeaderValue): string {
  // switch_event_serialize writes multi-valued headers as ARRAY::a|:b
  return Array.isArray(v) ? 'ARRAY::' + v.join('|:') : v;
}

/** switch_event_serialize(..., encode=TRUE): the text/event-plain body and the `connect` reply. */
export function serializePlain(ev: EslEvent): string {
  let out = '';
  for (const [k, v] of ev.headers) out += `${k}: ${fsUrlEncode(flatValue(v))}\n`;
  if (ev.body !== undefined) {
    out += `Content-Length: ${Buffer.byteLength(ev.body)}\n\n${ev.body}`;
  } else {
    out += '\n';
  }
  return out;
}

/** switch_event_serialize_json: unformatted cJSON, body under "_body" after its "Content-Length". */
export function serializeJson(ev: EslEvent): string {
  // built by hand: FreeSWITCH repeats some header names (CODEC events) and so must we
  const parts = ev.headers.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  if (ev.body !== undefined) {
    parts.push(`"Content-Length":${JSON.stringify(String(Buffer.byteLength(ev.body)))}`, `"_body":${JSON.stringify(ev.body)}`);
  }
  return `{${parts.join(',')}}`;
}

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** switch_event_xmlize + switch_xml_toxml, in the layout of j_event_xml_format.txt. */
export function serializeXml(ev: EslEvent): string {
  let out = '<event>\n  <headers>\n';
  for (const [k, v] of ev.headers) out += `    <${k}>${fsUrlEncode(flatValue(v))}</${k}>\n`;
  out += '  </headers>\n';
  if (ev.body !== undefined) {
    out += `  <Content-Length>${Buffer.byteLength(ev.body)}</Content-Length>\n`;
    out += `  <body>${xmlText(ev.body)}  </body>\n`;
  }
  out += '</event>\n';
  return out;
}

/** The complete frame a subscriber receives: outer Content-Length + Content-Type, then the serialised event. */
export function eventFrame(ev: EslEvent, format: EventFormat): string {
  const body = format === 'json' ? serializeJson(ev) : format === 'xml' ? serializeXml(ev) : serializePlain(ev);
  return `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-${format}\n\n${body}`;
}
