import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

/** Issue 13 item 12: response headers, what /api/health tells strangers, and the audit log. */
let world: TestWorld;
let admin: ApiClient;
let url: string;

beforeAll(async () => {
  world = await createTestWorld();
  url = world.hotline.url;
  admin = await new ApiClient(url).login(ADMIN.username, ADMIN.password);
}, 60_000);
afterAll(async () => {
  await world?.cleanup();
});

interface AuditRow {
  at: string;
  action: string;
  entityType: string;
  entityId: string | null;
  actorName: string;
  before: any;
  after: any;
}
async function audit(entityType: string): Promise<AuditRow[]> {
  const res = await admin.get(`/api/audit?entityType=${entityType}`);
  expect(res.status).toBe(200);
  return res.body as AuditRow[];
}

describe('headers', () => {
  test('JSON responses carry nosniff, a CSP with frame-ancestors, and no framing by other sites', async () => {
    for (const res of [await admin.get('/api/auth/me'), await new ApiClient(url).get('/api/agents')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    }
  });

  test('widget.js: nosniff, and loadable by customers\' pages', async () => {
    const res = await fetch(`${url}/chat/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  test("/chat/page may be framed by the site's allowed origins only", async () => {
    const group = (await admin.post('/api/skill-groups', { name: 'Headers chat' })).body.id;
    const saved = await admin.post('/api/chat/sites', { key: 'frame-site', name: 'Framed', groupId: group, allowedOrigins: ['https://Shop.example/', 'http://shop.example:8080'] });
    expect(saved.status).toBe(201);
    expect(saved.body.allowedOrigins).toEqual(['https://shop.example', 'http://shop.example:8080']);
    expect((await admin.post('/api/chat/sites', { key: 'bad-site', name: 'Bad', allowedOrigins: ['https://shop.example/path'] })).status).toBe(400);

    const page = await fetch(`${url}/chat/page?site=frame-site`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self' https:\/\/shop\.example http:\/\/shop\.example:8080$/);
    expect(page.headers.get('x-frame-options')).toBeNull();
    const unknown = await fetch(`${url}/chat/page?site=no-such-site`);
    expect(unknown.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'$/);
  });
});

describe('/api/health', () => {
  test('anonymous callers learn up or down; staff get the details', async () => {
    const anonymous = await new ApiClient(url).get('/api/health');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: expect.stringMatching(/^(ok|degraded)$/) });
    const staff = await admin.get('/api/health');
    expect(staff.body).toMatchObject({ database: { ok: true }, redis: { ok: true } });
    expect(Array.isArray(staff.body.freeswitch)).toBe(true);
  });
});

describe('audit log', () => {
  test('rows keep real timestamps, not {} (dates in before/after are ISO strings)', async () => {
    const created = await admin.post('/api/agents', { username: 'audit-dates', password: 'audit-dates-pass', displayName: 'Dates', employeeNo: 'AD1' });
    expect(created.status).toBe(201);
    const row = (await audit('agent')).find((r) => r.entityId === created.body.id && r.action.endsWith('create'))!;
    expect(row).toBeDefined();
    expect(Number.isNaN(Date.parse(row.at))).toBe(false);
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
    const dates = Object.entries(row.after as Record<string, unknown>).filter(([k]) => /At$/.test(k));
    expect(dates.length).toBeGreaterThan(0);
    for (const [, v] of dates) expect(v === null || (typeof v === 'string' && iso.test(v))).toBe(true);
    expect(JSON.stringify(row)).not.toContain('{}');
  });

  test('saving a chat site is audited, without its secret', async () => {
    const site = await admin.post('/api/chat/sites', { key: 'audited-site', name: 'Audited', secret: 'a-very-secret-site-key-123' });
    expect(site.status).toBe(201);
    await admin.post('/api/chat/sites', { id: site.body.id, key: 'audited-site', name: 'Audited, renamed' });
    const rows = (await audit('chat_site')).filter((r) => r.entityId === site.body.id);
    expect(rows.map((r) => r.action)).toEqual(['chat_site.save', 'chat_site.save']);
    expect(rows[0]).toMatchObject({ actorName: ADMIN.username, before: { name: 'Audited' }, after: { name: 'Audited, renamed' } });
    expect(JSON.stringify(rows)).not.toContain('a-very-secret-site-key-123');
  });

  test('defining a call tag is audited', async () => {
    const tag = await admin.post('/api/call-tags', { kind: 'call', name: 'Audited tag' });
    expect(tag.status).toBe(201);
    const rows = (await audit('call_tag')).filter((r) => r.entityId === tag.body.id);
    expect(rows).toEqual([expect.objectContaining({ action: 'call_tag.create', actorName: ADMIN.username, after: expect.objectContaining({ name: 'Audited tag', kind: 'call' }) })]);
  });

  test("a supervisor setting an agent's presence is audited", async () => {
    const roles = (await admin.get('/api/roles')).body as { id: string; code: string }[];
    const agent = await admin.post('/api/agents', { username: 'audit-presence', password: 'audit-presence-pass', displayName: 'Presence', employeeNo: 'AP1', roleIds: [roles.find((r) => r.code === 'agent')!.id] });
    await admin.post('/api/skill-groups', { name: 'Presence group', members: [{ agentId: agent.body.id, level: 5 }] });
    const set = await admin.put(`/api/routing/agents/${agent.body.id}/presence`, { state: 'not_ready', reason: 'busy' });
    expect(set.status).toBe(200);
    const rows = (await audit('agent')).filter((r) => r.entityId === agent.body.id && r.action === 'agent_presence.set_by_supervisor');
    expect(rows).toEqual([expect.objectContaining({ actorName: ADMIN.username, before: { state: 'offline', reason: null }, after: { state: 'not_ready', reason: 'busy' } })]);
  });
});
