/**
 * Issue 13 items 5, 6 and 7 for prompt uploads, with the real ffmpeg: the format ffmpeg reads
 * comes from the bytes, never from its own probing, so a playlist disguised as .wav cannot make
 * it read another file; uploads stream to disk with the limit enforced while reading (413);
 * a truncated multipart body is a 400.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ivrModule } from '../../server/ivr/module';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

let world: TestWorld;
let api: ApiClient;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-ivr-uploads-'));

beforeAll(async () => {
  world = await createTestWorld({ modules: [ivrModule()] });
  api = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
});
afterAll(async () => {
  await world.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function upload(name: string, data: Buffer | string, filename: string): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.set('name', name);
  form.set('file', new Blob([data]), filename);
  const res = await fetch(`${world.hotline.url}/api/ivr/prompts`, { method: 'POST', headers: { cookie: api.cookie! }, body: form });
  return { status: res.status, body: await res.json() };
}

/** Another agent's call, as FreeSWITCH would have recorded it (a 2-second tone). */
function secretRecording(ext: string, args: string[] = []): string {
  const file = path.join(tmp, `secret-call.${ext}`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=880:duration=2', ...args, file]);
  return file;
}

const promptNames = async () => (await api.get('/api/ivr/prompts')).body.map((p: { name: string }) => p.name);

describe('ffmpeg reads only the uploaded audio', () => {
  it.each([
    ['an HLS playlist', (secret: string) => `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n${secret}\n#EXT-X-ENDLIST\n`],
    ['an ffconcat list', (secret: string) => `ffconcat version 1.0\nfile '${secret}'\n`],
  ])('%s disguised as .wav is refused with 400 and makes no prompt', async (what, body) => {
    const secret = secretRecording('ts', ['-c:a', 'mp2', '-f', 'mpegts']);
    const name = `stolen-${what.length}`;
    const r = await upload(name, body(secret), 'innocent.wav');
    expect(r.status).toBe(400);
    expect(r.body.error.fields[0].path).toBe('file');
    expect(await promptNames()).not.toContain(name);
  });

  it('a playlist behind a RIFF/WAVE header is read as WAV only (refused), never followed', async () => {
    const secret = secretRecording('wav');
    const header = Buffer.from('RIFF\x24\x00\x00\x00WAVE', 'latin1');
    const r = await upload('stolen2', Buffer.concat([header, Buffer.from(`\n#EXTM3U\n#EXTINF:2.0,\n${secret}\n#EXT-X-ENDLIST\n`)]), 'innocent.wav');
    expect(r.status).toBe(400);
    expect(await promptNames()).not.toContain('stolen2');
  });

  it('real audio whose extension lies is converted by its content', async () => {
    const mp3 = fs.readFileSync(secretRecording('mp3'));
    const r = await upload('mp3-named-wav', mp3, 'tone.wav');
    expect(r.status).toBe(201);
    expect(r.body.durationMs).toBeGreaterThan(1900);
  });
});

describe('upload limits and malformed bodies', () => {
  it('an upload over the 20 MB limit is 413 and leaves nothing behind', async () => {
    const before = await promptNames();
    const big = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVE', 'latin1'), Buffer.alloc(21 * 1024 * 1024)]);
    const r = await upload('too-big', big, 'big.wav');
    expect(r.status).toBe(413);
    expect(r.body.error.fields[0].path).toBe('file');
    expect(await promptNames()).toEqual(before);
  });

  it('a truncated multipart body is 400', async () => {
    const boundary = 'hotlineboundary42';
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\ntruncated\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF\x24\x00\x00\x00WAVEfmt `;
    const res = await fetch(`${world.hotline.url}/api/ivr/prompts`, { method: 'POST', headers: { cookie: api.cookie!, 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(res.status).toBe(400);
    const json = (await res.json()) as any;
    expect(json.error.fields[0].path).toBe('file');
    expect(await promptNames()).not.toContain('truncated');
  });
});
