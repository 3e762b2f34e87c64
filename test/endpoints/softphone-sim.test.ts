import { SipTestClient } from '../../tools/freeswitch-sim/test/sip-client';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

/**
 * In development (no FREESWITCH_ESL) the simulator is the softphone's registrar: the
 * URL and credentials /api/me/sip hands out work against it, and it checks them with
 * Hotline's own directory endpoint, as FreeSWITCH's mod_xml_curl would.
 */
let world: TestWorld;
let agent: ApiClient;
const clients: SipTestClient[] = [];

beforeAll(async () => {
  world = await createTestWorld({ env: { SIP_DOMAIN: 'cc.example.test' } });
  const admin = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
  const agentRole = (await admin.get('/api/roles')).body.find((r: { code: string }) => r.code === 'agent');
  await admin.post('/api/agents', { username: 'soft.agent', password: 'soft-agent-pass', displayName: 'Soft Agent', employeeNo: 'SA1', roleIds: [agentRole.id] });
  agent = await new ApiClient(world.hotline.url).login('soft.agent', 'soft-agent-pass');
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await world?.cleanup();
});

it('registers with the /api/me/sip credentials at the simulator WS URL, and refuses a wrong password', async () => {
  const sip = (await agent.get('/api/me/sip')).body as { sipUsername: string; sipPassword: string; domain: string; wssUrl: string };
  const m = /^ws:\/\/127\.0\.0\.1:(\d+)$/.exec(sip.wssUrl);
  expect(m).not.toBeNull();
  const port = Number(m![1]);
  const good = await SipTestClient.connect(port, sip.sipUsername, sip.domain);
  clients.push(good);
  expect((await good.register(sip.sipPassword)).status).toBe(200);
  expect((await good.nextRequest('NOTIFY')).body).toContain(`Message-Account: sip:${sip.sipUsername}@cc.example.test`);

  const bad = await SipTestClient.connect(port, sip.sipUsername, sip.domain);
  clients.push(bad);
  expect((await bad.register('not-the-password')).status).toBe(403);
  const otherDomain = await SipTestClient.connect(port, sip.sipUsername, 'elsewhere.test');
  clients.push(otherDomain);
  expect((await otherDomain.register(sip.sipPassword)).status).toBe(403);
});
