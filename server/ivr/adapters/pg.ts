/** Postgres adapters of the engine's ports: the IVR trail, calls, voicemail, survey results. */
import fs from 'node:fs';
import path from 'node:path';
import type { Db, Queryable } from '../../db/pool';
import type { Logger } from '../../logging/logger';
import type { SurveyResult, SurveyStore, TrailEntry, TrailSink, VoicemailMessage, VoicemailStore } from '../engine/ports';

/**
 * The trail of one call. append() only queues: entries are written in order, in batches,
 * one insert at a time per call, so the caller never waits for the database between a
 * key press and the next prompt. flush() waits for everything appended so far.
 */
export class PgTrailSink implements TrailSink {
  #buffer: TrailEntry[] = [];
  #chain: Promise<void> = Promise.resolve();
  #scheduled = false;

  constructor(
    private readonly db: Queryable,
    private readonly log: Logger,
  ) {}

  append(entry: TrailEntry): void {
    this.#buffer.push(entry);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#chain = this.#chain.then(() => this.#write());
    });
  }

  flush(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#write());
    return this.#chain;
  }

  async #write(): Promise<void> {
    const batch = this.#buffer.splice(0);
    if (batch.length === 0) return;
    const values: unknown[] = [];
    const rows = batch.map((e, i) => {
      values.push(e.callId, e.seq, e.at, e.flowId, e.flowVersion, e.nodeId, e.nodeType, e.kind, e.exit ?? null, e.data === undefined ? null : JSON.stringify(e.data));
      const b = i * 10;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10})`;
    });
    try {
      await this.db.query(`INSERT INTO ivr_trail (call_id, seq, at, flow_id, flow_version, node_id, node_type, kind, exit, data) VALUES ${rows.join(', ')}`, values);
    } catch (err) {
      // The call goes on without its trail rather than failing on a storage hiccup.
      this.log.error({ err, callId: batch[0]?.callId, entries: batch.length }, 'IVR trail entries could not be stored');
    }
  }
}

export interface TrailRow {
  seq: number;
  at: string;
  flowId: string | null;
  flowVersion: number | null;
  nodeId: string | null;
  nodeType: string | null;
  kind: string;
  exit: string | null;
  data: Record<string, unknown> | null;
}

export async function readTrail(q: Queryable, callId: string): Promise<TrailRow[]> {
  const { rows } = await q.query<TrailRow>(
    `SELECT seq, at, flow_id AS "flowId", flow_version AS "flowVersion", node_id AS "nodeId", node_type AS "nodeType", kind, exit, data
       FROM ivr_trail WHERE call_id = $1 ORDER BY seq`,
    [callId],
  );
  return rows;
}

export interface CallRow {
  id: string;
  channelUuid: string;
  callerNumber: string;
  destinationNumber: string;
  flowId: string | null;
  flowVersion: number | null;
  startedAt: string;
  ivrEndedAt: string | null;
  ivrOutcome: string | null;
  ivrVariables: Record<string, string> | null;
}

const CALL_COLUMNS = `id, channel_uuid AS "channelUuid", caller_number AS "callerNumber", destination_number AS "destinationNumber", flow_id AS "flowId",
  flow_version AS "flowVersion", started_at AS "startedAt", ivr_ended_at AS "ivrEndedAt", ivr_outcome AS "ivrOutcome", ivr_variables AS "ivrVariables"`;

export async function createCall(q: Queryable, c: { id?: string; channelUuid: string; callerNumber: string; destinationNumber: string; flowId: string | null; flowVersion: number | null }): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO calls (id, channel_uuid, caller_number, destination_number, flow_id, flow_version) VALUES (COALESCE($1::uuid, gen_random_uuid()), $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET flow_id = EXCLUDED.flow_id, flow_version = EXCLUDED.flow_version RETURNING id`,
    [c.id ?? null, c.channelUuid, c.callerNumber, c.destinationNumber, c.flowId, c.flowVersion],
  );
  return rows[0]!.id;
}

export async function finishCall(q: Queryable, id: string, outcome: string, variables: Record<string, string> | null): Promise<void> {
  await q.query('UPDATE calls SET ivr_ended_at = now(), ivr_outcome = $2, ivr_variables = $3 WHERE id = $1', [id, outcome, variables === null ? null : JSON.stringify(variables)]);
}

export async function getCall(q: Queryable, id: string): Promise<CallRow | undefined> {
  const { rows } = await q.query<CallRow>(`SELECT ${CALL_COLUMNS} FROM calls WHERE id = $1`, [id]);
  return rows[0];
}

export async function listCalls(q: Queryable, f: { destination?: string; limit: number }): Promise<CallRow[]> {
  const { rows } = await q.query<CallRow>(`SELECT ${CALL_COLUMNS} FROM calls WHERE ($1::text IS NULL OR destination_number = $1) ORDER BY started_at DESC LIMIT $2`, [f.destination ?? null, f.limit]);
  return rows;
}

/** Voicemail files live under MEDIA_DIR/voicemail/<date>/ (the media server must see the same path). */
export class PgVoicemailStore implements VoicemailStore {
  constructor(
    private readonly db: Db,
    private readonly mediaDir: string,
  ) {}

  allocate(callId: string, nodeId: string): string {
    const dir = path.join(this.mediaDir, 'voicemail', new Date().toISOString().slice(0, 10));
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, `${callId}-${nodeId}.wav`);
  }

  async save(msg: VoicemailMessage): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO voicemails (call_id, flow_id, node_id, mailbox, caller_number, file, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [msg.callId, msg.flowId, msg.nodeId, msg.mailbox, msg.callerNumber, path.relative(this.mediaDir, msg.path), msg.durationMs ?? null],
    );
    return rows[0]!.id;
  }
}

export interface VoicemailRow {
  id: string;
  callId: string;
  flowId: string | null;
  nodeId: string;
  mailbox: string;
  callerNumber: string;
  file: string;
  durationMs: number | null;
  createdAt: string;
}

export async function listVoicemails(q: Queryable, f: { mailbox?: string; callId?: string; limit: number }): Promise<VoicemailRow[]> {
  const { rows } = await q.query<VoicemailRow>(
    `SELECT id, call_id AS "callId", flow_id AS "flowId", node_id AS "nodeId", mailbox, caller_number AS "callerNumber", file, duration_ms AS "durationMs", created_at AS "createdAt"
       FROM voicemails WHERE ($1::text IS NULL OR mailbox = $1) AND ($2::uuid IS NULL OR call_id = $2) ORDER BY created_at DESC LIMIT $3`,
    [f.mailbox ?? null, f.callId ?? null, f.limit],
  );
  return rows;
}

export class PgSurveyStore implements SurveyStore {
  constructor(private readonly db: Db) {}

  async save(r: SurveyResult): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO survey_results (call_id, flow_id, node_id, survey, level1_digit, level1_label, level2_digit, level2_label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [r.callId, r.flowId, r.nodeId, r.survey, r.level1Digit, r.level1Label, r.level2Digit, r.level2Label],
    );
    return rows[0]!.id;
  }
}

export async function listSurveyResults(q: Queryable, f: { callId?: string; survey?: string; limit: number }): Promise<unknown[]> {
  const { rows } = await q.query<Record<string, unknown>>(
    `SELECT id, call_id AS "callId", flow_id AS "flowId", node_id AS "nodeId", survey, level1_digit AS "level1Digit", level1_label AS "level1Label",
            level2_digit AS "level2Digit", level2_label AS "level2Label", created_at AS "createdAt"
       FROM survey_results WHERE ($1::uuid IS NULL OR call_id = $1) AND ($2::text IS NULL OR survey = $2) ORDER BY created_at DESC LIMIT $3`,
    [f.callId ?? null, f.survey ?? null, f.limit],
  );
  return rows;
}
