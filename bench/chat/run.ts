/**
 * Web-chat benchmark: VISITORS visitors and AGENTS agents in conversation through
 * one server process (real Postgres and Redis, socket.io over WebSocket).
 * Measures visitor → agent message round trip (send until the agent's socket
 * has it; the message is in Postgres first) and messages per second.
 * env: VISITORS (2000), AGENTS (200), MESSAGES (per visitor, 5).
 * Last line: one JSON object.
 */
import { io, type Socket } from 'socket.io-client';
import { ApiClient } from '../../test/helpers/api-client';
import { ADMIN, createTestWorld } from '../../test/helpers/hotline-under-test';

const VISITORS = Number(process.env.VISITORS ?? 2000);
const AGENTS = Number(process.env.AGENTS ?? 200);
const PER = Number(process.env.MESSAGES ?? 5);

async function pool<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

function connect(url: string, nsp: string, opts: { cookie?: string; token?: string }): Promise<Socket> {
  const s = io(`${url}/${nsp}`, { path: '/api/chat/socket.io', transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: opts.cookie ? { cookie: opts.cookie } : undefined, auth: opts.token ? { token: opts.token } : undefined });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

async function main(): Promise<void> {
  const world = await createTestWorld({ env: { LOG_LEVEL: 'silent' } });
  const sockets: Socket[] = [];
  try {
    const url = world.hotline.url;
    const db = world.hotline.db;
    const admin = await new ApiClient(url).login(ADMIN.username, ADMIN.password);
    const groupId = (await db.query<{ id: string }>("INSERT INTO skill_groups (name) VALUES ('bench') RETURNING id")).rows[0]!.id;
    await admin.post('/api/chat/sites', { key: 'bench', name: 'Bench', groupId });
    // Timers off: the benchmark measures messaging, not idle warnings.
    await admin.put('/api/chat/settings', { timers: { visitorIdleWarn: { enabled: false, seconds: 180, zh: '', en: '' }, visitorIdleClose: { enabled: false, seconds: 120, zh: '', en: '' }, agentReply: { enabled: false, seconds: 120, zh: '', en: '' }, queueTimeout: { enabled: false, seconds: 180, zh: '', en: '' } } });
    const roleId = (await db.query<{ id: string }>("SELECT id FROM roles WHERE code = 'agent'")).rows[0]!.id;
    const capacity = Math.ceil(VISITORS / AGENTS);
    const pending = new Map<string, number>();
    const latencies: number[] = [];
    let received = 0;
    await pool(AGENTS, 16, async (i) => {
      const username = `bench-agent-${i}`;
      const r = await admin.post('/api/agents', { username, password: 'agent-password-1', displayName: `Agent ${i}`, employeeNo: username, roleIds: [roleId], chatCapacity: capacity });
      await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, r.body.id]);
      const api = await new ApiClient(url).login(username, 'agent-password-1');
      const s = await connect(url, 'agent', { cookie: api.cookie });
      sockets.push(s);
      s.on('message', (m: { senderKind: string; clientId: string | null }) => {
        if (m.senderKind !== 'visitor' || !m.clientId) return;
        const t0 = pending.get(m.clientId);
        if (t0 === undefined) return;
        pending.delete(m.clientId);
        latencies.push(performance.now() - t0);
        received++;
      });
      await s.emitWithAck('presence', { state: 'ready' });
    });
    process.stderr.write(`agents ready: ${AGENTS}\n`);
    const visitors = await pool(VISITORS, 50, async () => {
      const res = await fetch(`${url}/api/chat/visitor/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ site: 'bench', page: { url: 'https://bench.example/' } }) });
      const body = (await res.json()) as { token: string };
      const s = await connect(url, 'visitor', { token: body.token });
      sockets.push(s);
      const conv = (await s.timeout(30_000).emitWithAck('start', {})) as { ok: boolean; data: { id: string } };
      return { s, conv: conv.data.id };
    });
    // Wait until every conversation is assigned.
    for (let i = 0; i < 600; i++) {
      const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM chat_conversations WHERE state = 'active'");
      if (Number(rows[0]!.n) >= VISITORS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    process.stderr.write(`visitors in conversation: ${VISITORS}\n`);
    const t0 = performance.now();
    await pool(VISITORS, VISITORS, async (i) => {
      const v = visitors[i]!;
      for (let k = 0; k < PER; k++) {
        const id = `${i}-${k}`;
        pending.set(id, performance.now());
        await v.s.timeout(30_000).emitWithAck('send', { conversationId: v.conv, text: `message ${k} from ${i}`, clientId: id });
      }
    });
    for (let i = 0; i < 300 && pending.size > 0; i++) await new Promise((r) => setTimeout(r, 100));
    const secs = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const q = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN) * 10) / 10;
    process.stdout.write(`${JSON.stringify({ visitors: VISITORS, agents: AGENTS, messages: received, lost: pending.size, messages_per_s: Math.round(received / secs), p50_ms: q(0.5), p99_ms: q(0.99) })}\n`);
  } finally {
    for (const s of sockets) s.disconnect();
    await world.cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
