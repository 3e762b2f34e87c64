import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

/**
 * Issue 13 items 2 and 6 (the body and query part): what a browser page on another
 * origin, or a hostile client, can put in a request.
 */
let world: TestWorld;
let admin: ApiClient;
let url: string;
let sampleFlowId: string;
let siteKey: string;

beforeAll(async () => {
  world = await createTestWorld({ env: { XML_CURL_PASSWORD: 'xml-curl-test-secret' } });
  url = world.hotline.url;
  admin = await new ApiClient(url).login(ADMIN.username, ADMIN.password);
  sampleFlowId = (await admin.get('/api/ivr/flows')).body[0].id;
  siteKey = `sec-${Math.random().toString(36).slice(2, 8)}`;
  expect((await admin.post('/api/chat/sites', { key: siteKey, name: 'Security test site' })).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await world?.cleanup();
});

/** A request as a browser would send it with the admin's cookie attached. */
function asAdmin(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  return fetch(url + path, { method, headers: { cookie: admin.cookie!, ...init.headers }, body: init.body });
}

async function agentNames(): Promise<string[]> {
  const body = (await admin.get('/api/agents?limit=500')).body;
  return (Array.isArray(body) ? body : body.items).map((a: { username: string }) => a.username);
}

describe('CSRF: JSON bodies only, Origin checked on cookie-authenticated changes', () => {
  test('a form POST to /api/agents is refused with 415 and creates nobody', async () => {
    const adminRole = (await admin.get('/api/roles')).body.find((r: { code: string }) => r.code === 'admin').id;
    const form = new URLSearchParams({ username: 'csrf-victim', password: 'csrf-password-1', displayName: 'CSRF', employeeNo: 'X1' });
    form.append('roleIds', adminRole);
    form.append('roleIds', adminRole);
    const res = await asAdmin('POST', '/api/agents', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: 'unsupported_media_type', message: 'This endpoint takes application/json bodies, not application/x-www-form-urlencoded' } });
    expect(await agentNames()).not.toContain('csrf-victim');
  });

  test('a text/plain POST does not publish an IVR flow', async () => {
    const before = (await admin.get(`/api/ivr/flows/${sampleFlowId}/versions`)).body.length;
    const res = await asAdmin('POST', `/api/ivr/flows/${sampleFlowId}/publish`, { headers: { 'content-type': 'text/plain' }, body: '{"note":"csrf"}' });
    expect(res.status).toBe(415);
    expect((await admin.get(`/api/ivr/flows/${sampleFlowId}/versions`)).body.length).toBe(before);
  });

  test('a multipart POST to a JSON route is refused too', async () => {
    const form = new FormData();
    form.set('note', 'csrf');
    const res = await asAdmin('POST', `/api/ivr/flows/${sampleFlowId}/publish`, { body: form as unknown as string });
    expect(res.status).toBe(415);
  });

  test('a cookie-authenticated change from a foreign Origin, or a same-site page, is refused with 403', async () => {
    const json = { 'content-type': 'application/json' };
    const foreign = await asAdmin('POST', '/api/org-units', { headers: { ...json, origin: 'http://evil.example' }, body: JSON.stringify({ name: 'From evil' }) });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toMatch(/Cross-site request refused: Origin http:\/\/evil.example/);
    const nullOrigin = await asAdmin('POST', '/api/org-units', { headers: { ...json, origin: 'null' }, body: JSON.stringify({ name: 'From null' }) });
    expect(nullOrigin.status).toBe(403);
    // Another port on the same host is the same SITE (SameSite=Lax lets the cookie through) but not the same origin.
    const otherPort = new URL(url);
    otherPort.port = String(Number(otherPort.port) + 1);
    expect((await asAdmin('POST', '/api/org-units', { headers: { ...json, origin: otherPort.origin }, body: JSON.stringify({ name: 'Other port' }) })).status).toBe(403);
    expect((await asAdmin('DELETE', '/api/auth/tokens/00000000-0000-4000-8000-000000000000', { headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(403);
    const units = (await admin.get('/api/org-units')).body.map((u: { name: string }) => u.name);
    expect(units).not.toEqual(expect.arrayContaining(['From evil']));
    expect(units).not.toContain('From null');
  });

  test('our own origin (default PUBLIC_ORIGINS from HOST/PORT), and reads from anywhere, go through', async () => {
    const own = await asAdmin('POST', '/api/org-units', { headers: { 'content-type': 'application/json', origin: url, 'sec-fetch-site': 'same-origin' }, body: JSON.stringify({ name: 'Same origin' }) });
    expect(own.status).toBe(201);
    const localhost = url.replace('127.0.0.1', 'localhost');
    expect((await asAdmin('POST', '/api/org-units', { headers: { 'content-type': 'application/json', origin: localhost }, body: JSON.stringify({ name: 'Localhost' }) })).status).toBe(201);
    expect((await asAdmin('GET', '/api/org-units', { headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });

  test('API tokens are not ambient credentials: a bearer request is not origin-checked', async () => {
    const token = (await admin.post('/api/auth/tokens', { name: 'integration' })).body.token as string;
    const res = await fetch(`${url}/api/org-units`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: 'https://crm.example' }, body: JSON.stringify({ name: 'By token' }) });
    expect(res.status).toBe(201);
  });

  test('FreeSWITCH directory keeps its form body; it refuses JSON', async () => {
    const auth = `Basic ${Buffer.from('freeswitch:xml-curl-test-secret').toString('base64')}`;
    const form = await fetch(`${url}/api/freeswitch/directory`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'section=directory&user=nobody&domain=hotline.local' });
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('not found');
    const json = await fetch(`${url}/api/freeswitch/directory`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{"section":"directory"}' });
    expect(json.status).toBe(415);
  });

  test('login takes JSON only', async () => {
    const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(ADMIN).toString() });
    expect(res.status).toBe(415);
  });
});

describe('NUL bytes and deep nesting are 400 naming the field, at the body parser', () => {
  test('a NUL in a visitor page URL (the request that broke embedded chat)', async () => {
    const res = await fetch(`${url}/api/chat/visitor/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ site: siteKey, page: { url: 'a\u0000' } }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { fields: unknown } };
    expect(body.error.fields).toEqual([{ path: 'page.url', message: 'must not contain a NUL byte (\\u0000)' }]);
    // And chat still works for the next visitor.
    const next = await fetch(`${url}/api/chat/visitor/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ site: siteKey, page: { url: 'https://shop.example/' } }) });
    expect(next.status).toBe(200);
  });

  test('a NUL in an org unit name, an agent display name, an array element and a key', async () => {
    expect((await admin.post('/api/org-units', { name: 'Sales\u0000' })).body.error.fields).toEqual([{ path: 'name', message: 'must not contain a NUL byte (\\u0000)' }]);
    const agent = await admin.post('/api/agents', { username: 'nul-agent', password: 'nul-agent-pass', displayName: 'A\u0000B', employeeNo: 'N1' });
    expect(agent.status).toBe(400);
    expect(agent.body.error.fields[0].path).toBe('displayName');
    expect((await admin.post('/api/org-units', { name: 'ok', tags: ['x', 'y\u0000'] })).body.error.fields[0].path).toBe('tags.1');
    expect((await admin.post('/api/org-units', { ['na\u0000me']: 'x' })).status).toBe(400);
  });

  test('an IVR draft nested 10,000 deep is a 400, not a stack overflow', async () => {
    const depth = 10_000;
    const deep = '{"name":"deep","nodes":[' + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + ']}';
    const res = await asAdmin('PUT', `/api/ivr/flows/${sampleFlowId}/draft`, { headers: { 'content-type': 'application/json' }, body: deep });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: { path: string; message: string }[] } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.fields[0]?.message).toBe('nested deeper than 64 levels');
    expect(body.error.fields[0]?.path).toMatch(/^nodes\.0\.a\.a\./);
    // The server is fine afterwards.
    expect((await admin.get(`/api/ivr/flows/${sampleFlowId}`)).status).toBe(200);
  });

  test('a NUL in a query string is a 400 naming the parameter', async () => {
    const res = await admin.get('/api/calls?number=12%0034');
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual([{ path: 'number', message: 'must not contain a NUL byte (\\u0000)' }]);
    expect((await admin.get('/api/audit?entityType=a%00b')).status).toBe(400);
    expect((await fetch(`${url}/chat/page?site=${siteKey}&x=%00`)).status).toBe(400);
  });
});
