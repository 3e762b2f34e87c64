import { readdirSync } from 'node:fs';
import { fixturesDir, readFixture, receivedStream } from './testing/fixtures';
import { parseFrames } from './testing/parse-frames';
import { header } from './wire';

const ALL_FILES = readdirSync(fixturesDir()).filter((f) => f.endsWith('.txt'));

describe('ESL framing against real FreeSWITCH 1.10.12 transcripts', () => {
  it('finds the fixture files', () => {
    expect(ALL_FILES.length).toBeGreaterThanOrEqual(14);
  });

  it.each(ALL_FILES)('%s: one frame per received record, whole stream or byte by byte', (file) => {
    const records = readFixture(file).filter((r) => r.dir === '<<');
    const stream = receivedStream(records);
    const whole = parseFrames(stream);
    expect(whole).toHaveLength(records.length);
    // Small odd-sized chunks split headers, Content-Length values and UTF-8 sequences.
    const chunked = parseFrames(stream, 7);
    expect(chunked.map((f) => f.kind)).toEqual(whole.map((f) => f.kind));
    expect(chunked.map((f) => f.event?.headers['Event-Sequence'])).toEqual(whole.map((f) => f.event?.headers['Event-Sequence']));
  });

  it('api/response bodies keep their exact bytes (uuid_getvar has no trailing newline)', () => {
    const frames = parseFrames(receivedStream(readFixture('outbound_socket_4001.txt')));
    const api = frames.filter((f) => f.kind === 'api-response').map((f) => f.body);
    expect(api).toEqual(['42', '7']);
  });

  it('plain events are URL-decoded and BACKGROUND_JOB bodies extracted by inner Content-Length', () => {
    const frames = parseFrames(receivedStream(readFixture('g_bgapi_background_job_plain.txt')));
    const jobs = frames.filter((f) => f.event?.name === 'BACKGROUND_JOB').map((f) => f.event!);
    expect(jobs.length).toBeGreaterThanOrEqual(5);
    expect(header(jobs[0]!, 'FreeSWITCH-IPv6')).toBe('fd00::2');
    expect(jobs[0]!.body).toMatch(/^UP 0 years/);
    expect(jobs.some((j) => j.body === '-ERR NORMAL_CLEARING\n' || j.body.startsWith('-ERR'))).toBe(true);
  });

  it('JSON events keep multi-valued variables as arrays (transfer history, fixture d)', () => {
    const frames = parseFrames(receivedStream(readFixture('d_uuid_transfer.txt')));
    const withHistory = frames.find((f) => Array.isArray(f.event?.headers.variable_transfer_history));
    expect(withHistory).toBeDefined();
    expect((withHistory!.event!.headers.variable_transfer_history as string[]).length).toBeGreaterThan(1);
  });

  it('XML events are parsed too (fixture j)', () => {
    const frames = parseFrames(receivedStream(readFixture('j_event_xml_format.txt')));
    const job = frames.find((f) => f.event?.name === 'BACKGROUND_JOB');
    expect(job?.event && header(job.event, 'Job-Command')).toBeDefined();
  });

  it('the outbound connect reply is one header block without Content-Length', () => {
    const frames = parseFrames(receivedStream(readFixture('outbound_socket_4001.txt')));
    const connect = frames[0]!;
    expect(connect.kind).toBe('command-reply');
    expect(connect.headers['Event-Name']).toBe('CHANNEL_DATA');
    expect(connect.headers['Reply-Text']).toBe('+OK\n');
    expect(connect.headers['Socket-Mode']).toBe('async');
  });

  it('linger disconnect-notice (Content-Length: 0) and the final goodbye are separate frames', () => {
    const frames = parseFrames(receivedStream(readFixture('outbound_socket_4001.txt')));
    const notices = frames.filter((f) => f.kind === 'disconnect-notice');
    expect(notices.map((n) => n.headers['Content-Disposition'])).toEqual(['linger', 'disconnect', 'linger', 'disconnect']);
    expect(notices[1]!.body).toBe('Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n');
    expect(notices[2]!.headers['Linger-Time']).toBe('2');
  });
});
