import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RecordingService } from '../../server/recordings/module';
import { RECORDINGS } from '../../server/recordings/module';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, tries = 150): Promise<T> {
  let v = await fn();
  for (let i = 0; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await fn();
  }
  return v;
}

/** The recording pipeline for real: a stereo WAV through BullMQ and Debian's ffmpeg, streamed with ranges and permissions. */
describe('recordings', () => {
  let world: TestWorld;
  let admin: ApiClient;
  let service: RecordingService;
  let agentId: string;

  beforeAll(async () => {
    world = await createTestWorld();
    service = world.hotline.services.get(RECORDINGS) as RecordingService;
    admin = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
    const roles = await admin.get('/api/roles');
    const agentRole = roles.body.find((r: any) => r.code === 'agent');
    agentId = (await admin.post('/api/agents', { username: 'rec-agent', password: 'rec-agent-pass', displayName: 'R', employeeNo: 'R1', roleIds: [agentRole.id] })).body.id;
    await admin.post('/api/agents', { username: 'other-agent', password: 'other-agent-pass', displayName: 'O', employeeNo: 'R2', roleIds: [agentRole.id] });
  });
  afterAll(async () => {
    await world?.cleanup();
  });

  function stereoWav(name: string, seconds: number): string {
    const file = path.join(world.dataDir, name);
    // Caller on the left (440 Hz), agent on the right (660 Hz), as FreeSWITCH writes with RECORD_STEREO.
    execFileSync(world.config.tools.ffmpeg, ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=660:duration=${seconds}`, '-filter_complex', '[0:a][1:a]join=inputs=2:channel_layout=stereo', '-ar', '8000', '-c:a', 'pcm_s16le', file]);
    return file;
  }

  test('a raw stereo WAV becomes a playable MP3 with duration and peaks', async () => {
    const rec = await service.register({ callId: 'call-1', agentIds: [agentId], rawPath: stereoWav('call-1.wav', 3) });
    expect(rec.status).toBe('pending');
    const ready = await until(() => admin.get(`/api/recordings/${rec.id}`), (r) => r.body.status !== 'pending' && r.body.status !== 'processing');
    expect(ready.body).toMatchObject({ status: 'ready', channels: 2, mimeType: 'audio/mpeg', callId: 'call-1' });
    expect(ready.body.durationMs).toBeGreaterThan(2900);
    expect(ready.body.durationMs).toBeLessThan(3100);
    expect(ready.body.peaks).toHaveLength(800);
    // lavfi sines peak at 1/8 full scale; the mono analysis mix keeps them audible, and silence would be 0.
    expect(Math.min(...ready.body.peaks.slice(10, 790))).toBeGreaterThan(0.05);
    expect(ready.body).not.toHaveProperty('rawPath');

    const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,channels', '-of', 'csv=p=0', path.join(world.config.mediaDir, 'recordings', 'web', `${rec.id}.mp3`)]).toString().trim();
    expect(probe).toBe('mp3,2');
  });

  test('registering the same file twice keeps one recording and one transcode', async () => {
    const raw = stereoWav('call-twice.wav', 1);
    const first = await service.register({ callId: 'call-twice', agentIds: [agentId], rawPath: raw });
    const second = await service.register({ callId: 'call-twice', agentIds: [agentId], rawPath: raw });
    expect(second.id).toBe(first.id);
    await until(() => admin.get(`/api/recordings/${first.id}`), (r) => r.body.status === 'ready' || r.body.status === 'failed');
    const rows = (await world.hotline.db.query<{ attempts: number }>('SELECT attempts FROM recordings WHERE call_id = $1', ['call-twice'])).rows;
    expect(rows).toEqual([{ attempts: 1 }]);
  });

  test('streaming: byte ranges, own calls only for agents, every play logged', async () => {
    const rec = await service.register({ callId: 'call-2', agentIds: [agentId], rawPath: stereoWav('call-2.wav', 2) });
    await until(() => admin.get(`/api/recordings/${rec.id}`), (r) => r.body.status === 'ready');

    const agent = await new ApiClient(world.hotline.url).login('rec-agent', 'rec-agent-pass');
    const full = await fetch(`${world.hotline.url}/api/recordings/${rec.id}/audio`, { headers: { cookie: agent.cookie! } });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('audio/mpeg');
    const size = (await full.arrayBuffer()).byteLength;
    expect(size).toBeGreaterThan(1000);
    const part = await fetch(`${world.hotline.url}/api/recordings/${rec.id}/audio`, { headers: { cookie: agent.cookie!, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${size}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);

    const other = await new ApiClient(world.hotline.url).login('other-agent', 'other-agent-pass');
    expect((await other.get(`/api/recordings/${rec.id}/audio`)).status).toBe(403);
    expect((await other.get('/api/recordings?callId=call-2')).body).toEqual([]);
    expect((await agent.get('/api/recordings?callId=call-2')).body.map((r: any) => r.id)).toEqual([rec.id]);

    const plays = await admin.get(`/api/recordings/${rec.id}/plays`);
    expect(plays.body.map((p: any) => p.username)).toEqual(['rec-agent']);
    expect((await agent.get(`/api/recordings/${rec.id}/plays`)).status).toBe(403);
  });

  test('a broken file ends failed with the reason, after its retries; nothing to play', async () => {
    const bad = path.join(world.dataDir, 'broken.wav');
    fs.writeFileSync(bad, 'RIFF not really a wav file');
    const rec = await service.register({ callId: 'call-3', agentIds: [], rawPath: bad });
    const failed = await until(() => admin.get(`/api/recordings/${rec.id}`), (r) => r.body.status === 'failed', 300);
    expect(failed.body.status).toBe('failed');
    expect(failed.body.error).toMatch(/ffmpeg/);
    expect((await admin.get(`/api/recordings/${rec.id}/audio`)).status).toBe(409);
  }, 60_000);
});
