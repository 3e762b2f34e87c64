/**
 * The IVR lifecycle over HTTP against real Postgres/Redis: the seeded sample, drafts,
 * validation naming node and field, immutable versions, rollback, number binding,
 * prompts converted by ffmpeg and rendered by espeak-ng.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ivrModule } from '../../server/ivr/module';
import { flowJsonSchemaText } from '../../server/ivr/engine/json-schema';
import { flowDocumentSchema } from '../../server/ivr/engine/flow';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

const ROOT = path.resolve(__dirname, '../..');
const sample = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'ivr-flows/sample-service.json'), 'utf8'));
const say = (text: string) => ({ text });

let world: TestWorld;
let api: ApiClient;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-ivr-api-'));

beforeAll(async () => {
  world = await createTestWorld({ modules: [ivrModule()] });
  api = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
});

afterAll(async () => {
  await world.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function upload(name: string, file: string): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.set('name', name);
  form.set('file', new Blob([fs.readFileSync(file)]), path.basename(file));
  const login = await fetch(`${world.hotline.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const res = await fetch(`${world.hotline.url}/api/ivr/prompts`, { method: 'POST', headers: { cookie }, body: form });
  return { status: res.status, body: await res.json() };
}

describe('flow format files', () => {
  it('ivr-flows/flow.schema.json is generated from the zod schema (npx tsx server/ivr/write-flow-schema.ts)', () => {
    expect(fs.readFileSync(path.join(ROOT, 'ivr-flows/flow.schema.json'), 'utf8')).toBe(flowJsonSchemaText());
  });

  it('the sample flow matches the published document schema', () => {
    expect(flowDocumentSchema.safeParse(sample()).success).toBe(true);
  });
});

describe('first start', () => {
  it('seeds the sample flow, published and bound to the sample number, with its skill groups', async () => {
    const numbers = await api.get('/api/ivr/numbers');
    expect(numbers.body).toEqual([expect.objectContaining({ number: '4001', flowName: 'sample-service', activeVersion: 1 })]);
    const groups = await api.get('/api/skill-groups');
    expect(groups.body.map((g: { name: string }) => g.name).sort()).toEqual(expect.arrayContaining(['operator', 'sales', 'support']));
  });

  it('requires ivr.manage', async () => {
    const anon = await new ApiClient(world.hotline.url).get('/api/ivr/flows');
    expect(anon.status).toBe(401);
  });
});

describe('flow lifecycle', () => {
  let flowId: string;

  it('creates a draft, saves it even when invalid, and validation names node and field', async () => {
    const created = await api.post('/api/ivr/flows', { name: 'support-line', description: 'support' });
    expect(created.status).toBe(201);
    flowId = created.body.id;
    expect(created.body).toMatchObject({ name: 'support-line', activeVersion: null, latestVersion: null });

    const broken = {
      name: 'ignored',
      start: 'menu',
      nodes: [
        { id: 'menu', type: 'menu', params: { prompt: { prompt: 'no-such-prompt' } }, exits: { '1': 'q', invalid: 'bye' } },
        { id: 'q', type: 'queue', params: { skillGroup: 'nobody' }, exits: { answered: 'bye', timeout: 'bye', full: 'bye', no_agents: 'bye' } },
        { id: 'bye', type: 'hangup' },
      ],
    };
    const saved = await api.put(`/api/ivr/flows/${flowId}/draft`, broken);
    expect(saved.status).toBe(200);
    expect(saved.body.draft.name).toBe('support-line');
    const v = await api.post(`/api/ivr/flows/${flowId}/validate`);
    expect(v.body.valid).toBe(false);
    expect(v.body.problems).toEqual([
      { node: 'menu', field: 'params.prompt', path: 'nodes.menu.params.prompt', message: 'prompt "no-such-prompt" does not exist' },
      { node: 'q', field: 'params.skillGroup', path: 'nodes.q.params.skillGroup', message: 'skill group "nobody" does not exist' },
    ]);
    const publish = await api.post(`/api/ivr/flows/${flowId}/publish`, {});
    expect(publish.status).toBe(400);
    expect(publish.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['nodes.menu.params.prompt', 'nodes.q.params.skillGroup']);
  });

  it('validates a document without storing it (structure problems)', async () => {
    const r = await api.post('/api/ivr/validate', { name: 'x', start: 'a', nodes: [{ id: 'a', type: 'play', params: { prompt: say('x') }, exits: {} }] });
    expect(r.body).toEqual({ valid: false, problems: [{ node: 'a', field: 'exits.next', path: 'nodes.a.exits.next', message: 'exit "next" is not wired' }] });
  });

  it('publishes immutable versions, binds a number, rolls back', async () => {
    const v1doc = { start: 'hi', nodes: [{ id: 'hi', type: 'play', params: { prompt: say('Version one'), }, exits: { next: 'bye' } }, { id: 'bye', type: 'hangup' }], language: 'en' };
    await api.put(`/api/ivr/flows/${flowId}/draft`, v1doc);
    const p1 = await api.post(`/api/ivr/flows/${flowId}/publish`, { note: 'first' });
    expect(p1.status).toBe(201);
    expect(p1.body).toMatchObject({ version: 1, note: 'first' });

    const bound = await api.put('/api/ivr/numbers/4002', { flowId, description: 'support' });
    expect(bound.body).toMatchObject({ number: '4002', flowName: 'support-line', activeVersion: 1 });

    await api.put(`/api/ivr/flows/${flowId}/draft`, { ...v1doc, nodes: [{ ...v1doc.nodes[0], params: { prompt: say('Version two') } }, v1doc.nodes[1]] });
    const p2 = await api.post(`/api/ivr/flows/${flowId}/publish`, {});
    expect(p2.body.version).toBe(2);
    expect((await api.get(`/api/ivr/flows/${flowId}/versions`)).body.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const old = await api.get(`/api/ivr/flows/${flowId}/versions/1`);
    expect(old.body.definition.nodes[0].params.prompt.text).toBe('Version one');

    const rb = await api.post(`/api/ivr/flows/${flowId}/rollback`, { version: 1 });
    expect(rb.body).toMatchObject({ activeVersion: 1, latestVersion: 2 });
    expect((await api.post(`/api/ivr/flows/${flowId}/rollback`, { version: 9 })).status).toBe(404);

    // Versions cannot be changed, even directly in the database.
    await expect(world.hotline.db.query(`UPDATE ivr_flow_versions SET note = 'x' WHERE flow_id = $1`, [flowId])).rejects.toThrow(/immutable/);

    const del = await api.delete(`/api/ivr/flows/${flowId}`);
    expect(del.status).toBe(409);
    expect((await api.delete('/api/ivr/numbers/4002')).status).toBe(204);
    expect((await api.delete(`/api/ivr/flows/${flowId}`)).status).toBe(204);
  });

  it('refuses to bind a number to a flow that was never published', async () => {
    const f = await api.post('/api/ivr/flows', { name: 'unpublished' });
    const r = await api.put('/api/ivr/numbers/4003', { flowId: f.body.id });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('not_published');
  });

  it('audits publishing', async () => {
    const audit = await api.get('/api/audit?entityType=ivr_flow');
    expect(audit.body.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['ivr_flow.publish', 'ivr_flow.rollback', 'ivr_flow.seed_sample']));
  });
});

describe('prompts', () => {
  const make = (file: string, args: string[]) => {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', ...args, path.join(tmp, file)]);
    return path.join(tmp, file);
  };

  it.each([
    ['wav', ['-ar', '44100', '-ac', '2']],
    ['mp3', []],
    ['ogg', ['-c:a', 'libvorbis']],
  ])('uploads %s, converted to 8 kHz mono 16-bit WAV', async (ext, args) => {
    const r = await upload(`tone-${ext}`, make(`tone.${ext}`, args));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: `tone-${ext}`, kind: 'audio', originalName: `tone.${ext}` });
    expect(r.body.durationMs).toBeGreaterThan(900);
    const audio = await fetch(`${world.hotline.url}/api/ivr/prompts/${r.body.id}/audio`, { headers: { cookie: (await loginCookie()) } });
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await audio.arrayBuffer());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect({ channels: wav.readUInt16LE(22), rate: wav.readUInt32LE(24), bits: wav.readUInt16LE(34) }).toEqual({ channels: 1, rate: 8000, bits: 16 });
  });

  it('refuses files that are not audio', async () => {
    fs.writeFileSync(path.join(tmp, 'notes.txt'), 'hello');
    expect((await upload('notes', path.join(tmp, 'notes.txt'))).status).toBe(400);
    fs.writeFileSync(path.join(tmp, 'fake.mp3'), 'not really audio');
    const r = await upload('fake', path.join(tmp, 'fake.mp3'));
    expect(r.status).toBe(400);
    expect(r.body.error.fields[0].path).toBe('file');
  });

  it('renders text prompts in English and Chinese, cached by content', async () => {
    const zh = await api.post('/api/ivr/prompts/tts', { name: 'welcome-zh', text: '欢迎致电热线', lang: 'zh' });
    const again = await api.post('/api/ivr/prompts/tts', { name: 'welcome-zh-2', text: '欢迎致电热线', lang: 'zh' });
    const en = await api.post('/api/ivr/prompts/tts', { name: 'welcome-en', text: 'Welcome to the hotline', lang: 'en' });
    expect([zh.status, again.status, en.status]).toEqual([201, 201, 201]);
    expect(again.body.file).toBe(zh.body.file);
    expect(en.body.file).not.toBe(zh.body.file);
    expect(zh.body.durationMs).toBeGreaterThan(300);
    expect((await api.post('/api/ivr/prompts/tts', { name: 'welcome-en', text: 'dup', lang: 'en' })).status).toBe(409);
  });

  it('a prompt used by a published flow cannot be deleted; an unused one can', async () => {
    const list = (await api.get('/api/ivr/prompts')).body;
    const used = list.find((p: { name: string }) => p.name === 'welcome-en');
    const f = await api.post('/api/ivr/flows', { name: 'uses-prompt', draft: { start: 'a', nodes: [{ id: 'a', type: 'play', params: { prompt: { prompt: 'welcome-en' } }, exits: { next: 'b' } }, { id: 'b', type: 'hangup' }] } });
    expect((await api.post(`/api/ivr/flows/${f.body.id}/publish`, {})).status).toBe(201);
    const refused = await api.delete(`/api/ivr/prompts/${used.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('uses-prompt');
    expect((await api.get('/api/ivr/prompts')).body.find((p: { name: string }) => p.name === 'welcome-en').usedBy).toEqual(['uses-prompt']);
    const unused = list.find((p: { name: string }) => p.name === 'tone-mp3');
    expect((await api.delete(`/api/ivr/prompts/${unused.id}`)).status).toBe(204);
    expect(fs.existsSync(path.join(world.config.mediaDir, 'prompts', unused.file))).toBe(false);
  });
});

async function loginCookie(): Promise<string> {
  const login = await fetch(`${world.hotline.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  return login.headers.get('set-cookie')!.split(';')[0]!;
}
