/**
 * Reads the real FreeSWITCH transcripts in shared/fixtures/freeswitch-esl (see its README):
 * a `# ...` line, then records `----- <DIR> +<s>s bytes=<N> -----\n` + exactly N bytes + `\n`.
 * Frames are recovered by byte count, never by splitting on blank lines.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type FixtureDirection = '<<' | '>>' | '##';

export interface FixtureRecord {
  dir: FixtureDirection;
  seconds: number;
  bytes: Buffer;
  text: string;
}

/** CI clones the repo with shared/ beside it; ESL_FIXTURES_DIR overrides. */
export function fixturesDir(): string {
  return process.env.ESL_FIXTURES_DIR ?? path.resolve(__dirname, '../../../../shared/fixtures/freeswitch-esl');
}

export function readFixture(file: string): FixtureRecord[] {
  const data = readFileSync(path.join(fixturesDir(), file));
  let pos = data.indexOf(0x0a) + 1;
  const records: FixtureRecord[] = [];
  const delimiter = /^----- (<<|>>|##) \+([\d.]+)s bytes=(\d+) -----$/;
  while (pos < data.length) {
    const eol = data.indexOf(0x0a, pos);
    if (eol < 0) throw new Error(`${file}: truncated delimiter at byte ${pos}`);
    const line = data.subarray(pos, eol).toString('utf8');
    const m = delimiter.exec(line);
    if (!m) throw new Error(`${file}: bad delimiter at byte ${pos}: ${line.slice(0, 60)}`);
    const n = Number(m[3]);
    const bytes = data.subarray(eol + 1, eol + 1 + n);
    if (bytes.length !== n) throw new Error(`${file}: record at byte ${pos} is short`);
    records.push({ dir: m[1] as FixtureDirection, seconds: Number(m[2]), bytes, text: bytes.toString('utf8') });
    pos = eol + 1 + n + 1; // the logger's trailing '\n'
  }
  return records;
}

/** Concatenated bytes FreeSWITCH sent, in order (what a client's socket would have read). */
export function receivedStream(records: FixtureRecord[]): Buffer {
  return Buffer.concat(records.filter((r) => r.dir === '<<').map((r) => r.bytes));
}
