/**
 * Web-chat benchmark: VISITORS visitors and AGENTS agents in conversation through
 * ONE server process (started as its own process, the way `npm start` runs it, on
 * the real Postgres in a database of its own and the real Redis under a prefix of
 * its own; both removed at the end). This process only plays the clients, so client
 * work does not share the server's event loop: visitors over the widget's socket.io
 * namespace; agents receive on the agent channel (server/realtime) and answer over
 * HTTP, as the workspace does.
 *
 * Round trip = from the sender's `send` until the other party's socket has the
 * message (the server stores it in Postgres before it delivers it).
 *
 * Two phases, default chat settings (timers on, so the per-message timer work is paid):
 *  1. steady: "in conversation": each visitor sends one message every RATE_S seconds
 *     (first one at a random offset, so arrivals are spread) and the agent answers
 *     every visitor message at once; both directions are measured. STEADY_S seconds.
 *     With the defaults: 400 visitor + 400 agent messages per second.
 *  2. burst: every visitor sends BURST messages back to back (next one after the ack),
 *     all 2,000 at the same instant. A worst case, reported for comparison; it runs
 *     second so its backlog (and the autovacuum it triggers) does not leak into phase 1.
 *
 * env: VISITORS (2000), AGENTS (200), RATE_S (5), STEADY_S (30), BURST (5, 0 = skip),
 *      BENCH_TIMEOUT_S (900: the whole run is aborted, and cleaned up, after this).
 * Output: the burst JSON line, then the steady JSON line as the last line (stderr also
 * gets the steady p99 per 5-second window, to show whether the tail is spread or a stall).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { connectAgentSocket } from '../../test/helpers/agent-socket';
import { ApiClient } from '../../test/helpers/api-client';
import { deleteRedisPrefix, TEST_REDIS } from '../../test/helpers/redis-cleanup';
import { startServerProcess, type ServerProcess } from '../../test/helpers/server-process';

const VISITORS = Number(process.env.VISITORS ?? 2000);
const AGENTS = Number(process.env.AGENTS ?? 200);
const RATE_S = Number(process.env.RATE_S ?? 5);
const STEADY_S = Number(process.env.STEADY_S ?? 30);
const BURST = Number(process.env.BURST ?? 5);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 900);
const ADMIN_PG = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN = { username: 'admin', password: 'bench-admin-password' };

type Ack = { ok: boolean; data?: any; error?: { code: string } };
interface Visitor {
  s: Socket;
  conv: string;
}

async function pool<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

function connect(url: string, nsp: string, opts: { cookie?: string; token?: string }): Promise<Socket> {
  const s = io(`${url}/${nsp}`, { path: '/api/chat/socket.io', transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: opts.cookie ? { cookie: opts.cookie } : undefined, auth: opts.token ? { token: opts.token } : undefined });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(sorted: number[], p: number): number {
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN) * 10) / 10;
}

/** In-flight messages by clientId (send time), and what arrived. */
class Meter {
  readonly pending = new Map<string, number>();
  readonly latencies: number[] = [];
  /** [send time, round trip] of each delivered message. */
  readonly timeline: [number, number][] = [];
  errors = 0;
  sent(id: string): void {
    this.pending.set(id, performance.now());
  }
  got(id: string | null): boolean {
    if (!id) return false;
    const t0 = this.pending.get(id);
    if (t0 === undefined) return false;
    this.pending.delete(id);
    const ms = performance.now() - t0;
    this.latencies.push(ms);
    this.timeline.push([t0, ms]);
    return true;
  }
  async drain(ms: number): Promise<void> {
    const end = performance.now() + ms;
    while (this.pending.size > 0 && performance.now() < end) await sleep(50);
  }
  sorted(): number[] {
    return [...this.latencies].sort((a, b) => a - b);
  }
}

async function main(): Promise<void> {
  const id = `${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const dbName = `hotline_bench_${id}`;
  const prefix = `hotline-bench:${id}:`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-'));
  const sockets: Socket[] = [];
  let server: ServerProcess | undefined;
  let db: pg.Pool | undefined;
  let dbCreated = false;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      for (const s of sockets) s.disconnect();
      await server?.stop().catch(() => undefined);
      await db?.end().catch(() => undefined);
      await deleteRedisPrefix(prefix).catch((err: unknown) => process.stderr.write(`redis cleanup failed: ${String(err)}\n`));
      if (dbCreated) {
        const admin = new pg.Client({ connectionString: ADMIN_PG });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    })());
  // Bounded in time: whatever happens, the run ends (and cleans up) by itself.
  const deadline = setTimeout(() => {
    process.stderr.write(`bench aborted after ${TIMEOUT_S} s\n`);
    void cleanup().finally(() => process.exit(1));
  }, TIMEOUT_S * 1000);
  try {
    const admin0 = new pg.Client({ connectionString: ADMIN_PG });
    await admin0.connect();
    await admin0.query(`CREATE DATABASE ${dbName}`);
    await admin0.end();
    dbCreated = true;
    const dbUrl = new URL(ADMIN_PG);
    dbUrl.pathname = `/${dbName}`;
    server = await startServerProcess({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      MEDIA_DIR: path.join(dataDir, 'media'),
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: TEST_REDIS,
      REDIS_PREFIX: prefix,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
      ESL_OUTBOUND_PORT: '0',
    });
    const url = server.url;
    db = new pg.Pool({ connectionString: dbUrl.toString(), max: 4 });
    const admin = await new ApiClient(url).login(ADMIN.username, ADMIN.password);
    const groupId = (await db.query<{ id: string }>("INSERT INTO skill_groups (name) VALUES ('bench') RETURNING id")).rows[0]!.id;
    const site = await admin.post('/api/chat/sites', { key: 'bench', name: 'Bench', groupId });
    if (site.status >= 300) throw new Error(`site: ${site.status} ${JSON.stringify(site.body)}`);
    const roleId = (await db.query<{ id: string }>("SELECT id FROM roles WHERE code = 'agent'")).rows[0]!.id;
    const capacity = Math.ceil(VISITORS / AGENTS);

    // Which meter the agents and visitors report to (burst first, then steady).
    let toAgent = new Meter();
    const toVisitor = new Meter();
    let agentsReply = false;
    let replies = 0;
    await pool(AGENTS, 16, async (i) => {
      const username = `bench-agent-${i}`;
      const r = await admin.post('/api/agents', { username, password: 'agent-password-1', displayName: `Agent ${i}`, employeeNo: username, roleIds: [roleId], chatCapacity: capacity });
      if (r.status >= 300) throw new Error(`agent: ${r.status} ${JSON.stringify(r.body)}`);
      await db!.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, r.body.id]);
      const api = await new ApiClient(url).login(username, 'agent-password-1');
      const s = await connectAgentSocket(url, { cookie: api.cookie });
      sockets.push(s);
      s.on('message', (m: { senderKind: string; clientId: string | null; conversationId: string }) => {
        if (m.senderKind !== 'visitor' || !toAgent.got(m.clientId)) return;
        if (!agentsReply) return;
        // The agent answers every visitor message at once; the visitor side measures that round trip.
        const rid = `r${replies++}`;
        const meter = toVisitor;
        meter.sent(rid);
        api.post(`/api/chat/conversations/${m.conversationId}/messages`, { text: `answer to ${m.clientId}`, clientId: rid }).then(
          (r) => {
            if (r.status !== 201) meter.errors++;
          },
          () => meter.errors++,
        );
      });
      const ready = await api.put('/api/routing/me/presence', { state: 'ready' });
      if (ready.status !== 200) throw new Error(`presence: ${ready.status}`);
    });
    process.stderr.write(`agents ready: ${AGENTS}\n`);
    const visitors: Visitor[] = await pool(VISITORS, 50, async () => {
      const res = await fetch(`${url}/api/chat/visitor/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ site: 'bench', page: { url: 'https://bench.example/' } }) });
      const body = (await res.json()) as { token: string };
      const s = await connect(url, 'visitor', { token: body.token });
      sockets.push(s);
      s.on('message', (m: { senderKind: string; clientId: string | null }) => {
        if (m.senderKind === 'agent') toVisitor.got(m.clientId);
      });
      const conv = (await s.timeout(30_000).emitWithAck('start', {})) as Ack;
      if (!conv.ok) throw new Error(`start: ${JSON.stringify(conv.error)}`);
      return { s, conv: (conv.data as { id: string }).id };
    });
    for (let i = 0; i < 1200; i++) {
      const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM chat_conversations WHERE state = 'active'");
      if (rows[0]!.n >= VISITORS) break;
      await sleep(100);
    }
    process.stderr.write(`visitors in conversation: ${VISITORS}\n`);

    const send = (v: Visitor, meter: Meter, cid: string, text: string) => {
      meter.sent(cid);
      return v.s
        .timeout(30_000)
        .emitWithAck('send', { conversationId: v.conv, text, clientId: cid })
        .then(
          (a: Ack) => {
            if (!a.ok) meter.errors++;
          },
          () => meter.errors++,
        );
    };

    // ── steady ──
    agentsReply = true;
    const fromVisitors = toAgent;
    const fromAgents = toVisitor;
    const t0 = performance.now();
    const endAt = t0 + STEADY_S * 1000;
    await Promise.all(
      visitors.map(async (v, i) => {
        let next = t0 + Math.random() * RATE_S * 1000;
        for (let k = 0; ; k++) {
          if (next >= endAt) return;
          await sleep(Math.max(0, next - performance.now()));
          void send(v, fromVisitors, `s${i}-${k}`, `message ${k} from ${i}`);
          next += RATE_S * 1000;
        }
      }),
    );
    const sendSecs = (performance.now() - t0) / 1000;
    await fromVisitors.drain(15_000);
    agentsReply = false;
    await fromAgents.drain(15_000);
    const all = [...fromVisitors.latencies, ...fromAgents.latencies].sort((a, b) => a - b);
    const v2a = fromVisitors.sorted();
    const a2v = fromAgents.sorted();
    // Where the tail sits in time (p99 per 5-second window of send time) goes to stderr.
    const windows = new Map<number, number[]>();
    for (const [sentAt, ms] of [...fromVisitors.timeline, ...fromAgents.timeline]) {
      const k = Math.floor((sentAt - t0) / 5000);
      const l = windows.get(k);
      if (l) l.push(ms);
      else windows.set(k, [ms]);
    }
    process.stderr.write(`steady p99 per 5 s: ${[...windows.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => quantile(l.sort((x, y) => x - y), 0.99)).join(' ')}\n`);
    const steady = {
      phase: 'steady',
      visitors: VISITORS,
      agents: AGENTS,
      rate_per_visitor_s: RATE_S,
      duration_s: STEADY_S,
      messages: all.length,
      lost: fromVisitors.pending.size + fromAgents.pending.size,
      errors: fromVisitors.errors + fromAgents.errors,
      messages_per_s: Math.round(all.length / sendSecs),
      p50_ms: quantile(all, 0.5),
      p99_ms: quantile(all, 0.99),
      visitor_to_agent_p99_ms: quantile(v2a, 0.99),
      agent_to_visitor_p99_ms: quantile(a2v, 0.99),
    };
    process.stderr.write(`${JSON.stringify(steady)}\n`);

    // ── burst ──
    let burstLine: Record<string, unknown> | undefined;
    if (BURST > 0) {
      await sleep(2000);
      agentsReply = false;
      toAgent = new Meter();
      const t0 = performance.now();
      await Promise.all(
        visitors.map(async (v, i) => {
          for (let k = 0; k < BURST; k++) await send(v, toAgent, `b${i}-${k}`, `message ${k} from ${i}`);
        }),
      );
      await toAgent.drain(30_000);
      const secs = (performance.now() - t0) / 1000;
      const l = toAgent.sorted();
      burstLine = { phase: 'burst', visitors: VISITORS, agents: AGENTS, messages: l.length, lost: toAgent.pending.size, errors: toAgent.errors, messages_per_s: Math.round(l.length / secs), p50_ms: quantile(l, 0.5), p99_ms: quantile(l, 0.99) };
      process.stderr.write(`${JSON.stringify(burstLine)}\n`);
    }

    if (burstLine) process.stdout.write(`${JSON.stringify(burstLine)}\n`);
    process.stdout.write(`${JSON.stringify(steady)}\n`);
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
