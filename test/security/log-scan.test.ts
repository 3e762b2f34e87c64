import { Writable } from 'node:stream';
import { createLogger } from '../../server/logging/logger';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

/**
 * Log scan: integration flows that handle every kind of secret (passwords, session
 * cookies, API tokens, SIP passwords, the mod_xml_curl password, visitor tokens,
 * chat-site secrets), including failures and refused requests, run with the real
 * logger at trace level; not one secret value may appear in what it wrote.
 */
const XML_CURL_PASSWORD = 'xml-curl-logscan-secret';
let world: TestWorld;
const lines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  world = await createTestWorld({ env: { XML_CURL_PASSWORD }, log: createLogger({ level: 'trace', destination: sink }) });
}, 60_000);
afterAll(async () => {
  await world?.cleanup();
});

test('no password, token, SIP secret or cookie value reaches the log', async () => {
  const url = world.hotline.url;
  const secrets: string[] = [ADMIN.password, XML_CURL_PASSWORD];
  const admin = await new ApiClient(url).login(ADMIN.username, ADMIN.password);
  secrets.push(admin.cookie!.split('=')[1]!);

  // Failed logins, a wrong old password, a password change, an admin reset.
  expect((await new ApiClient(url).post('/api/auth/login', { username: ADMIN.username, password: 'wrong-password-logscan' })).status).toBe(401);
  secrets.push('wrong-password-logscan');
  const roles = (await admin.get('/api/roles')).body as { id: string; code: string }[];
  const agentRole = roles.find((r) => r.code === 'agent')!.id;
  const created = await admin.post('/api/agents', { username: 'logscan', password: 'logscan-first-password', displayName: 'Log scan', employeeNo: 'L1', roleIds: [agentRole] });
  expect(created.status).toBe(201);
  secrets.push('logscan-first-password');
  const agent = await new ApiClient(url).login('logscan', 'logscan-first-password');
  secrets.push(agent.cookie!.split('=')[1]!);
  expect((await agent.post('/api/auth/password', { oldPassword: 'not-the-old-one-logscan', newPassword: 'logscan-second-password' })).status).toBe(400);
  expect((await agent.post('/api/auth/password', { oldPassword: 'logscan-first-password', newPassword: 'logscan-second-password' })).status).toBeLessThan(300);
  secrets.push('not-the-old-one-logscan', 'logscan-second-password');

  // API token: created, used, used from a refused origin, and a bogus one.
  const token = (await admin.post('/api/auth/tokens', { name: 'logscan' })).body.token as string;
  secrets.push(token);
  expect((await new ApiClient(url, token).get('/api/auth/me')).status).toBe(200);
  expect((await new ApiClient(url, `${token}x`).get('/api/auth/me')).status).toBe(401);

  // SIP credentials and FreeSWITCH's directory lookups, with right and wrong credentials.
  const sip = await agent.get('/api/me/sip');
  expect(sip.status).toBe(200);
  secrets.push(sip.body.sipPassword as string);
  for (const auth of [`freeswitch:${XML_CURL_PASSWORD}`, 'freeswitch:guess-logscan-password']) {
    await fetch(`${url}/api/freeswitch/directory`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(auth).toString('base64')}` }, body: 'section=directory&user=logscan&domain=hotline.local&action=sip_auth' });
  }
  secrets.push('guess-logscan-password');

  // Chat: a site secret, a visitor token, and a refused cross-site change with the cookie.
  const site = await admin.post('/api/chat/sites', { key: 'logscan-site', name: 'Log scan', secret: 'logscan-site-secret-0123456789' });
  expect(site.status).toBe(201);
  secrets.push('logscan-site-secret-0123456789');
  const visitor = await fetch(`${url}/api/chat/visitor/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ site: 'logscan-site', page: { url: 'https://shop.example/' } }) });
  secrets.push(((await visitor.json()) as { token: string }).token);
  expect((await fetch(`${url}/api/org-units`, { method: 'POST', headers: { cookie: admin.cookie!, origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{"name":"x"}' })).status).toBe(403);

  await new Promise((r) => setTimeout(r, 200));
  const log = lines.join('');
  expect(log.length).toBeGreaterThan(0);
  const leaked = secrets.filter((s) => s.length >= 8 && log.includes(s));
  expect(leaked).toEqual([]);
}, 60_000);
