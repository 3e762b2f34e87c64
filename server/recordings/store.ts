import type { Queryable } from '../db/pool';
import { NotFoundError } from '../platform/errors';
import type { TranscodeResult } from './transcode';

/**
 * A call recording's life:
 * ```
 *  pending ──job picked──▶ processing ──ok──▶ ready
 *     ▲                        │
 *     └──── retry (attempts) ──┴──last attempt fails──▶ failed
 * ```
 */
export type RecordingStatus = 'pending' | 'processing' | 'ready' | 'failed';

export interface Recording {
  id: string;
  callId: string;
  agentIds: string[];
  status: RecordingStatus;
  mimeType: string | null;
  channels: number | null;
  durationMs: number | null;
  sizeBytes: number | null;
  peaks: number[] | null;
  error: string | null;
  createdAt: string;
  readyAt: string | null;
}

export interface RecordingFiles {
  rawPath: string;
  filePath: string | null;
}

const COLUMNS = `id, call_id AS "callId", agent_ids AS "agentIds", status, mime_type AS "mimeType", channels,
  duration_ms AS "durationMs", size_bytes AS "sizeBytes", peaks, error, created_at AS "createdAt", ready_at AS "readyAt"`;

/**
 * Registers a raw recording; idempotent per file: registering the same file again returns
 * the existing row (with any new agents added) and `created: false`.
 */
export async function insertRecording(q: Queryable, r: { callId: string; agentIds: string[]; rawPath: string }): Promise<Recording & { created: boolean }> {
  const { rows } = await q.query<Recording & { created: boolean }>(
    `INSERT INTO recordings (call_id, agent_ids, raw_path) VALUES ($1, $2, $3)
     ON CONFLICT (raw_path) DO UPDATE SET agent_ids = ARRAY(SELECT DISTINCT unnest(recordings.agent_ids || EXCLUDED.agent_ids))
     RETURNING ${COLUMNS}, (xmax = 0) AS created`,
    [r.callId, r.agentIds, r.rawPath],
  );
  return rows[0]!;
}

export async function getRecording(q: Queryable, id: string): Promise<Recording & RecordingFiles> {
  const { rows } = await q.query<Recording & RecordingFiles>(`SELECT ${COLUMNS}, raw_path AS "rawPath", file_path AS "filePath" FROM recordings WHERE id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('Recording');
  return rows[0];
}

export async function listRecordings(q: Queryable, f: { callId?: string; agentId?: string; limit: number }): Promise<Recording[]> {
  const { rows } = await q.query<Recording>(
    `SELECT ${COLUMNS} FROM recordings WHERE ($1::text IS NULL OR call_id = $1) AND ($2::uuid IS NULL OR $2 = ANY(agent_ids))
      ORDER BY created_at DESC LIMIT $3`,
    [f.callId ?? null, f.agentId ?? null, f.limit],
  );
  return rows;
}

/** Claims a recording for processing; false when another worker already finished it. */
export async function markProcessing(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query(`UPDATE recordings SET status = 'processing', attempts = attempts + 1 WHERE id = $1 AND status IN ('pending', 'processing', 'failed')`, [id]);
  return Boolean(rowCount);
}

export async function markReady(q: Queryable, id: string, filePath: string, r: TranscodeResult): Promise<void> {
  await q.query(
    `UPDATE recordings SET status = 'ready', file_path = $2, mime_type = $3, channels = $4, duration_ms = $5, size_bytes = $6, peaks = $7, error = NULL, ready_at = now() WHERE id = $1`,
    [id, filePath, r.mimeType, r.channels, r.durationMs, r.sizeBytes, JSON.stringify(r.peaks)],
  );
}

/** `final` false leaves it pending for the next attempt, with the error kept for people to see. */
export async function markFailed(q: Queryable, id: string, error: string, final: boolean): Promise<void> {
  await q.query(`UPDATE recordings SET status = $3, error = $2 WHERE id = $1`, [id, error.slice(0, 2000), final ? 'failed' : 'pending']);
}

/** Recordings whose job may have been lost with Redis: re-enqueued at start. */
export async function unfinishedRecordingIds(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(`SELECT id FROM recordings WHERE status IN ('pending', 'processing') ORDER BY created_at`);
  return rows.map((r) => r.id);
}

export async function logPlay(q: Queryable, id: string, who: { userId: string; username: string }, ip: string | undefined): Promise<void> {
  await q.query('INSERT INTO recording_plays (recording_id, user_id, username, ip) VALUES ($1, $2, $3, $4)', [id, who.userId, who.username, ip ?? null]);
}

export async function listPlays(q: Queryable, id: string): Promise<{ userId: string; username: string; at: string; ip: string | null }[]> {
  const { rows } = await q.query<{ userId: string; username: string; at: string; ip: string | null }>(
    `SELECT user_id AS "userId", username, at, ip FROM recording_plays WHERE recording_id = $1 ORDER BY at DESC`,
    [id],
  );
  return rows;
}
