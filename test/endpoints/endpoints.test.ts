import crypto from 'node:crypto';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

const XML_CURL = { user: 'freeswitch', password: 'xml-curl-test-secret' };

/** Agent SIP credentials and the mod_xml_curl directory FreeSWITCH reads them from. */
describe('agent endpoints and the FreeSWITCH directory', () => {
  let world: TestWorld;
  let admin: ApiClient;
  let agent: ApiClient;
  let agentId: string;

  beforeAll(async () => {
    world = await createTestWorld({ env: { XML_CURL_PASSWORD: XML_CURL.password, SIP_DOMAIN: 'cc.example.test' } });
    admin = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
    const agentRole = (await admin.get('/api/roles')).body.find((r: any) => r.code === 'agent');
    agentId = (await admin.post('/api/agents', { username: 'Sip.Agent', password: 'sip-agent-pass', displayName: 'Sip <Agent>', employeeNo: 'S1', roleIds: [agentRole.id] })).body.id;
    agent = await new ApiClient(world.hotline.url).login('sip.agent', 'sip-agent-pass');
  });
  afterAll(async () => {
    await world?.cleanup();
  });

  function lookup(fields: Record<string, string>, auth = `${XML_CURL.user}:${XML_CURL.password}`) {
    return fetch(`${world.hotline.url}/api/freeswitch/directory`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
      body: new URLSearchParams(fields).toString(),
    });
  }

  test('the agent gets SIP credentials; FreeSWITCH gets the matching a1-hash, never the password', async () => {
    const sip = await agent.get('/api/me/sip');
    expect(sip.status).toBe(200);
    expect(sip.body).toMatchObject({ sipUsername: 'sip.agent', domain: 'cc.example.test', mode: 'softphone' });
    expect(sip.body.sipPassword.length).toBeGreaterThanOrEqual(20);
    expect((await agent.get('/api/me/sip')).body.sipPassword).toBe(sip.body.sipPassword);

    const res = await lookup({ section: 'directory', user: 'sip.agent', domain: 'cc.example.test', action: 'sip_auth' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/xml/);
    const xml = await res.text();
    const a1 = crypto.createHash('md5').update(`sip.agent:cc.example.test:${sip.body.sipPassword}`).digest('hex');
    expect(xml).toContain(`<param name="a1-hash" value="${a1}"/>`);
    expect(xml).toContain(`<variable name="hotline_agent_id" value="${agentId}"/>`);
    expect(xml).toContain('value="Sip &lt;Agent&gt;"');
    expect(xml).not.toContain(sip.body.sipPassword);
    // The dial string names only what a FreeSWITCH without mod_verto can expand.
    expect(xml).toContain('${sofia_contact(*/${dialed_user}@${dialed_domain})}"');
    expect(xml).not.toContain('verto');
  });

  test('wrong or missing credentials, unknown users and other domains get nothing', async () => {
    const bad = await lookup({ section: 'directory', user: 'sip.agent', domain: 'cc.example.test' }, 'freeswitch:guess');
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('status="not found"');
    expect(await (await lookup({ section: 'directory', user: 'nobody', domain: 'cc.example.test' })).text()).toContain('not found');
    expect(await (await lookup({ section: 'directory', user: 'sip.agent', domain: 'evil.test' })).text()).toContain('not found');
    expect(await (await lookup({ section: 'dialplan', user: 'sip.agent', domain: 'cc.example.test' })).text()).toContain('not found');
  });

  test('rotation issues a new password; a disabled agent vanishes from the directory', async () => {
    const before = (await agent.get('/api/me/sip')).body.sipPassword;
    const rotated = await agent.post(`/api/agents/${agentId}/endpoint/rotate`);
    expect(rotated.body.sipPassword).not.toBe(before);
    const other = await admin.post('/api/agents', { username: 'sip-two', password: 'sip-two-pass', displayName: 'Two', employeeNo: 'S2' });
    expect((await agent.post(`/api/agents/${other.body.id}/endpoint/rotate`)).status).toBe(403);

    await admin.patch(`/api/agents/${agentId}`, { enabled: false });
    expect(await (await lookup({ section: 'directory', user: 'sip.agent', domain: 'cc.example.test' })).text()).toContain('not found');
    await admin.patch(`/api/agents/${agentId}`, { enabled: true });
  });

  test('an external phone instead of the softphone needs a number', async () => {
    const missing = await admin.patch(`/api/agents/${agentId}/endpoint`, { mode: 'external' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields[0].path).toBe('externalNumber');
    const ext = await admin.patch(`/api/agents/${agentId}/endpoint`, { mode: 'external', externalNumber: '+8613900000000' });
    expect(ext.body).toMatchObject({ mode: 'external', externalNumber: '+8613900000000' });
    expect(ext.body).not.toHaveProperty('sipPassword');
    const audit = await admin.get(`/api/audit?entityType=agent&entityId=${agentId}`);
    expect(audit.body.map((e: any) => e.action)).toContain('agent_endpoint.update');
  });
});
