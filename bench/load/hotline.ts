/**
 * Hotline for one bench step, in this process: a fresh Postgres database and Redis key
 * prefix (as test/helpers/hotline-under-test.ts does), its log in the run folder, the
 * call-path modules, a `queue` → `hangup` flow on the bench's number and N agents on
 * external phones. Without `esl` the FreeSWITCH simulator runs instead (simulator mode).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { blacklistModule } from '../../server/blacklist/module';
import { CALLS_SERVICE, callsModule, type CallsService } from '../../server/calls/module';
import { loadConfig } from '../../server/config/config';
import { MediaFiles } from '../../server/ivr/prompts/media-files';
import type { Db } from '../../server/db/pool';
import { endpointsModule } from '../../server/endpoints/module';
import { ensureEndpoint } from '../../server/endpoints/store';
import { startHotline, type Hotline } from '../../server/hotline';
import { ivrModule } from '../../server/ivr/module';
import { createFlow, publishDraft } from '../../server/ivr/store/flows';
import { realtimeModule } from '../../server/realtime/module';
import { recordingsModule } from '../../server/recordings/module';
import type { RoutingEngine } from '../../server/routing/engine';
import { routingModule, ROUTING_SERVICE } from '../../server/routing/module';
import { telephonyModule } from '../../server/telephony/module';
import { deleteRedisPrefix, TEST_REDIS } from '../../test/helpers/redis-cleanup';

const ADMIN_PG = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchHotline {
  hotline: Hotline;
  db: Db;
  acd: RoutingEngine;
  calls: CallsService;
  redisPrefix: string;
  /** Agent user id by phone number. */
  agents: Map<string, string>;
  /** Writes out Hotline's buffered log lines (hotline.log in the run folder). */
  flushLog(): Promise<void>;
  close(): Promise<void>;
}

export interface BenchHotlineOptions {
  dir: string;
  logLevel: string;
  /** host:port:password of a real FreeSWITCH; undefined runs the simulator. */
  esl?: string;
  outboundPort: number;
  gatewayDial?: string;
  number: string;
  agentNumbers: string[];
  patienceS: number;
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_PG });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export async function startBenchHotline(o: BenchHotlineOptions): Promise<BenchHotline> {
  const id = `${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const dbName = `hotline_load_${id}`;
  const redisPrefix = `hotline-load:${id}:`;
  const dataDir = fs.mkdtempSync(path.join(o.dir, 'hotline-data-'));
  await adminQuery(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_PG);
  url.pathname = `/${dbName}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    MEDIA_DIR: path.join(dataDir, 'media'),
    DATABASE_URL: url.toString(),
    REDIS_URL: TEST_REDIS,
    REDIS_PREFIX: redisPrefix,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'admin-load-password',
    LOG_LEVEL: o.logLevel,
    ESL_OUTBOUND_HOST: '127.0.0.1',
    ESL_OUTBOUND_PORT: String(o.outboundPort),
    ...(o.esl ? { FREESWITCH_ESL: o.esl } : {}),
    ...(o.gatewayDial ? { CALLS_GATEWAY_DIAL: o.gatewayDial } : {}),
  });
  // Hotline's own log, kept with the run's raw outputs: the evidence when something leaks.
  const logger = pino({ level: o.logLevel }, pino.destination({ dest: path.join(o.dir, 'hotline.log'), sync: false }));
  const modules = [telephonyModule(), realtimeModule(), routingModule(), recordingsModule(), endpointsModule(), blacklistModule(), callsModule(), ivrModule({ seedSample: false })];
  const hotline = await startHotline(config, logger, { modules });
  const db = hotline.db;
  const acd = hotline.services.get(ROUTING_SERVICE) as RoutingEngine;
  const calls = hotline.services.get(CALLS_SERVICE) as CallsService;
  const close = async (): Promise<void> => {
    await hotline.close().catch(() => undefined);
    await deleteRedisPrefix(redisPrefix).catch(() => undefined);
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    logger.flush();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const agents = await setUp(db, acd, o, config.mediaDir);
    const flushLog = (): Promise<void> => new Promise((resolve) => logger.flush(() => resolve()));
    return { hotline, db, acd, calls, redisPrefix, agents, flushLog, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The scenario: queue then hang up; wrap-up 0, no agent is set not-ready for misses. */
async function setUp(db: Db, acd: RoutingEngine, o: BenchHotlineOptions, mediaDir: string): Promise<Map<string, string>> {
  const groupName = `load${crypto.randomBytes(3).toString('hex')}`;
  const groupId = (await db.query<{ id: string }>('INSERT INTO skill_groups (name) VALUES ($1) RETURNING id', [groupName])).rows[0]!.id;
  const flow = await createFlow(db, {
    name: `bench-load-${groupName}`,
    description: 'bench/load: queue then hang up',
    draft: {
      name: 'bench-load',
      language: 'en',
      start: 'queue',
      nodes: [
        { id: 'queue', type: 'queue', params: { skillGroup: groupName, timeoutSec: Math.max(5, Math.round(o.patienceS)), holdMusic: { file: 'local_stream://moh' } }, exits: { answered: 'bye', timeout: 'bye', full: 'bye', no_agents: 'bye' } },
        { id: 'bye', type: 'hangup', params: {} },
      ],
    },
  });
  await publishDraft(db, flow.id, null, 'bench-load', new MediaFiles(mediaDir));
  await db.query('INSERT INTO ivr_service_numbers (number, flow_id) VALUES ($1, $2)', [o.number, flow.id]);
  await db.query('UPDATE routing_settings SET offer_timeout_voice_seconds = 20, wrap_up_seconds = 0, missed_offers_before_not_ready = 0');
  await acd.reloadConfig();

  const agents = new Map<string, string>();
  for (const number of o.agentNumbers) {
    const username = `load${number}`;
    const uid = (await db.query<{ id: string }>("INSERT INTO users (username, password_hash, display_name, employee_no) VALUES ($1, 'x', $1, $1) RETURNING id", [username])).rows[0]!.id;
    await ensureEndpoint(db, { id: uid, username });
    await db.query("UPDATE agent_endpoints SET mode = 'external', external_number = $2 WHERE user_id = $1", [uid, number]);
    await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, uid]);
    await acd.syncAgent(uid);
    await acd.setPresence(uid, { state: 'ready' });
    agents.set(number, uid);
  }
  const ours = new Set(agents.values());
  const unable = (await acd.agents()).filter((a) => ours.has(a.agentId) && (a.capacity.voice < 1 || a.presence.state !== 'ready'));
  if ((await acd.agents()).filter((a) => ours.has(a.agentId)).length !== ours.size) throw new Error('bench/load: not every agent reached the ACD');
  if (unable.length > 0) throw new Error(`bench/load: ${unable.length} external-phone agents cannot take calls (voice capacity ${unable[0]!.capacity.voice}, ${unable[0]!.presence.state})`);
  return agents;
}

/** What Hotline still holds after the run: each should be 0. */
export async function hotlineLeaks(h: BenchHotline): Promise<{ stuck_agents: number; stuck_contacts: number; open_records: number; open_sessions: number; stuck_agent_ids: string[]; stuck_agent_state: object[]; open_contacts: object[] }> {
  const ours = new Set(h.agents.values());
  const live = (await h.acd.agents()).filter((a) => ours.has(a.agentId));
  const stuck = live.filter((a) => a.load.voice > 0 || a.load.pendingOffers > 0 || a.presence.state !== 'ready');
  const contacts = (await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM routing_contacts WHERE status IN ('queued', 'active')")).rows[0]!.n;
  const waiting = (await h.acd.queues()).reduce((n, q) => n + q.channels.voice.waiting, 0);
  const open = (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM calls WHERE ended_at IS NULL')).rows[0]!.n;
  // Evidence for the report: what the ACD holds for stuck agents, and the contacts still open.
  const numberOf = new Map([...h.agents].map(([n, id]) => [id, n]));
  const stuckState = stuck.slice(0, 20).map((a) => ({ agent: numberOf.get(a.agentId), agentId: a.agentId, presence: a.presence.state, load: a.load, misses: a.misses }));
  const openContacts = (
    await h.db.query(
      `SELECT rc.id, rc.status, rc.enqueued_at, rc.accepted_at, rc.agent_id, c.id AS call_id, c.caller_number, c.disposition, c.ended_at
         FROM routing_contacts rc LEFT JOIN calls c ON c.id::text = rc.id WHERE rc.status IN ('queued', 'active') ORDER BY rc.enqueued_at LIMIT 20`,
    )
  ).rows;
  return { stuck_agents: stuck.length, stuck_contacts: Math.max(contacts, waiting), open_records: open, open_sessions: h.calls.sessions.list().length, stuck_agent_ids: stuck.map((a) => a.agentId), stuck_agent_state: stuckState, open_contacts: openContacts };
}

export interface CallRow {
  caller_number: string;
  disposition: string | null;
  started_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  agent_number: string | null;
  id: string;
}

export async function callRows(h: BenchHotline): Promise<CallRow[]> {
  return (
    await h.db.query<CallRow>(
      `SELECT c.id, c.caller_number, c.disposition, c.started_at, c.answered_at, c.ended_at, e.external_number AS agent_number
         FROM calls c LEFT JOIN agent_endpoints e ON e.user_id = c.agent_id WHERE c.direction = 'inbound'`,
    )
  ).rows;
}
