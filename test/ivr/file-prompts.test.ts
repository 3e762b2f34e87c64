/**
 * Issue 13 item 11: a flow's `file` prompts are files under MEDIA_DIR (resolved, no `..`,
 * no symlink out) or FreeSWITCH's built-in streams; nothing FreeSWITCH would expand.
 * Validation names the node and field; publishing is a 400; playback checks again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NonFatalNodeError } from '../../server/ivr/engine/errors';
import { ivrModule } from '../../server/ivr/module';
import { PromptLibrary } from '../../server/ivr/prompts/library';
import { silentLogger } from '../../server/logging/logger';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

let world: TestWorld;
let api: ApiClient;
let media: string;

beforeAll(async () => {
  world = await createTestWorld({ modules: [ivrModule()] });
  api = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
  media = world.config.mediaDir;
  fs.mkdirSync(path.join(media, 'custom'), { recursive: true });
  fs.writeFileSync(path.join(media, 'custom', 'hello.wav'), 'RIFF');
  fs.writeFileSync(path.join(world.dataDir, 'outside.wav'), 'RIFF');
  fs.symlinkSync('/etc/passwd', path.join(media, 'custom', 'passwd.wav'));
  fs.symlinkSync(path.join(world.dataDir, 'outside.wav'), path.join(media, 'custom', 'outside.wav'));
  fs.symlinkSync(path.join(media, 'custom', 'hello.wav'), path.join(media, 'custom', 'alias.wav'));
});
afterAll(async () => {
  await world.cleanup();
});

const flow = (file: string) => ({ name: 'x', start: 'a', nodes: [{ id: 'a', type: 'play', params: { prompt: { file } }, exits: { next: 'b' } }, { id: 'b', type: 'hangup', params: { prompt: [{ text: 'bye' }, { file }] } }] });

describe('file prompts in flow validation', () => {
  it.each(['../../../../etc/passwd', '/etc/passwd', '${system(id)}', '$${sounds_dir}/x.wav', '{absolute_codec_string=PCMU}x.wav', '`id`', 'custom/../../outside.wav', 'file_string://custom/hello.wav!/etc/passwd'])(
    '%s is refused naming the node and field',
    async (file) => {
      const r = await api.post('/api/ivr/validate', flow(file));
      expect(r.status).toBe(200);
      expect(r.body.valid).toBe(false);
      expect(r.body.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['nodes.a.params.prompt.file']));
    },
  );

  it.each([
    ['custom/missing.wav', 'does not exist'],
    ['custom/passwd.wav', 'outside MEDIA_DIR'],
    ['custom/outside.wav', 'outside MEDIA_DIR'],
  ])('%s is refused: %s', async (file, message) => {
    const r = await api.post('/api/ivr/validate', flow(file));
    expect(r.body.valid).toBe(false);
    expect(r.body.problems).toEqual([
      { node: 'a', field: 'params.prompt', path: 'nodes.a.params.prompt', message: expect.stringContaining(message) },
      { node: 'b', field: 'params.prompt.1', path: 'nodes.b.params.prompt.1', message: expect.stringContaining(message) },
    ]);
  });

  it('files under MEDIA_DIR (also through a link that stays inside) and built-in streams validate', async () => {
    for (const file of ['custom/hello.wav', 'custom/alias.wav', 'tone_stream://%(100,0,800)', 'local_stream://moh', 'silence_stream://100']) {
      const r = await api.post('/api/ivr/validate', flow(file));
      expect({ file, ...r.body }).toEqual({ file, valid: true, problems: [] });
    }
  });

  it('publishing a flow with such a prompt is a 400 naming the node and field', async () => {
    const created = await api.post('/api/ivr/flows', { name: 'escape', draft: flow('../../../../etc/passwd') });
    expect(created.status).toBe(201);
    const publish = await api.post(`/api/ivr/flows/${created.body.id}/publish`, {});
    expect(publish.status).toBe(400);
    expect(publish.body.error.fields.map((f: { path: string }) => f.path)).toContain('nodes.a.params.prompt.file');
    await api.put(`/api/ivr/flows/${created.body.id}/draft`, flow('custom/passwd.wav'));
    const again = await api.post(`/api/ivr/flows/${created.body.id}/publish`, {});
    expect(again.status).toBe(400);
    expect(again.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['nodes.a.params.prompt', 'nodes.b.params.prompt.1']);
  });
});

describe('file prompts at playback', () => {
  it('plays files under MEDIA_DIR by their real path and streams as written; anything else fails the node, not the call', async () => {
    const lib = new PromptLibrary(world.hotline.db, media, world.config.tools, silentLogger);
    expect(await lib.resolve({ file: 'custom/hello.wav' }, 'en')).toBe(fs.realpathSync(path.join(media, 'custom', 'hello.wav')));
    expect(await lib.resolve({ file: 'local_stream://moh' }, 'en')).toBe('local_stream://moh');
    // A version published before the rule, or a link swapped in since: refused when played.
    for (const file of ['../../../../etc/passwd', '/etc/passwd', '${system(id)}', 'custom/passwd.wav', 'custom/missing.wav']) {
      await expect(lib.resolve({ file }, 'en')).rejects.toBeInstanceOf(NonFatalNodeError);
    }
  });
});
