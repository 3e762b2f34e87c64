import { BLACKLIST, type BlacklistService } from '../../server/blacklist/module';
import { normalizeNumber } from '../../server/blacklist/numbers';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

describe('blacklist', () => {
  let world: TestWorld;
  let admin: ApiClient;
  let service: BlacklistService;

  beforeAll(async () => {
    world = await createTestWorld();
    admin = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
    service = world.hotline.services.get(BLACKLIST) as BlacklistService;
  });
  afterAll(async () => {
    await world?.cleanup();
  });

  test('numbers are compared normalised', () => {
    expect(normalizeNumber(' 0086 138-0000 0000 ')).toBe('+8613800000000');
    expect(normalizeNumber('(021) 5555.1234')).toBe('02155551234');
  });

  test('block, check, duplicate, unblock; history kept', async () => {
    const added = await admin.post('/api/blacklist', { channel: 'voice', value: '+86 138 0000 1111', reason: 'abusive caller' });
    expect(added.status).toBe(201);
    expect(added.body.value).toBe('+8613800001111');
    expect((await service.blocking('voice', '0086-138-0000-1111'))?.reason).toBe('abusive caller');
    expect((await admin.get('/api/blacklist/check?channel=voice&value=%2B8613800001111')).body).toEqual({ blocked: true });
    expect((await admin.post('/api/blacklist', { channel: 'voice', value: '+8613800001111' })).status).toBe(409);
    expect((await admin.delete(`/api/blacklist/${added.body.id}`)).status).toBe(204);
    expect(await service.blocking('voice', '+8613800001111')).toBeUndefined();
    expect((await admin.post('/api/blacklist', { channel: 'voice', value: '+8613800001111', reason: 'again' })).status).toBe(201);
    const audit = await admin.get('/api/audit?entityType=blacklist');
    expect(audit.body.map((e: any) => e.action)).toEqual(['blacklist.add', 'blacklist.remove', 'blacklist.add']);
  });

  test('an entry stops blocking when it expires', async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    await admin.post('/api/blacklist', { channel: 'chat', value: 'visitor-42', reason: 'spam', expiresAt: soon });
    expect(await service.blocking('chat', 'visitor-42')).toBeDefined();
    await world.hotline.db.query(`UPDATE blacklist_entries SET expires_at = now() - interval '1 second' WHERE value = 'visitor-42'`);
    expect(await service.blocking('chat', 'visitor-42')).toBeUndefined();
    expect((await admin.get('/api/blacklist?channel=chat')).body).toEqual([]);
    expect((await admin.get('/api/blacklist?channel=chat&includeExpired=true')).body).toHaveLength(1);
    // A new live entry may follow an expired one.
    expect((await admin.post('/api/blacklist', { channel: 'chat', value: 'visitor-42' })).status).toBe(201);
  });

  test('bad input is refused field by field; agents may not manage it', async () => {
    const bad = await admin.post('/api/blacklist', { channel: 'voice', value: 'not-a-number', expiresAt: '2000-01-01T00:00:00Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: any) => f.path).sort()).toEqual(['expiresAt', 'value']);
    const agentRole = (await admin.get('/api/roles')).body.find((r: any) => r.code === 'agent');
    await admin.post('/api/agents', { username: 'bl-agent', password: 'bl-agent-pass', displayName: 'B', employeeNo: 'BL1', roleIds: [agentRole.id] });
    const agent = await new ApiClient(world.hotline.url).login('bl-agent', 'bl-agent-pass');
    expect((await agent.post('/api/blacklist', { channel: 'voice', value: '12345' })).status).toBe(403);
  });
});
