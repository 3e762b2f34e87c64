import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { ApiClient } from '../helpers/api-client';

/** The people model and auth through the HTTP API, against the real Postgres and Redis of this machine. */
describe('people model and auth (real Postgres + Redis)', () => {
  let world: TestWorld;
  let admin: ApiClient;
  const url = () => world.hotline.url;

  beforeAll(async () => {
    world = await createTestWorld();
    admin = await new ApiClient(url()).login(ADMIN.username, ADMIN.password);
  });
  afterAll(async () => {
    await world?.cleanup();
  });

  test('health reports database and redis to staff; anonymous callers learn only up or down', async () => {
    const anonymous = await new ApiClient(url()).get('/api/health');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: 'ok' });
    const res = await (await new ApiClient(url()).login(ADMIN.username, ADMIN.password)).get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body.database.ok).toBe(true);
    expect(res.body.database.embedded).toBe(false);
    expect(res.body.redis.ok).toBe(true);
    expect(Array.isArray(res.body.freeswitch)).toBe(true);
  });

  test('unauthenticated requests get 401 with the error shape', async () => {
    const res = await new ApiClient(url()).get('/api/agents');
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'unauthorized', message: expect.any(String) });
  });

  test('org tree: roots, children, unique sibling names, rename, describe', async () => {
    const root = await admin.post('/api/org-units', { name: 'Service Center', description: 'all agents' });
    expect(root.status).toBe(201);
    const child = await admin.post('/api/org-units', { name: 'Team A', parentId: root.body.id });
    expect(child.status).toBe(201);
    const dup = await admin.post('/api/org-units', { name: 'team a', parentId: root.body.id });
    expect(dup.status).toBe(409);
    expect(dup.body.error.fields).toEqual([{ path: 'name', message: expect.any(String) }]);
    // The same name under another parent is fine.
    const other = await admin.post('/api/org-units', { name: 'Team A' });
    expect(other.status).toBe(201);
    const renamed = await admin.patch(`/api/org-units/${child.body.id}`, { name: 'Team Alpha', description: 'day shift' });
    expect(renamed.body).toMatchObject({ name: 'Team Alpha', description: 'day shift' });
    const tree = await admin.get('/api/org-units');
    const center = tree.body.find((n: any) => n.id === root.body.id);
    expect(center.children.map((c: any) => c.name)).toEqual(['Team Alpha']);
    const badParent = await admin.post('/api/org-units', { name: 'X', parentId: '00000000-0000-4000-8000-000000000000' });
    expect(badParent.status).toBe(400);
    expect(badParent.body.error.fields[0].path).toBe('parentId');
  });

  test('bad payloads give 400 naming the field', async () => {
    const res = await admin.post('/api/agents', { username: 'x', password: 'short', displayName: '', employeeNo: 'E1' });
    expect(res.status).toBe(400);
    const paths = res.body.error.fields.map((f: any) => f.path).sort();
    expect(paths).toEqual(['displayName', 'password', 'username']);
    const notJson = await admin.request('POST', '/api/org-units', '{"name": ');
    expect(notJson.status).toBe(400);
    const badId = await admin.get('/api/agents/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body.error.fields[0].path).toBe('id');
  });

  test('roles: unique code and name, permissions add up across roles, enable/disable/delete', async () => {
    const viewer = await admin.post('/api/roles', { code: 'viewer', name: 'Viewer', permissions: ['agent.view'] });
    expect(viewer.status).toBe(201);
    const auditor = await admin.post('/api/roles', { code: 'auditor', name: 'Auditor', permissions: ['audit.view'] });
    expect((await admin.post('/api/roles', { code: 'viewer', name: 'Other' })).status).toBe(409);
    expect((await admin.post('/api/roles', { code: 'other', name: 'viewer' })).status).toBe(409);
    const badPerm = await admin.post('/api/roles', { code: 'bad', name: 'Bad', permissions: ['nope'] });
    expect(badPerm.status).toBe(400);
    expect(badPerm.body.error.fields[0].path).toBe('permissions.0');

    const user = await admin.post('/api/agents', { username: 'multi', password: 'multi-password', displayName: 'Multi', employeeNo: 'E-MULTI', roleIds: [viewer.body.id, auditor.body.id] });
    expect(user.status).toBe(201);
    const multi = await new ApiClient(url()).login('multi', 'multi-password');
    const me = await multi.get('/api/auth/me');
    expect(me.body.permissions).toEqual(['agent.view', 'audit.view']);
    expect((await multi.get('/api/agents')).status).toBe(200);
    expect((await multi.get('/api/audit')).status).toBe(200);

    // A disabled role grants nothing.
    await admin.patch(`/api/roles/${auditor.body.id}`, { enabled: false });
    expect((await multi.get('/api/audit')).status).toBe(403);
    // A role held by a user cannot be deleted; built-in roles neither.
    expect((await admin.delete(`/api/roles/${auditor.body.id}`)).status).toBe(409);
    const roles = await admin.get('/api/roles');
    const builtinAdmin = roles.body.find((r: any) => r.code === 'admin');
    expect((await admin.delete(`/api/roles/${builtinAdmin.id}`)).status).toBe(409);
    const unused = await admin.post('/api/roles', { code: 'temp', name: 'Temp' });
    expect((await admin.delete(`/api/roles/${unused.body.id}`)).status).toBe(204);
    expect((await admin.get(`/api/roles/${unused.body.id}`)).status).toBe(404);
  });

  test('agents: unique login, phone and employee number; login by phone', async () => {
    const unit = await admin.post('/api/org-units', { name: 'Sales' });
    const a = await admin.post('/api/agents', { username: 'alice', phone: '+8613800000001', password: 'alice-password', displayName: 'Alice', employeeNo: 'E100', orgUnitId: unit.body.id, chatCapacity: 8 });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ username: 'alice', displayName: 'Alice', employeeNo: 'E100', chatCapacity: 8, enabled: true, orgUnitId: unit.body.id });
    expect(a.body).not.toHaveProperty('passwordHash');
    const dupUser = await admin.post('/api/agents', { username: 'ALICE', password: 'password-2', displayName: 'A2', employeeNo: 'E101' });
    expect(dupUser.status).toBe(409);
    expect(dupUser.body.error.fields[0].path).toBe('username');
    const dupEmp = await admin.post('/api/agents', { username: 'alice2', password: 'password-2', displayName: 'A2', employeeNo: 'e100' });
    expect(dupEmp.status).toBe(409);
    expect(dupEmp.body.error.fields[0].path).toBe('employeeNo');
    const dupPhone = await admin.post('/api/agents', { username: 'alice3', phone: '+8613800000001', password: 'password-2', displayName: 'A3', employeeNo: 'E102' });
    expect(dupPhone.body.error.fields[0].path).toBe('phone');
    await new ApiClient(url()).login('+8613800000001', 'alice-password');
    // The unit cannot be deleted while Alice is in it; nothing is lost.
    const del = await admin.delete(`/api/org-units/${unit.body.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('unit_has_agents');
    expect((await admin.get(`/api/agents/${a.body.id}`)).body.orgUnitId).toBe(unit.body.id);
    await admin.patch(`/api/agents/${a.body.id}`, { orgUnitId: null });
    expect((await admin.delete(`/api/org-units/${unit.body.id}`)).status).toBe(204);
  });

  test("an agent's token cannot create agents (403)", async () => {
    const roles = await admin.get('/api/roles');
    const agentRole = roles.body.find((r: any) => r.code === 'agent');
    await admin.patch(`/api/roles/${agentRole.id}`, { permissions: [...agentRole.permissions, 'apitoken.manage'] });
    await admin.post('/api/agents', { username: 'bob', password: 'bob-password', displayName: 'Bob', employeeNo: 'E200', roleIds: [agentRole.id] });
    const bob = await new ApiClient(url()).login('bob', 'bob-password');
    const token = await bob.post('/api/auth/tokens', { name: 'crm' });
    expect(token.status).toBe(201);
    expect(token.body.token).toMatch(/^hlt_/);
    const viaToken = new ApiClient(url(), token.body.token);
    expect((await viaToken.get('/api/auth/me')).body).toMatchObject({ username: 'bob', via: 'token' });
    const create = await viaToken.post('/api/agents', { username: 'mallory', password: 'mallory-pass', displayName: 'M', employeeNo: 'E666' });
    expect(create.status).toBe(403);
    expect(create.body.error.code).toBe('forbidden');
    expect((await bob.post('/api/agents', { username: 'mallory', password: 'mallory-pass', displayName: 'M', employeeNo: 'E666' })).status).toBe(403);
    // A revoked token stops working.
    await bob.delete(`/api/auth/tokens/${token.body.id}`);
    expect((await viaToken.get('/api/auth/me')).status).toBe(401);
  });

  test('disabling an agent ends their session at once, and they cannot log in', async () => {
    const c = await admin.post('/api/agents', { username: 'carol', password: 'carol-password', displayName: 'Carol', employeeNo: 'E300' });
    const carol = await new ApiClient(url()).login('carol', 'carol-password');
    const carol2 = await new ApiClient(url()).login('carol', 'carol-password');
    expect((await carol.get('/api/auth/me')).status).toBe(200);
    const off = await admin.patch(`/api/agents/${c.body.id}`, { enabled: false });
    expect(off.body.enabled).toBe(false);
    expect((await carol.get('/api/auth/me')).status).toBe(401);
    expect((await carol2.get('/api/auth/me')).status).toBe(401);
    const again = await new ApiClient(url()).post('/api/auth/login', { username: 'carol', password: 'carol-password' });
    expect(again.status).toBe(401);
    // Admins cannot disable themselves.
    const me = await admin.get('/api/auth/me');
    expect((await admin.patch(`/api/agents/${me.body.id}`, { enabled: false })).status).toBe(409);
  });

  test('skill groups: unique name, members with levels, an agent in many groups, enable/disable', async () => {
    const d = await admin.post('/api/agents', { username: 'dave', password: 'dave-password', displayName: 'Dave', employeeNo: 'E400' });
    const e = await admin.post('/api/agents', { username: 'erin', password: 'erin-password', displayName: 'Erin', employeeNo: 'E401' });
    const billing = await admin.post('/api/skill-groups', { name: 'Billing', members: [{ agentId: d.body.id, level: 9 }, { agentId: e.body.id, level: 3 }] });
    expect(billing.status).toBe(201);
    expect(billing.body.members.map((m: any) => [m.username, m.level])).toEqual([['dave', 9], ['erin', 3]]);
    expect((await admin.post('/api/skill-groups', { name: 'billing' })).status).toBe(409);
    const vip = await admin.post('/api/skill-groups', { name: 'VIP' });
    const added = await admin.put(`/api/skill-groups/${vip.body.id}/members/${d.body.id}`, { level: 7 });
    expect(added.body.members).toHaveLength(1);
    expect((await admin.get(`/api/agents/${d.body.id}`)).body.skillGroups.map((g: any) => g.name)).toEqual(['Billing', 'VIP']);
    const badLevel = await admin.put(`/api/skill-groups/${vip.body.id}/members/${d.body.id}`, { level: 11 });
    expect(badLevel.status).toBe(400);
    expect(badLevel.body.error.fields[0].path).toBe('level');
    const unknown = await admin.put(`/api/skill-groups/${vip.body.id}/members`, { members: [{ agentId: '00000000-0000-4000-8000-000000000000' }] });
    expect(unknown.status).toBe(400);
    expect((await admin.get(`/api/skill-groups/${vip.body.id}`)).body.members).toHaveLength(1);
    expect((await admin.patch(`/api/skill-groups/${vip.body.id}`, { enabled: false })).body.enabled).toBe(false);
    expect((await admin.delete(`/api/skill-groups/${vip.body.id}/members/${d.body.id}`)).body.members).toHaveLength(0);
  });

  test('change password needs the old one and ends other sessions', async () => {
    await admin.post('/api/agents', { username: 'frank', password: 'frank-password', displayName: 'Frank', employeeNo: 'E500' });
    const frank = await new ApiClient(url()).login('frank', 'frank-password');
    const other = await new ApiClient(url()).login('frank', 'frank-password');
    const wrong = await frank.post('/api/auth/password', { oldPassword: 'nope-nope', newPassword: 'frank-new-password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields[0].path).toBe('oldPassword');
    expect((await frank.post('/api/auth/password', { oldPassword: 'frank-password', newPassword: 'frank-new-password' })).status).toBe(204);
    expect((await frank.get('/api/auth/me')).status).toBe(200);
    expect((await other.get('/api/auth/me')).status).toBe(401);
    await new ApiClient(url()).login('frank', 'frank-new-password');
  });

  test('login attempts are rate-limited', async () => {
    await admin.post('/api/agents', { username: 'gina', password: 'gina-password', displayName: 'Gina', employeeNo: 'E600' });
    const anon = new ApiClient(url());
    const statuses: number[] = [];
    for (let i = 0; i < world.config.login.maxFailures + 1; i++) {
      statuses.push((await anon.post('/api/auth/login', { username: 'gina', password: 'wrong-password' })).status);
    }
    expect(statuses.slice(0, world.config.login.maxFailures).every((s) => s === 401)).toBe(true);
    const locked = await anon.post('/api/auth/login', { username: 'gina', password: 'gina-password' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('every admin change is in the audit log with before and after', async () => {
    const unit = await admin.post('/api/org-units', { name: 'Audit me' });
    await admin.patch(`/api/org-units/${unit.body.id}`, { name: 'Audited' });
    const log = await admin.get(`/api/audit?entityType=org_unit&entityId=${unit.body.id}`);
    expect(log.body.map((e: any) => e.action)).toEqual(['org_unit.update', 'org_unit.create']);
    expect(log.body[0]).toMatchObject({ actorName: 'admin', before: { name: 'Audit me' }, after: { name: 'Audited' } });
    const agentEntries = await admin.get('/api/audit?entityType=agent');
    expect(JSON.stringify(agentEntries.body)).not.toMatch(/password_hash|argon2/);
  });

  test('openapi.json describes every route with the validating schemas', async () => {
    const doc = await new ApiClient(url()).get('/api/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const create = doc.body.paths['/api/agents'].post;
    expect(create['x-permission']).toBe('agent.manage');
    expect(create.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['username', 'password', 'displayName', 'employeeNo']));
    for (const p of ['/api/auth/login', '/api/org-units/{id}', '/api/roles', '/api/skill-groups/{id}/members/{agentId}', '/api/health', '/api/audit']) {
      expect(doc.body.paths).toHaveProperty([p]);
    }
  });

  test('unknown API routes are 404 JSON', async () => {
    const res = await admin.get('/api/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
