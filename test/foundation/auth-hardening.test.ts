import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { ApiClient } from '../helpers/api-client';

/** Issue 13 items 6 (NUL in org/agent text), 8 (login lock per account) and 9 (API tokens vs passwords), against the real Postgres and Redis. */
describe('auth hardening (real Postgres + Redis)', () => {
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

  async function agentWithTokens(username: string, phone?: string): Promise<{ id: string; password: string }> {
    const roles = await admin.get('/api/roles');
    const role = roles.body.find((r: any) => r.code === 'agent');
    if (!role.permissions.includes('apitoken.manage')) await admin.patch(`/api/roles/${role.id}`, { permissions: [...role.permissions, 'apitoken.manage'] });
    const password = `${username}-password`;
    const res = await admin.post('/api/agents', { username, phone, password, displayName: username, employeeNo: `E-${username}`, roleIds: [role.id] });
    expect(res.status).toBe(201);
    return { id: res.body.id, password };
  }

  test('a lock on the username also locks the same account by phone number', async () => {
    const { password } = await agentWithTokens('lockme', '+8613900000077');
    const anon = new ApiClient(url());
    for (let i = 0; i < world.config.login.maxFailures; i++) {
      expect((await anon.post('/api/auth/login', { username: 'lockme', password: 'wrong-password' })).status).toBe(401);
    }
    expect((await anon.post('/api/auth/login', { username: 'lockme', password })).status).toBe(429);
    const byPhone = await anon.post('/api/auth/login', { username: '+8613900000077', password });
    expect(byPhone.status).toBe(429);
    expect(Number(byPhone.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another spelling of the username is the same account too.
    expect((await anon.post('/api/auth/login', { username: 'LOCKME', password })).status).toBe(429);
  });

  test('failures by phone and by username add up on one account', async () => {
    const { password } = await agentWithTokens('mixer', '+8613900000088');
    const anon = new ApiClient(url());
    const n = world.config.login.maxFailures;
    for (let i = 0; i < n; i++) {
      const login = i % 2 === 0 ? 'mixer' : '+8613900000088';
      expect((await anon.post('/api/auth/login', { username: login, password: 'wrong-password' })).status).toBe(401);
    }
    expect((await anon.post('/api/auth/login', { username: 'mixer', password })).status).toBe(429);
  });

  test('changing one\'s password revokes one\'s API tokens', async () => {
    const { password } = await agentWithTokens('tokpw');
    const user = await new ApiClient(url()).login('tokpw', password);
    const token = await user.post('/api/auth/tokens', { name: 'crm' });
    expect(token.status).toBe(201);
    const viaToken = new ApiClient(url(), token.body.token);
    expect((await viaToken.get('/api/auth/me')).status).toBe(200);
    expect((await user.post('/api/auth/password', { oldPassword: password, newPassword: 'tokpw-new-password' })).status).toBe(204);
    expect((await viaToken.get('/api/auth/me')).status).toBe(401);
    const listed = await user.get('/api/auth/tokens');
    expect(listed.body.every((t: any) => t.revokedAt !== null)).toBe(true);
  });

  test('an admin password reset revokes the user\'s API tokens', async () => {
    const { id, password } = await agentWithTokens('tokreset');
    const user = await new ApiClient(url()).login('tokreset', password);
    const token = await user.post('/api/auth/tokens', { name: 'crm' });
    const viaToken = new ApiClient(url(), token.body.token);
    expect((await viaToken.get('/api/auth/me')).status).toBe(200);
    expect((await admin.patch(`/api/agents/${id}`, { password: 'reset-by-admin-1' })).status).toBe(200);
    expect((await viaToken.get('/api/auth/me')).status).toBe(401);
    // An edit without a reset leaves tokens alone.
    const again = await new ApiClient(url()).login('tokreset', 'reset-by-admin-1');
    const t2 = await again.post('/api/auth/tokens', { name: 'crm2' });
    expect((await admin.patch(`/api/agents/${id}`, { displayName: 'Renamed' })).status).toBe(200);
    expect((await new ApiClient(url(), t2.body.token).get('/api/auth/me')).status).toBe(200);
  });

  test('a request authenticated by an API token cannot create tokens (403)', async () => {
    const { password } = await agentWithTokens('minter');
    const user = await new ApiClient(url()).login('minter', password);
    const token = await user.post('/api/auth/tokens', { name: 'crm' });
    const viaToken = new ApiClient(url(), token.body.token);
    const minted = await viaToken.post('/api/auth/tokens', { name: 'child' });
    expect(minted.status).toBe(403);
    expect(minted.body.error.code).toBe('forbidden');
    expect((await user.get('/api/auth/tokens')).body).toHaveLength(1);
  });

  test('a NUL byte in an org unit name or an agent display name is a 400 naming the field', async () => {
    const unit = await admin.post('/api/org-units', { name: 'Team\u0000A' });
    expect(unit.status).toBe(400);
    expect(unit.body.error.fields).toEqual([{ path: 'name', message: expect.stringContaining('NUL') }]);
    const desc = await admin.post('/api/org-units', { name: 'Team N', description: 'x\u0000' });
    expect(desc.status).toBe(400);
    expect(desc.body.error.fields[0].path).toBe('description');
    const agent = await admin.post('/api/agents', { username: 'nul-agent', password: 'nul-agent-password', displayName: 'Nul\u0000', employeeNo: 'E-NUL' });
    expect(agent.status).toBe(400);
    expect(agent.body.error.fields).toEqual([{ path: 'displayName', message: expect.stringContaining('NUL') }]);
  });
});
