/**
 * Call record export to xlsx as a BullMQ job, over HTTP against the whole server (real
 * Postgres, Redis, BullMQ): request, poll progress to done, download, open with exceljs.
 */
import ExcelJS from 'exceljs';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('call record export (xlsx)', () => {
  let world: TestWorld;
  let admin: ApiClient;
  let agent: ApiClient;
  let other: ApiClient;
  let agentId: string;

  beforeAll(async () => {
    world = await createTestWorld();
    admin = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
    const roles = await admin.get('/api/roles');
    const agentRole = roles.body.find((r: { code: string }) => r.code === 'agent');
    agentId = (await admin.post('/api/agents', { username: 'exp-agent', password: 'exp-agent-pass', displayName: 'Exp Agent', employeeNo: 'E1', roleIds: [agentRole.id] })).body.id;
    await admin.post('/api/agents', { username: 'exp-other', password: 'exp-other-pass', displayName: 'O', employeeNo: 'E2', roleIds: [agentRole.id] });
    agent = await new ApiClient(world.hotline.url).login('exp-agent', 'exp-agent-pass');
    other = await new ApiClient(world.hotline.url).login('exp-other', 'exp-other-pass');
    const db = world.hotline.db;
    // 1,203 answered calls (many sharing a start time, so paging must break ties), 3 of them the agent's; 40 abandoned.
    await db.query(
      `INSERT INTO calls (channel_uuid, caller_number, destination_number, started_at, ended_at, disposition, direction, talk_ms, queue_wait_ms, agent_id, agent_ids)
       SELECT 'ch-' || i, '1380000' || lpad(i::text, 4, '0'), '4000', date_trunc('minute', now()) - (i % 7) * interval '1 minute', now(), 'answered', 'inbound', 1000 * i, 1500,
              CASE WHEN i <= 3 THEN $1::uuid END, CASE WHEN i <= 3 THEN ARRAY[$1::uuid] ELSE '{}'::uuid[] END
         FROM generate_series(1, 1203) i`,
      [agentId],
    );
    await db.query(`INSERT INTO calls (channel_uuid, caller_number, started_at, ended_at, disposition, direction) SELECT 'ab-' || i, '1390000' || i, now(), now(), 'abandoned_queue', 'inbound' FROM generate_series(1, 40) i`);
  }, 60_000);

  afterAll(async () => {
    await world?.cleanup();
  });

  async function runExport(client: ApiClient, filters: Record<string, unknown>): Promise<{ id: string; seen: number[]; body: Record<string, unknown> }> {
    const started = await client.post('/api/calls/exports', { filters });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ id: expect.any(String), status: 'queued' });
    const seen: number[] = [];
    const done = await until(
      async () => {
        const r = await client.get(`/api/calls/exports/${started.body.id}`);
        expect(r.status).toBe(200);
        seen.push(r.body.progress);
        return r;
      },
      (r) => r.body.status === 'done' || r.body.status === 'failed',
      'the export to finish',
    );
    return { id: started.body.id, seen, body: done.body };
  }

  async function sheet(client: ApiClient, id: string): Promise<ExcelJS.Worksheet> {
    const res = await fetch(`${world.hotline.url}/api/calls/exports/${id}/file`, { headers: { cookie: client.cookie! } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?calls-[0-9-]+-[0-9a-f]{8}\.xlsx"?$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ExcelJS.Buffer);
    return wb.getWorksheet('Calls')!;
  }

  test('an admin exports every matching call; progress rises to 100; the file has one row per call', async () => {
    const { id, seen, body } = await runExport(admin, { disposition: ['answered'] });
    expect(body).toMatchObject({ status: 'done', progress: 100, rowCount: 1203, filter: { disposition: ['answered'] } });
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const ws = await sheet(admin, id);
    expect(ws.rowCount).toBe(1 + 1203);
    const headers = (ws.getRow(1).values as unknown[]).slice(1);
    expect(headers).toEqual(expect.arrayContaining(['Call id', 'Caller', 'Disposition', 'Talk (s)', 'Wrap-up (s)']));
    const col = (name: string) => headers.indexOf(name) + 1;
    const callers = new Set<string>();
    for (let r = 2; r <= ws.rowCount; r++) {
      const row = ws.getRow(r);
      expect(row.getCell(col('Disposition')).value).toBe('answered');
      callers.add(row.getCell(col('Caller')).text);
    }
    expect(callers.size).toBe(1203); // no row twice, none skipped across pages
    const first = ws.getRow(2);
    expect(first.getCell(col('Started')).value).toBeInstanceOf(Date);
    expect(first.getCell(col('Queue wait (s)')).value).toBe(1.5);
  }, 60_000);

  test('an agent exports only their own calls; only the requester or calls.view_all reads it', async () => {
    const { id, body } = await runExport(agent, {});
    expect(body).toMatchObject({ status: 'done', rowCount: 3 });
    const ws = await sheet(agent, id);
    expect(ws.rowCount).toBe(4);
    const headers = (ws.getRow(1).values as unknown[]).slice(1);
    expect(ws.getRow(2).getCell(headers.indexOf('Agent') + 1).value).toBe('Exp Agent');

    expect((await other.get(`/api/calls/exports/${id}`)).status).toBe(403);
    expect((await fetch(`${world.hotline.url}/api/calls/exports/${id}/file`, { headers: { cookie: other.cookie! } })).status).toBe(403);
    expect((await admin.get(`/api/calls/exports/${id}`)).status).toBe(200);
    expect((await admin.get('/api/calls/exports/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  }, 60_000);
});
