import fs from 'node:fs';
import path from 'node:path';
import { FrameReader, type Frame } from './raw-client';

/**
 * Reader for the real-FreeSWITCH transcripts in shared/fixtures/freeswitch-esl.
 * The framing is exact: a delimiter line `----- <DIR> +<s>s bytes=<N> -----`, then
 * exactly N bytes, then one newline added by the logger. Frames are never found by
 * splitting on blank lines.
 */
export interface FixtureRecord {
  dir: '<<' | '>>' | '##';
  t: number;
  data: string;
}

export interface Fixture {
  name: string;
  title: string;
  records: FixtureRecord[];
}

export function fixturesDir(): string {
  return process.env.ESL_FIXTURES_DIR ?? path.resolve(__dirname, '../../../../shared/fixtures/freeswitch-esl');
}

/** Hotline's own transcripts (test/fixtures/freeswitch-esl), captured by test/freeswitch-real/capture. */
export function ownFixturesDir(): string {
  return path.resolve(__dirname, '../../../test/fixtures/freeswitch-esl');
}

const DELIM = /^----- (<<|>>|##) \+([0-9.]+)s bytes=(\d+) -----$/;

export function readFixture(file: string, dir = fixturesDir()): Fixture {
  const buf = fs.readFileSync(path.join(dir, file));
  const firstNl = buf.indexOf(0x0a);
  const title = buf.subarray(0, firstNl).toString('utf8');
  const records: FixtureRecord[] = [];
  let pos = firstNl + 1;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) throw new Error(`${file}: truncated delimiter at byte ${pos}`);
    const line = buf.subarray(pos, nl).toString('utf8');
    const m = DELIM.exec(line);
    if (!m) throw new Error(`${file}: bad delimiter at byte ${pos}: ${line.slice(0, 60)}`);
    const n = Number(m[3]);
    const data = buf.subarray(nl + 1, nl + 1 + n);
    if (data.length !== n) throw new Error(`${file}: record at byte ${pos} is short`);
    if (buf[nl + 1 + n] !== 0x0a) throw new Error(`${file}: record at byte ${pos} is not followed by the logger newline`);
    records.push({ dir: m[1] as FixtureRecord['dir'], t: Number(m[2]), data: data.toString('utf8') });
    pos = nl + 1 + n + 1;
  }
  return { name: file, title, records };
}

/** A received record as a parsed frame (each `<<` record is exactly one frame). */
export function recordFrame(r: FixtureRecord): Frame {
  const frames = new FrameReader().push(Buffer.from(r.data, 'utf8'));
  if (frames.length === 1 && frames[0]) return frames[0];
  // the outbound `connect` reply has no Content-Length and ends with the blank line
  return { raw: r.data, headers: new Map(), body: '' };
}
