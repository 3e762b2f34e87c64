import fs from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

/**
 * Role × endpoint matrix, generated: the routes from /api/openapi.json (built from the
 * route table, so every mounted route is here) and what each built-in role holds from
 * docs/permissions.md. A route that needs no permission must be on the reviewed lists
 * below, so a new route without a permission check fails the build. Each cell is then
 * called: a role without the permission gets 403 from the permission check, a holder
 * gets past it, nobody gets in without a session.
 */

/** Reviewed: callable without logging in (visitors, FreeSWITCH, probes, the docs). */
const PUBLIC = [
  'GET /api/health',
  'GET /api/openapi.json',
  'POST /api/auth/login',
  'POST /api/freeswitch/directory',
  'GET /chat/widget.js',
  'GET /chat/page',
  'GET /api/chat/sites/{key}/public',
  'POST /api/chat/visitor/session',
  // Visitor routes: the x-visitor-token (or, for staff, the session) is checked by the handler.
  'POST /api/chat/visitor/pageview',
  'POST /api/chat/visitor/leave-message',
  'GET /api/chat/conversations/{id}',
  'POST /api/chat/conversations/{id}/files',
  'GET /api/chat/files/{id}',
];
/** Reviewed: any logged-in user; the handler scopes what each one sees or changes. */
const ANY_STAFF = [
  // oneself
  'POST /api/auth/logout',
  'GET /api/auth/me',
  'POST /api/auth/password',
  'GET /api/permissions',
  'GET /api/org-units',
  'GET /api/ivr/flow-schema',
  'GET /api/agents/{id}', // oneself, or agent.view
  'GET /api/agents/{id}/endpoint', // oneself, or agent.manage
  'PATCH /api/agents/{id}/endpoint',
  'POST /api/agents/{id}/endpoint/rotate',
  // one's own ACD state and offers
  'GET /api/routing/me',
  'GET /api/routing/not-ready-reasons',
  'PUT /api/routing/me/presence',
  'PUT /api/routing/me/capacity',
  'POST /api/routing/offers/{offerId}/accept',
  'POST /api/routing/offers/{offerId}/reject',
  'POST /api/routing/contacts/{contactId}/complete',
  // calls and recordings: one's own, or all with calls.view_all / recordings.listen_all
  'GET /api/calls',
  'GET /api/calls/{id}',
  'POST /api/calls/{id}/tags',
  'DELETE /api/calls/{id}/tags/{tagId}',
  'GET /api/call-tags',
  'POST /api/calls/exports',
  'GET /api/calls/exports/{id}',
  'GET /api/calls/exports/{id}/file',
  'GET /api/callbacks',
  'POST /api/callbacks/{id}/done',
  'GET /api/recordings',
  'GET /api/recordings/{id}',
  'GET /api/recordings/{id}/audio',
  'GET /api/blacklist/check',
];

const ROOT = path.resolve(__dirname, '../..');
const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

interface Operation {
  key: string;
  method: string;
  path: string;
  access: 'public' | 'authenticated' | { permission: string };
}

function operations(doc: { paths: Record<string, Record<string, { security?: unknown[]; 'x-permission'?: string }>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${p}`,
      method: method.toUpperCase(),
      path: p,
      access: op['x-permission'] ? { permission: op['x-permission'] } : Array.isArray(op.security) && op.security.length === 0 ? 'public' : 'authenticated',
    })),
  );
}

/** The built-in roles table of docs/permissions.md: role code → permission codes ('all' for admin). */
function rolesFromDoc(allCodes: string[]): Map<string, Set<string>> {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/permissions.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Built-in roles'));
  const roles = new Map<string, Set<string>>();
  for (const m of section.matchAll(/^\| `([a-z_]+)` \| [^|]+ \| ([^|]+) \|$/gm)) {
    const granted = m[2]!.trim() === 'all' ? allCodes : [...m[2]!.matchAll(/`([a-z_.]+)`/g)].map((x) => x[1]!);
    roles.set(m[1]!, new Set(granted));
  }
  return roles;
}

/** A concrete URL for a templated path: ids that exist nowhere, so a holder's call reaches the handler and stops at 404/400. */
function concrete(p: string): string {
  return p.replace(/\{([^}]+)\}/g, (_, name: string) => (/^(key)$/.test(name) ? 'no-such-key' : /number/i.test(name) ? '10000' : /version/.test(name) ? '1' : /messageId/.test(name) ? '1' : ZERO_UUID));
}

let world: TestWorld;
let ops: Operation[];
let roles: Map<string, Set<string>>;
const clients = new Map<string, ApiClient>();

beforeAll(async () => {
  world = await createTestWorld({ env: { XML_CURL_PASSWORD: 'xml-curl-matrix-secret' } });
  const url = world.hotline.url;
  const admin = await new ApiClient(url).login(ADMIN.username, ADMIN.password);
  ops = operations((await admin.get('/api/openapi.json')).body);
  const codes = ((await admin.get('/api/permissions')).body as { code: string }[]).map((p) => p.code);
  roles = rolesFromDoc(codes);
  const roleIds = new Map(((await admin.get('/api/roles')).body as { id: string; code: string }[]).map((r) => [r.code, r.id]));
  for (const code of [...roles.keys(), 'none']) {
    const username = `matrix-${code}`;
    const res = await admin.post('/api/agents', { username, password: `${username}-password`, displayName: code, employeeNo: username, roleIds: code === 'none' ? [] : [roleIds.get(code)!] });
    if (res.status !== 201) throw new Error(`${code}: ${JSON.stringify(res.body)}`);
    clients.set(code, await new ApiClient(url).login(username, `${username}-password`));
  }
  roles.set('none', new Set());
}, 120_000);
afterAll(async () => {
  await world?.cleanup();
});

test('docs/permissions.md lists the five roles the matrix covers', () => {
  expect([...roles.keys()].sort()).toEqual(['admin', 'agent', 'none', 'qa', 'supervisor']);
});

test('every route needs a permission unless it is on the reviewed public / any-staff lists', () => {
  const open = ops.filter((o) => o.access === 'public').map((o) => o.key);
  const anyStaff = ops.filter((o) => o.access === 'authenticated').map((o) => o.key);
  expect(open.sort()).toEqual([...PUBLIC].sort());
  expect(anyStaff.sort()).toEqual([...ANY_STAFF].sort());
});

test('every permission a route needs is documented in docs/permissions.md', () => {
  const documented = new Set([...roles.get('admin')!]);
  for (const o of ops) if (typeof o.access === 'object') expect(documented.has(o.access.permission) ? o.access.permission : `${o.key} needs undocumented ${o.access.permission}`).toBe(o.access.permission);
});

test('each cell: no session → 401; without the permission → 403; with it → past the check', async () => {
  const wrong: string[] = [];
  const call = async (client: ApiClient | undefined, o: Operation) => {
    const c = client ?? new ApiClient(world.hotline.url);
    const res = await c.request(o.method, concrete(o.path), o.method === 'GET' || o.method === 'DELETE' ? undefined : {});
    return { status: res.status, message: String((res.body as { error?: { message?: string } } | undefined)?.error?.message ?? '') };
  };
  let cells = 0;
  for (const o of ops) {
    if (o.access === 'public') continue;
    const anonymous = await call(undefined, o);
    if (anonymous.status !== 401) wrong.push(`${o.key} anonymous: ${anonymous.status}`);
    if (o.key === 'POST /api/auth/logout') continue; // would end the sessions the rest of the matrix uses
    for (const [role, held] of roles) {
      cells++;
      const r = await call(clients.get(role), o);
      const mayPass = o.access === 'authenticated' || held.has(o.access.permission);
      const refusedByCheck = r.status === 403 && /needs the permission/.test(r.message);
      if (r.status === 401) wrong.push(`${o.key} as ${role}: 401`);
      else if (mayPass && refusedByCheck) wrong.push(`${o.key} as ${role}: refused although the role holds it`);
      else if (!mayPass && !refusedByCheck) wrong.push(`${o.key} as ${role}: ${r.status} (expected 403 for lacking ${(o.access as { permission: string }).permission})`);
    }
  }
  expect(wrong).toEqual([]);
  expect(cells).toBeGreaterThan(200);
}, 120_000);
