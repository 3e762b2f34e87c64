/**
 * Issue 13 item 6: bad numbers in call search and bad byte ranges on recording audio are
 * client errors naming the field (400) or the range (416), never a 500/503 from Postgres.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

let world: TestWorld;
let admin: ApiClient;
beforeAll(async () => {
  world = await createTestWorld();
  admin = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
});
afterAll(async () => {
  await world.cleanup();
});

describe('call search numbers that do not fit a SQL integer', () => {
  it.each([
    ['minTalkSec', '10000000'],
    ['maxWaitSec', '3000000'],
    ['minWaitSec', '1e308'],
    ['maxTalkSec', 'Infinity'],
    ['minRingSec', '-Infinity'],
    ['minTalkSec', 'NaN'],
    ['offset', '1e308'],
    ['offset', '99999999999'],
  ])('%s=%s is a 400 naming the field', async (field, value) => {
    const r = await admin.get(`/api/calls?${field}=${value}`);
    expect(r.status).toBe(400);
    expect([...new Set(r.body.error.fields.map((f: { path: string }) => f.path))]).toEqual([field]);
  });

  it('the largest values that fit still search', async () => {
    expect((await admin.get('/api/calls?minTalkSec=2147483&maxWaitSec=2147483&offset=2147483647')).status).toBe(200);
  });

  it('the export job refuses the same filters in its body', async () => {
    const r = await admin.post('/api/calls/exports', { filters: { minTalkSec: 10_000_000 } });
    expect(r.status).toBe(400);
    expect(r.body.error.fields[0].path).toBe('filters.minTalkSec');
  });

  it('agent and callback paging offsets too', async () => {
    for (const p of ['/api/agents?offset=1e308', '/api/callbacks?offset=1e308', '/api/blacklist?offset=1e308']) {
      const r = await admin.get(p);
      expect(r.status).toBe(400);
      expect(r.body.error.fields[0].path).toBe('offset');
    }
  });
});

describe('byte ranges on recording audio', () => {
  let id: string;
  const size = 1000;
  beforeAll(async () => {
    const file = path.join(world.config.mediaDir, 'recordings', 'range-test.mp3');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.alloc(size, 7));
    const { rows } = await world.hotline.db.query<{ id: string }>("INSERT INTO recordings (call_id, raw_path, status, file_path, mime_type, size_bytes) VALUES ('range-call', $1, 'ready', $1, 'audio/mpeg', $2) RETURNING id", [file, size]);
    id = rows[0]!.id;
  });
  const get = (range: string) => fetch(`${world.hotline.url}/api/recordings/${id}/audio`, { headers: { cookie: admin.cookie!, range } });

  it.each(['bytes=999999999-', 'bytes=5-1', `bytes=${size}-`])('%s is 416 with Content-Range: bytes */size', async (range) => {
    const r = await get(range);
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('a satisfiable range is 206, a missing range 200', async () => {
    const part = await get('bytes=10-19');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${size}`);
    expect((await part.arrayBuffer()).byteLength).toBe(10);
    const whole = await fetch(`${world.hotline.url}/api/recordings/${id}/audio`, { headers: { cookie: admin.cookie! } });
    expect(whole.status).toBe(200);
    expect((await whole.arrayBuffer()).byteLength).toBe(size);
  });
});
