/**
 * Fidelity of the wire layer against the fixtures, byte for byte: every event frame in
 * every transcript (json, plain, xml) and the outbound connect reply, parsed and
 * re-serialised with the simulator's serialisers, must reproduce the captured bytes.
 * A failure here means the simulator would put different bytes on the wire.
 */
import fs from 'node:fs';
import { EslEvent, eventFrame, serializePlain, type Header } from '../wire/event';
import { fsUrlDecode } from '../wire/url';
import { fixturesDir, readFixture } from './fixtures';

const files = fs.readdirSync(fixturesDir()).filter((f) => f.endsWith('.txt')).sort();

/** JSON.parse would merge repeated keys (FreeSWITCH does repeat some, e.g. in CODEC): keep them all, in order. */
function parseJsonPairs(text: string): Array<[string, string | string[]]> {
  const out: Array<[string, string | string[]]> = [];
  let i = 1; // after '{'
  const readString = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  while (i < text.length && text[i] !== '}') {
    if (text[i] === ',') i++;
    const key = readString();
    i++; // ':'
    if (text[i] === '[') {
      const start = i;
      i++;
      while (text[i] !== ']') {
        if (text[i] === '"') readString();
        else i++;
      }
      i++;
      out.push([key, JSON.parse(text.slice(start, i)) as string[]]);
    } else {
      out.push([key, readString()]);
    }
  }
  return out;
}

function parsePlainBlock(text: string): EslEvent {
  const end = text.indexOf('\n\n');
  const head = end >= 0 ? text.slice(0, end) : text;
  const headers: Header[] = [];
  let clen: number | undefined;
  for (const line of head.split('\n')) {
    const i = line.indexOf(': ');
    const k = line.slice(0, i);
    const raw = fsUrlDecode(line.slice(i + 2));
    if (k === 'Content-Length') {
      clen = Number(raw);
      continue;
    }
    headers.push([k, raw.startsWith('ARRAY::') ? raw.slice(7).split('|:') : raw]);
  }
  const body = clen !== undefined ? text.slice(end + 2) : undefined;
  return new EslEvent(headers, body);
}

function parseXml(text: string): EslEvent {
  const headers: Header[] = [];
  const headBlock = text.slice(text.indexOf('<headers>') + 9, text.indexOf('</headers>'));
  const re = /<([^<>/\s]+)>([^<]*)<\/\1>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(headBlock))) headers.push([m[1] as string, fsUrlDecode(m[2] as string)]);
  const b = /<body>([\s\S]*) {2}<\/body>/.exec(text);
  const body = b ? (b[1] as string).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : undefined;
  return new EslEvent(headers, body);
}

describe('wire format: the simulator serialises fixture events to the same bytes', () => {
  it.each(files)('%s', (file) => {
    const fx = readFixture(file);
    let checked = 0;
    for (const r of fx.records.filter((x) => x.dir === '<<')) {
      const sep = r.data.indexOf('\n\n');
      const outer = r.data.slice(0, sep);
      const inner = r.data.slice(sep + 2);
      if (r.data.startsWith('Event-Name: CHANNEL_DATA\n')) {
        // the outbound connect reply: one plain header block, no Content-Length
        expect(serializePlain(parsePlainBlock(r.data))).toBe(r.data);
        checked++;
        continue;
      }
      const type = /Content-Type: text\/event-(json|plain|xml)/.exec(outer)?.[1] as 'json' | 'plain' | 'xml' | undefined;
      if (!type) continue;
      let ev: EslEvent;
      if (type === 'json') {
        const pairs = parseJsonPairs(inner);
        const headers: Header[] = pairs.filter(([k]) => k !== 'Content-Length' && k !== '_body');
        const body = pairs.find(([k]) => k === '_body')?.[1];
        ev = new EslEvent(headers, typeof body === 'string' ? body : undefined);
      } else if (type === 'plain') {
        ev = parsePlainBlock(inner);
      } else {
        ev = parseXml(inner);
      }
      expect(eventFrame(ev, type)).toBe(r.data);
      checked++;
    }
    const expected = fx.records.filter((x) => x.dir === '<<' && (/Content-Type: text\/event-/.test(x.data) || x.data.startsWith('Event-Name: CHANNEL_DATA'))).length;
    expect(checked).toBe(expected);
  });

  it('the fixture reader reads every file completely', () => {
    for (const f of files) {
      const fx = readFixture(f);
      expect(fx.title.startsWith('# ')).toBe(true);
      expect(fx.records.length).toBeGreaterThan(3);
      for (const r of fx.records.filter((x) => x.dir === '<<' && /Content-Length: (\d+)/.test(x.data))) {
        const sep = r.data.indexOf('\n\n');
        const len = Number(/Content-Length: (\d+)/.exec(r.data.slice(0, sep))?.[1]);
        expect(Buffer.byteLength(r.data.slice(sep + 2))).toBe(len);
      }
    }
  });
});
